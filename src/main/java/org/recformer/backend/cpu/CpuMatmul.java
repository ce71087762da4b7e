package org.recformer.backend.cpu;

/** Single-precision matrix products, blocked for the caches and split across cores. */
final class CpuMatmul {
    private CpuMatmul() {}

    static void matmul(float[] a, float[] b, float[] c, int batch, int m, int n, int k,
                       boolean transA, boolean transB, int strideA, int strideB, int strideC, boolean accumulate) {
        throw new UnsupportedOperationException("matmul");
    }
}
