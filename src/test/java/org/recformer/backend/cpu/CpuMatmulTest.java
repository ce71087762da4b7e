package org.recformer.backend.cpu;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.testing.GradCheck;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The matmul kernel against a direct double-precision product, on sizes around the block sizes
 * (kernel rows 4, 6 or 14, kernel columns 2 vectors = 16 or 32, MC = 96, KC = 384, NC = 512,
 * VECTOR_KC = 1536, VECTOR_NC = 256 narrowed for deeper blocks, and the earlier KC = 256, NC = 768), every
 * transpose combination, batches with broadcast operands, and accumulation; both micro-kernels
 * (plain loops and, when the JVM has the module, the Vector API). Outputs start as NaN (poisoned),
 * so an unwritten element fails. Each element must lie within the rounding-error bound of a float
 * dot product of its depth (whatever the summation order), besides the fixed tolerance.
 */
class CpuMatmulTest {
    static Stream<Arguments> sizes() {
        int[][] mnk = {{1, 1, 1}, {1, 7, 3}, {5, 1, 2}, {3, 5, 7}, {13, 11, 1}, {67, 31, 257},
                {4, 257, 5}, {65, 259, 513}, {130, 17, 29}, {2, 300, 600},
                {8, 48, 256}, {9, 49, 255}, {97, 385, 33}, {193, 47, 300}, {7, 769, 17},
                {14, 32, 256}, {13, 31, 255}, {15, 33, 257}, {28, 64, 512}, {29, 65, 513}, {99, 770, 40}, {197, 96, 70},
                // several column blocks and depth blocks (A packed once per depth block); more rows than one pass
                {30, 800, 300}, {CpuMatmul.ROW_CHUNK + 30, 17, 260},
                // around KC = 384 and NC = 512 (plain loops), VECTOR_KC = 1536 and VECTOR_NC = 256 (narrower
                // column blocks past depth 768: 224 columns at 769, 128 at 1536, 192 for three blocks of 1025)
                {15, 511, 384}, {20, 512, 383}, {21, 513, 385}, {30, 1025, 769},
                {15, 255, 768}, {20, 256, 767}, {21, 257, 1537}, {22, 300, 1536}, {15, 200, 3073}};
        Stream.Builder<Arguments> out = Stream.builder();
        for (int[] s : mnk) {
            for (int flags = 0; flags < 8; flags++) {
                out.add(Arguments.of(s[0], s[1], s[2], (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0));
            }
        }
        return out.build();
    }

    @Test
    void rowBlocksCoverTheGroupsInOrderWithTheLargerBlocksLast() {
        int mr = 14;
        for (int groups = 1; groups <= 400; groups++) {
            for (int rows = 1; rows <= Math.min(groups, 64); rows++) {
                Assertions.assertEquals(0, CpuMatmul.rowBlockStart(0, groups, rows, mr));
                Assertions.assertEquals(groups * mr, CpuMatmul.rowBlockStart(rows, groups, rows, mr), "groups " + groups + ", rows " + rows);
                int small = groups / rows, previous = small;
                for (int row = 0; row < rows; row++) {
                    int size = CpuMatmul.rowBlockStart(row + 1, groups, rows, mr) - CpuMatmul.rowBlockStart(row, groups, rows, mr);
                    String where = "groups " + groups + ", rows " + rows + ", block " + row;
                    Assertions.assertEquals(0, size % mr, where);
                    Assertions.assertTrue(size / mr == small || size / mr == small + 1, where + ": " + size / mr + " groups");
                    Assertions.assertTrue(size / mr >= previous, where + ": smaller than the block before");
                    previous = size / mr;
                }
            }
        }
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} vector={5}")
    @MethodSource("sizes")
    void singleProduct(int m, int n, int k, boolean transA, boolean transB, boolean vector) {
        check(1, m, n, k, transA, transB, true, true, false, vector);
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} vector={5}")
    @MethodSource("sizes")
    void batchedAndAccumulated(int m, int n, int k, boolean transA, boolean transB, boolean vector) {
        check(3, m, n, k, transA, transB, true, true, true, vector);
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} vector={5}")
    @MethodSource("sizes")
    void broadcastA(int m, int n, int k, boolean transA, boolean transB, boolean vector) {
        check(3, m, n, k, transA, transB, false, true, false, vector);
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} vector={5}")
    @MethodSource("sizes")
    void broadcastB(int m, int n, int k, boolean transA, boolean transB, boolean vector) {
        check(2, m, n, k, transA, transB, true, false, true, vector);
    }

    /**
     * Shapes on which the first column block's kernel packs op(A)'s row groups as it multiplies (op(A) not transposed,
     * more row blocks than threads, 4 panels or more): several groups per row block, C's last group cut, 4 panels and
     * a cut fourth one, one and two depth blocks; with B transposed or not, C overwritten (NaN before) or added to.
     */
    static Stream<Arguments> packedWhileMultiplying() {
        int m = 2 * CpuMatmul.MC * Parallel.threads() + 25; // twice as many row blocks as threads
        Stream.Builder<Arguments> out = Stream.builder();
        for (int[] nk : new int[][] {{128, 40}, {100, 300}, {300, 1537}}) {
            for (int flags = 0; flags < 4; flags++) out.add(Arguments.of(m, nk[0], nk[1], (flags & 1) != 0, (flags & 2) != 0));
        }
        return out.build();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transB={3} accumulate={4}")
    @MethodSource("packedWhileMultiplying")
    void rowGroupsPackedWhileMultiplying(int m, int n, int k, boolean transB, boolean accumulate) {
        check(1, m, n, k, false, transB, true, true, accumulate, true);
    }

    /**
     * Shapes on which each thread packs its own copy of B's blocks and takes its own row blocks first (more than
     * {@link CpuMatmul#OWN_B_MIN_ROWS} rows per thread, C's last group cut): 4 panels (A packed by the kernel when not
     * transposed), a cut fourth panel, 2 panels (A packed by the task), several column blocks and two depth blocks;
     * every transpose, C overwritten (NaN before) or added to.
     */
    static Stream<Arguments> ownCopiesOfB() {
        int m = CpuMatmul.OWN_B_MIN_ROWS * Parallel.threads() + 25;
        Stream.Builder<Arguments> out = Stream.builder();
        for (int[] nk : new int[][] {{128, 40}, {100, 300}, {40, 200}, {300, 1537}}) {
            for (int flags = 0; flags < 8; flags++) {
                out.add(Arguments.of(m, nk[0], nk[1], (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0));
            }
        }
        return out.build();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} accumulate={5}")
    @MethodSource("ownCopiesOfB")
    void eachThreadItsOwnCopyOfB(int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        Assumptions.assumeTrue(Parallel.threads() > 1, "one thread: no copies of B to make");
        check(1, m, n, k, transA, transB, true, true, accumulate, true);
    }

    /** The same shapes with B's blocks shared by the threads (the path of fewer rows per thread). */
    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} accumulate={5}")
    @MethodSource("ownCopiesOfB")
    void threadsSharingB(int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        checkWithHookOff(allowed -> CpuMatmul.ownBAllowed = allowed, m, n, k, transA, transB, accumulate);
    }

    /**
     * The same shapes, and small ones, with the tasks claimed in the order the threads come and A packed in a job of
     * its own or by the first column block's tasks: the path of one thread, run here on all of them.
     */
    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} accumulate={5}")
    @MethodSource("tasksInOrder")
    void tasksClaimedInOrder(int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        checkWithHookOff(allowed -> CpuMatmul.ownedRowsAllowed = allowed, m, n, k, transA, transB, accumulate);
    }

    /** {@link #check} of one product with one of CpuMatmul's test hooks set to false, then back to true. */
    private static void checkWithHookOff(Consumer<Boolean> hook, int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        hook.accept(false);
        try {
            check(1, m, n, k, transA, transB, true, true, accumulate, true);
        } finally {
            hook.accept(true);
        }
    }

    static Stream<Arguments> tasksInOrder() {
        Stream.Builder<Arguments> out = Stream.builder();
        ownCopiesOfB().forEach(out::add);
        for (int[] mnk : new int[][] {{300, 128, 40}, {450, 200, 700}, {97, 130, 33}}) {
            for (int flags = 0; flags < 8; flags++) {
                out.add(Arguments.of(mnk[0], mnk[1], mnk[2], (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0));
            }
        }
        return out.build();
    }

    /**
     * A product started inside a parallel loop runs on that one thread: it takes every thread's row blocks in turn (the
     * other threads' as a thread that finished its own does), each column block with its one copy of B.
     */
    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} accumulate={5}")
    @MethodSource("ownCopiesOfB")
    void oneThreadTakesEveryThreadsRowBlocks(int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        Assumptions.assumeTrue(Parallel.threads() > 1, "one thread: no parallel loop to start it from");
        Throwable[] failure = new Throwable[1];
        Parallel.forChunks(2, 1, (from, to) -> {
            if (from != 0) return;
            try {
                check(1, m, n, k, transA, transB, true, true, accumulate, true);
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        if (failure[0] instanceof Error error) throw error;
        if (failure[0] != null) throw new AssertionError(failure[0]);
    }

    @Test
    void testsRunWithTheVectorModule() {
        // surefire's argLine adds jdk.incubator.vector, so the Vector API kernel is the default here
        Assertions.assertTrue(CpuMatmul.vectorAvailable() && CpuMatmul.VECTOR, "tests should exercise the Vector API kernel");
    }

    @Test
    void sharedOutputSumsOverTheBatch() {
        int batch = 3, m = 5, n = 6, k = 7;
        SplittableRandom rng = new SplittableRandom(3);
        float[] a = random(rng, batch * m * k), b = random(rng, batch * k * n), c = random(rng, m * n);
        double[] expected = new double[m * n];
        for (int i = 0; i < expected.length; i++) expected[i] = c[i];
        for (int bi = 0; bi < batch; bi++) {
            addProduct(expected, new double[m * n], 0, a, bi * m * k, b, bi * k * n, m, n, k, false, false);
        }
        CpuMatmul.matmul(a, b, c, batch, m, n, k, false, false, m * k, k * n, 0, true);
        GradCheck.assertClose("sum over batch into one C", expected, c, 1e-5, 1e-5);
    }

    /** The sizes with both kernels, untransposed operands (a linear layer's product is x w^T, w stored [n, k]). */
    static Stream<Arguments> linearSizes() {
        return sizes().filter(a -> !(Boolean) a.get()[3] && !(Boolean) a.get()[4]);
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} vector={5}")
    @MethodSource("linearSizes")
    void linearStartsFromTheBias(int m, int n, int k, boolean transA, boolean transB, boolean vector) {
        Assumptions.assumeTrue(!vector || CpuMatmul.vectorAvailable(), "JVM without jdk.incubator.vector");
        SplittableRandom rng = new SplittableRandom(m * 7919L + n * 31L + k);
        float[] x = random(rng, m * k), w = random(rng, n * k), bias = random(rng, n);
        float[] c = new float[m * n];
        java.util.Arrays.fill(c, Float.NaN); // every element must be written
        double[] expected = new double[m * n], magnitude = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                expected[i * n + j] = bias[j];
                magnitude[i * n + j] = Math.abs(bias[j]);
            }
        }
        addProduct(expected, magnitude, 0, x, 0, w, 0, m, n, k, false, true);
        CpuMatmul.linear(x, w, bias, c, m, n, k, vector);
        String what = String.format("linear m=%d n=%d k=%d vector=%s", m, n, k, vector);
        GradCheck.assertClose(what, expected, c, 1e-5, 1e-5);
        assertWithinFloatBound(what, expected, magnitude, c, k + 1);
    }

    @Test
    void linearWithZeroDepthIsTheBias() {
        for (boolean vector : new boolean[] {false, CpuMatmul.vectorAvailable()}) {
            float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
            CpuMatmul.linear(new float[0], new float[0], new float[] {5, 6}, c, 2, 2, 0, vector);
            GradCheck.assertClose("k = 0, vector " + vector, new double[] {5, 6, 5, 6}, c, 0, 0);
        }
    }

    @Test
    void zeroDepthWritesZerosOrKeepsC() {
        float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        CpuMatmul.matmul(new float[0], new float[0], c, 1, 2, 2, 0, false, false, 0, 0, 0, false);
        GradCheck.assertClose("k = 0", new double[4], c, 0, 0);
        float[] kept = {1, 2, 3, 4};
        CpuMatmul.matmul(new float[0], new float[0], kept, 1, 2, 2, 0, false, false, 0, 0, 0, true);
        GradCheck.assertClose("k = 0 accumulate", new double[] {1, 2, 3, 4}, kept, 0, 0);
    }

    private static void check(int batch, int m, int n, int k, boolean transA, boolean transB,
                              boolean batchedA, boolean batchedB, boolean accumulate, boolean vector) {
        Assumptions.assumeTrue(!vector || CpuMatmul.vectorAvailable(), "JVM without jdk.incubator.vector");
        SplittableRandom rng = new SplittableRandom(m * 1000003L + n * 1009L + k);
        int strideA = batchedA ? m * k : 0, strideB = batchedB ? k * n : 0, strideC = m * n;
        float[] a = random(rng, (batchedA ? batch : 1) * m * k);
        float[] b = random(rng, (batchedB ? batch : 1) * k * n);
        float[] c = new float[batch * m * n];
        if (accumulate) {
            for (int i = 0; i < c.length; i++) c[i] = (float) (rng.nextDouble() * 2 - 1);
        } else {
            java.util.Arrays.fill(c, Float.NaN);
        }
        double[] expected = new double[c.length], magnitude = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            expected[i] = accumulate ? c[i] : 0;
            magnitude[i] = Math.abs(expected[i]);
        }
        for (int bi = 0; bi < batch; bi++) {
            addProduct(expected, magnitude, bi * strideC, a, bi * strideA, b, bi * strideB, m, n, k, transA, transB);
        }
        CpuMatmul.matmul(a, b, c, batch, m, n, k, transA, transB, strideA, strideB, strideC, accumulate, vector);
        String what = String.format("matmul b=%d m=%d n=%d k=%d tA=%s tB=%s vector=%s", batch, m, n, k, transA, transB, vector);
        GradCheck.assertClose(what, expected, c, 1e-5, 1e-5);
        assertWithinFloatBound(what, expected, magnitude, c, k + 1);
    }

    /**
     * |c - exact| <= gamma(terms) * magnitude per element, where gamma(t) = t u / (1 - t u) with
     * u = 2^-24 is the worst-case relative error of a float sum of t products (FMA or not, any
     * order) and magnitude = |c0| + sum |a b| (Higham, Accuracy and Stability, 3.1).
     */
    private static void assertWithinFloatBound(String what, double[] exact, double[] magnitude, float[] c, int terms) {
        double u = Math.ulp(1f) / 2, gamma = terms * u / (1 - terms * u);
        for (int i = 0; i < c.length; i++) {
            double error = Math.abs(c[i] - exact[i]);
            if (!(error <= gamma * magnitude[i])) {
                Assertions.fail(String.format("%s: element %d is %s, exact %s, error %.3g above the float bound %.3g",
                        what, i, c[i], exact[i], error, gamma * magnitude[i]));
            }
        }
    }

    /** expected[offC + i*n + j] += sum_p op(A)[i][p] op(B)[p][j] in double; magnitude[...] += sum_p |op(A) op(B)|. */
    private static void addProduct(double[] expected, double[] magnitude, int offC, float[] a, int offA, float[] b, int offB,
                                   int m, int n, int k, boolean transA, boolean transB) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double x = transA ? a[offA + p * m + i] : a[offA + i * k + p];
                    double y = transB ? b[offB + j * k + p] : b[offB + p * n + j];
                    s += x * y;
                    abs += Math.abs(x * y);
                }
                expected[offC + i * n + j] += s;
                magnitude[offC + i * n + j] += abs;
            }
        }
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }
}
