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
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReductionsTest {

    /** Direct reference: each input element added into the output element it reduces to. */
    static GradCheck.Reference reduce(int[] shape, int[] dims, boolean mean) {
        int rank = shape.length;
        boolean[] reduced = new boolean[rank];
        for (int d : dims) reduced[d < 0 ? d + rank : d] = true;
        int[] kept = shape.clone();
        int count = 1;
        for (int d = 0; d < rank; d++) {
            if (reduced[d]) {
                kept[d] = 1;
                count *= shape[d];
            }
        }
        int divisor = mean ? count : 1;
        return x -> {
            double[] y = new double[Shape.numel(kept)];
            for (int i = 0; i < x[0].length; i++) {
                int[] idx = Ref.multiIndex(i, shape);
                for (int d = 0; d < rank; d++) if (reduced[d]) idx[d] = 0;
                y[Ref.flatIndex(idx, kept)] += x[0][i];
            }
            for (int k = 0; k < y.length; k++) y[k] /= divisor;
            return y;
        };
    }

    static int[] all(int rank) {
        return IntStream.range(0, rank).toArray();
    }

    static Stream<int[]> allShapes() {
        return Stream.of(new int[] {}, new int[] {1}, new int[] {13}, new int[] {3, 5}, new int[] {2, 3, 5},
                new int[] {2, 1, 3, 7}, new int[] {0}, new int[] {3, 0, 2});
    }

    @ParameterizedTest
    @MethodSource("allShapes")
    void sumOfAll(int[] shape) {
        GradCheck.check("sum", t -> Reductions.sum(t[0]), reduce(shape, all(shape.length), false), shape);
        assertArrayEquals(new int[0], Reductions.sum(Tensor.zeros(Backends.cpu(), shape)).shape());
    }

    @ParameterizedTest
    @MethodSource("allShapes")
    void meanOfAll(int[] shape) {
        if (Shape.numel(shape) == 0) return; // mean of nothing is NaN, covered below
        GradCheck.check("mean", t -> Reductions.mean(t[0]), reduce(shape, all(shape.length), true), shape);
    }

    static Stream<Arguments> dims() {
        return Stream.of(
                Arguments.of(new int[] {7}, new int[] {0}),
                Arguments.of(new int[] {3, 5}, new int[] {0}),
                Arguments.of(new int[] {3, 5}, new int[] {1}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {1}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {-1}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {0, 2}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {2, 0, 1}),
                Arguments.of(new int[] {2, 1, 3, 7}, new int[] {1, 3}),
                Arguments.of(new int[] {2, 1, 3, 7}, new int[] {0, -2}),
                Arguments.of(new int[] {3, 0, 2}, new int[] {1}),
                Arguments.of(new int[] {3, 0, 2}, new int[] {0}));
    }

    private static int[] expectedShape(int[] shape, int[] dims, boolean keepDim) {
        int rank = shape.length;
        boolean[] reduced = new boolean[rank];
        for (int d : dims) reduced[d < 0 ? d + rank : d] = true;
        return IntStream.range(0, rank).filter(d -> keepDim || !reduced[d]).map(d -> reduced[d] ? 1 : shape[d]).toArray();
    }

    @ParameterizedTest
    @MethodSource("dims")
    void sumOverDims(int[] shape, int[] dims) {
        for (boolean keepDim : new boolean[] {false, true}) {
            GradCheck.check("sum " + Arrays.toString(dims) + " keepDim " + keepDim, t -> Reductions.sum(t[0], dims, keepDim),
                    reduce(shape, dims, false), shape);
            assertArrayEquals(expectedShape(shape, dims, keepDim), Reductions.sum(Tensor.zeros(Backends.cpu(), shape), dims, keepDim).shape());
        }
    }

    @ParameterizedTest
    @MethodSource("dims")
    void meanOverDims(int[] shape, int[] dims) {
        for (boolean keepDim : new boolean[] {false, true}) {
            Tensor probe = Reductions.mean(Tensor.zeros(Backends.cpu(), shape), dims, keepDim);
            assertArrayEquals(expectedShape(shape, dims, keepDim), probe.shape());
            if (Shape.numel(shape) == 0) continue;
            GradCheck.check("mean " + Arrays.toString(dims) + " keepDim " + keepDim, t -> Reductions.mean(t[0], dims, keepDim),
                    reduce(shape, dims, true), shape);
        }
    }

    @Test
    void meanOverAnEmptyDimensionIsNaNLikePyTorch() {
        float[] y = Reductions.mean(Tensor.zeros(Backends.cpu(), 3, 0, 2), new int[] {1}, false).toArray();
        assertEquals(6, y.length);
        for (float v : y) assertTrue(Float.isNaN(v));
    }

    /** Sizes above the parallel grain, for both ways the kernel splits work. */
    static Stream<Arguments> large() {
        return Stream.of(
                Arguments.of(new int[] {257, 301}, new int[] {0}),       // leading dim reduced: partial sums
                Arguments.of(new int[] {257, 301}, new int[] {1}),       // rows kept: one output block each
                Arguments.of(new int[] {257, 301}, new int[] {0, 1}),
                Arguments.of(new int[] {5, 7, 3001}, new int[] {1}),
                Arguments.of(new int[] {3, 101, 7, 37}, new int[] {1, 3}),
                Arguments.of(new int[] {101, 3, 211}, new int[] {0, 2}));
    }

    @ParameterizedTest
    @MethodSource("large")
    void largeReductionsMatchTheReference(int[] shape, int[] dims) {
        // forward only: central differences over this many inputs are too slow, and the backward
        // is the broadcast already checked above
        GradCheck.check("sum " + Arrays.toString(shape) + " over " + Arrays.toString(dims), t -> Reductions.sum(t[0], dims, true),
                reduce(shape, dims, false), GradCheck.options().differentiable(false), shape);
        GradCheck.check("mean " + Arrays.toString(shape) + " over " + Arrays.toString(dims), t -> Reductions.mean(t[0], dims, false),
                reduce(shape, dims, true), GradCheck.options().differentiable(false), shape);
    }

    @Test
    void badDimensionsAreRejected() {
        Tensor x = Tensor.zeros(Backends.cpu(), 2, 3);
        assertThrows(IllegalArgumentException.class, () -> Reductions.sum(x, new int[] {2}, false));
        assertThrows(IllegalArgumentException.class, () -> Reductions.sum(x, new int[] {1, -1}, false));
        assertThrows(IllegalArgumentException.class, () -> Reductions.mean(x, new int[0], false));
    }
}
