package org.recformer.backend.cpu;

/**
 * Small matrix products whose operands the caller has already packed in the matmul micro-kernel's
 * panel layout (the attention gathers one head's rows of q, k, v straight into it):
 * C = A B over depth kc, with
 * <ul>
 *   <li>A in groups of {@link #MR} rows: {@code a[(g * kc + p) * MR + r]} = A[g * MR + r][p];</li>
 *   <li>B in panels of {@link #NR} columns: {@code b[(q * kc + p) * NR + j]} = B[p][q * NR + j];</li>
 *   <li>C at {@code c[offC + i * ldc + j]} for rows [0, mc) x columns [0, nc), written or added to.</li>
 * </ul>
 * Rows of A past mc and columns of B past nc may hold anything: they only reach results that are
 * not stored. {@link CpuMatmulVector}'s register-blocked kernel runs when the Vector API is on
 * ({@link CpuMatmul#VECTOR}), plain loops over the same layout otherwise.
 */
final class CpuPackedProduct {
    /** Rows of A per packed group. */
    static final int MR = CpuMatmul.VECTOR ? CpuMatmulVector.MR : 4;
    /** Columns of B per packed panel. */
    static final int NR = CpuMatmul.VECTOR ? CpuMatmulVector.NR : 16;

    private CpuPackedProduct() {}

    /** C[0 .. mc)[0 .. nc) (+)= A B over depth kc (packed as the class doc says); {@code add}: add to C. */
    static void multiply(float[] a, float[] b, int kc, float[] c, int offC, int ldc, int mc, int nc, boolean add) {
        if (mc <= 0 || nc <= 0) return;
        if (CpuMatmul.VECTOR) CpuMatmulVector.multiply(a, 0, b, 0, kc, c, offC, ldc, mc, nc, add, null, 0);
        else multiplyPlain(a, b, kc, c, offC, ldc, mc, nc, add);
    }

    /** The plain-loop product over the same layout (also what tests compare the kernel with). */
    static void multiplyPlain(float[] a, float[] b, int kc, float[] c, int offC, int ldc, int mc, int nc, boolean add) {
        float[] tile = new float[MR * NR];
        for (int g = 0; g * MR < mc; g++) {
            int rows = Math.min(MR, mc - g * MR);
            for (int q = 0; q * NR < nc; q++) {
                int cols = Math.min(NR, nc - q * NR);
                java.util.Arrays.fill(tile, 0f);
                for (int p = 0; p < kc; p++) {
                    int ia = (g * kc + p) * MR, ib = (q * kc + p) * NR;
                    for (int r = 0; r < rows; r++) {
                        float x = a[ia + r];
                        for (int j = 0; j < cols; j++) tile[r * NR + j] = Math.fma(x, b[ib + j], tile[r * NR + j]);
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int at = offC + (g * MR + r) * ldc + q * NR;
                    for (int j = 0; j < cols; j++) c[at + j] = add ? c[at + j] + tile[r * NR + j] : tile[r * NR + j];
                }
            }
        }
    }
}
