package org.recformer.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The optional matmul micro-kernels on the incubating Vector API, used only when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} (see {@link CpuMatmul}); no other class touches
 * {@code jdk.incubator.vector}, so without the module this class is simply never loaded.
 *
 * <p>A kernel keeps an {@link #MR} x {@link #NR} block of C in registers over a whole depth block,
 * which plain loops cannot express (C2 keeps auto-vectorized accumulators in memory). Per depth step
 * it loads one row of a packed B panel (contiguous) and broadcasts MR values of packed A. The block
 * is sized to the register file: with 512-bit vectors (32 registers) 8 rows x 3 vectors, 24
 * accumulators; with narrower ones (16 registers) 6 rows x 2 vectors, 12 accumulators.
 */
final class CpuMatmulVector {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Whether the 8 x 3-vector kernel fits the registers (512-bit vectors, 32 registers). */
    private static final boolean WIDE = L >= 16;
    /** Rows of C held in registers. */
    static final int MR = WIDE ? 8 : 6;
    /** Columns of C held in registers. */
    static final int NR = (WIDE ? 3 : 2) * L;

    private CpuMatmulVector() {}

    /**
     * C[0 .. mc][0 .. nc] at offC (row stride ldc) (+)= A x B over one depth block of kc, where
     * {@code packedA[(g * kc + p) * MR + r]} holds op(A) row g * MR + r and
     * {@code packedB[offB + (q * kc + p) * NR + j]} holds op(B) column q * NR + j (whatever lies past
     * mc rows and nc columns only reaches tile entries that are not stored).
     * {@code load}: add to C instead of overwriting it.
     */
    static void multiply(float[] packedA, float[] packedB, int offB, int kc, float[] c, int offC, int ldc,
                         int mc, int nc, boolean load) {
        float[] tile = new float[MR * NR];
        for (int g = 0; g * MR < mc; g++) {
            int rows = Math.min(MR, mc - g * MR);
            for (int q = 0; q * NR < nc; q++) {
                if (WIDE) kernel8x3(packedA, g * kc * MR, packedB, offB + q * kc * NR, kc, tile);
                else kernel6x2(packedA, g * kc * MR, packedB, offB + q * kc * NR, kc, tile);
                store(tile, c, offC + g * MR * ldc + q * NR, ldc, rows, Math.min(NR, nc - q * NR), load);
            }
        }
    }

    /** C rows [0, rows) x columns [0, cols) at off (+)= tile; whole vectors where the row is full. */
    private static void store(float[] tile, float[] c, int off, int ldc, int rows, int cols, boolean load) {
        for (int r = 0; r < rows; r++) {
            int at = off + r * ldc;
            if (cols == NR) {
                for (int v = 0; v < NR; v += L) {
                    FloatVector x = FloatVector.fromArray(S, tile, r * NR + v);
                    if (load) x = x.add(FloatVector.fromArray(S, c, at + v));
                    x.intoArray(c, at + v);
                }
            } else {
                for (int j = 0; j < cols; j++) c[at + j] = load ? c[at + j] + tile[r * NR + j] : tile[r * NR + j];
            }
        }
    }

    /** tile = 8 rows of packed A (from a) x 3-vector panel of packed B (from b) over kc. */
    private static void kernel8x3(float[] pa, int a, float[] pb, int b, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ia = a + p * 8, ib = b + p * (3 * L);
            FloatVector b0 = FloatVector.fromArray(S, pb, ib);
            FloatVector b1 = FloatVector.fromArray(S, pb, ib + L);
            FloatVector b2 = FloatVector.fromArray(S, pb, ib + 2 * L);
            FloatVector x = FloatVector.broadcast(S, pa[ia]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, pa[ia + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, pa[ia + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, pa[ia + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, pa[ia + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, pa[ia + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, pa[ia + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, pa[ia + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        // through the tile array, so no vector value escapes into a call (that would box it)
        int w = 3 * L;
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c10.intoArray(tile, w);
        c11.intoArray(tile, w + L);
        c12.intoArray(tile, w + 2 * L);
        c20.intoArray(tile, 2 * w);
        c21.intoArray(tile, 2 * w + L);
        c22.intoArray(tile, 2 * w + 2 * L);
        c30.intoArray(tile, 3 * w);
        c31.intoArray(tile, 3 * w + L);
        c32.intoArray(tile, 3 * w + 2 * L);
        c40.intoArray(tile, 4 * w);
        c41.intoArray(tile, 4 * w + L);
        c42.intoArray(tile, 4 * w + 2 * L);
        c50.intoArray(tile, 5 * w);
        c51.intoArray(tile, 5 * w + L);
        c52.intoArray(tile, 5 * w + 2 * L);
        c60.intoArray(tile, 6 * w);
        c61.intoArray(tile, 6 * w + L);
        c62.intoArray(tile, 6 * w + 2 * L);
        c70.intoArray(tile, 7 * w);
        c71.intoArray(tile, 7 * w + L);
        c72.intoArray(tile, 7 * w + 2 * L);
    }

    /** tile = 6 rows of packed A (from a) x 2-vector panel of packed B (from b) over kc. */
    private static void kernel6x2(float[] pa, int a, float[] pb, int b, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ia = a + p * 6, ib = b + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(S, pb, ib);
            FloatVector b1 = FloatVector.fromArray(S, pb, ib + L);
            FloatVector x = FloatVector.broadcast(S, pa[ia]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, pa[ia + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, pa[ia + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, pa[ia + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, pa[ia + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, pa[ia + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        int w = 2 * L;
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, w);
        c11.intoArray(tile, w + L);
        c20.intoArray(tile, 2 * w);
        c21.intoArray(tile, 2 * w + L);
        c30.intoArray(tile, 3 * w);
        c31.intoArray(tile, 3 * w + L);
        c40.intoArray(tile, 4 * w);
        c41.intoArray(tile, 4 * w + L);
        c50.intoArray(tile, 5 * w);
        c51.intoArray(tile, 5 * w + L);
    }
}
