package org.recformer.backend.cpu;

/** Fused Longformer sliding-window + global attention (SPEC section 3), forward and backward. */
final class CpuAttention {
    private CpuAttention() {}

    static void forward(float[] q, float[] k, float[] v, float[] qg, float[] kg, float[] vg,
                        int[] attentionMask, int[] globalMask, int batch, int seq, int heads, int headDim,
                        int w, float dropoutP, long seed, float[] out, float[] saved) {
        throw new UnsupportedOperationException("attention");
    }

    static int savedSize(int batch, int seq, int heads, int headDim, int w, int maxGlobal) {
        throw new UnsupportedOperationException("attention");
    }

    static void backward(float[] q, float[] k, float[] v, float[] qg, float[] kg, float[] vg,
                         int[] attentionMask, int[] globalMask, int batch, int seq, int heads, int headDim,
                         int w, float dropoutP, long seed, float[] out, float[] saved, float[] gradOut,
                         float[] gq, float[] gk, float[] gv, float[] gqg, float[] gkg, float[] gvg) {
        throw new UnsupportedOperationException("attention backward");
    }
}
