package org.recformer.backend.cpu;

import java.util.Arrays;

/**
 * Single-precision matrix products, blocked for the caches and split across cores.
 *
 * <p>C[b] (M x N) = op(A[b]) (M x K) x op(B[b]) (K x N), where op is a transpose read through the
 * index arithmetic (no copy of the operands). The work is cut into tasks of {@link #MC} rows by
 * {@link #NC} columns of one batch entry; each task walks the depth in blocks of {@link #KC}:
 * <ol>
 *   <li>it packs the KC x NC block of op(B) into one array per row (contiguous, in L2), and</li>
 *   <li>for each group of {@link #MR} rows of C it loads those rows into {@code tile} arrays (in L1),
 *       adds the products with the packed block in the micro-kernel, and stores them back.</li>
 * </ol>
 * The micro-kernel's inner loop runs over a contiguous row of NC floats with MR accumulator rows
 * and two depth steps, using only whole-array indexing ({@code row[j]}): that is the shape C2's
 * superword pass turns into AVX2/AVX-512 FMA code on plain {@code java -jar}, without the Vector
 * API. (Offsets such as {@code c[base + j]} make C2 give up on vectorizing, hence one array per
 * row.) Missing rows and an odd last depth step read zeros, so one kernel covers every size.
 */
final class CpuMatmul {
    /** Rows of C per micro-kernel call (accumulator rows). */
    static final int MR = 4;
    /** Depth of one packed block of B. */
    static final int KC = 256;
    /** Columns of one task (length of the micro-kernel's inner loop). */
    static final int NC = 256;
    /** Rows of C per task. */
    static final int MC = 64;

    /** Per-thread packed B block (KC + 1 rows, the last a zero row for an odd depth) and C tile rows. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final float[][] packedB = new float[KC + 1][NC];
        final float[][] tile = new float[MR][NC];
    }

    private CpuMatmul() {}

    static void matmul(float[] a, float[] b, float[] c, int batch, int m, int n, int k,
                       boolean transA, boolean transB, int strideA, int strideB, int strideC, boolean accumulate) {
        if (batch <= 0 || m <= 0 || n <= 0) return;
        Operands op = new Operands(a, b, c, m, n, k, transA, transB, strideA, strideB, strideC);
        if (strideC != 0 || batch == 1) {
            run(op, 0, batch, accumulate);
        } else {
            // One C for the whole batch: the products are summed into it, one batch entry at a time.
            for (int bi = 0; bi < batch; bi++) run(op, bi, bi + 1, accumulate || bi > 0);
        }
    }

    /** Runs batch entries [batchFrom, batchTo) as MC x NC tasks split across cores. */
    private static void run(Operands op, int batchFrom, int batchTo, boolean accumulate) {
        int rowBlocks = (op.m + MC - 1) / MC;
        int colBlocks = (op.n + NC - 1) / NC;
        int perBatch = rowBlocks * colBlocks;
        int tasks = (batchTo - batchFrom) * perBatch;
        long flopsPerTask = 2L * Math.min(op.m, MC) * Math.min(op.n, NC) * Math.max(op.k, 1);
        int grain = (int) Math.min(tasks, (1 << 18) / flopsPerTask + 1); // ~0.25 MFLOP before forking
        Parallel.forRange(tasks, grain, (from, to) -> {
            Scratch s = SCRATCH.get();
            for (int t = from; t < to; t++) {
                int bi = batchFrom + t / perBatch;
                int i0 = (t % perBatch / colBlocks) * MC;
                int j0 = (t % colBlocks) * NC;
                op.block(s, bi, i0, Math.min(MC, op.m - i0), j0, Math.min(NC, op.n - j0), accumulate);
            }
        });
    }

    /** The operands of one call and the index arithmetic for op(A) and op(B). */
    private static final class Operands {
        final float[] a, b, c;
        final int m, n, k, strideA, strideB, strideC;
        /** op(A)[i][p] = a[offA + i * aRow + p * aCol]. */
        final int aRow, aCol;
        /** op(B)[p][j] = b[offB + p * bRow + j * bCol]. */
        final int bRow, bCol;

        Operands(float[] a, float[] b, float[] c, int m, int n, int k, boolean transA, boolean transB,
                 int strideA, int strideB, int strideC) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.m = m;
            this.n = n;
            this.k = k;
            this.strideA = strideA;
            this.strideB = strideB;
            this.strideC = strideC;
            this.aRow = transA ? 1 : k;
            this.aCol = transA ? m : 1;
            this.bRow = transB ? 1 : n;
            this.bCol = transB ? k : 1;
        }

        /** C[bi][i0 .. i0+mc, j0 .. j0+nc] (+)= op(A) op(B) over the whole depth. */
        void block(Scratch s, int bi, int i0, int mc, int j0, int nc, boolean accumulate) {
            int offA = bi * strideA, offB = bi * strideB, offC = bi * strideC;
            if (k == 0) {
                if (!accumulate) {
                    for (int i = i0; i < i0 + mc; i++) Arrays.fill(c, offC + i * n + j0, offC + i * n + j0 + nc, 0f);
                }
                return;
            }
            float[][] tile = s.tile;
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                packB(s.packedB, offB, p0, kc, j0, nc);
                boolean load = accumulate || p0 > 0;
                for (int i = i0; i < i0 + mc; i += MR) {
                    int rows = Math.min(MR, i0 + mc - i);
                    for (int r = 0; r < MR; r++) {
                        if (load && r < rows) System.arraycopy(c, offC + (i + r) * n + j0, tile[r], 0, nc);
                        else Arrays.fill(tile[r], 0, nc, 0f);
                    }
                    kernel(offA + i * aRow + p0 * aCol, rows, kc, s.packedB, tile[0], tile[1], tile[2], tile[3], nc);
                    for (int r = 0; r < rows; r++) System.arraycopy(tile[r], 0, c, offC + (i + r) * n + j0, nc);
                }
            }
        }

        /** packed[p][j] = op(B)[p0 + p][j0 + j]; a zero row follows an odd depth. */
        private void packB(float[][] packed, int offB, int p0, int kc, int j0, int nc) {
            for (int p = 0; p < kc; p++) {
                float[] row = packed[p];
                int src = offB + (p0 + p) * bRow + j0 * bCol;
                if (bCol == 1) {
                    System.arraycopy(b, src, row, 0, nc);
                } else {
                    for (int j = 0; j < nc; j++) row[j] = b[src + j * bCol];
                }
            }
            if ((kc & 1) == 1) Arrays.fill(packed[kc], 0, nc, 0f);
        }

        /** op(A)[row][p] relative to {@code base}, or 0 outside the rows / depth of this block. */
        private float at(int base, int row, int p, int rows, int kc) {
            return row < rows && p < kc ? a[base + row * aRow + p * aCol] : 0f;
        }

        /**
         * The micro-kernel: tile rows r0..r3 (+)= op(A)[4 rows][kc] x packed[kc][nc], two depth
         * steps per pass over the row. {@code base} is op(A)[first row][first depth].
         */
        private void kernel(int base, int rows, int kc, float[][] packed,
                            float[] r0, float[] r1, float[] r2, float[] r3, int nc) {
            for (int p = 0; p < kc; p += 2) {
                float a00 = at(base, 0, p, rows, kc), a01 = at(base, 0, p + 1, rows, kc);
                float a10 = at(base, 1, p, rows, kc), a11 = at(base, 1, p + 1, rows, kc);
                float a20 = at(base, 2, p, rows, kc), a21 = at(base, 2, p + 1, rows, kc);
                float a30 = at(base, 3, p, rows, kc), a31 = at(base, 3, p + 1, rows, kc);
                float[] y0 = packed[p], y1 = packed[p + 1];
                for (int j = 0; j < nc; j++) {
                    float x0 = y0[j], x1 = y1[j];
                    r0[j] = Math.fma(a01, x1, Math.fma(a00, x0, r0[j]));
                    r1[j] = Math.fma(a11, x1, Math.fma(a10, x0, r1[j]));
                    r2[j] = Math.fma(a21, x1, Math.fma(a20, x0, r2[j]));
                    r3[j] = Math.fma(a31, x1, Math.fma(a30, x0, r3[j]));
                }
            }
        }
    }
}
