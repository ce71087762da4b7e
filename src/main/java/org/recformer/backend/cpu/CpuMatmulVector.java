package org.recformer.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The optional matmul micro-kernel on the incubating Vector API, used only when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} (see {@link CpuMatmul}); no other class touches
 * {@code jdk.incubator.vector}, so without the module this class is simply never loaded.
 *
 * <p>It keeps a {@link #MR} x (2 vectors) block of C in registers over the whole depth block,
 * which plain loops cannot express (C2 keeps auto-vectorized accumulators in memory): per depth
 * step two vector loads of packed B and MR broadcasts of packed A feed 2 MR FMAs.
 */
final class CpuMatmulVector {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Rows of C held in registers. */
    static final int MR = 6;
    /** Columns of C held in registers (two vectors). */
    static final int NR = 2 * L;

    private CpuMatmulVector() {}

    /**
     * C[i0 .. i0+mc][j0 .. j0+nc] (+)= A x packed, where packedA holds op(A) for these rows and this
     * depth block as MR-row groups ({@code packedA[(g * kc + p) * MR + r]}, zeros for missing rows)
     * and packed[p][j] holds op(B), zero beyond nc up to a multiple of NR. {@code load}: add to C
     * instead of overwriting it.
     */
    static void multiply(float[] packedA, float[][] packed, int kc, float[] c, int offC, int ldc,
                         int mc, int nc, boolean load) {
        float[] tile = new float[MR * NR];
        for (int g = 0; g * MR < mc; g++) {
            int rows = Math.min(MR, mc - g * MR);
            int aBase = g * kc * MR;
            for (int j = 0; j < nc; j += NR) {
                FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
                FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
                FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
                FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
                FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
                FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
                for (int p = 0; p < kc; p++) {
                    float[] row = packed[p];
                    FloatVector b0 = FloatVector.fromArray(S, row, j);
                    FloatVector b1 = FloatVector.fromArray(S, row, j + L);
                    int ap = aBase + p * MR;
                    FloatVector x = FloatVector.broadcast(S, packedA[ap]);
                    c00 = x.fma(b0, c00);
                    c01 = x.fma(b1, c01);
                    x = FloatVector.broadcast(S, packedA[ap + 1]);
                    c10 = x.fma(b0, c10);
                    c11 = x.fma(b1, c11);
                    x = FloatVector.broadcast(S, packedA[ap + 2]);
                    c20 = x.fma(b0, c20);
                    c21 = x.fma(b1, c21);
                    x = FloatVector.broadcast(S, packedA[ap + 3]);
                    c30 = x.fma(b0, c30);
                    c31 = x.fma(b1, c31);
                    x = FloatVector.broadcast(S, packedA[ap + 4]);
                    c40 = x.fma(b0, c40);
                    c41 = x.fma(b1, c41);
                    x = FloatVector.broadcast(S, packedA[ap + 5]);
                    c50 = x.fma(b0, c50);
                    c51 = x.fma(b1, c51);
                }
                // through a small array, so no vector value escapes into a call (that would box it)
                c00.intoArray(tile, 0);
                c01.intoArray(tile, L);
                c10.intoArray(tile, NR);
                c11.intoArray(tile, NR + L);
                c20.intoArray(tile, 2 * NR);
                c21.intoArray(tile, 2 * NR + L);
                c30.intoArray(tile, 3 * NR);
                c31.intoArray(tile, 3 * NR + L);
                c40.intoArray(tile, 4 * NR);
                c41.intoArray(tile, 4 * NR + L);
                c50.intoArray(tile, 5 * NR);
                c51.intoArray(tile, 5 * NR + L);
                int cols = Math.min(NR, nc - j);
                for (int r = 0; r < rows; r++) {
                    int off = offC + (g * MR + r) * ldc + j;
                    for (int q = 0; q < cols; q++) c[off + q] = load ? c[off + q] + tile[r * NR + q] : tile[r * NR + q];
                }
            }
        }
    }
}
