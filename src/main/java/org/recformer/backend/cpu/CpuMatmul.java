package org.recformer.backend.cpu;

import org.recformer.tensor.BinaryOp;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Single-precision matrix products, blocked for the caches and split across cores.
 *
 * <p>C[b] (M x N) = op(A[b]) (M x K) x op(B[b]) (K x N), where op is a transpose read through the
 * index arithmetic (no copy of the operands). Plain loops (no Vector API module): the work is cut
 * into tasks of {@link #MC} rows by {@link #NC} columns of one batch entry; each task walks the
 * depth in blocks of {@link #KC}:
 * <ol>
 *   <li>it packs the KC x NC block of op(B) into one array per row (contiguous, in L2), and</li>
 *   <li>for each group of {@link #MR} rows of C it loads those rows into {@code tile} arrays (in L1),
 *       adds the products with the packed block in the micro-kernel, and stores them back.</li>
 * </ol>
 * The plain micro-kernel's inner loop runs over a contiguous row of NC floats with MR
 * accumulator rows and two depth steps, using only whole-array indexing ({@code row[j]}): that is
 * the shape C2's superword pass turns into AVX2/AVX-512 FMA code on plain {@code java -jar}.
 * (Offsets such as {@code c[base + j]} make C2 give up on vectorizing, hence one array per row.)
 * Missing rows and an odd last depth step read zeros, so one kernel covers every size.
 *
 * <p>When the JVM runs with {@code --add-modules jdk.incubator.vector} (and, so that C2 keeps
 * their vectors in registers in every run, {@code -XX:PerMethodTrapLimit=10000}: see
 * {@code cli.JvmRelaunch}), the faster {@link CpuMatmulVector} micro-kernels (accumulators in
 * registers) are used instead; set {@code -Drecformer.vector=false} to force the plain loops. They
 * read both operands from packed contiguous panels, as BLAS libraries do ({@link Operands#entry}):
 * per block of up to VECTOR_KC depth and VECTOR_NC columns (fewer for deep blocks), op(B) packed
 * once in panels of the kernel's column width (in L2),
 * and per depth block op(A)'s rows in groups of the kernel's row count (each group's panel reused
 * across B's panels; when op(A) is A itself, most groups are packed by the kernel, a few rows a step,
 * while it multiplies the group before), so the kernel streams through consecutive addresses whatever
 * the operands' layout or transposes.
 */
final class CpuMatmul {
    /** Rows of C per micro-kernel call (accumulator rows). */
    static final int MR = 4;
    /** Plain loops: depth of one packed block of B. */
    static final int KC = 384;
    /** Plain loops: columns of one block (the micro-kernel's inner loop). KC x NC packed floats (768 KB) stay in L2. */
    static final int NC = 512;
    /**
     * Most rows of C per task of the plain loops (a multiple of their MR); the Vector API kernels
     * cut about as many rows per task, in whole groups of their row count.
     */
    static final int MC = 96;
    /**
     * Vector API kernels: the most depth of one block; a product's depth is cut into equal blocks
     * of at most this (one for the model's depth 768 and for 1,024 tokens, two for 3072). Each depth
     * block is one pass over C, and writing C's lines from outside the caches is what the passes
     * cost: 768 with {@link #VECTOR_NC} = 256 measured 1.02-1.14x faster per core than 384 x 512 on
     * the linear layers' x W^T products (docs/results-bench.md, "Branch-free kernels"); 1536, with
     * the column blocks narrowed to keep B's block at 768 x 256 floats, 1.01-1.07x faster than 768
     * on the depth-3072 products, 1.00-1.04x at 1024 and 2048, 0.97-1.00x on 768 x 768 x 1024 G^T x
     * (three JVMs, docs/results-bench.md, "Deeper blocks, narrower columns").
     */
    static final int VECTOR_KC = 1536;
    /**
     * Vector API kernels: columns of one block of packed B for a depth block of up to 768, a multiple
     * of every kernel's column width; 768 x VECTOR_NC packed floats (768 KB) stay in L2 with a row
     * block's A panel. Deeper blocks get proportionally fewer columns ({@link #columnBlock}).
     */
    static final int VECTOR_NC = 256;
    /** Vector API kernels: the packed floats of one block of B (depth x columns). */
    private static final int B_BLOCK = 768 * VECTOR_NC;
    /**
     * Vector API kernels: from this many rows of C per thread (and one row block per task), each thread packs
     * its own copy of every block of B and works on its own rows of C (see {@link Operands#entry}). Two threads
     * on cores that do not share a cache (other CCDs of an EPYC: this 2-vCPU machine's cores, some of the time)
     * made a shared block of B cost every line of it a transfer between caches, 5-14% of the product's time;
     * the second copy costs 0-1.5% where they do share one (docs/results-bench.md, "Each thread its own copy
     * of B").
     */
    static final int OWN_B_MIN_ROWS = 256;
    /** Tests: false makes every product share its blocks of B between the threads. */
    static volatile boolean ownBAllowed = true;
    /**
     * Tests: false makes every product's tasks go to the threads in the order they come, as with one thread (which
     * CI, on two, would otherwise never run).
     */
    static volatile boolean ownedRowsAllowed = true;

    /**
     * Vector API kernels: columns of one block of B of depth {@code kc}: VECTOR_NC, fewer for deeper
     * blocks so that the block stays within B_BLOCK floats; a multiple of {@code nr}.
     */
    private static int columnBlock(int kc, int nr) {
        return Math.max(nr, Math.min(VECTOR_NC, B_BLOCK / kc / nr * nr));
    }
    /**
     * Vector API kernels: most rows of C per pass; op(A)'s rows of a pass are packed once per depth
     * block for all column blocks (ROW_CHUNK x VECTOR_KC floats, 24 MB).
     */
    static final int ROW_CHUNK = 4 * 1024;

    /** Whether the Vector API micro-kernel runs (module present and not switched off). */
    static final boolean VECTOR = vectorAvailable() && !"false".equals(System.getProperty("recformer.vector"));

    /** Per-thread packing buffers and tiles. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        /** Plain loops: op(B)'s block, one array per row (KC + 1 rows, the last a zero row for an odd depth). */
        final float[][] packedB = new float[KC + 1][NC];
        /** Plain loops: C rows of one micro-kernel call. */
        final float[][] tile = new float[MR][NC];
        /** Vector API kernels: op(A)'s rows of one depth block in row groups (all rows of a product). */
        private float[] panelsA = new float[0];
        /** Vector API kernels: op(B)'s block of one depth block in column panels (shared by the threads, or this thread's copy). */
        private float[] panelsB = new float[0];

        /** The A panels, at least {@code size} floats (kept for the next call). */
        float[] panelsA(int size) {
            if (panelsA.length < size) panelsA = new float[size];
            return panelsA;
        }

        /** The B panels, at least {@code size} floats (kept for the next call). */
        float[] panelsB(int size) {
            if (panelsB.length < size) panelsB = new float[size];
            return panelsB;
        }
    }

    private CpuMatmul() {}

    /** True when jdk.incubator.vector is in the boot layer (only then may CpuMatmulVector load). */
    static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    static void matmul(float[] a, float[] b, float[] c, int batch, int m, int n, int k,
                       boolean transA, boolean transB, int strideA, int strideB, int strideC, boolean accumulate) {
        matmul(a, b, c, batch, m, n, k, transA, transB, strideA, strideB, strideC, accumulate, VECTOR);
    }

    /** As above with the micro-kernel chosen: {@code vector} needs {@link #vectorAvailable()} (tests run both). */
    static void matmul(float[] a, float[] b, float[] c, int batch, int m, int n, int k, boolean transA, boolean transB,
                       int strideA, int strideB, int strideC, boolean accumulate, boolean vector) {
        if (batch <= 0 || m <= 0 || n <= 0) return;
        Operands op = new Operands(a, b, c, m, n, k, transA, transB, strideA, strideB, strideC);
        if (vector) {
            if (strideC == 0 || batch == 1) {
                // one entry at a time (summed into one C when strideC = 0), each split across cores
                for (int bi = 0; bi < batch; bi++) op.entry(bi, accumulate || (strideC == 0 && bi > 0), null);
            } else {
                long flops = 2L * m * n * Math.max(k, 1);
                Parallel.forRange(batch, (int) Math.min(batch, (1 << 18) / flops + 1), (from, to) -> {
                    for (int bi = from; bi < to; bi++) op.entry(bi, accumulate, null); // nested: one core per entry
                });
            }
        } else if (strideC != 0 || batch == 1) {
            run(op, 0, batch, accumulate);
        } else {
            // One C for the whole batch: the products are summed into it, one batch entry at a time.
            for (int bi = 0; bi < batch; bi++) run(op, bi, bi + 1, accumulate || bi > 0);
        }
    }

    static void linear(float[] x, float[] w, float[] bias, float[] c, int m, int n, int k) {
        linear(x, w, bias, c, m, n, k, VECTOR);
    }

    /**
     * A linear layer's forward: C [m, n] = x [m, k] w^T (w stored [n, k]) + bias [n] on every row.
     * The Vector API kernels start each block of C from the bias instead of zero (no separate pass
     * over C); the plain loops add it after the product.
     */
    static void linear(float[] x, float[] w, float[] bias, float[] c, int m, int n, int k, boolean vector) {
        if (m <= 0 || n <= 0) return;
        if (vector) {
            int nr = CpuMatmulVector.NR;
            float[] padded = Arrays.copyOf(bias, (n + nr - 1) / nr * nr); // the kernel reads whole panels
            new Operands(x, w, c, m, n, k, false, true, 0, 0, 0).entry(0, false, padded);
        } else {
            matmul(x, w, c, 1, m, n, k, false, true, 0, 0, 0, false, false);
            int[] shape = {m, n};
            CpuElementwise.binary(BinaryOp.ADD, c, shape, bias, new int[] {n}, c, shape);
        }
    }

    /**
     * Vector API kernels: the first row of row block {@code row} of {@code rows} over {@code groups}
     * groups of mr rows. The blocks differ by at most one group, and the larger ones come last, where
     * C's bottom edge (a group cut short, on the cheaper 6-row kernel when 6 rows or fewer) makes up
     * for it: with the threads claiming the blocks in order, each thread then gets about the same work.
     * (Spreading the larger blocks evenly left one of two threads a group or two behind on every depth
     * and column block of a 1,024-row product: 3-5% of the threads' time spent waiting;
     * docs/results-bench.md, "Row blocks that finish together".)
     */
    static int rowBlockStart(int row, int groups, int rows, int mr) {
        return (row * (groups / rows) + Math.max(0, row - (rows - groups % rows))) * mr;
    }

    /** Plain loops: runs batch entries [batchFrom, batchTo) as MC x NC tasks split across cores. */
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

        /**
         * Vector API kernels: C[bi] (+)= op(A) op(B). Per block of depth (equal blocks of at most
         * VECTOR_KC), op(A)'s rows are packed into row groups once (split across cores by row block)
         * for every column block; per block of {@link #columnBlock} columns, op(B)'s block is packed
         * into column panels (split across cores), then tasks of a row block by a slice of the column
         * panels run across cores. The rows are cut into whole kernel row groups, as many row blocks as a
         * multiple of the cores with at most about MC rows each; a product with few row blocks is
         * cut into column slices as well. Each element of C gets its depth blocks in order.
         * With more than one thread and no column slices, the row blocks are owned: each worker takes its own
         * (every threads-th one, the same ones on every block and every product: {@link Parallel#forWorkers}
         * keeps worker w on the same thread) first, then any that another has not started, and packs their A
         * rows itself in the first column block, so that A's packed rows and C's rows stay in the caches of the
         * core that wrote them. (With the workers' chunks handed out in the order the threads came, worker 0
         * ran on the helper in 27-53% of the jobs: docs/results-bench.md, "Each worker on its own thread".)
         * With {@link #OWN_B_MIN_ROWS} rows per thread or more, each worker also packs its own copy of each
         * block of B: nothing a thread writes is read by another, unless it runs out of its own row blocks; such a
         * product runs all the column blocks of a depth block in one job ({@link #multiplyOwnedRows}).
         * {@code bias} (null: none; else padded to whole column panels): C starts from it on every
         * row instead of zero (with accumulate false).
         */
        void entry(int bi, boolean accumulate, float[] bias) {
            int offA = bi * strideA, offB = bi * strideB, offC = bi * strideC;
            if (k == 0) {
                for (int i = 0; i < m && !accumulate; i++) {
                    if (bias == null) Arrays.fill(c, offC + i * n, offC + (i + 1) * n, 0f);
                    else System.arraycopy(bias, 0, c, offC + i * n, n);
                }
                return;
            }
            // at most ROW_CHUNK rows at a time, so that the packed rows of A stay bounded
            for (int r0 = 0; r0 < m; r0 += ROW_CHUNK) {
                entryRows(offA + r0 * aRow, offB, offC + r0 * n, Math.min(ROW_CHUNK, m - r0), accumulate, bias);
            }
        }

        /** {@link #entry} for m rows of op(A) and C starting at offA and offC. */
        private void entryRows(int offA, int offB, int offC, int m, boolean accumulate, float[] bias) {
            int mr = CpuMatmulVector.MR, nr = CpuMatmulVector.NR;
            int threads = Parallel.threads();
            int groups = (m + mr - 1) / mr;
            int blocks = (m + MC - 1) / MC;
            if (blocks > 1) blocks = (blocks + threads - 1) / threads * threads;
            int rows = Math.min(blocks, groups);
            int maxRows = (groups + rows - 1) / rows * mr;
            int depthBlocks = (k + VECTOR_KC - 1) / VECTOR_KC;
            int kcMax = (k + depthBlocks - 1) / depthBlocks; // equal depth blocks, the last one shorter by the rest
            Scratch scratch = SCRATCH.get();
            int ncMax = columnBlock(kcMax, nr);
            float[] panelsB = scratch.panelsB(kcMax * ((Math.min(ncMax, n) + nr - 1) / nr * nr));
            float[] panelsA = scratch.panelsA(groups * mr * kcMax); // row group g at g * mr * kc
            int slicesWanted = Math.max(1, 2 * threads / rows); // column slices per row block, when few row blocks
            // owned: each worker takes its own row blocks (every threads-th) first on every column block, and packs
            // their rows of A itself; ownB: it also packs its own copy of each block of B. Not with one thread: a transposed
            // A is packed faster in one pass over whole rows of A (3072 x 768 x 1024 G^T x: 1.3-1.6 ms against 1.6-1.9)
            boolean owned = ownedRowsAllowed && threads > 1 && slicesWanted == 1;
            boolean ownB = owned && ownBAllowed && m >= OWN_B_MIN_ROWS * threads;
            // op(A)'s rows packed by the first column block's tasks, each its row block's, while the kernel runs
            // (CpuMatmulVector.multiply with nextA), when op(A)'s rows are rows of A and each task there has a whole
            // row block and 4 panels or more; else by the first column block's tasks too when the workers own their
            // row blocks (the whole row block), or in a job of their own first
            boolean packWhileMultiplying = aCol == 1 && slicesWanted == 1 && (Math.min(ncMax, n) + nr - 1) / nr >= 4;
            for (int p0 = 0; p0 < k; p0 += kcMax) {
                int kc = Math.min(kcMax, k - p0), depth = p0;
                boolean load = accumulate || p0 > 0;
                float[] init = load ? null : bias;
                if (ownB) { // one job for all the column blocks: see multiplyOwnedRows
                    multiplyOwnedRows(panelsA, offA, offB, offC, m, groups, rows, kc, depth, ncMax, load, init, packWhileMultiplying);
                    continue;
                }
                if (!packWhileMultiplying && !owned) Parallel.forRange(rows, 1, (from, to) -> {
                    int i0 = rowBlockStart(from, groups, rows, mr); // row blocks [from, to) are consecutive groups
                    packPanelsA(panelsA, i0 * kc, offA, i0, Math.min(m, rowBlockStart(to, groups, rows, mr)) - i0, depth, kc, mr);
                });
                for (int j0 = 0; j0 < n; j0 += ncMax) {
                    int nc = Math.min(ncMax, n - j0), jBlock = j0;
                    int panels = (nc + nr - 1) / nr;
                    int slices = Math.min(panels, slicesWanted);
                    int panelsPerSlice = (panels + slices - 1) / slices;
                    int tasks = rows * slices;
                    // A's rows packed with the first column block when the tasks own their row blocks (A itself: the
                    // first group and a last one cut by C's edge, the kernel packs the others; else the whole block)
                    boolean packA = jBlock == 0 && (packWhileMultiplying || owned);
                    packSharedBlockB(panelsB, offB, depth, kc, jBlock, nc, panels, threads);
                    if (owned) {
                        AtomicIntegerArray claimed = new AtomicIntegerArray(threads); // per thread: its row blocks taken
                        Parallel.forWorkers(self -> { // worker self owns row blocks self, self + threads, ... on every block
                            for (int s = 0; s < threads; s++) { // its own row blocks first, then what the others left
                                int owner = (self + s) % threads;
                                for (int row; (row = owner + threads * claimed.getAndIncrement(owner)) < rows; ) {
                                    multiplyRowBlock(panelsA, panelsB, offA, offC, m, row, groups, rows, kc, depth, jBlock, nc, 0, panels,
                                            load, init, packA, packWhileMultiplying);
                                }
                            }
                        });
                        continue;
                    }
                    // here: one thread, or few row blocks cut into column slices
                    long flopsPerTask = 2L * maxRows * Math.min(nc, panelsPerSlice * nr) * kc;
                    // heavy tasks (a quarter MFLOP each or more) task by task, so that the threads finish together:
                    // four chunks per thread left 22 tasks in chunks of 3 and 1, and 2 threads 1.07-1.29x slower
                    // at 2048 and 900 rows; lighter tasks, A's row blocks and B's panels task by task too made a
                    // training step slower (docs/results-bench.md, "Matrix product tasks claimed one at a time")
                    int grain = (int) Math.min(tasks, (1 << 18) / flopsPerTask + 1);
                    Parallel.RangeBody compute = (from, to) -> {
                        for (int t = from; t < to; t++) {
                            int q0 = (t % slices) * panelsPerSlice, q1 = Math.min(panels, q0 + panelsPerSlice);
                            if (q0 < q1) multiplyRowBlock(panelsA, panelsB, offA, offC, m, t / slices, groups, rows, kc, depth, jBlock, nc,
                                    q0, q1, load, init, packA, packWhileMultiplying);
                        }
                    };
                    if (grain == 1) Parallel.forChunks(tasks, 1, compute);
                    else Parallel.forRange(tasks, grain, compute);
                }
            }
        }

        /**
         * One depth block of {@link #entryRows} when each worker owns its row blocks and packs its own copies of B's
         * blocks: one job for all the column blocks, with no wait between them. Worker self takes its own row blocks
         * (self, self + threads, ...) column block by column block, packing each block of B as it gets to it, then,
         * column block by column block, the row blocks that the others have not claimed yet. A row block's A is packed
         * by whoever runs it on the first column block; a worker that reaches it on a later one first waits for that
         * (rare: the owner reaches a row block that another took from it only after its other row blocks of the next
         * column block). With a job, and so a wait, for every column block, the first of two threads to finish sat idle
         * for 2.6% of a 4,096-row product's time and 2-10% of a 1,024-row one's (docs/results-bench.md, "One job for
         * all the column blocks").
         */
        private void multiplyOwnedRows(float[] panelsA, int offA, int offB, int offC, int m, int groups, int rows, int kc, int depth,
                                       int ncMax, boolean load, float[] init, boolean packWhileMultiplying) {
            int threads = Parallel.threads(), columnBlocks = (n + ncMax - 1) / ncMax, nr = CpuMatmulVector.NR;
            AtomicIntegerArray claimed = new AtomicIntegerArray(threads * columnBlocks); // [owner][column block]: row blocks taken
            AtomicIntegerArray packedA = new AtomicIntegerArray(rows); // 1 once a row block's A is in panelsA
            Parallel.forWorkers(self -> {
                float[] blockB = SCRATCH.get().panelsB(kc * ((Math.min(ncMax, n) + nr - 1) / nr * nr)); // this worker's own copy
                int packedBlock = -1; // the column block whose B is in blockB
                for (int s = 0; s < threads; s++) { // its own row blocks first, then what the others left
                    int owner = (self + s) % threads;
                    for (int jb = 0; jb < columnBlocks; jb++) {
                        int j0 = jb * ncMax, nc = Math.min(ncMax, n - j0), slot = owner * columnBlocks + jb;
                        for (int row; (row = owner + threads * claimed.getAndIncrement(slot)) < rows; ) {
                            if (packedBlock != jb) packBlockB(blockB, offB, depth, kc, j0, nc);
                            packedBlock = jb;
                            while (jb > 0 && packedA.get(row) == 0) Thread.onSpinWait();
                            multiplyRowBlock(panelsA, blockB, offA, offC, m, row, groups, rows, kc, depth, j0, nc, 0,
                                    (nc + nr - 1) / nr, load, init, jb == 0, packWhileMultiplying);
                            if (jb == 0) packedA.set(row, 1);
                        }
                    }
                }
            });
        }

        /**
         * One task of {@link #entryRows}: row block {@code row}'s rows of C x panels [q0, q1) of the column block at
         * jBlock (nc columns) (+)= its packed A x packed B over one depth block; with {@code packA}, it first packs the
         * row block's rows of A (with {@code packWhileMultiplying}: the first group, and the last one when C's edge cuts
         * it, and the kernel packs the others as it goes).
         */
        private void multiplyRowBlock(float[] panelsA, float[] panelsB, int offA, int offC, int m, int row, int groups, int rows,
                                      int kc, int depth, int jBlock, int nc, int q0, int q1, boolean load, float[] init,
                                      boolean packA, boolean packWhileMultiplying) {
            int mr = CpuMatmulVector.MR, nr = CpuMatmulVector.NR;
            int i0 = rowBlockStart(row, groups, rows, mr);
            int mc = Math.min(m, rowBlockStart(row + 1, groups, rows, mr)) - i0;
            boolean kernelPacks = packA && packWhileMultiplying;
            if (kernelPacks) {
                packPanelsA(panelsA, i0 * kc, offA, i0, Math.min(mr, mc), depth, kc, mr);
                int last = (mc - 1) / mr * mr;
                if (last > 0 && mc - last < mr) packPanelsA(panelsA, (i0 + last) * kc, offA, i0 + last, mc - last, depth, kc, mr);
            } else if (packA) {
                packPanelsA(panelsA, i0 * kc, offA, i0, mc, depth, kc, mr);
            }
            int col = q0 * nr;
            CpuMatmulVector.multiply(panelsA, i0 * kc, panelsB, q0 * kc * nr, kc, c, offC + i0 * n + jBlock + col, n,
                    mc, Math.min(nc, q1 * nr) - col, load, init, jBlock + col, kernelPacks ? a : null, offA + i0 * aRow + depth, aRow);
        }

        /**
         * The block of op(B) of nc columns at j0 and depth p0 .. p0 + kc into the column panels shared by the threads,
         * split across all of them even when small (one thread packing all of 256^3's B while the others waited took
         * 0.04 of its 0.25 ms on 2 threads): by depth steps when op(B)'s rows are rows of B, so that each thread reads
         * whole slices of B's rows (by panels, both threads read every row: G W 1.3-1.7%, 1024^3 2-3% slower on 2
         * threads), else by panels in chunks of at least 64k floats.
         */
        private void packSharedBlockB(float[] panelsB, int offB, int p0, int kc, int j0, int nc, int panels, int threads) {
            int nr = CpuMatmulVector.NR;
            if (bCol == 1) {
                int parts = Math.min(threads, panels); // as many parts as threads, but no more than the block has panels
                Parallel.forRange(kc, (kc + parts - 1) / parts, (from, to) -> packPanelsBByDepth(panelsB, offB, p0, kc, j0, nc, nr, from, to));
            } else {
                int packGrain = Math.min((1 << 16) / (kc * nr), (panels + threads - 1) / threads);
                Parallel.forRange(panels, Math.max(1, packGrain), (from, to) -> packPanelsBTransposed(panelsB, offB, p0, kc, j0, nc, nr, from, to));
            }
        }

        /** The whole block of op(B) of nc columns at j0 and depth p0 .. p0 + kc into column panels. */
        private void packBlockB(float[] panels, int offB, int p0, int kc, int j0, int nc) {
            int nr = CpuMatmulVector.NR;
            if (bCol == 1) packPanelsBByDepth(panels, offB, p0, kc, j0, nc, nr, 0, kc);
            else packPanelsBTransposed(panels, offB, p0, kc, j0, nc, nr, 0, (nc + nr - 1) / nr);
        }

        /** Plain loops: C[bi][i0 .. i0+mc, j0 .. j0+nc] (+)= op(A) op(B) over the whole depth. */
        void block(Scratch s, int bi, int i0, int mc, int j0, int nc, boolean accumulate) {
            int offA = bi * strideA, offB = bi * strideB, offC = bi * strideC;
            if (k == 0) {
                if (!accumulate) {
                    for (int i = i0; i < i0 + mc; i++) Arrays.fill(c, offC + i * n + j0, offC + i * n + j0 + nc, 0f);
                }
                return;
            }
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                packB(s.packedB, offB, p0, kc, j0, nc);
                multiplyPlain(s, offA + p0 * aCol, offC, i0, mc, j0, nc, kc, accumulate || p0 > 0);
            }
        }

        /** The plain-loop path: C rows i0 .. i0+mc, MR at a time, through the tile arrays. */
        private void multiplyPlain(Scratch s, int offA, int offC, int i0, int mc, int j0, int nc, int kc, boolean load) {
            float[][] tile = s.tile;
            for (int i = i0; i < i0 + mc; i += MR) {
                int rows = Math.min(MR, i0 + mc - i);
                for (int r = 0; r < MR; r++) {
                    if (load && r < rows) System.arraycopy(c, offC + (i + r) * n + j0, tile[r], 0, nc);
                    else Arrays.fill(tile[r], 0, nc, 0f);
                }
                kernel(offA + i * aRow, rows, kc, s.packedB, tile[0], tile[1], tile[2], tile[3], nc);
                for (int r = 0; r < rows; r++) System.arraycopy(tile[r], 0, c, offC + (i + r) * n + j0, nc);
            }
        }

        /**
         * panels[at + (g * kc + p) * mr + r] = op(A)[i0 + g * mr + r][p0 + p]; rows past mc keep what they
         * held (the kernel's products of those rows are never stored). Reads follow A's memory order:
         * along p when op(A)'s rows are rows of A; along the rows, for all groups, when op(A) is transposed.
         */
        private void packPanelsA(float[] panels, int at, int offA, int i0, int mc, int p0, int kc, int mr) {
            int src = offA + i0 * aRow + p0 * aCol;
            if (aCol == 1) {
                for (int g = 0; g * mr < mc; g++) {
                    int rows = Math.min(mr, mc - g * mr), from = src + g * mr * aRow, dst = at + g * kc * mr;
                    int transposed = rows == mr && VECTOR ? CpuMatmulVector.packRows(a, from, aRow, mr, kc, panels, dst, mr) : 0;
                    for (int r = 0; r < rows; r++) {
                        for (int p = transposed; p < kc; p++) panels[dst + p * mr + r] = a[from + r * aRow + p];
                    }
                }
            } else {
                int copied = CpuMatmulVector.packGroupsTransposed(a, src, aCol, kc, panels, at, mc / mr); // all but their last step
                for (int g = 0; g * mr < mc; g++) {
                    int rows = Math.min(mr, mc - g * mr), dst = at + g * kc * mr;
                    for (int p = g < copied ? kc - 1 : 0; p < kc; p++) {
                        for (int r = 0; r < rows; r++) panels[dst + p * mr + r] = a[src + p * aCol + g * mr + r];
                    }
                }
            }
        }

        /**
         * panels[(q * kc + p) * nr + j] = op(B)[p0 + p][j0 + q * nr + j] for depth steps p in [pFrom, pTo) of all
         * the block's panels, when op(B)'s rows are rows of B: each step's floats of all the panels are read in
         * order; columns past nc keep what they held (never stored either).
         */
        private void packPanelsBByDepth(float[] panels, int offB, int p0, int kc, int j0, int nc, int nr, int pFrom, int pTo) {
            int whole = nc / nr, src = offB + p0 * bRow + j0;
            CpuMatmulVector.packPanelRows(b, src, bRow, pFrom, pTo, kc, panels, 0, whole);
            for (int p = pFrom; p < pTo && whole * nr < nc; p++) { // the block's last panel, cut by its edge
                System.arraycopy(b, src + p * bRow + whole * nr, panels, (whole * kc + p) * nr, nc - whole * nr);
            }
        }

        /**
         * panels[(q * kc + p) * nr + j] = op(B)[p0 + p][j0 + q * nr + j] for panels q in [qFrom, qTo), when op(B)
         * is transposed (its columns are rows of B), read along p; columns past nc keep what they held.
         */
        private void packPanelsBTransposed(float[] panels, int offB, int p0, int kc, int j0, int nc, int nr, int qFrom, int qTo) {
            for (int q = qFrom; q < qTo; q++) {
                int cols = Math.min(nr, nc - q * nr);
                int dst = q * kc * nr;
                int src = offB + p0 * bRow + (j0 + q * nr) * bCol;
                // a whole panel by register transposes of 16 of B's rows at a time (all but the last step; 512-bit
                // vectors only), the rest 8 rows of B at a time, then one at a time, each read in order
                // (docs/results-bench.md, "Packing by register transposes" and "Transposed B eight rows at a time")
                int half = nr / 2, transposed = cols == nr && VECTOR ? CpuMatmulVector.packRows(b, src, bCol, half, kc, panels, dst, nr) : 0;
                if (transposed > 0) CpuMatmulVector.packRows(b, src + half * bCol, bCol, half, kc, panels, dst + half, nr);
                int j = 0;
                for (; j + 8 <= cols; j += 8) packEightRows(b, src + j * bCol, bCol, transposed, kc, panels, dst + j, nr);
                for (; j < cols; j++) {
                    for (int p = transposed; p < kc; p++) panels[dst + p * nr + j] = b[src + j * bCol + p];
                }
            }
        }

        /**
         * panels[dst + p * step + r] = b[src + r * rowStride + p] for the 8 rows r of B and depth steps p in [pFrom, kc):
         * each step's 8 floats stored together, 32 bytes of one line of the panel. One row at a time, a deep panel's
         * every store went to a line of its own, which the pass of every row (16 of 256-bit vectors' panels) fetched
         * again: 1.5-3.4x slower on a core with a 32 KB L1 and panels of 48-96 KB (docs/results-bench.md).
         */
        private static void packEightRows(float[] b, int src, int rowStride, int pFrom, int kc, float[] panels, int dst, int step) {
            int s0 = src, s1 = s0 + rowStride, s2 = s1 + rowStride, s3 = s2 + rowStride;
            int s4 = s3 + rowStride, s5 = s4 + rowStride, s6 = s5 + rowStride, s7 = s6 + rowStride;
            for (int p = pFrom, d = dst + pFrom * step; p < kc; p++, d += step) {
                panels[d] = b[s0 + p];
                panels[d + 1] = b[s1 + p];
                panels[d + 2] = b[s2 + p];
                panels[d + 3] = b[s3 + p];
                panels[d + 4] = b[s4 + p];
                panels[d + 5] = b[s5 + p];
                panels[d + 6] = b[s6 + p];
                panels[d + 7] = b[s7 + p];
            }
        }

        /** packed[p][j] = op(B)[p0 + p][j0 + j] for j < nc; a zero row follows an odd depth. */
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
