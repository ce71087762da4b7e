package org.recformer.backend.cpu;

/** Layer normalization over the last dimension. */
final class CpuNorm {
    private CpuNorm() {}

    static void layerNormForward(float[] in, float[] weight, float[] bias, float[] out, float[] mean, float[] rstd,
                                 int rows, int cols, float eps) {
        throw new UnsupportedOperationException("layerNormForward");
    }

    static void layerNormBackward(float[] gradOut, float[] in, float[] weight, float[] mean, float[] rstd,
                                  float[] gradIn, float[] gradWeight, float[] gradBias, int rows, int cols) {
        throw new UnsupportedOperationException("layerNormBackward");
    }
}
