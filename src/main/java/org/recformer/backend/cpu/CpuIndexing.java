package org.recformer.backend.cpu;

/** Row gather (embedding lookup) and its scatter-add gradient. */
final class CpuIndexing {
    private CpuIndexing() {}

    static void gatherRows(float[] table, int rows, int cols, int[] ids, float[] out) {
        throw new UnsupportedOperationException("gatherRows");
    }

    static void scatterAddRows(float[] grad, int cols, int[] ids, float[] tableGrad, int skipId) {
        throw new UnsupportedOperationException("scatterAddRows");
    }
}
