package org.recformer.backend.cuda;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.recformer.backend.Backends;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;
import org.recformer.ops.Similarity;
import org.recformer.tensor.Precision;
import org.recformer.tensor.Tensor;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA backend at TF32 and BF16 (kernels/precision.cuh): the kernels round operands exactly as
 * {@link OperandRounding} does, matrix products stay within the error bound the operand format
 * allows, and attention computes the FP32 function of rounded q, k, v (probabilities rounded before
 * the value product). Runs on the GPU when there is one, else on the emulator ({@link CudaUnderTest}).
 */
class CudaPrecisionTest {
    private static final Backend CPU = Backends.cpu();
    private static CudaBackend fp32;

    @BeforeEach
    void requireCuda() {
        if (fp32 == null) fp32 = CudaUnderTest.backend();
    }

    /** Values whose rounding is worked by hand in OperandRoundingTest, and random ones of every magnitude. */
    private static float[] roundingCases() {
        int[] bits = {0x3f800000, 0x3f800fff, 0x3f801000, 0x3f803000, 0xbf801000, 0x3f801001, 0x3fffffff, 0x00001000,
                0x00000fff, 0x80000fff, 0x007ff000, 0x7f7fefff, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7f800001, 0xffc00123,
                0x3f807fff, 0x3f808000, 0x3f818000, 0xbf818000, 0x3f808001, 0x3fff8000, 0x00008000, 0x00018000, 0x0000ffff,
                0x7f7f7fff, 0x7f7f8000, 0xff80ffff};
        Random r = new Random(5);
        float[] x = new float[bits.length + 300];
        for (int i = 0; i < bits.length; i++) x[i] = Float.intBitsToFloat(bits[i]);
        for (int i = bits.length; i < x.length; i++) x[i] = Float.intBitsToFloat(r.nextInt()); // any sign, exponent, payload
        return x;
    }

    private static void assertSameValues(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            boolean same = Float.isNaN(expected[i]) ? Float.isNaN(actual[i]) : expected[i] == actual[i]; // +0 == -0: the FMA adds +0
            assertTrue(same, String.format("%s: element %d (input %s): expected 0x%08x, got 0x%08x", what, i, i,
                    Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i])));
        }
    }

    /** K = 1 products with the other operand 1: C is the rounded operand itself, bit for bit (Inf and NaN too). */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void matmulRoundsEachOperandAsTheJavaHelper(Precision precision) {
        CudaBackend be = fp32.withPrecision(precision);
        float[] x = roundingCases();
        float[] expected = OperandRounding.round(x, precision);
        Buffer one = be.fromArray(new float[] {1f});
        Buffer in = be.fromArray(x);
        Buffer c = be.allocate(x.length);
        be.matmul(in, one, c, 1, x.length, 1, 1, false, false, 0, 0, 0, false); // A: a column
        assertSameValues(expected, be.toArray(c), precision + " operand A");
        be.matmul(one, in, c, 1, 1, x.length, 1, false, false, 0, 0, 0, false); // B: a row
        assertSameValues(expected, be.toArray(c), precision + " operand B");
        be.matmul(in, one, c, 1, x.length, 1, 1, true, true, 0, 0, 0, false); // transposed reads
        assertSameValues(expected, be.toArray(c), precision + " operand A transposed");
    }

    /**
     * Against a double-precision product of the unrounded inputs, each element within
     * (2u + u^2 + gamma_K (1 + u)^2) * sum_k |a_ik b_kj|: u the operand format's unit roundoff (each
     * operand's relative error at most u, so each product's at most 2u + u^2) and gamma_K = K u32 / (1 - K u32)
     * the FP32 FMA accumulation of K products of the rounded operands (u32 = 2^-24). K = 1 and 3 make the
     * operand rounding dominate.
     */
    @ParameterizedTest(name = "{0} transA {1} transB {2} B{3} M{4} N{5} K{6}")
    @CsvSource({
            "TF32, false, false, 1, 37, 29, 45", "TF32, true, false, 3, 37, 29, 45", "TF32, false, true, 2, 65, 67, 1",
            "TF32, true, true, 2, 130, 7, 3", "TF32, false, true, 1, 17, 200, 768",
            "BF16, false, false, 1, 37, 29, 45", "BF16, true, false, 3, 37, 29, 45", "BF16, false, true, 2, 65, 67, 1",
            "BF16, true, true, 2, 130, 7, 3", "BF16, false, true, 1, 17, 200, 768",
    })
    void matmulWithinTheOperandFormatsErrorBound(Precision precision, boolean transA, boolean transB, int batch, int m, int n, int k) {
        CudaBackend be = fp32.withPrecision(precision);
        Random r = new Random(m * 31L + n * 7L + k);
        float[] a = new float[batch * m * k], b = new float[batch * k * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian()));
        for (int i = 0; i < b.length; i++) b[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian()));
        Buffer c = be.allocate(batch * m * n);
        be.matmul(be.fromArray(a), be.fromArray(b), c, batch, m, n, k, transA, transB, m * k, k * n, m * n, false);
        float[] got = be.toArray(c);
        double u = OperandRounding.unitRoundoff(precision), u32 = OperandRounding.unitRoundoff(Precision.FP32);
        double bound = 2 * u + u * u + k * u32 / (1 - k * u32) * (1 + u) * (1 + u);
        double worst = 0;
        for (int bi = 0; bi < batch; bi++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double exact = 0, magnitude = 0;
                    for (int kk = 0; kk < k; kk++) {
                        double x = a[bi * m * k + (transA ? kk * m + i : i * k + kk)];
                        double y = b[bi * k * n + (transB ? j * k + kk : kk * n + j)];
                        exact += x * y;
                        magnitude += Math.abs(x * y);
                    }
                    double error = Math.abs(got[(bi * m + i) * n + j] - exact) / magnitude;
                    worst = Math.max(worst, error);
                    assertTrue(error <= bound, String.format("%s C[%d][%d][%d] = %s, exact %s: error %.3g of sum |a b| over the bound %.3g",
                            precision, bi, i, j, got[(bi * m + i) * n + j], exact, error, bound));
                }
            }
        }
        System.out.printf("%s %dx%dx%d: worst error %.3g of sum |a b| (bound %.3g)%n", precision, m, n, k, worst, bound);
    }

    @Test
    void backendsOfOneDeviceShareItAndKeepTheirPrecision() {
        assertEquals(Precision.FP32, fp32.precision());
        assertSame(fp32, fp32.withPrecision(Precision.FP32));
        CudaBackend bf16 = fp32.withPrecision(Precision.BF16);
        assertEquals(Precision.BF16, bf16.precision());
        assertSame(bf16, fp32.withPrecision(Precision.BF16));
        assertSame(fp32, bf16.withPrecision(Precision.FP32));
        assertEquals(fp32.name(), bf16.name());
        Buffer x = fp32.fromArray(new float[] {1.00390625f, 3f}); // 1 + 2^-8: a BF16 tie; storage stays FP32, only products round
        assertEquals(1.00390625f, bf16.toArray(x)[0], "the buffers are the device's, readable by every precision");
    }

    /** Cosine similarity (item scores, the contrastive loss) keeps FP32 operands at every precision, forward and backward, as under torch.autocast. */
    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"TF32", "BF16"})
    void cosineSimilarityStaysFp32(Precision precision) {
        Random r = new Random(8);
        float[] a = new float[3 * 37], b = new float[5 * 37], g = new float[3 * 5];
        for (float[] x : new float[][] {a, b, g}) for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[][] full = cosine(fp32, a, b, g), rounded = cosine(fp32.withPrecision(precision), a, b, g);
        String[] names = {"scores", "grad a", "grad b"};
        for (int i = 0; i < 3; i++) assertArrayEquals(full[i], rounded[i], precision + " " + names[i]);
    }

    private static float[][] cosine(Backend be, float[] a, float[] b, float[] g) {
        Tensor ta = Tensor.of(be, a, 3, 37).requiresGrad(true), tb = Tensor.of(be, b, 5, 37).requiresGrad(true);
        Tensor scores = Similarity.cosineSimilarityMatrix(ta, tb, 1e-8f);
        scores.backward(Tensor.of(be, g, 3, 5));
        return new float[][] {scores.toArray(), ta.grad().toArray(), tb.grad().toArray()};
    }

    /**
     * Attention at TF32 / BF16 against the CPU (FP32) on q, k, v rounded by {@link OperandRounding}:
     * the forward output differs only by the rounded probabilities, at most u * max |v| (each
     * probability's relative error is at most u and they sum to 1), plus the FP32 tolerance, and by
     * more than the FP32 tolerance (the rounding happened); the backward pass, given the same forward
     * output, is the FP32 gradient at the rounded inputs (relative error 1e-5, as every kernel).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Precision.class, names = {"TF32", "BF16"})
    void attentionIsTheFp32FunctionOfRoundedInputs(Precision precision) {
        CudaBackend be = fp32.withPrecision(precision);
        int batch = 2, seq = 77, heads = 3, headDim = 24, w = 5, n = batch * seq * heads * headDim;
        int[] mask = new int[batch * seq], global = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq - 7 * b; t++) mask[b * seq + t] = 1;
            global[b * seq] = 1;
        }
        global[seq + 30] = 1;
        AttentionProblem problem = new AttentionProblem(batch, seq, heads, headDim, w, mask, global, 0f, 1L);
        Random r = new Random(41);
        float[][] x = new float[7][n]; // q, k, v, qg, kg, vg, gradOut
        for (float[] t : x) for (int i = 0; i < n; i++) t[i] = (float) (2 * r.nextGaussian());
        Buffer[] onDevice = new Buffer[7];
        Buffer[] onCpu = new Buffer[7];
        for (int i = 0; i < 7; i++) {
            onDevice[i] = be.fromArray(x[i]);
            onCpu[i] = CPU.fromArray(i < 6 ? OperandRounding.round(x[i], precision) : x[i]);
        }
        Buffer outDevice = be.allocate(n), savedDevice = be.allocate(be.attentionSavedSize(problem));
        be.attentionForward(problem, onDevice[0], onDevice[1], onDevice[2], onDevice[3], onDevice[4], onDevice[5], outDevice, savedDevice);
        Buffer outCpu = CPU.allocate(n), savedCpu = CPU.allocate(CPU.attentionSavedSize(problem));
        CPU.attentionForward(problem, onCpu[0], onCpu[1], onCpu[2], onCpu[3], onCpu[4], onCpu[5], outCpu, savedCpu);

        float[] got = be.toArray(outDevice), expected = CPU.toArray(outCpu);
        double vMax = 0, scale = 0, worst = 0;
        for (int i = 0; i < n; i++) vMax = Math.max(vMax, Math.max(Math.abs(x[2][i]), Math.abs(x[5][i])));
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
        double bound = OperandRounding.unitRoundoff(precision) * vMax + 1e-5 * scale;
        System.out.printf("attention %s: forward differs by %.3g (bound %.3g, FP32 tolerance %.3g)%n", precision, worst, bound, 1e-5 * scale);
        assertTrue(worst <= bound, precision + " forward differs by " + worst + ", over u * max|v| + 1e-5 * scale = " + bound);
        assertTrue(worst > 1e-5 * scale, precision + " forward equals the unrounded-probability result: " + worst);

        Buffer[] gradDevice = new Buffer[6], gradCpu = new Buffer[6];
        for (int i = 0; i < 6; i++) {
            gradDevice[i] = be.allocate(n);
            gradCpu[i] = CPU.allocate(n);
        }
        be.attentionBackward(problem, onDevice[0], onDevice[1], onDevice[2], onDevice[3], onDevice[4], onDevice[5], outDevice,
                savedDevice, onDevice[6], gradDevice[0], gradDevice[1], gradDevice[2], gradDevice[3], gradDevice[4], gradDevice[5]);
        CPU.attentionBackward(problem, onCpu[0], onCpu[1], onCpu[2], onCpu[3], onCpu[4], onCpu[5], CPU.fromArray(got), savedCpu,
                onCpu[6], gradCpu[0], gradCpu[1], gradCpu[2], gradCpu[3], gradCpu[4], gradCpu[5]);
        String[] names = {"gq", "gk", "gv", "gqg", "gkg", "gvg"};
        for (int i = 0; i < 6; i++) {
            CudaBackendTest.assertClose(precision + " attention " + names[i], CPU.toArray(gradCpu[i]), be.toArray(gradDevice[i]));
        }
    }
}
