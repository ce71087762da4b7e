package org.recformer.backend.cuda;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.backend.Backends;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.StepStatus;
import org.recformer.tensor.UnaryOp;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every CUDA kernel against the CPU backend (the reference) on random inputs of odd sizes, forward
 * and backward: each output must agree to a relative error below 1e-5 (max abs difference over the
 * largest reference magnitude); dropout masks must agree bit for bit. Outputs are fresh buffers,
 * which the tests' {@code -Drecformer.poison=true} fills with NaN on both backends, so a kernel that
 * misses an element fails. Runs on the GPU when there is one, else on the emulator ({@link CudaUnderTest}).
 */
class CudaBackendTest {
    private static final double TOLERANCE = 1e-5;
    private static Backend gpu;
    private static final Backend CPU = Backends.cpu();

    /** Per test (not @BeforeAll), so that without a GPU or the emulator every test is reported as skipped. */
    @BeforeEach
    void requireCuda() {
        if (gpu == null) {
            gpu = CudaUnderTest.backend();
            System.out.println("CUDA device: " + ((CudaBackend) gpu).device());
        }
    }

    /** A kernel call on one backend: uploads the inputs, runs, returns the outputs' values. */
    interface Call {
        float[][] run(Backend be, Buffer[] in);
    }

    /** Runs call on both backends with the same inputs and compares every output. */
    private static float[][] compare(String what, Call call, float[]... inputs) {
        float[][] expected = call.run(CPU, upload(CPU, inputs));
        float[][] actual = call.run(gpu, upload(gpu, inputs));
        assertEquals(expected.length, actual.length);
        for (int o = 0; o < expected.length; o++) assertClose(what + " output " + o, expected[o], actual[o]);
        return actual;
    }

    private static Buffer[] upload(Backend be, float[][] inputs) {
        Buffer[] b = new Buffer[inputs.length];
        for (int i = 0; i < inputs.length; i++) b[i] = be.fromArray(inputs[i]);
        return b;
    }

    static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0, worst = 0;
        int worstAt = -1;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (Float.isNaN(actual[i]) != Float.isNaN(expected[i]) || d > worst || Double.isNaN(d)) {
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                worstAt = i;
                if (Double.isInfinite(worst)) break;
            }
        }
        double rel = scale == 0 ? worst : worst / scale;
        assertTrue(rel < TOLERANCE, what + ": relative error " + rel + " at " + worstAt
                + (worstAt >= 0 ? " (cpu " + expected[worstAt] + ", gpu " + actual[worstAt] + ")" : ""));
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    private static float[] positive(int n, long seed) {
        float[] x = random(n, seed);
        for (int i = 0; i < n; i++) x[i] = 0.1f + Math.abs(x[i]);
        return x;
    }

    private static float[][] out(Backend be, Buffer... buffers) {
        float[][] r = new float[buffers.length][];
        for (int i = 0; i < buffers.length; i++) r[i] = be.toArray(buffers[i]);
        return r;
    }

    // ---------------------------------------------------------------- memory and elementwise

    @Test
    void fillAndCopyBlocks() {
        compare("fill", (be, in) -> {
            Buffer o = be.allocate(1003);
            be.fill(o, 2.5f);
            return out(be, o);
        });
        for (boolean accumulate : new boolean[] {false, true}) {
            compare("copyBlocks accumulate=" + accumulate, (be, in) -> {
                be.copyBlocks(in[0], 3, 11, in[1], 5, 13, 7, 37, accumulate);
                return out(be, in[1]);
            }, random(11 * 37 + 3, 1), random(13 * 37 + 5, 2));
        }
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryWithBroadcasting(BinaryOp op) {
        int[][][] cases = {
                {{3, 7, 5}, {3, 7, 5}, {3, 7, 5}},
                {{3, 7, 5}, {7, 1}, {3, 7, 5}},
                {{1, 7, 1}, {3, 1, 5}, {3, 7, 5}},
                {{}, {2, 9}, {2, 9}},
                {{4, 3, 2, 3}, {3, 1, 3}, {4, 3, 2, 3}},
                {{2, 1, 3, 1, 2, 1, 3, 2}, {3, 2, 1, 2, 3, 1}, {2, 1, 3, 2, 2, 2, 3, 2}}, // rank 8, every dim of Layout
        };
        for (int[][] c : cases) {
            int na = numel(c[0]), nb = numel(c[1]);
            float[] b = op == BinaryOp.DIV ? positive(nb, 4) : random(nb, 4);
            compare(op + " " + java.util.Arrays.deepToString(c), (be, in) -> {
                Buffer o = be.allocate(numel(c[2]));
                be.binary(op, in[0], c[0], in[1], c[1], o, c[2]);
                return out(be, o);
            }, random(na, 3), b);
        }
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryForwardAndBackward(UnaryOp op) {
        int n = 4099;
        boolean positiveOnly = op == UnaryOp.SQRT || op == UnaryOp.POW;
        float[] x = positiveOnly ? positive(n, 5) : random(n, 5);
        for (int i = 0; i < n; i += 97) x[i] *= 6; // some large arguments (GELU and tanh tails)
        float arg = switch (op) {
            case SCALE -> 0.37f;
            case ADD_SCALAR -> -1.25f;
            case CLAMP_MIN -> 0.1f;
            case POW -> 1.7f;
            default -> 0f;
        };
        compare(op + " forward and backward", (be, in) -> {
            Buffer y = be.allocate(n), gx = be.allocate(n);
            be.unary(op, in[0], y, n, arg);
            be.unaryBackward(op, in[0], y, in[1], gx, n, arg);
            be.unary(op, in[0], in[0], n, arg); // in place, as Activations.geluInPlace calls it
            return out(be, y, gx, in[0]);
        }, x, random(n, 6));
    }

    @ParameterizedTest
    @CsvSource({"3x7x5, 7x1", "3x7x5, 1x1x5", "3x7x5, ''", "3x7x5, 3x1x1", "1001x3, 3", "5x1x333, 1x1x1",
            "4099x7, 7", "67x5x33, 5x1", "3x2x3001x1, 2x1x1", "2x1x3x1x2x1x3x2, 1x1x3x1x1x1x3x1"}) // several row slices
    void sumToShape(String inShape, String outShape) {
        int[] is = shape(inShape), os = shape(outShape);
        compare("sumToShape " + inShape + " -> " + outShape, (be, in) -> {
            Buffer o = be.allocate(numel(os));
            be.sumToShape(in[0], is, o, os);
            return out(be, o);
        }, random(numel(is), 7));
    }

    private static int[] shape(String s) {
        if (s.isEmpty()) return new int[0];
        return java.util.Arrays.stream(s.split("x")).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void permuteAndMaskedFill() {
        int[] s = {3, 5, 7, 2};
        for (int[] perm : new int[][] {{0, 2, 1, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}}) {
            compare("permute " + java.util.Arrays.toString(perm), (be, in) -> {
                Buffer o = be.allocate(numel(s));
                be.permute(in[0], s, perm, o);
                return out(be, o);
            }, random(numel(s), 8));
        }
        int[] s8 = {2, 3, 1, 5, 2, 3, 2, 3};
        compare("permute rank 8", (be, in) -> {
            Buffer o = be.allocate(numel(s8));
            be.permute(in[0], s8, new int[] {7, 0, 5, 2, 6, 1, 4, 3}, o);
            return out(be, o);
        }, random(numel(s8), 8));
        float[] mask = new float[3 * 7];
        for (int i = 0; i < mask.length; i += 3) mask[i] = 1f;
        compare("maskedFill", (be, in) -> {
            Buffer o = be.allocate(numel(s));
            be.maskedFill(in[0], s, in[1], new int[] {3, 1, 7, 1}, -1e4f, o);
            return out(be, o);
        }, random(numel(s), 9), mask);
    }

    @Test
    void dropoutMaskIsBitIdentical() {
        int n = 10007;
        for (float p : new float[] {0.1f, 0.5f}) {
            float[][] gpuOut = compare("dropout p=" + p, (be, in) -> {
                Buffer o = be.allocate(n), m = be.allocate(n);
                be.dropout(in[0], o, m, n, p, 1234567L);
                return out(be, o, m);
            }, random(n, 10));
            Buffer o = CPU.allocate(n), m = CPU.allocate(n);
            CPU.dropout(CPU.fromArray(random(n, 10)), o, m, n, p, 1234567L);
            assertArrayEquals(CPU.toArray(m), gpuOut[1], "dropout mask bit for bit");
        }
    }

    // ---------------------------------------------------------------- indexing

    @Test
    void gatherAndScatterAddRows() {
        int rows = 23, cols = 37;
        int[] ids = {0, 5, 5, 22, 1, 5, 7, 1, 0, 13, 5};
        compare("gatherRows", (be, in) -> {
            Buffer o = be.allocate(ids.length * cols);
            be.gatherRows(in[0], rows, cols, ids, o);
            return out(be, o);
        }, random(rows * cols, 11));
        for (int skip : new int[] {-1, 1}) {
            compare("scatterAddRows skip " + skip, (be, in) -> {
                be.scatterAddRows(in[0], cols, ids, in[1], skip);
                return out(be, in[1]);
            }, random(ids.length * cols, 12), random(rows * cols, 13));
        }
    }

    // ---------------------------------------------------------------- matmul

    @ParameterizedTest
    @CsvSource({
            "false, false, 1, 37, 29, 45", "true, false, 3, 37, 29, 45", "false, true, 3, 65, 67, 33",
            "true, true, 2, 130, 7, 129", "false, false, 1, 1, 1, 1", "false, true, 4, 17, 200, 768",
    })
    void matmul(boolean transA, boolean transB, int batch, int m, int n, int k) {
        int sa = m * k, sb = k * n, sc = m * n;
        compare("matmul batched", (be, in) -> {
            Buffer c = be.allocate(batch * sc);
            be.matmul(in[0], in[1], c, batch, m, n, k, transA, transB, sa, sb, sc, false);
            return out(be, c);
        }, random(batch * sa, 14), random(batch * sb, 15));
        compare("matmul broadcast B, accumulate", (be, in) -> {
            be.matmul(in[0], in[1], in[2], batch, m, n, k, transA, transB, sa, 0, sc, true);
            return out(be, in[2]);
        }, random(batch * sa, 16), random(sb, 17), random(batch * sc, 18));
        compare("matmul summed into one C", (be, in) -> {
            Buffer c = be.allocate(sc);
            be.matmul(in[0], in[1], c, batch, m, n, k, transA, transB, sa, sb, 0, false);
            return out(be, c);
        }, random(batch * sa, 19), random(batch * sb, 20));
    }

    // ---------------------------------------------------------------- norms, softmax, losses

    /** 13 rows: one slice of rows for the parameter gradients; 517: nine slices, the last one shorter. */
    @ParameterizedTest
    @CsvSource({"13, 771", "517, 771", "300, 5"})
    void layerNormForwardAndBackward(int rows, int cols) {
        compare("layerNorm", (be, in) -> {
            Buffer y = be.allocate(rows * cols), mean = be.allocate(rows), rstd = be.allocate(rows);
            be.layerNormForward(in[0], in[1], in[2], y, mean, rstd, rows, cols, 1e-12f);
            Buffer gx = be.allocate(rows * cols);
            be.layerNormBackward(in[3], in[0], in[1], mean, rstd, gx, in[4], in[5], rows, cols);
            return out(be, y, mean, rstd, gx, in[4], in[5]);
        }, random(rows * cols, 21), random(cols, 22), random(cols, 23), random(rows * cols, 24), random(cols, 25),
                random(cols, 26));
    }

    @ParameterizedTest
    @CsvSource({"false, 11, 1001", "true, 11, 1001", "true, 3, 50265", "false, 40, 7"})
    void softmaxForwardAndBackward(boolean log, int rows, int cols) {
        float[] x = largeLogits(random(rows * cols, 27));
        compare("softmax log=" + log, (be, in) -> {
            Buffer y = be.allocate(rows * cols), gx = be.allocate(rows * cols);
            be.softmaxForward(in[0], y, rows, cols, log);
            be.softmaxBackward(y, in[1], gx, rows, cols, log);
            return out(be, y, gx);
        }, x, random(rows * cols, 28));
    }

    /** 1003 columns: one block per row; 5003: three blocks per row (2048, 2048, 907), labels in each. */
    @ParameterizedTest
    @CsvSource({"1003, 3, 1002, 500", "5003, 2047, 2048, 5002"})
    void crossEntropyForwardAndBackward(int cols, int labelA, int labelB, int labelC) {
        int rows = 9;
        int[] labels = {labelA, -100, labelB, 0, 7, -100, labelC, labelC, 1};
        compare("crossEntropy", (be, in) -> {
            Buffer logProbs = be.allocate(rows * cols), loss = be.allocate(1), g = be.allocate(rows * cols);
            be.crossEntropyForward(in[0], labels, rows, cols, -100, logProbs, loss);
            be.crossEntropyBackward(logProbs, labels, rows, cols, -100, in[1], g);
            return out(be, logProbs, loss, g);
        }, largeLogits(random(rows * cols, 29)), new float[] {0.7f});
        int[] ignored = new int[rows];
        java.util.Arrays.fill(ignored, -100);
        compare("crossEntropy all ignored", (be, in) -> {
            Buffer logProbs = be.allocate(rows * cols), loss = be.allocate(1), g = be.allocate(rows * cols);
            be.crossEntropyForward(in[0], ignored, rows, cols, -100, logProbs, loss);
            be.crossEntropyBackward(logProbs, ignored, rows, cols, -100, in[1], g);
            return out(be, loss, g);
        }, random(rows * cols, 30), new float[] {1f});
    }

    /** Every 13th logit times 30, so that rows' maxima differ between column blocks. */
    private static float[] largeLogits(float[] x) {
        for (int i = 0; i < x.length; i += 13) x[i] *= 30;
        return x;
    }

    @Test
    void rowNormForwardAndBackward() {
        int rows = 17, cols = 129;
        float[] x = random(rows * cols, 31);
        java.util.Arrays.fill(x, 2 * cols, 3 * cols, 0f);     // a zero row
        for (int c = 0; c < cols; c++) x[5 * cols + c] *= 1e-9f; // a row under the clamp
        for (float minNorm : new float[] {0f, 1e-8f}) {
            compare("rowNorm minNorm=" + minNorm, (be, in) -> {
                Buffer n = be.allocate(rows), g = be.allocate(rows * cols);
                be.rowNorm(in[0], n, rows, cols, minNorm);
                be.rowNormBackward(in[0], n, in[1], g, rows, cols, minNorm);
                return out(be, n, g);
            }, x, random(rows, 32));
        }
    }

    @Test
    void adamwOnClippedGradientsAndTheGradientNorm() {
        int n = 100_003;
        float[] status = new float[StepStatus.size(2)];
        status[StepStatus.CLIP_FACTOR] = 0.375f;
        compare("adamw 3 steps", (be, in) -> {
            for (int step = 1; step <= 3; step++) {
                be.adamwStep(in[0], in[1], in[2], in[3], n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, step, in[4]);
            }
            return out(be, in[0], in[2], in[3]);
        }, random(n, 33), random(n, 34), new float[n], new float[n], status);
        int[] sizes = {n, 1, 767, 70_001, 3};
        float[][] grads = new float[sizes.length + 1][];
        for (int i = 0; i < sizes.length; i++) grads[i] = random(sizes[i], 35 + i);
        grads[sizes.length] = new float[StepStatus.size(2)];
        for (float maxNorm : new float[] {1f, 1e4f}) { // clipped, and not (factor 1)
            compare("clipGradNorm, max norm " + maxNorm, (be, in) -> {
                be.clipGradNorm(Arrays.copyOf(in, sizes.length), sizes, maxNorm, in[sizes.length], 7, 1);
                return out(be, in[sizes.length]);
            }, grads);
        }
    }

    /** Norm 13 of the gradients (3, 4) and (12): the factor max / (13 + 1e-6) below 13, 1 above; a NaN is recorded as a divergence. */
    @Test
    void clipGradNormAgainstHandComputedValues() {
        Buffer[] grads = {gpu.fromArray(new float[] {3, 4}), gpu.fromArray(new float[] {12})};
        float[] status = new float[StepStatus.size(1)];
        for (float maxNorm : new float[] {1f, 20f}) {
            Buffer s = gpu.fromArray(status);
            gpu.clipGradNorm(grads, new int[] {2, 1}, maxNorm, s, 4, 0);
            float[] out = gpu.toArray(s);
            assertEquals(13f, out[StepStatus.GRAD_NORM], "norm");
            assertEquals(maxNorm < 13 ? maxNorm / (13f + 1e-6f) : 1f, out[StepStatus.CLIP_FACTOR], "clip factor, max norm " + maxNorm);
            assertEquals(0f, out[StepStatus.DIVERGED_STEP], "finite: no divergence");
        }
        Buffer s = gpu.fromArray(status);
        gpu.clipGradNorm(new Buffer[] {grads[0], gpu.fromArray(new float[] {Float.NaN})}, new int[] {2, 1}, 1f, s, 4, 2);
        float[] out = gpu.toArray(s);
        assertEquals(4f, out[StepStatus.DIVERGED_STEP], "the step of the NaN norm");
        assertEquals(2f, out[StepStatus.DIVERGED_MICRO_BATCH]);
        assertEquals(StepStatus.GRADIENT_NORM, out[StepStatus.DIVERGED_QUANTITY]);
        assertTrue(Float.isNaN(out[StepStatus.DIVERGED_VALUE]));
    }

    // ---------------------------------------------------------------- attention

    @ParameterizedTest(name = "B{0} T{1} H{2} D{3} w{4} p{5}")
    @CsvSource({
            "2, 77, 3, 24, 5, 0.0",
            "2, 77, 3, 24, 5, 0.1",
            "3, 100, 2, 64, 40, 0.0",
            "1, 130, 2, 128, 33, 0.2",
            "2, 33, 1, 17, 64, 0.1",
    })
    void attentionForwardAndBackward(int batch, int seq, int heads, int headDim, int w, float p) {
        compareAttention(batch, seq, heads, headDim, w, p);
    }

    /** A window too wide for any GPU's shared memory: the kernels read the band in place (staged = 0). */
    @Test
    void attentionWithTheBandReadInPlace() {
        int seq = 260, w = 130;
        int[] ones = new int[seq];
        Arrays.fill(ones, 1);
        assertEquals(0, cudaAttention(new AttentionProblem(1, seq, 1, 128, w, ones, new int[seq], 0f, 0L)).sharedBytes);
        compareAttention(1, seq, 1, 128, w, 0.1f);
    }

    /** Rows of tokens: l = local, g = global, . = padding (as in ops.AttentionTest). */
    static Stream<Arguments> attentionEdgeCases() {
        return Stream.of(
                Arguments.of("T = 1", 2, 3, 2, new String[] {"l", "g", "."}),
                Arguments.of("w = 0, holes in the mask", 2, 5, 0, new String[] {"l.lgl.l", "..llgll"}),
                Arguments.of("T < w, all globals", 1, 4, 8, new String[] {"ggg..", "ggggg", "llgll"}),
                Arguments.of("windows over three row blocks, five globals", 2, 33, 70, new String[] {
                        "g." + "l".repeat(40) + "g" + "l".repeat(40) + "g" + "l".repeat(40) + "g" + "l".repeat(40) + "g" + "....",
                        "l".repeat(170)}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void attentionEdgeCases(String name, int heads, int headDim, int w, String[] r) {
        int batch = r.length, seq = r[0].length();
        int[] mask = new int[batch * seq], global = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                char c = r[b].charAt(t);
                mask[b * seq + t] = c == '.' ? 0 : 1;
                global[b * seq + t] = c == 'g' ? 1 : 0;
            }
        }
        for (float p : new float[] {0f, 0.2f}) {
            compareAttention(new AttentionProblem(batch, seq, heads, headDim, w, mask, global, p, 99L));
            compareLocalAttention(new AttentionProblem(batch, seq, heads, headDim, w, mask, global, p, 99L));
        }
    }

    /** Without the global projections (the model's call): forward and the three gradients on both backends. */
    private static void compareLocalAttention(AttentionProblem problem) {
        int n = problem.batch() * problem.seq() * problem.heads() * problem.headDim();
        float[][] inputs = new float[4][];
        for (int i = 0; i < 4; i++) inputs[i] = random(n, 47 + i);
        compare("attention without global projections", (be, in) -> {
            Buffer o = be.allocate(n);
            Buffer saved = be.allocate(be.attentionSavedSize(problem));
            be.attentionForward(problem, in[0], in[1], in[2], null, null, null, o, saved);
            Buffer[] g = new Buffer[3];
            for (int i = 0; i < 3; i++) g[i] = be.allocate(n);
            be.attentionBackward(problem, in[0], in[1], in[2], null, null, null, o, saved, in[3],
                    g[0], g[1], g[2], null, null, null);
            return out(be, o, g[0], g[1], g[2]);
        }, inputs);
    }

    private static CudaAttention cudaAttention(AttentionProblem p) {
        return new CudaAttention(p, new AttentionMasks(p), 227 * 1024);
    }

    private static void compareAttention(int batch, int seq, int heads, int headDim, int w, float p) {
        int[] mask = new int[batch * seq], global = new int[batch * seq];
        Random r = new Random(36);
        for (int b = 0; b < batch; b++) {
            int real = seq - b * 7; // later rows padded at the end
            for (int t = 0; t < real; t++) mask[b * seq + t] = 1;
            global[b * seq] = 1; // CLS
            if (b % 2 == 1) global[b * seq + real / 2] = 1;
            if (b == 2) global[b * seq + r.nextInt(real)] = 1;
        }
        compareAttention(new AttentionProblem(batch, seq, heads, headDim, w, mask, global, p, 99L));
        compareLocalAttention(new AttentionProblem(batch, seq, heads, headDim, w, mask, global, p, 99L));
    }

    /** Forward and all six gradients of the fused attention on both backends, from fresh (poisoned) buffers. */
    private static void compareAttention(AttentionProblem problem) {
        int n = problem.batch() * problem.seq() * problem.heads() * problem.headDim();
        float[][] inputs = new float[7][];
        for (int i = 0; i < 7; i++) inputs[i] = random(n, 37 + i);
        compare("attention", (be, in) -> {
            Buffer o = be.allocate(n);
            Buffer saved = be.allocate(be.attentionSavedSize(problem));
            be.attentionForward(problem, in[0], in[1], in[2], in[3], in[4], in[5], o, saved);
            Buffer[] g = new Buffer[6];
            for (int i = 0; i < 6; i++) g[i] = be.allocate(n);
            be.attentionBackward(problem, in[0], in[1], in[2], in[3], in[4], in[5], o, saved, in[6],
                    g[0], g[1], g[2], g[3], g[4], g[5]);
            return out(be, o, g[0], g[1], g[2], g[3], g[4], g[5]);
        }, inputs);
    }
}
