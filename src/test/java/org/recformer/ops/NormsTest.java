package org.recformer.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.backend.Backends;
import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layer norm and L2 norm against double-precision references, forward and gradient. */
class NormsTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of((Object) new int[] {1, 2}),
                Arguments.of((Object) new int[] {3, 7}),
                Arguments.of((Object) new int[] {2, 3, 13}),
                Arguments.of((Object) new int[] {5, 1}),
                Arguments.of((Object) new int[] {37, 11}));
    }

    /** (x - mean) / sqrt(var + eps) * w + b per row, all in double. */
    static GradCheck.Reference layerNormRef(int[] shape, double eps) {
        int cols = shape[shape.length - 1], rows = Shape.numel(shape) / cols;
        return x -> {
            double[] y = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                double mean = 0, var = 0;
                for (int c = 0; c < cols; c++) mean += x[0][r * cols + c];
                mean /= cols;
                for (int c = 0; c < cols; c++) var += Math.pow(x[0][r * cols + c] - mean, 2);
                var /= cols;
                for (int c = 0; c < cols; c++) {
                    y[r * cols + c] = (x[0][r * cols + c] - mean) / Math.sqrt(var + eps) * x[1][c] + x[2][c];
                }
            }
            return y;
        };
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void layerNorm(int[] shape) {
        int cols = shape[shape.length - 1];
        GradCheck.check("layerNorm", t -> Norms.layerNorm(t[0], t[1], t[2], 1e-5f), layerNormRef(shape, 1e-5),
                GradCheck.options().gradTolerance(2e-4, 2e-3), shape, new int[] {cols}, new int[] {cols});
    }

    @Test
    void layerNormOfLargeOffsetRows() {
        // values far from zero with a small spread: a float one-pass E[x^2] - E[x]^2 variance loses it
        int[] shape = {4, 9};
        double[][] x = new double[3][];
        x[0] = new double[36];
        for (int i = 0; i < 36; i++) x[0][i] = (float) (100 + (i % 9) * 0.1 - (i / 9) + 0.01 * (i % 4));
        x[1] = new double[9];
        x[2] = new double[9];
        for (int c = 0; c < 9; c++) {
            x[1][c] = (float) (0.5 + 0.1 * c);
            x[2][c] = (float) (0.05 * c - 0.2);
        }
        GradCheck.checkAt("layerNorm offset", t -> Norms.layerNorm(t[0], t[1], t[2], 1e-5f), layerNormRef(shape, 1e-5),
                GradCheck.options(), x,
                shape, new int[] {9}, new int[] {9});
    }

    /** The multipliers (0 or 1/(1-p)) the dropout kernel draws for n elements from seed. */
    private static double[] dropoutMask(int n, float p, long seed) {
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        float[] mask = Dropout.dropout(Tensor.of(Backends.cpu(), ones, n), p, true, seed).toArray();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = mask[i];
        return out;
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void dropoutAddLayerNorm(int[] shape) {
        int cols = shape[shape.length - 1], n = Shape.numel(shape);
        for (float p : new float[] {0f, 0.3f}) {
            double[] mask = p == 0f ? null : dropoutMask(n, p, 77);
            GradCheck.Reference layerNorm = layerNormRef(shape, 1e-5);
            // reference: layerNorm(x * mask + residual) in double, with the kernel's mask
            GradCheck.Reference ref = x -> {
                double[] sum = new double[n];
                for (int i = 0; i < n; i++) sum[i] = x[0][i] * (mask == null ? 1 : mask[i]) + x[1][i];
                return layerNorm.apply(new double[][] {sum, x[2], x[3]});
            };
            GradCheck.check("dropoutAddLayerNorm p=" + p, t -> Norms.dropoutAddLayerNorm(t[0], p, 77, t[1], t[2], t[3], 1e-5f), ref,
                    GradCheck.options().gradTolerance(2e-4, 2e-3), shape, shape, new int[] {cols}, new int[] {cols});
        }
    }

    @Test
    void dropoutAddLayerNormEqualsTheComposition() {
        int[] shape = {3, 5, 16};
        for (float p : new float[] {0f, 0.1f, 0.5f}) {
            Tensor[] fused = randomLeaves(9, shape, shape, new int[] {16}, new int[] {16});
            Tensor[] plain = new Tensor[fused.length];
            for (int i = 0; i < fused.length; i++) plain[i] = fused[i].copy().requiresGrad(true);
            Tensor f = Norms.dropoutAddLayerNorm(fused[0], p, 5, fused[1], fused[2], fused[3], 1e-5f);
            Tensor c = Norms.layerNorm(Arithmetic.add(Dropout.dropout(plain[0], p, true, 5), plain[1]), plain[2], plain[3], 1e-5f);
            assertArrayEquals(c.toArray(), f.toArray(), "forward, p=" + p);
            Tensor g = randomLeaves(10, shape)[0];
            f.backward(g);
            c.backward(g);
            for (int i = 0; i < fused.length; i++) {
                assertArrayEquals(plain[i].grad().toArray(), fused[i].grad().toArray(), "gradient of input " + i + ", p=" + p);
            }
        }
    }

    @Test
    void dropoutAddLayerNormChecksItsShapes() {
        Tensor x = Tensor.zeros(Backends.cpu(), 2, 4);
        Tensor w = Tensor.zeros(Backends.cpu(), 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Norms.dropoutAddLayerNorm(x, 0.1f, 1, Tensor.zeros(Backends.cpu(), 1, 4), w, w, 1e-5f));
        assertTrue(e.getMessage().contains("[2, 4]") && e.getMessage().contains("[1, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Norms.dropoutAddLayerNorm(x, 1.5f, 1, x, w, w, 1e-5f));
        assertThrows(IllegalArgumentException.class, () -> Norms.dropoutAddLayerNorm(x, 0.1f, 1, x, Tensor.zeros(Backends.cpu(), 3), w, 1e-5f));
    }

    /** Tensors of the given shapes with values in [-1, 1) that require grad. */
    static Tensor[] randomLeaves(long seed, int[]... shapes) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor[] out = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            float[] v = new float[Shape.numel(shapes[i])];
            for (int j = 0; j < v.length; j++) v[j] = (float) (rng.nextDouble() * 2 - 1);
            out[i] = Tensor.of(Backends.cpu(), v, shapes[i]).requiresGrad(true);
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void l2Norm(int[] shape) {
        int cols = shape[shape.length - 1], rows = Shape.numel(shape) / cols;
        GradCheck.check("l2Norm", t -> Norms.l2Norm(t[0]), x -> {
            double[] y = new double[rows];
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) s += x[0][r * cols + c] * x[0][r * cols + c];
                y[r] = Math.sqrt(s);
            }
            return y;
        }, shape);
    }

    @Test
    void l2NormOfZeroRowHasZeroGradient() {
        Tensor x = Tensor.of(Backends.cpu(), new float[] {0, 0, 0, 3, 4, 0}, 2, 3).requiresGrad(true);
        Tensor n = Norms.l2Norm(x);
        assertArrayEquals(new float[] {0, 5}, n.toArray());
        n.backward(Tensor.of(Backends.cpu(), new float[] {1, 1}, 2));
        assertArrayEquals(new float[] {0, 0, 0, 0.6f, 0.8f, 0}, x.grad().toArray(), 1e-7f);
    }

    @Test
    void layerNormRejectsMismatchedWeight() {
        assertThrows(IllegalArgumentException.class,
                () -> Norms.layerNorm(Tensor.zeros(Backends.cpu(), 2, 3), Tensor.zeros(Backends.cpu(), 4), Tensor.zeros(Backends.cpu(), 3), 1e-5f));
    }
}
