package org.recformer.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.backend.Backends;
import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;
import org.recformer.testing.Ref;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapesTest {

    // ---------------------------------------------------------------- reshape

    static Stream<Arguments> reshapes() {
        return Stream.of(
                Arguments.of(new int[] {2, 3, 5}, new int[] {5, 6}, new int[] {5, 6}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {-1}, new int[] {30}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {3, -1, 2}, new int[] {3, 5, 2}),
                Arguments.of(new int[] {}, new int[] {1, 1}, new int[] {1, 1}),
                Arguments.of(new int[] {1}, new int[] {}, new int[] {}),
                Arguments.of(new int[] {7}, new int[] {7, 1}, new int[] {7, 1}),
                Arguments.of(new int[] {0, 3}, new int[] {3, 0}, new int[] {3, 0}),
                Arguments.of(new int[] {0, 3}, new int[] {-1, 3}, new int[] {0, 3}));
    }

    @ParameterizedTest
    @MethodSource("reshapes")
    void reshape(int[] from, int[] to, int[] expected) {
        // values keep their row-major order: the reference is the identity
        GradCheck.check("reshape", t -> Shapes.reshape(t[0], to), x -> x[0].clone(), from);
        assertArrayEquals(expected, Shapes.reshape(Tensor.zeros(Backends.cpu(), from), to).shape());
    }

    @Test
    void badReshapesAreRejected() {
        Tensor x = Tensor.zeros(Backends.cpu(), 2, 3);
        assertThrows(IllegalArgumentException.class, () -> Shapes.reshape(x, 4, 2));
        assertThrows(IllegalArgumentException.class, () -> Shapes.reshape(x, -1, -1));
        assertThrows(IllegalArgumentException.class, () -> Shapes.reshape(x, 4, -1));
        assertThrows(IllegalArgumentException.class, () -> Shapes.reshape(x, -2, -3));
        assertThrows(IllegalArgumentException.class, () -> Shapes.reshape(Tensor.zeros(Backends.cpu(), 0, 3), 0, -1));
    }

    // ---------------------------------------------------------------- permute, transpose

    /** out[idx] = in[idx mapped back through perm], computed from multi-indices. */
    static GradCheck.Reference permuted(int[] shape, int[] perm) {
        int[] outShape = new int[perm.length];
        for (int d = 0; d < perm.length; d++) outShape[d] = shape[perm[d]];
        return x -> {
            double[] y = new double[x[0].length];
            for (int o = 0; o < y.length; o++) {
                int[] outIdx = Ref.multiIndex(o, outShape);
                int[] inIdx = new int[shape.length];
                for (int d = 0; d < perm.length; d++) inIdx[perm[d]] = outIdx[d];
                y[o] = x[0][Ref.flatIndex(inIdx, shape)];
            }
            return y;
        };
    }

    static Stream<Arguments> perms() {
        return Stream.of(
                Arguments.of(new int[] {}, new int[] {}),
                Arguments.of(new int[] {7}, new int[] {0}),
                Arguments.of(new int[] {3, 5}, new int[] {1, 0}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {0, 2, 1}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {1, 0, 2}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {2, 0, 1}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {1, 2, 0}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {2, 1, 0}),
                Arguments.of(new int[] {2, 3, 1, 5}, new int[] {2, 0, 3, 1}),
                Arguments.of(new int[] {2, 3, 5, 7}, new int[] {0, 2, 1, 3}),
                Arguments.of(new int[] {2, 0, 3}, new int[] {2, 0, 1}));
    }

    @ParameterizedTest
    @MethodSource("perms")
    void permute(int[] shape, int[] perm) {
        GradCheck.check("permute " + Arrays.toString(perm), t -> Shapes.permute(t[0], perm), permuted(shape, perm), shape);
    }

    @Test
    void largePermuteRunsInParallelChunks() {
        int[] shape = {131, 127};
        GradCheck.check("transpose large", t -> Shapes.permute(t[0], 1, 0), permuted(shape, new int[] {1, 0}),
                GradCheck.options().differentiable(false), shape);
        int[] shape4 = {3, 37, 5, 41};
        GradCheck.check("permute large", t -> Shapes.permute(t[0], 0, 2, 1, 3), permuted(shape4, new int[] {0, 2, 1, 3}),
                GradCheck.options().differentiable(false), shape4);
    }

    @Test
    void transposeSwapsTwoDimensions() {
        int[] shape = {2, 3, 5};
        GradCheck.check("transpose", t -> Shapes.transpose(t[0], -1, 0), permuted(shape, new int[] {2, 1, 0}), shape);
        GradCheck.check("transpose", t -> Shapes.transpose(t[0], 1, 2), permuted(shape, new int[] {0, 2, 1}), shape);
    }

    @Test
    void badPermutationsAreRejected() {
        Tensor x = Tensor.zeros(Backends.cpu(), 2, 3);
        assertThrows(IllegalArgumentException.class, () -> Shapes.permute(x, 0));
        assertThrows(IllegalArgumentException.class, () -> Shapes.permute(x, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Shapes.permute(x, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> Shapes.transpose(x, 0, 2));
    }

    // ---------------------------------------------------------------- slice, concat

    static GradCheck.Reference sliced(int[] shape, int dim, int start, int end) {
        int d = dim < 0 ? dim + shape.length : dim;
        int[] outShape = shape.clone();
        outShape[d] = end - start;
        return x -> {
            double[] y = new double[Shape.numel(outShape)];
            for (int o = 0; o < y.length; o++) {
                int[] idx = Ref.multiIndex(o, outShape);
                idx[d] += start;
                y[o] = x[0][Ref.flatIndex(idx, shape)];
            }
            return y;
        };
    }

    static Stream<Arguments> slices() {
        return Stream.of(
                Arguments.of(new int[] {7}, 0, 2, 5),
                Arguments.of(new int[] {1}, 0, 0, 1),
                Arguments.of(new int[] {3, 5}, 1, 0, 5),
                Arguments.of(new int[] {3, 5}, 0, 1, 2),
                Arguments.of(new int[] {2, 3, 5}, 1, 1, 3),
                Arguments.of(new int[] {2, 3, 5}, -1, 3, 5),
                Arguments.of(new int[] {2, 3, 5}, 2, 2, 2),
                Arguments.of(new int[] {2, 1, 3, 7}, 3, 1, 6),
                Arguments.of(new int[] {0, 5}, 1, 1, 3));
    }

    @ParameterizedTest
    @MethodSource("slices")
    void slice(int[] shape, int dim, int start, int end) {
        GradCheck.check("slice", t -> Shapes.slice(t[0], dim, start, end), sliced(shape, dim, start, end), shape);
    }

    @Test
    void badSlicesAreRejected() {
        Tensor x = Tensor.zeros(Backends.cpu(), 2, 3);
        assertThrows(IllegalArgumentException.class, () -> Shapes.slice(x, 1, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> Shapes.slice(x, 1, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> Shapes.slice(x, 1, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> Shapes.slice(x, 2, 0, 1));
    }

    /** Concatenation along dim, by locating each output element in its input. */
    static GradCheck.Reference concatenated(int dim, int[]... shapes) {
        int d = dim < 0 ? dim + shapes[0].length : dim;
        int[] outShape = shapes[0].clone();
        outShape[d] = Arrays.stream(shapes).mapToInt(s -> s[d]).sum();
        return x -> {
            double[] y = new double[Shape.numel(outShape)];
            for (int o = 0; o < y.length; o++) {
                int[] idx = Ref.multiIndex(o, outShape);
                int which = 0;
                while (idx[d] >= shapes[which][d]) idx[d] -= shapes[which++][d];
                y[o] = x[which][Ref.flatIndex(idx, shapes[which])];
            }
            return y;
        };
    }

    static Stream<Arguments> concats() {
        return Stream.of(
                Arguments.of(0, new int[][] {{3}, {1}, {5}}),
                Arguments.of(0, new int[][] {{2, 3}, {1, 3}}),
                Arguments.of(1, new int[][] {{2, 3}, {2, 5}, {2, 1}}),
                Arguments.of(1, new int[][] {{2, 3, 5}, {2, 0, 5}, {2, 2, 5}}),
                Arguments.of(-1, new int[][] {{2, 3, 5}, {2, 3, 2}}),
                Arguments.of(2, new int[][] {{2, 1, 3, 7}, {2, 1, 2, 7}}),
                Arguments.of(0, new int[][] {{2, 3, 5}}),
                Arguments.of(1, new int[][] {{0, 3}, {0, 2}}));
    }

    @ParameterizedTest
    @MethodSource("concats")
    void concat(int dim, int[][] shapes) {
        GradCheck.check("concat", t -> Shapes.concat(dim, t), concatenated(dim, shapes), shapes);
    }

    @Test
    void concatOnlyGivesGradientsToInputsThatWantThem() {
        Tensor a = Tensor.of(Backends.cpu(), new float[] {1, 2}, 1, 2).requiresGrad(true);
        Tensor b = Tensor.of(Backends.cpu(), new float[] {3, 4, 5, 6}, 2, 2);
        Tensor y = Shapes.concat(0, a, b);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, y.toArray());
        y.backward(Tensor.of(Backends.cpu(), new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        assertArrayEquals(new float[] {1, 2}, a.grad().toArray());
        assertTrue(b.grad() == null);
    }

    @Test
    void badConcatsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Shapes.concat(0));
        assertThrows(IllegalArgumentException.class, () -> Shapes.concat(0, Tensor.zeros(Backends.cpu(), 2, 3), Tensor.zeros(Backends.cpu(), 2, 4)));
        assertThrows(IllegalArgumentException.class, () -> Shapes.concat(0, Tensor.zeros(Backends.cpu(), 2, 3), Tensor.zeros(Backends.cpu(), 6)));
        assertThrows(IllegalArgumentException.class, () -> Shapes.concat(2, Tensor.zeros(Backends.cpu(), 2, 3)));
    }
}
