package org.recformer.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.attention.DenseLongformerAttention;
import org.recformer.attention.DenseLongformerAttention.Masks;
import org.recformer.backend.Backends;
import org.recformer.backend.cpu.CpuAttention;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused Longformer attention against a dense O(T^2) double-precision masked reference
 * ({@link DenseLongformerAttention}): forward values and, by central differences of the reference,
 * the gradients of all six inputs, to 1e-5 of the largest value.
 */
class AttentionTest {

    /** Masks rows: '.' padding, 'l' local, 'g' global, 'x' padding with the global flag set. */
    static Stream<Arguments> cases() {
        return Stream.of(
                // name, heads, headDim, one-sided window, rows
                Arguments.of("no globals, padding, T not a multiple of the window", 2, 3, 2,
                        new String[] {"lllllllllll", "lllllll...."}),
                Arguments.of("one global at 0, rows of different lengths", 2, 5, 3,
                        new String[] {"glllllllllllll", "glllllllll...."}),
                Arguments.of("several globals, not at 0, one inside another's window", 3, 3, 2,
                        new String[] {"ggllllllgllllllll", "lllllglllllll.x.."}),
                Arguments.of("zero globals in one row, two in the other", 2, 4, 3,
                        new String[] {"llllllllllll.", "lglllllllllg."}),
                Arguments.of("T < w", 1, 4, 8,
                        new String[] {"llgll", "lll.."}),
                Arguments.of("T = 1", 2, 3, 2,
                        new String[] {"l", "g", "."}),
                Arguments.of("w = 0, holes in the mask", 2, 3, 0,
                        new String[] {"l.lgl.l", "..llgll"}),
                Arguments.of("all globals", 1, 5, 1,
                        new String[] {"ggg.", "gggg"}),
                // the kernel works in blocks of 32 rows: windows that cross blocks, and span several
                Arguments.of("several row blocks, windows crossing them", 1, 3, 5,
                        new String[] {"l".repeat(10) + "g" + "l".repeat(50) + "g" + "l".repeat(13), "l".repeat(60) + ".".repeat(15)}),
                Arguments.of("window wider than a row block", 1, 2, 40,
                        new String[] {"l".repeat(33) + "g" + "l".repeat(36), "g" + "l".repeat(49) + ".".repeat(20)}));
    }

    private static GradCheck.Options tolerance() {
        return GradCheck.options().range(-2, 2).forwardTolerance(1e-5, 0).gradTolerance(1e-5, 0);
    }

    private static void check(String name, int heads, int headDim, int w, float dropoutP, long seed,
                              GradCheck.Options options, String... rows) {
        Masks m = Masks.of(rows);
        int[] shape = {m.batch(), m.seq(), heads * headDim};
        GradCheck.check(name,
                t -> Attention.longformerSelfAttention(problem(m, heads, headDim, w, dropoutP, seed),
                        t[0], t[1], t[2], t[3], t[4], t[5]),
                x -> DenseLongformerAttention.forward(x, m, heads, w, dropoutP, seed),
                options, shape, shape, shape, shape, shape, shape);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesDenseReferenceForwardAndAllSixGradients(String name, int heads, int headDim, int w, String[] rows) {
        check(name, heads, headDim, w, 0f, 0, tolerance(), rows);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesDenseReferenceWithDropout(String name, int heads, int headDim, int w, String[] rows) {
        check(name + " (dropout 0.3)", heads, headDim, w, 0.3f, 1234, tolerance(), rows);
    }

    @Test
    void matchesDenseReferenceForwardOnALargerProblem() {
        String row0 = "g" + "l".repeat(40) + "g" + "l".repeat(80) + "g" + "l".repeat(20);         // 143 tokens
        String row1 = "l".repeat(30) + "g" + "l".repeat(70) + ".".repeat(42);
        check("larger, forward only", 3, 16, 16, 0.1f, 7,
                tolerance().differentiable(false, false, false, false, false, false), row0, row1);
    }

    @Test
    void sameSeedSameOutputOtherSeedOtherOutput() {
        Masks m = Masks.of("glllllllllllllllllll", "lllllllllgllllll....");
        Tensor[] x = randomInputs(m, 2 * 8, 3);
        float[] first = run(x, m, 2, 3, 0.2f, 99).toArray();
        float[] again = run(x, m, 2, 3, 0.2f, 99).toArray();
        float[] other = run(x, m, 2, 3, 0.2f, 100).toArray();
        float[] none = run(x, m, 2, 3, 0f, 99).toArray();
        assertArrayEquals(first, again, "same seed, same output");
        assertFalse(Arrays.equals(first, other), "another seed drops other probabilities");
        assertFalse(Arrays.equals(first, none), "dropout 0.2 changes the output");
    }

    @Test
    void dropoutMaskKeepsOneMinusPScaledByItsInverse() {
        float p = 0.3f;
        int kept = 0, n = 0;
        for (int b = 0; b < 2; b++) {
            for (int h = 0; h < 3; h++) {
                for (int i = 0; i < 100; i++) {
                    for (int j = 0; j < 100; j++, n++) {
                        float m = CpuAttention.dropoutMultiplier(5, p, b, h, i, j, 3, 100);
                        if (m != 0f) {
                            assertEquals(1f / (1f - p), m, "kept multiplier");
                            kept++;
                        }
                    }
                }
            }
        }
        // 60000 draws: the standard deviation of the kept fraction is 0.0019
        assertEquals(1 - p, kept / (double) n, 0.01, "kept fraction");
        assertEquals(1f, CpuAttention.dropoutMultiplier(5, 0f, 0, 0, 3, 4, 1, 10), "p = 0 keeps everything");
    }

    @Test
    void savedStateGrowsLinearlyInSequenceLength() {
        var be = Backends.cpu();
        int small = be.attentionSavedSize(new AttentionProblem(4, 1024, 12, 64, 32, new int[4 * 1024], new int[4 * 1024], 0f, 0));
        assertEquals(2 * small, be.attentionSavedSize(
                new AttentionProblem(4, 2048, 12, 64, 32, new int[4 * 2048], new int[4 * 2048], 0f, 0)));
        assertEquals(4 * 12 * 1024 * 2, small, "row max and sum per query row and head");
    }

    /**
     * A T x T float buffer at T = 60000 would hold 3.6e9 floats: more than a Java array can hold
     * and than the 6 GB test heap. The fused op must run forward and backward anyway.
     */
    @Test
    void runsAtSequenceLengthsWhereTSquaredCannotBeAllocated() {
        int seq = 60_000, heads = 1, headDim = 2, w = 2;
        char[] row = "l".repeat(seq).toCharArray();
        row[0] = 'g';
        row[seq / 2] = 'g';
        Arrays.fill(row, seq - 100, seq, '.');
        Masks m = Masks.of(new String(row));
        Tensor[] x = randomInputs(m, heads * headDim, 11);
        for (Tensor t : x) t.requiresGrad(true);
        Tensor out = run(x, m, heads, w, 0.1f, 3);
        out.backward(Tensor.full(out.backend(), 1f, out.shape()));
        for (float f : out.toArray()) assertTrue(Float.isFinite(f));
        for (Tensor t : x) {
            for (float f : t.grad().toArray()) assertTrue(Float.isFinite(f));
        }
    }

    @Test
    void rejectsBadShapesAndMasks() {
        Masks m = Masks.of("glll", "ll..");
        Tensor[] x = randomInputs(m, 6, 1);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new AttentionProblem(2, 4, 2, 3, 1, new int[7], m.global(), 0f, 0));
        assertTrue(e.getMessage().contains("attentionMask has 7 entries"), e.getMessage());
        int[] notBinary = m.global().clone();
        notBinary[5] = 2;
        e = assertThrows(IllegalArgumentException.class,
                () -> new AttentionProblem(2, 4, 2, 3, 1, m.attention(), notBinary, 0f, 0));
        assertTrue(e.getMessage().contains("globalMask[5] is 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AttentionProblem(2, 4, 0, 3, 1, m.attention(), m.global(), 0f, 0));
        assertTrue(e.getMessage().contains("heads must be positive, got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AttentionProblem(2, 4, 2, 3, -1, m.attention(), m.global(), 0f, 0));
        assertTrue(e.getMessage().contains("window must be >= 0, got -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AttentionProblem(2, 4, 2, 3, 1, m.attention(), m.global(), 1f, 0));
        assertTrue(e.getMessage().contains("dropoutP must be in [0, 1), got 1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Attention.longformerSelfAttention(
                problem(m, 4, 3, 1, 0f, 0), x[0], x[1], x[2], x[3], x[4], x[5]));
        assertTrue(e.getMessage().contains("q has shape [2, 4, 6], expected [2, 4, 12]"), e.getMessage());
        Tensor shortK = Tensor.zeros(Backends.cpu(), 2, 3, 6);
        e = assertThrows(IllegalArgumentException.class, () -> Attention.longformerSelfAttention(
                problem(m, 2, 3, 1, 0f, 0), x[0], shortK, x[2], x[3], x[4], x[5]));
        assertTrue(e.getMessage().contains("k has shape [2, 3, 6]"), e.getMessage());
    }

    /**
     * Without the global projections the op is the full op with the global tokens' rows 0, and its
     * q, k, v gradients are the full op's for an output gradient that is 0 on those rows (the full
     * op's gradients are checked against the dense reference above), with and without dropout.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withoutGlobalProjectionsIsTheFullOpWithoutTheGlobalRows(String name, int heads, int headDim, int w, String[] rows) {
        Masks m = Masks.of(rows);
        int channels = heads * headDim;
        for (float p : new float[] {0f, 0.3f}) {
            Tensor[] x = randomInputs(m, channels, 5);
            for (Tensor t : x) t.requiresGrad(true);
            Tensor full = run(x, m, heads, w, p, 17);
            Tensor local = Attention.longformerLocalAttention(problem(m, heads, headDim, w, p, 17), x[0], x[1], x[2]);
            float[] expected = full.toArray(), gradOut = randomInputs(m, channels, 6)[0].toArray();
            for (int row = 0; row < m.batch() * m.seq(); row++) {
                if (m.global()[row] == 0) continue;
                java.util.Arrays.fill(expected, row * channels, (row + 1) * channels, 0f);
                java.util.Arrays.fill(gradOut, row * channels, (row + 1) * channels, 0f);
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, local.toArray(), name + ", p = " + p);
            full.backward(Tensor.of(Backends.cpu(), gradOut, full.shape()));
            float[][] fullGrads = {x[0].grad().toArray(), x[1].grad().toArray(), x[2].grad().toArray()};
            for (Tensor t : x) t.zeroGrad();
            local.backward(Tensor.of(Backends.cpu(), gradOut, local.shape()));
            for (int i = 0; i < 3; i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(fullGrads[i], x[i].grad().toArray(), name + ", p = " + p + ", gradient " + i);
            }
            for (int i = 3; i < 6; i++) assertTrue(x[i].grad() == null || maxAbs(x[i].grad().toArray()) == 0, "no gradient to input " + i);
        }
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static Tensor run(Tensor[] x, Masks m, int heads, int w, float p, long seed) {
        return Attention.longformerSelfAttention(problem(m, heads, x[0].dim(-1) / heads, w, p, seed),
                x[0], x[1], x[2], x[3], x[4], x[5]);
    }

    private static AttentionProblem problem(Masks m, int heads, int headDim, int w, float p, long seed) {
        return new AttentionProblem(m.batch(), m.seq(), heads, headDim, w, m.attention(), m.global(), p, seed);
    }

    private static Tensor[] randomInputs(Masks m, int channels, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor[] x = new Tensor[6];
        for (int i = 0; i < x.length; i++) {
            float[] data = new float[m.batch() * m.seq() * channels];
            for (int j = 0; j < data.length; j++) data[j] = (float) (rng.nextDouble() * 2 - 1);
            x[i] = Tensor.of(Backends.cpu(), data, m.batch(), m.seq(), channels);
        }
        return x;
    }
}
