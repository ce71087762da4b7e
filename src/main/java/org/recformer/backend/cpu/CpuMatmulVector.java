package org.recformer.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The optional matmul micro-kernels on the incubating Vector API, used only when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} (see {@link CpuMatmul}); no other class touches
 * {@code jdk.incubator.vector}, so without the module this class is simply never loaded.
 *
 * <p>A kernel keeps an {@link #MR} x {@link #NR} block of C in registers over a whole depth block,
 * which plain loops cannot express (C2 keeps auto-vectorized accumulators in memory). Per depth step
 * it loads one row of a packed B panel (contiguous) and broadcasts MR values of packed A. The block
 * is sized to the register file: with 512-bit vectors (32 registers) 14 rows x 2 vectors, 28
 * accumulators + 2 B vectors + 1 broadcast (C2 compiles that loop without spills or range checks,
 * and it measured faster than 8 x 3, 12 x 2, 6 x 4 and 4 x 6 here); with narrower ones
 * (16 registers) 6 rows x 2 vectors, 12 accumulators, which also take a group of up to 6 rows at
 * C's bottom edge with 512-bit vectors (14 rows computed for 6 or fewer cost 3-4% at 256 x 256 x
 * 256). A whole block starts from C (or zero, or a bias row) and is written straight back from the
 * registers; only blocks cut by the edges of C go through a tile.
 *
 * <p>The kernels have no branch: {@link #multiply} chooses the array and row stride a block starts
 * from and the one it is written to. With the choice inside the kernel, C2 compiled only the paths
 * its profile had seen, recompiled when a product took another (products of depth 768 never load C,
 * those of 3072 do), and some of those compilations left the vectors boxed on the heap: whole runs
 * 17x slower (docs/results-bench.md, "Branch-free kernels"). Branch-free, the kernel's vectors
 * were still boxed in some runs when its compilation passed C2's class-check trap limit; the JVM
 * option that prevents that is given by {@code cli.JvmRelaunch} (docs/results-bench.md,
 * "Class-check traps").
 */
final class CpuMatmulVector {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Whether the 14 x 2-vector kernel fits the registers (512-bit vectors, 32 registers). */
    private static final boolean WIDE = L >= 16;
    /** Rows of C held in registers. */
    static final int MR = WIDE ? 14 : 6;
    /** Columns of C held in registers. */
    static final int NR = 2 * L;
    /** The start row of a block that starts from zero. */
    private static final float[] ZEROS = new float[NR];
    /** Per thread, the block of C cut by its edges (MR x NR), kept between calls: the attention's products have such edges on every call. */
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    private CpuMatmulVector() {}

    /**
     * C[0 .. mc][0 .. nc] at offC (row stride ldc) (+)= A x B over one depth block of kc, where
     * {@code packedA[offA + (g * kc + p) * MR + r]} holds op(A) row g * MR + r and
     * {@code packedB[offB + (q * kc + p) * NR + j]} holds op(B) column q * NR + j (whatever lies past
     * mc rows and nc columns only reaches tile entries that are not stored).
     * {@code load}: add to C instead of overwriting it; else, when {@code init} is not null, C starts
     * from {@code init[initAt + j]} on every row (column j of the block; read for whole panels).
     */
    static void multiply(float[] packedA, int offA, float[] packedB, int offB, int kc, float[] c, int offC, int ldc,
                         int mc, int nc, boolean load, float[] init, int initAt) {
        multiply(packedA, offA, packedB, offB, kc, c, offC, ldc, mc, nc, load, init, initAt, null, 0, 0);
    }

    /**
     * {@link #multiply} that also packs op(A)'s row groups as it goes, when {@code nextA} is not null (then
     * nc &gt; 3 {@link #NR}): row r of group g, depth step p, is
     * {@code nextA[nextAt + (g * MR + r) * nextStride + p]}, and each whole group g + 1 is copied into its place in
     * packedA while group g runs with its first panels (14-row groups: 4 panels, 4 of its rows with each, in
     * {@link #kernel14x2Packing}; 6-row groups: 3 panels, 2 rows each, in {@link #kernel6x2Packing}), before any
     * kernel reads it. The caller packs group 0 and a last group cut by C's edge. The copies cost the
     * kernel far less than a packing pass costs: their loads from A wait for memory while the FMAs go on.
     */
    static void multiply(float[] packedA, int offA, float[] packedB, int offB, int kc, float[] c, int offC, int ldc,
                         int mc, int nc, boolean load, float[] init, int initAt, float[] nextA, int nextAt, int nextStride) {
        if (nextA != null && nc <= 3 * NR) throw new IllegalArgumentException("packing while multiplying needs 4 panels, got " + nc + " columns");
        float[] tile = mc % MR == 0 && nc % NR == 0 ? null : TILE.get();
        for (int g = 0; g * MR < mc; g++) {
            int rows = Math.min(MR, mc - g * MR);
            for (int q = 0; q * NR < nc; q++) {
                int cols = Math.min(NR, nc - q * NR), at = offC + g * MR * ldc + q * NR;
                boolean full = rows == MR && cols == NR;
                // a whole block starts from C when loaded and is written back in place; any other starts
                // from one row, repeated (stride 0): the bias when there is one, else zeros (also a cut
                // block, which goes to the tile and is then added to C or stored)
                boolean fromC = full && load, fromInit = !load && init != null;
                float[] from = fromC ? c : fromInit ? init : ZEROS;
                int fromAt = fromC ? at : fromInit ? initAt + q * NR : 0, fromStride = fromC ? ldc : 0;
                float[] to = full ? c : tile;
                int toAt = full ? at : 0, toStride = full ? ldc : NR;
                // the 6-row kernel takes every group of up to 6 rows: all of them when MR = 6, the one at
                // C's bottom edge when MR = 14 (it then reads the first 6 of each packed step)
                // group g + 1's rows 0-3 with panel 0, 4-7 with 1, 8-11 with 2, 10-13 with 3 (10 and 11 twice);
                // 6-row groups: rows 0-1 with panel 0, 2-3 with 1, 4-5 with 2
                boolean packNext = nextA != null && q < (WIDE ? 4 : 3) && (g + 2) * MR <= mc;
                int r0 = WIDE ? Math.min(4 * q, MR - 4) : 2 * q;
                if (packNext && !WIDE) kernel6x2Packing(packedA, offA + g * kc * MR, packedB, offB + q * kc * NR, kc, from, fromAt, fromStride, to, toAt, toStride,
                        nextA, nextAt + ((g + 1) * MR + r0) * nextStride, nextStride, offA + (g + 1) * kc * MR + r0);
                else if (packNext) kernel14x2Packing(packedA, offA + g * kc * MR, packedB, offB + q * kc * NR, kc, from, fromAt, fromStride, to, toAt, toStride,
                        nextA, nextAt + ((g + 1) * MR + r0) * nextStride, nextStride, offA + (g + 1) * kc * MR + r0);
                else if (rows > 6) kernel14x2(packedA, offA + g * kc * MR, packedB, offB + q * kc * NR, kc, from, fromAt, fromStride, to, toAt, toStride);
                else kernel6x2(packedA, offA + g * kc * MR, packedB, offB + q * kc * NR, kc, from, fromAt, fromStride, to, toAt, toStride);
                if (!full) storeEdge(tile, c, at, ldc, rows, cols, load);
            }
        }
    }

    /** Depth steps per register transpose in {@link #packRows} (16 x 16 floats: 512-bit vectors). */
    private static final int RUN = 16;
    /** Lane i to lane i ^ d: the block swaps of {@link #packRows}. */
    private static final VectorShuffle<Float> SWAP8 = VectorShuffle.fromOp(S, i -> i ^ 8), SWAP4 = VectorShuffle.fromOp(S, i -> i ^ 4),
            SWAP2 = VectorShuffle.fromOp(S, i -> i ^ 2), SWAP1 = VectorShuffle.fromOp(S, i -> i ^ 1);
    /** The lanes whose index has bit d set. */
    private static final VectorMask<Float> HIGH8 = VectorMask.fromLong(S, 0xFF00L), HIGH4 = VectorMask.fromLong(S, 0xF0F0L),
            HIGH2 = VectorMask.fromLong(S, 0xCCCCL), HIGH1 = VectorMask.fromLong(S, 0xAAAAL);

    /**
     * panels[dst + p * step + r] = a[src + r * rowStride + p] for r in [0, rows) and p in [0, kc - 1): a group of
     * MR = 14 rows of A (step MR) or half a panel of transposed B (16 rows of B, step NR), when vectors are 512
     * bits; returns the first p left to the caller (kc - 1, or 0 when nothing was packed). Per run of 16 depth
     * steps it loads the rows' runs as 16 vectors (with 14 rows the last row twice more), transposes them in
     * registers (block swaps of 8, 4, 2 and 1 lanes between vector pairs) and stores one vector per step at
     * p * step. With 14 rows a store's last 2 floats (copies of the last row) land in the next step's place,
     * which the next store overwrites; with 16 there are none. The last run starts at kc - 1 - 16, overlapping
     * the one before, so the last step, whose store would reach past the group, is the caller's. One gather per
     * 16 packed floats ran 1.4-2.7x slower (most at row strides of whole pages: 14 rows in one L1 set).
     */
    static int packRows(float[] a, int src, int rowStride, int rows, int kc, float[] panels, int dst, int step) {
        if (!WIDE || kc <= RUN || rows < MR || rows > RUN) return 0;
        int row14 = Math.min(14, rows - 1) * rowStride, row15 = (rows - 1) * rowStride;
        for (int p = 0; p < kc - 1; p += RUN) {
            int first = Math.min(p, kc - 1 - RUN), from = src + first, to = dst + first * step;
            FloatVector v0 = FloatVector.fromArray(S, a, from), v1 = FloatVector.fromArray(S, a, from + 1 * rowStride);
            FloatVector v2 = FloatVector.fromArray(S, a, from + 2 * rowStride), v3 = FloatVector.fromArray(S, a, from + 3 * rowStride);
            FloatVector v4 = FloatVector.fromArray(S, a, from + 4 * rowStride), v5 = FloatVector.fromArray(S, a, from + 5 * rowStride);
            FloatVector v6 = FloatVector.fromArray(S, a, from + 6 * rowStride), v7 = FloatVector.fromArray(S, a, from + 7 * rowStride);
            FloatVector v8 = FloatVector.fromArray(S, a, from + 8 * rowStride), v9 = FloatVector.fromArray(S, a, from + 9 * rowStride);
            FloatVector v10 = FloatVector.fromArray(S, a, from + 10 * rowStride), v11 = FloatVector.fromArray(S, a, from + 11 * rowStride);
            FloatVector v12 = FloatVector.fromArray(S, a, from + 12 * rowStride), v13 = FloatVector.fromArray(S, a, from + 13 * rowStride);
            FloatVector v14 = FloatVector.fromArray(S, a, from + row14), v15 = FloatVector.fromArray(S, a, from + row15), t;
            // swap the 8 x 8 blocks off the diagonal of each 16 x 16 block
            t = v0; v0 = t.blend(v8.rearrange(SWAP8), HIGH8); v8 = v8.blend(t.rearrange(SWAP8), HIGH8.not());
            t = v1; v1 = t.blend(v9.rearrange(SWAP8), HIGH8); v9 = v9.blend(t.rearrange(SWAP8), HIGH8.not());
            t = v2; v2 = t.blend(v10.rearrange(SWAP8), HIGH8); v10 = v10.blend(t.rearrange(SWAP8), HIGH8.not());
            t = v3; v3 = t.blend(v11.rearrange(SWAP8), HIGH8); v11 = v11.blend(t.rearrange(SWAP8), HIGH8.not());
            t = v4; v4 = t.blend(v12.rearrange(SWAP8), HIGH8); v12 = v12.blend(t.rearrange(SWAP8), HIGH8.not());
            t = v5; v5 = t.blend(v13.rearrange(SWAP8), HIGH8); v13 = v13.blend(t.rearrange(SWAP8), HIGH8.not());
            t = v6; v6 = t.blend(v14.rearrange(SWAP8), HIGH8); v14 = v14.blend(t.rearrange(SWAP8), HIGH8.not());
            t = v7; v7 = t.blend(v15.rearrange(SWAP8), HIGH8); v15 = v15.blend(t.rearrange(SWAP8), HIGH8.not());
            // swap the 4 x 4 blocks off the diagonal of each 8 x 8 block
            t = v0; v0 = t.blend(v4.rearrange(SWAP4), HIGH4); v4 = v4.blend(t.rearrange(SWAP4), HIGH4.not());
            t = v1; v1 = t.blend(v5.rearrange(SWAP4), HIGH4); v5 = v5.blend(t.rearrange(SWAP4), HIGH4.not());
            t = v2; v2 = t.blend(v6.rearrange(SWAP4), HIGH4); v6 = v6.blend(t.rearrange(SWAP4), HIGH4.not());
            t = v3; v3 = t.blend(v7.rearrange(SWAP4), HIGH4); v7 = v7.blend(t.rearrange(SWAP4), HIGH4.not());
            t = v8; v8 = t.blend(v12.rearrange(SWAP4), HIGH4); v12 = v12.blend(t.rearrange(SWAP4), HIGH4.not());
            t = v9; v9 = t.blend(v13.rearrange(SWAP4), HIGH4); v13 = v13.blend(t.rearrange(SWAP4), HIGH4.not());
            t = v10; v10 = t.blend(v14.rearrange(SWAP4), HIGH4); v14 = v14.blend(t.rearrange(SWAP4), HIGH4.not());
            t = v11; v11 = t.blend(v15.rearrange(SWAP4), HIGH4); v15 = v15.blend(t.rearrange(SWAP4), HIGH4.not());
            // swap the 2 x 2 blocks off the diagonal of each 4 x 4 block
            t = v0; v0 = t.blend(v2.rearrange(SWAP2), HIGH2); v2 = v2.blend(t.rearrange(SWAP2), HIGH2.not());
            t = v1; v1 = t.blend(v3.rearrange(SWAP2), HIGH2); v3 = v3.blend(t.rearrange(SWAP2), HIGH2.not());
            t = v4; v4 = t.blend(v6.rearrange(SWAP2), HIGH2); v6 = v6.blend(t.rearrange(SWAP2), HIGH2.not());
            t = v5; v5 = t.blend(v7.rearrange(SWAP2), HIGH2); v7 = v7.blend(t.rearrange(SWAP2), HIGH2.not());
            t = v8; v8 = t.blend(v10.rearrange(SWAP2), HIGH2); v10 = v10.blend(t.rearrange(SWAP2), HIGH2.not());
            t = v9; v9 = t.blend(v11.rearrange(SWAP2), HIGH2); v11 = v11.blend(t.rearrange(SWAP2), HIGH2.not());
            t = v12; v12 = t.blend(v14.rearrange(SWAP2), HIGH2); v14 = v14.blend(t.rearrange(SWAP2), HIGH2.not());
            t = v13; v13 = t.blend(v15.rearrange(SWAP2), HIGH2); v15 = v15.blend(t.rearrange(SWAP2), HIGH2.not());
            // swap the 1 x 1 blocks off the diagonal of each 2 x 2 block
            t = v0; v0 = t.blend(v1.rearrange(SWAP1), HIGH1); v1 = v1.blend(t.rearrange(SWAP1), HIGH1.not());
            t = v2; v2 = t.blend(v3.rearrange(SWAP1), HIGH1); v3 = v3.blend(t.rearrange(SWAP1), HIGH1.not());
            t = v4; v4 = t.blend(v5.rearrange(SWAP1), HIGH1); v5 = v5.blend(t.rearrange(SWAP1), HIGH1.not());
            t = v6; v6 = t.blend(v7.rearrange(SWAP1), HIGH1); v7 = v7.blend(t.rearrange(SWAP1), HIGH1.not());
            t = v8; v8 = t.blend(v9.rearrange(SWAP1), HIGH1); v9 = v9.blend(t.rearrange(SWAP1), HIGH1.not());
            t = v10; v10 = t.blend(v11.rearrange(SWAP1), HIGH1); v11 = v11.blend(t.rearrange(SWAP1), HIGH1.not());
            t = v12; v12 = t.blend(v13.rearrange(SWAP1), HIGH1); v13 = v13.blend(t.rearrange(SWAP1), HIGH1.not());
            t = v14; v14 = t.blend(v15.rearrange(SWAP1), HIGH1); v15 = v15.blend(t.rearrange(SWAP1), HIGH1.not());
            v0.intoArray(panels, to); v1.intoArray(panels, to + step);
            v2.intoArray(panels, to + 2 * step); v3.intoArray(panels, to + 3 * step);
            v4.intoArray(panels, to + 4 * step); v5.intoArray(panels, to + 5 * step);
            v6.intoArray(panels, to + 6 * step); v7.intoArray(panels, to + 7 * step);
            v8.intoArray(panels, to + 8 * step); v9.intoArray(panels, to + 9 * step);
            v10.intoArray(panels, to + 10 * step); v11.intoArray(panels, to + 11 * step);
            v12.intoArray(panels, to + 12 * step); v13.intoArray(panels, to + 13 * step);
            v14.intoArray(panels, to + 14 * step); v15.intoArray(panels, to + 15 * step);
        }
        return kc - 1;
    }

    /**
     * panels[dst + (g * kc + p) * MR + r] = a[src + p * depthStride + g * MR + r] for p in [0, kc - 1)
     * and the leading whole groups g (op(A) transposed: the groups' floats of one depth step are
     * consecutive in A), a vector of L &gt;= MR floats per group and depth step: the L - MR floats
     * past a group's step land in its next step's place, which that step overwrites. It goes
     * {@link #TRANSPOSED_STEPS} depth steps at a time, group after group: each group's run of
     * steps is then written in one go (for a group stride of whole pages, kc = 512, that measured
     * 0.30 ns per float against 0.43 one step at a time over all groups, whose writes all fall
     * in one L1 set). Returns how many of the {@code groups} groups it copied: those whose
     * vectors stay inside {@code a}. Their last depth step (it would write into the next group)
     * is left to the caller.
     */
    static int packGroupsTransposed(float[] a, int src, int depthStride, int kc, float[] panels, int dst, int groups) {
        long lastStep = src + (long) (kc - 2) * depthStride; // the first float the last copied step reads
        if (kc < 2 || groups <= 0 || lastStep + L > a.length) return 0;
        int copied = (int) Math.min(groups, (a.length - L - lastStep) / MR + 1);
        for (int p0 = 0; p0 < kc - 1; p0 += TRANSPOSED_STEPS) {
            int steps = Math.min(TRANSPOSED_STEPS, kc - 1 - p0);
            for (int g = 0; g < copied; g++) {
                int from = src + p0 * depthStride + g * MR, to = dst + g * kc * MR + p0 * MR;
                for (int p = 0; p < steps; p++) FloatVector.fromArray(S, a, from + p * depthStride).intoArray(panels, to + p * MR);
            }
        }
        return copied;
    }

    /** Depth steps of a transposed A group copied together (rows of A read at a time: no more than L1's ways, 8 to 12). */
    private static final int TRANSPOSED_STEPS = 8;

    /**
     * panels[dst + (q * kc + p) * NR + j] = b[src + p * rowStride + q * NR + j] for {@code count}
     * whole panels of depth kc (op(B)'s rows are rows of B), p in [pFrom, pTo) and j in [0, NR): each
     * depth step's floats of all the panels are consecutive in B, read in that order, a vector at a time.
     */
    static void packPanelRows(float[] b, int src, int rowStride, int pFrom, int pTo, int kc, float[] panels, int dst, int count) {
        for (int p = pFrom; p < pTo; p++) {
            int from = src + p * rowStride, to = dst + p * NR;
            for (int q = 0; q < count; q++, from += NR, to += kc * NR) {
                FloatVector.fromArray(S, b, from).intoArray(panels, to);
                FloatVector.fromArray(S, b, from + L).intoArray(panels, to + L);
            }
        }
    }

    /** C rows [0, rows) x columns [0, cols) at off (+)= tile (a block cut by the edges of C). */
    private static void storeEdge(float[] tile, float[] c, int off, int ldc, int rows, int cols, boolean load) {
        for (int r = 0; r < rows; r++) {
            int at = off + r * ldc;
            for (int j = 0; j < cols; j++) c[at + j] = load ? c[at + j] + tile[r * NR + j] : tile[r * NR + j];
        }
    }

    /**
     * 14 rows of packed A (from a) x a 2-vector panel of packed B (from b) over kc, added to the
     * 14 x NR block read from {@code from} (row r at fromAt + r * fromStride; stride 0 repeats one
     * row) and written to {@code to} (row r at toAt + r * toStride); no branches (see the class comment).
     */
    private static void kernel14x2(float[] pa, int a, float[] pb, int b, int kc,
                                  float[] from, int fromAt, int fromStride, float[] to, int toAt, int toStride) {
        FloatVector c0a = FloatVector.fromArray(S, from, fromAt), c0b = FloatVector.fromArray(S, from, fromAt + L);
        FloatVector c1a = FloatVector.fromArray(S, from, fromAt + fromStride), c1b = FloatVector.fromArray(S, from, fromAt + fromStride + L);
        FloatVector c2a = FloatVector.fromArray(S, from, fromAt + 2 * fromStride), c2b = FloatVector.fromArray(S, from, fromAt + 2 * fromStride + L);
        FloatVector c3a = FloatVector.fromArray(S, from, fromAt + 3 * fromStride), c3b = FloatVector.fromArray(S, from, fromAt + 3 * fromStride + L);
        FloatVector c4a = FloatVector.fromArray(S, from, fromAt + 4 * fromStride), c4b = FloatVector.fromArray(S, from, fromAt + 4 * fromStride + L);
        FloatVector c5a = FloatVector.fromArray(S, from, fromAt + 5 * fromStride), c5b = FloatVector.fromArray(S, from, fromAt + 5 * fromStride + L);
        FloatVector c6a = FloatVector.fromArray(S, from, fromAt + 6 * fromStride), c6b = FloatVector.fromArray(S, from, fromAt + 6 * fromStride + L);
        FloatVector c7a = FloatVector.fromArray(S, from, fromAt + 7 * fromStride), c7b = FloatVector.fromArray(S, from, fromAt + 7 * fromStride + L);
        FloatVector c8a = FloatVector.fromArray(S, from, fromAt + 8 * fromStride), c8b = FloatVector.fromArray(S, from, fromAt + 8 * fromStride + L);
        FloatVector c9a = FloatVector.fromArray(S, from, fromAt + 9 * fromStride), c9b = FloatVector.fromArray(S, from, fromAt + 9 * fromStride + L);
        FloatVector c10a = FloatVector.fromArray(S, from, fromAt + 10 * fromStride), c10b = FloatVector.fromArray(S, from, fromAt + 10 * fromStride + L);
        FloatVector c11a = FloatVector.fromArray(S, from, fromAt + 11 * fromStride), c11b = FloatVector.fromArray(S, from, fromAt + 11 * fromStride + L);
        FloatVector c12a = FloatVector.fromArray(S, from, fromAt + 12 * fromStride), c12b = FloatVector.fromArray(S, from, fromAt + 12 * fromStride + L);
        FloatVector c13a = FloatVector.fromArray(S, from, fromAt + 13 * fromStride), c13b = FloatVector.fromArray(S, from, fromAt + 13 * fromStride + L);
        for (int p = 0; p < kc; p++) {
            int ia = a + p * 14, ib = b + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(S, pb, ib);
            FloatVector b1 = FloatVector.fromArray(S, pb, ib + L);
            FloatVector x = FloatVector.broadcast(S, pa[ia]);
            c0a = x.fma(b0, c0a); c0b = x.fma(b1, c0b);
            x = FloatVector.broadcast(S, pa[ia + 1]);
            c1a = x.fma(b0, c1a); c1b = x.fma(b1, c1b);
            x = FloatVector.broadcast(S, pa[ia + 2]);
            c2a = x.fma(b0, c2a); c2b = x.fma(b1, c2b);
            x = FloatVector.broadcast(S, pa[ia + 3]);
            c3a = x.fma(b0, c3a); c3b = x.fma(b1, c3b);
            x = FloatVector.broadcast(S, pa[ia + 4]);
            c4a = x.fma(b0, c4a); c4b = x.fma(b1, c4b);
            x = FloatVector.broadcast(S, pa[ia + 5]);
            c5a = x.fma(b0, c5a); c5b = x.fma(b1, c5b);
            x = FloatVector.broadcast(S, pa[ia + 6]);
            c6a = x.fma(b0, c6a); c6b = x.fma(b1, c6b);
            x = FloatVector.broadcast(S, pa[ia + 7]);
            c7a = x.fma(b0, c7a); c7b = x.fma(b1, c7b);
            x = FloatVector.broadcast(S, pa[ia + 8]);
            c8a = x.fma(b0, c8a); c8b = x.fma(b1, c8b);
            x = FloatVector.broadcast(S, pa[ia + 9]);
            c9a = x.fma(b0, c9a); c9b = x.fma(b1, c9b);
            x = FloatVector.broadcast(S, pa[ia + 10]);
            c10a = x.fma(b0, c10a); c10b = x.fma(b1, c10b);
            x = FloatVector.broadcast(S, pa[ia + 11]);
            c11a = x.fma(b0, c11a); c11b = x.fma(b1, c11b);
            x = FloatVector.broadcast(S, pa[ia + 12]);
            c12a = x.fma(b0, c12a); c12b = x.fma(b1, c12b);
            x = FloatVector.broadcast(S, pa[ia + 13]);
            c13a = x.fma(b0, c13a); c13b = x.fma(b1, c13b);
        }
        // into the destination here, so no vector value escapes into a call (that would box it)
        c0a.intoArray(to, toAt); c0b.intoArray(to, toAt + L);
        c1a.intoArray(to, toAt + toStride); c1b.intoArray(to, toAt + toStride + L);
        c2a.intoArray(to, toAt + 2 * toStride); c2b.intoArray(to, toAt + 2 * toStride + L);
        c3a.intoArray(to, toAt + 3 * toStride); c3b.intoArray(to, toAt + 3 * toStride + L);
        c4a.intoArray(to, toAt + 4 * toStride); c4b.intoArray(to, toAt + 4 * toStride + L);
        c5a.intoArray(to, toAt + 5 * toStride); c5b.intoArray(to, toAt + 5 * toStride + L);
        c6a.intoArray(to, toAt + 6 * toStride); c6b.intoArray(to, toAt + 6 * toStride + L);
        c7a.intoArray(to, toAt + 7 * toStride); c7b.intoArray(to, toAt + 7 * toStride + L);
        c8a.intoArray(to, toAt + 8 * toStride); c8b.intoArray(to, toAt + 8 * toStride + L);
        c9a.intoArray(to, toAt + 9 * toStride); c9b.intoArray(to, toAt + 9 * toStride + L);
        c10a.intoArray(to, toAt + 10 * toStride); c10b.intoArray(to, toAt + 10 * toStride + L);
        c11a.intoArray(to, toAt + 11 * toStride); c11b.intoArray(to, toAt + 11 * toStride + L);
        c12a.intoArray(to, toAt + 12 * toStride); c12b.intoArray(to, toAt + 12 * toStride + L);
        c13a.intoArray(to, toAt + 13 * toStride); c13b.intoArray(to, toAt + 13 * toStride + L);
    }

    /**
     * {@link #kernel14x2}, which also packs 4 rows of the next row group: row r in [0, 4) of it, depth step p, from
     * {@code src[srcAt + r * srcStride + p]} to {@code pa[dst + p * 14 + r]}, one float of each row per step. The
     * copies sit at the top of the step, before B's vectors are loaded, where a vector register is free for them:
     * between the FMAs, C2 spilled an accumulator to the stack for them on every step. Its body repeats
     * kernel14x2's on purpose: the accumulators cannot be passed to a shared method (a vector value that
     * escapes into a call is boxed), and kernel14x2 with a copy it could switch off would pay for the copies on
     * every call (docs/results-bench.md, "A packed by the kernel of the group before").
     */
    private static void kernel14x2Packing(float[] pa, int a, float[] pb, int b, int kc,
                                  float[] from, int fromAt, int fromStride, float[] to, int toAt, int toStride,
                                  float[] src, int srcAt, int srcStride, int dst) {
        int s0 = srcAt, s1 = srcAt + srcStride, s2 = srcAt + 2 * srcStride, s3 = srcAt + 3 * srcStride;
        FloatVector c0a = FloatVector.fromArray(S, from, fromAt), c0b = FloatVector.fromArray(S, from, fromAt + L);
        FloatVector c1a = FloatVector.fromArray(S, from, fromAt + fromStride), c1b = FloatVector.fromArray(S, from, fromAt + fromStride + L);
        FloatVector c2a = FloatVector.fromArray(S, from, fromAt + 2 * fromStride), c2b = FloatVector.fromArray(S, from, fromAt + 2 * fromStride + L);
        FloatVector c3a = FloatVector.fromArray(S, from, fromAt + 3 * fromStride), c3b = FloatVector.fromArray(S, from, fromAt + 3 * fromStride + L);
        FloatVector c4a = FloatVector.fromArray(S, from, fromAt + 4 * fromStride), c4b = FloatVector.fromArray(S, from, fromAt + 4 * fromStride + L);
        FloatVector c5a = FloatVector.fromArray(S, from, fromAt + 5 * fromStride), c5b = FloatVector.fromArray(S, from, fromAt + 5 * fromStride + L);
        FloatVector c6a = FloatVector.fromArray(S, from, fromAt + 6 * fromStride), c6b = FloatVector.fromArray(S, from, fromAt + 6 * fromStride + L);
        FloatVector c7a = FloatVector.fromArray(S, from, fromAt + 7 * fromStride), c7b = FloatVector.fromArray(S, from, fromAt + 7 * fromStride + L);
        FloatVector c8a = FloatVector.fromArray(S, from, fromAt + 8 * fromStride), c8b = FloatVector.fromArray(S, from, fromAt + 8 * fromStride + L);
        FloatVector c9a = FloatVector.fromArray(S, from, fromAt + 9 * fromStride), c9b = FloatVector.fromArray(S, from, fromAt + 9 * fromStride + L);
        FloatVector c10a = FloatVector.fromArray(S, from, fromAt + 10 * fromStride), c10b = FloatVector.fromArray(S, from, fromAt + 10 * fromStride + L);
        FloatVector c11a = FloatVector.fromArray(S, from, fromAt + 11 * fromStride), c11b = FloatVector.fromArray(S, from, fromAt + 11 * fromStride + L);
        FloatVector c12a = FloatVector.fromArray(S, from, fromAt + 12 * fromStride), c12b = FloatVector.fromArray(S, from, fromAt + 12 * fromStride + L);
        FloatVector c13a = FloatVector.fromArray(S, from, fromAt + 13 * fromStride), c13b = FloatVector.fromArray(S, from, fromAt + 13 * fromStride + L);
        for (int p = 0; p < kc; p++) {
            int ia = a + p * 14, ib = b + p * (2 * L), d = dst + p * 14;
            pa[d] = src[s0 + p]; pa[d + 1] = src[s1 + p]; pa[d + 2] = src[s2 + p]; pa[d + 3] = src[s3 + p];
            FloatVector b0 = FloatVector.fromArray(S, pb, ib);
            FloatVector b1 = FloatVector.fromArray(S, pb, ib + L);
            FloatVector x = FloatVector.broadcast(S, pa[ia]);
            c0a = x.fma(b0, c0a); c0b = x.fma(b1, c0b);
            x = FloatVector.broadcast(S, pa[ia + 1]);
            c1a = x.fma(b0, c1a); c1b = x.fma(b1, c1b);
            x = FloatVector.broadcast(S, pa[ia + 2]);
            c2a = x.fma(b0, c2a); c2b = x.fma(b1, c2b);
            x = FloatVector.broadcast(S, pa[ia + 3]);
            c3a = x.fma(b0, c3a); c3b = x.fma(b1, c3b);
            x = FloatVector.broadcast(S, pa[ia + 4]);
            c4a = x.fma(b0, c4a); c4b = x.fma(b1, c4b);
            x = FloatVector.broadcast(S, pa[ia + 5]);
            c5a = x.fma(b0, c5a); c5b = x.fma(b1, c5b);
            x = FloatVector.broadcast(S, pa[ia + 6]);
            c6a = x.fma(b0, c6a); c6b = x.fma(b1, c6b);
            x = FloatVector.broadcast(S, pa[ia + 7]);
            c7a = x.fma(b0, c7a); c7b = x.fma(b1, c7b);
            x = FloatVector.broadcast(S, pa[ia + 8]);
            c8a = x.fma(b0, c8a); c8b = x.fma(b1, c8b);
            x = FloatVector.broadcast(S, pa[ia + 9]);
            c9a = x.fma(b0, c9a); c9b = x.fma(b1, c9b);
            x = FloatVector.broadcast(S, pa[ia + 10]);
            c10a = x.fma(b0, c10a); c10b = x.fma(b1, c10b);
            x = FloatVector.broadcast(S, pa[ia + 11]);
            c11a = x.fma(b0, c11a); c11b = x.fma(b1, c11b);
            x = FloatVector.broadcast(S, pa[ia + 12]);
            c12a = x.fma(b0, c12a); c12b = x.fma(b1, c12b);
            x = FloatVector.broadcast(S, pa[ia + 13]);
            c13a = x.fma(b0, c13a); c13b = x.fma(b1, c13b);
        }
        // into the destination here, so no vector value escapes into a call (that would box it)
        c0a.intoArray(to, toAt); c0b.intoArray(to, toAt + L);
        c1a.intoArray(to, toAt + toStride); c1b.intoArray(to, toAt + toStride + L);
        c2a.intoArray(to, toAt + 2 * toStride); c2b.intoArray(to, toAt + 2 * toStride + L);
        c3a.intoArray(to, toAt + 3 * toStride); c3b.intoArray(to, toAt + 3 * toStride + L);
        c4a.intoArray(to, toAt + 4 * toStride); c4b.intoArray(to, toAt + 4 * toStride + L);
        c5a.intoArray(to, toAt + 5 * toStride); c5b.intoArray(to, toAt + 5 * toStride + L);
        c6a.intoArray(to, toAt + 6 * toStride); c6b.intoArray(to, toAt + 6 * toStride + L);
        c7a.intoArray(to, toAt + 7 * toStride); c7b.intoArray(to, toAt + 7 * toStride + L);
        c8a.intoArray(to, toAt + 8 * toStride); c8b.intoArray(to, toAt + 8 * toStride + L);
        c9a.intoArray(to, toAt + 9 * toStride); c9b.intoArray(to, toAt + 9 * toStride + L);
        c10a.intoArray(to, toAt + 10 * toStride); c10b.intoArray(to, toAt + 10 * toStride + L);
        c11a.intoArray(to, toAt + 11 * toStride); c11b.intoArray(to, toAt + 11 * toStride + L);
        c12a.intoArray(to, toAt + 12 * toStride); c12b.intoArray(to, toAt + 12 * toStride + L);
        c13a.intoArray(to, toAt + 13 * toStride); c13b.intoArray(to, toAt + 13 * toStride + L);
    }

    /**
     * {@link #kernel6x2} over whole 6-row groups ({@link #MR} = 6), which also packs 2 rows of the next row group:
     * row r in [0, 2) of it, depth step p, from {@code src[srcAt + r * srcStride + p]} to {@code pa[dst + p * 6 + r]},
     * at the bottom of each step (the 12 accumulators, 2 B vectors and the broadcast leave one of the 16 vector
     * registers for the copies). Its body repeats kernel6x2's for the reason given at {@link #kernel14x2Packing}.
     */
    private static void kernel6x2Packing(float[] pa, int a, float[] pb, int b, int kc,
                                  float[] from, int fromAt, int fromStride, float[] to, int toAt, int toStride,
                                  float[] src, int srcAt, int srcStride, int dst) {
        FloatVector c0a = FloatVector.fromArray(S, from, fromAt), c0b = FloatVector.fromArray(S, from, fromAt + L);
        FloatVector c1a = FloatVector.fromArray(S, from, fromAt + fromStride), c1b = FloatVector.fromArray(S, from, fromAt + fromStride + L);
        FloatVector c2a = FloatVector.fromArray(S, from, fromAt + 2 * fromStride), c2b = FloatVector.fromArray(S, from, fromAt + 2 * fromStride + L);
        FloatVector c3a = FloatVector.fromArray(S, from, fromAt + 3 * fromStride), c3b = FloatVector.fromArray(S, from, fromAt + 3 * fromStride + L);
        FloatVector c4a = FloatVector.fromArray(S, from, fromAt + 4 * fromStride), c4b = FloatVector.fromArray(S, from, fromAt + 4 * fromStride + L);
        FloatVector c5a = FloatVector.fromArray(S, from, fromAt + 5 * fromStride), c5b = FloatVector.fromArray(S, from, fromAt + 5 * fromStride + L);
        int toNext = dst - a;
        for (int ia = a, ib = b, end = a + kc * MR, s = srcAt; ia < end; ia += MR, ib += 2 * L, s++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, ib);
            FloatVector b1 = FloatVector.fromArray(S, pb, ib + L);
            FloatVector x0 = FloatVector.broadcast(S, pa[ia]);
            c0a = x0.fma(b0, c0a); c0b = x0.fma(b1, c0b);
            FloatVector x1 = FloatVector.broadcast(S, pa[ia + 1]);
            c1a = x1.fma(b0, c1a); c1b = x1.fma(b1, c1b);
            FloatVector x2 = FloatVector.broadcast(S, pa[ia + 2]);
            c2a = x2.fma(b0, c2a); c2b = x2.fma(b1, c2b);
            FloatVector x3 = FloatVector.broadcast(S, pa[ia + 3]);
            c3a = x3.fma(b0, c3a); c3b = x3.fma(b1, c3b);
            FloatVector x4 = FloatVector.broadcast(S, pa[ia + 4]);
            c4a = x4.fma(b0, c4a); c4b = x4.fma(b1, c4b);
            FloatVector x5 = FloatVector.broadcast(S, pa[ia + 5]);
            c5a = x5.fma(b0, c5a); c5b = x5.fma(b1, c5b);
            pa[ia + toNext] = src[s]; pa[ia + toNext + 1] = src[s + srcStride];
        }
        c0a.intoArray(to, toAt); c0b.intoArray(to, toAt + L);
        c1a.intoArray(to, toAt + toStride); c1b.intoArray(to, toAt + toStride + L);
        c2a.intoArray(to, toAt + 2 * toStride); c2b.intoArray(to, toAt + 2 * toStride + L);
        c3a.intoArray(to, toAt + 3 * toStride); c3b.intoArray(to, toAt + 3 * toStride + L);
        c4a.intoArray(to, toAt + 4 * toStride); c4b.intoArray(to, toAt + 4 * toStride + L);
        c5a.intoArray(to, toAt + 5 * toStride); c5b.intoArray(to, toAt + 5 * toStride + L);
    }

    /**
     * 6 rows of packed A (from a; a depth step every {@link #MR} floats, of which it reads the first
     * 6) x a 2-vector panel of packed B (from b) over kc, added to the
     * 6 x NR block read from {@code from} (row r at fromAt + r * fromStride; stride 0 repeats one
     * row) and written to {@code to} (row r at toAt + r * toStride); no branches (see the class comment).
     */
    private static void kernel6x2(float[] pa, int a, float[] pb, int b, int kc,
                                  float[] from, int fromAt, int fromStride, float[] to, int toAt, int toStride) {
        FloatVector c0a = FloatVector.fromArray(S, from, fromAt), c0b = FloatVector.fromArray(S, from, fromAt + L);
        FloatVector c1a = FloatVector.fromArray(S, from, fromAt + fromStride), c1b = FloatVector.fromArray(S, from, fromAt + fromStride + L);
        FloatVector c2a = FloatVector.fromArray(S, from, fromAt + 2 * fromStride), c2b = FloatVector.fromArray(S, from, fromAt + 2 * fromStride + L);
        FloatVector c3a = FloatVector.fromArray(S, from, fromAt + 3 * fromStride), c3b = FloatVector.fromArray(S, from, fromAt + 3 * fromStride + L);
        FloatVector c4a = FloatVector.fromArray(S, from, fromAt + 4 * fromStride), c4b = FloatVector.fromArray(S, from, fromAt + 4 * fromStride + L);
        FloatVector c5a = FloatVector.fromArray(S, from, fromAt + 5 * fromStride), c5b = FloatVector.fromArray(S, from, fromAt + 5 * fromStride + L);
        for (int ia = a, ib = b, end = a + kc * MR; ia < end; ia += MR, ib += 2 * L) {
            FloatVector b0 = FloatVector.fromArray(S, pb, ib);
            FloatVector b1 = FloatVector.fromArray(S, pb, ib + L);
            FloatVector x = FloatVector.broadcast(S, pa[ia]);
            c0a = x.fma(b0, c0a); c0b = x.fma(b1, c0b);
            x = FloatVector.broadcast(S, pa[ia + 1]);
            c1a = x.fma(b0, c1a); c1b = x.fma(b1, c1b);
            x = FloatVector.broadcast(S, pa[ia + 2]);
            c2a = x.fma(b0, c2a); c2b = x.fma(b1, c2b);
            x = FloatVector.broadcast(S, pa[ia + 3]);
            c3a = x.fma(b0, c3a); c3b = x.fma(b1, c3b);
            x = FloatVector.broadcast(S, pa[ia + 4]);
            c4a = x.fma(b0, c4a); c4b = x.fma(b1, c4b);
            x = FloatVector.broadcast(S, pa[ia + 5]);
            c5a = x.fma(b0, c5a); c5b = x.fma(b1, c5b);
        }
        // into the destination here, so no vector value escapes into a call (that would box it)
        c0a.intoArray(to, toAt); c0b.intoArray(to, toAt + L);
        c1a.intoArray(to, toAt + toStride); c1b.intoArray(to, toAt + toStride + L);
        c2a.intoArray(to, toAt + 2 * toStride); c2b.intoArray(to, toAt + 2 * toStride + L);
        c3a.intoArray(to, toAt + 3 * toStride); c3b.intoArray(to, toAt + 3 * toStride + L);
        c4a.intoArray(to, toAt + 4 * toStride); c4b.intoArray(to, toAt + 4 * toStride + L);
        c5a.intoArray(to, toAt + 5 * toStride); c5b.intoArray(to, toAt + 5 * toStride + L);
    }
}
