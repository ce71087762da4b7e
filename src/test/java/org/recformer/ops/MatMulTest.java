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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward and gradient checks of matmul (all transpose flags, batched, broadcast) and linear. */
class MatMulTest {

    /** batch shape of a (empty = 2-D), batch shape of b, m, n, k. */
    static Stream<Arguments> cases() {
        Object[][] shapes = {
                {new int[0], new int[0], 1, 1, 1},
                {new int[0], new int[0], 3, 5, 7},
                {new int[0], new int[0], 1, 13, 2},
                {new int[] {2}, new int[] {2}, 3, 2, 5},
                {new int[] {2, 3}, new int[] {2, 3}, 1, 3, 2},
                {new int[] {3}, new int[0], 5, 2, 3},     // 2-D b broadcast over a's batch
                {new int[] {2, 2}, new int[0], 3, 1, 4},
                {new int[0], new int[] {3}, 2, 5, 3},     // 2-D a broadcast over b's batch
        };
        Stream.Builder<Arguments> out = Stream.builder();
        for (Object[] s : shapes) {
            for (int f = 0; f < 4; f++) out.add(Arguments.of(s[0], s[1], s[2], s[3], s[4], (f & 1) != 0, (f & 2) != 0));
        }
        return out.build();
    }

    @ParameterizedTest(name = "a{0} b{1} m={2} n={3} k={4} tA={5} tB={6}")
    @MethodSource("cases")
    void matmul(int[] aBatch, int[] bBatch, int m, int n, int k, boolean transA, boolean transB) {
        int[] aShape = concat(aBatch, transA ? new int[] {k, m} : new int[] {m, k});
        int[] bShape = concat(bBatch, transB ? new int[] {n, k} : new int[] {k, n});
        int batch = Math.max(Shape.numel(aBatch), Shape.numel(bBatch));
        boolean aBatched = aBatch.length > 0, bBatched = bBatch.length > 0;
        GradCheck.Reference ref = x -> {
            double[] c = new double[batch * m * n];
            for (int bi = 0; bi < batch; bi++) {
                int offA = aBatched ? bi * m * k : 0, offB = bBatched ? bi * k * n : 0;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int p = 0; p < k; p++) {
                            double av = transA ? x[0][offA + p * m + i] : x[0][offA + i * k + p];
                            double bv = transB ? x[1][offB + j * k + p] : x[1][offB + p * n + j];
                            s += av * bv;
                        }
                        c[bi * m * n + i * n + j] = s;
                    }
                }
            }
            return c;
        };
        GradCheck.check("matmul", t -> MatMul.matmul(t[0], t[1], transA, transB), ref, aShape, bShape);
    }

    @Test
    void outputShapes() {
        Tensor a = Tensor.zeros(Backends.cpu(), 2, 3, 4, 5);
        assertArrayEquals(new int[] {2, 3, 4, 6}, MatMul.matmul(a, Tensor.zeros(Backends.cpu(), 5, 6)).shape());
        assertArrayEquals(new int[] {2, 3, 5, 5}, MatMul.matmul(a, Tensor.zeros(Backends.cpu(), 2, 3, 4, 5), true, false).shape());
        assertArrayEquals(new int[] {2, 3, 4, 7}, MatMul.linear(a, Tensor.zeros(Backends.cpu(), 7, 5), null).shape());
    }

    @Test
    void badShapesNameBothOperands() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatMul.matmul(Tensor.zeros(Backends.cpu(), 3, 4), Tensor.zeros(Backends.cpu(), 5, 6)));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5, 6]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(Tensor.zeros(Backends.cpu(), 2, 3, 4), Tensor.zeros(Backends.cpu(), 3, 4, 5)));
        assertThrows(IllegalArgumentException.class, () -> MatMul.linear(Tensor.zeros(Backends.cpu(), 3, 4), Tensor.zeros(Backends.cpu(), 5, 3), null));
        assertThrows(IllegalArgumentException.class, () -> MatMul.linear(Tensor.zeros(Backends.cpu(), 3, 4), Tensor.zeros(Backends.cpu(), 5, 4), Tensor.zeros(Backends.cpu(), 4)));
    }

    static Stream<Arguments> linearShapes() {
        return Stream.of(
                Arguments.of(new int[] {1, 1}, 1, true),
                Arguments.of(new int[] {5, 7}, 3, true),
                Arguments.of(new int[] {2, 3, 5}, 4, true),
                Arguments.of(new int[] {3, 2}, 11, false));
    }

    @ParameterizedTest(name = "x{0} out={1} bias={2}")
    @MethodSource("linearShapes")
    void linear(int[] xShape, int out, boolean withBias) {
        int in = xShape[xShape.length - 1];
        int rows = Shape.numel(xShape) / in;
        GradCheck.Reference ref = x -> {
            double[] y = new double[rows * out];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double s = withBias ? x[2][o] : 0;
                    for (int i = 0; i < in; i++) s += x[0][r * in + i] * x[1][o * in + i];
                    y[r * out + o] = s;
                }
            }
            return y;
        };
        int[] wShape = {out, in};
        if (withBias) {
            GradCheck.check("linear", t -> MatMul.linear(t[0], t[1], t[2]), ref, xShape, wShape, new int[] {out});
        } else {
            GradCheck.check("linear", t -> MatMul.linear(t[0], t[1], null), ref, xShape, wShape);
        }
    }

    @Test
    void linearWithBiasEqualsMatmulPlusBias() {
        // the fused op starts the product's sums from the bias (CPU with the Vector API) or adds it
        // after: the two ops' values to float rounding (|values| < 3 here), the same gradients
        Tensor[] fused = NormsTest.randomLeaves(3, new int[] {2, 5, 6}, new int[] {4, 6}, new int[] {4});
        Tensor[] plain = new Tensor[3];
        for (int i = 0; i < 3; i++) plain[i] = fused[i].copy().requiresGrad(true);
        Tensor f = MatMul.linear(fused[0], fused[1], fused[2]);
        Tensor c = Arithmetic.add(MatMul.matmul(plain[0], plain[1], false, true), plain[2]);
        assertArrayEquals(c.toArray(), f.toArray(), 1e-6f);
        Tensor g = NormsTest.randomLeaves(4, new int[] {2, 5, 4})[0];
        f.backward(g);
        c.backward(g);
        for (int i = 0; i < 3; i++) assertArrayEquals(plain[i].grad().toArray(), fused[i].grad().toArray(), "gradient of input " + i);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
