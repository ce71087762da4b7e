package org.recformer.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.autograd.GradMode;
import org.recformer.backend.Backends;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;
import org.recformer.testing.Ref;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActivationsTest {

    /** Ranks 0 to 4, sizes 1 and primes, and zero-size tensors. */
    static Stream<int[]> shapes() {
        return Stream.of(new int[] {}, new int[] {1}, new int[] {7}, new int[] {3, 5}, new int[] {2, 3, 5},
                new int[] {2, 1, 3, 7}, new int[] {0}, new int[] {3, 0, 2});
    }

    /** More elements than one parallel chunk (16384), not a multiple of any block. */
    private static final int[] LARGE = {131, 127};

    static GradCheck.Reference map(DoubleUnaryOperator f) {
        return x -> {
            double[] y = new double[x[0].length];
            for (int i = 0; i < y.length; i++) y[i] = f.applyAsDouble(x[0][i]);
            return y;
        };
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void gelu(int[] shape) {
        GradCheck.check("gelu", t -> Activations.gelu(t[0]), map(Ref::gelu), GradCheck.options().range(-3, 3), shape);
    }

    @Test
    void geluOverItsWholeRangeAndInParallel() {
        // tails included: far negative inputs give tiny negative outputs, not 0 - 0 cancellation noise
        GradCheck.check("gelu", t -> Activations.gelu(t[0]), map(Ref::gelu),
                GradCheck.options().range(-12, 12).elementwise(), LARGE);
        float[] x = {-10f, -5f, -1e-3f, 0f, 1e-3f, 5f, 10f};
        float[] y = Activations.gelu(Tensor.of(Backends.cpu(), x, x.length)).toArray();
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) expected[i] = Ref.gelu(x[i]);
        GradCheck.assertClose("gelu at chosen points", expected, y, 0, 1e-6);
    }

    @Test
    void geluInPlaceGivesGelusValuesInItsInputsBufferAndOnlyWithoutAGraph() {
        SplittableRandom random = new SplittableRandom(11);
        float[] values = new float[5003];
        for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextDouble(-8, 8));
        Tensor x = Tensor.of(Backends.cpu(), values.clone(), values.length);
        float[] expected = Activations.gelu(Tensor.of(Backends.cpu(), values, values.length)).toArray();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Activations.geluInPlace(x));
        assertTrue(e.getMessage().contains("no_grad"), e.getMessage());
        assertArrayEquals(values, x.toArray(), "a refused call leaves its input as it was");
        Tensor y;
        try (GradMode.Scope noGrad = GradMode.noGrad()) {
            y = Activations.geluInPlace(x);
        }
        assertSame(x, y);
        assertArrayEquals(expected, x.toArray(), "bit for bit gelu's values");
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void tanh(int[] shape) {
        GradCheck.check("tanh", t -> Activations.tanh(t[0]), map(Math::tanh), GradCheck.options().range(-3, 3), shape);
    }

    @Test
    void tanhKeepsRelativePrecisionForTinyAndLargeInputs() {
        float[] x = {-1e-30f, 1e-20f, 3e-8f, -1e-4f, 1.0001e-4f, 0.3f, -2f, 9f, 20f, -100f, Float.POSITIVE_INFINITY};
        float[] y = Activations.tanh(Tensor.of(Backends.cpu(), x, x.length)).toArray();
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) expected[i] = Math.tanh(x[i]);
        GradCheck.assertClose("tanh at chosen points", expected, y, 0, 1e-7);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void exp(int[] shape) {
        GradCheck.check("exp", t -> Activations.exp(t[0]), map(Math::exp), GradCheck.options().range(-3, 3), shape);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void clampMin(int[] shape) {
        GradCheck.check("clampMin", t -> Activations.clampMin(t[0], 0.1f), map(v -> Math.max(v, 0.1f)), shape);
    }

    @Test
    void clampMinPassesTheGradientAtTheBoundLikePyTorch() {
        Tensor x = Tensor.of(Backends.cpu(), new float[] {-1f, 0.25f, 0.5f}, 3).requiresGrad(true);
        Tensor y = Activations.clampMin(x, 0.25f);
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.5f}, y.toArray());
        y.backward(Tensor.of(Backends.cpu(), new float[] {1f, 1f, 1f}, 3));
        assertArrayEquals(new float[] {0f, 1f, 1f}, x.grad().toArray());
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void sqrt(int[] shape) {
        GradCheck.check("sqrt", t -> Activations.sqrt(t[0]), map(Math::sqrt), GradCheck.options().range(0.05, 3), shape);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void pow(int[] shape) {
        GradCheck.check("pow 2.5", t -> Activations.pow(t[0], 2.5f), map(v -> Math.pow(v, 2.5)), GradCheck.options().range(0.1, 2), shape);
        GradCheck.check("pow 3", t -> Activations.pow(t[0], 3f), map(v -> v * v * v), GradCheck.options().range(-2, 2), shape);
        GradCheck.check("pow -1.5", t -> Activations.pow(t[0], -1.5f), map(v -> Math.pow(v, -1.5)), GradCheck.options().range(0.5, 2), shape);
        GradCheck.check("pow 0", t -> Activations.pow(t[0], 0f), map(v -> 1), GradCheck.options().range(-2, 2), shape);
    }

    @Test
    void powZeroHasZeroGradientEvenAtZero() {
        Tensor x = Tensor.of(Backends.cpu(), new float[] {0f, 2f}, 2).requiresGrad(true);
        Activations.pow(x, 0f).backward(Tensor.of(Backends.cpu(), new float[] {1f, 1f}, 2));
        assertArrayEquals(new float[] {0f, 0f}, x.grad().toArray());
    }

    @Test
    void largeTensorsRunInParallelChunks() {
        GradCheck.Options o = GradCheck.options().range(0.1, 3).elementwise();
        GradCheck.check("tanh", t -> Activations.tanh(t[0]), map(Math::tanh), o, LARGE);
        GradCheck.check("exp", t -> Activations.exp(t[0]), map(Math::exp), o, LARGE);
        GradCheck.check("clampMin", t -> Activations.clampMin(t[0], 1.3f), map(v -> Math.max(v, 1.3f)), o, LARGE);
        GradCheck.check("sqrt", t -> Activations.sqrt(t[0]), map(Math::sqrt), o, LARGE);
        GradCheck.check("pow", t -> Activations.pow(t[0], 1.7f), map(v -> Math.pow(v, 1.7f)), o, LARGE);
    }
}
