package org.recformer.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.backend.Backends;
import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;

import java.util.stream.Stream;

/** Softmax and log-softmax over the last dimension against double references. */
class SoftmaxTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of((Object) new int[] {1}),
                Arguments.of((Object) new int[] {7}),
                Arguments.of((Object) new int[] {3, 5}),
                Arguments.of((Object) new int[] {2, 3, 11}),
                Arguments.of((Object) new int[] {41, 1}));
    }

    /** Softmax (or log-softmax) of each row computed directly in double (max-shifted). */
    static GradCheck.Reference ref(int[] shape, boolean log) {
        int cols = shape[shape.length - 1], rows = Shape.numel(shape) / cols;
        return x -> {
            double[] y = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int c = 0; c < cols; c++) max = Math.max(max, x[0][r * cols + c]);
                for (int c = 0; c < cols; c++) sum += Math.exp(x[0][r * cols + c] - max);
                for (int c = 0; c < cols; c++) {
                    double z = x[0][r * cols + c] - max;
                    y[r * cols + c] = log ? z - Math.log(sum) : Math.exp(z) / sum;
                }
            }
            return y;
        };
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void softmax(int[] shape) {
        GradCheck.check("softmax", t -> Softmax.softmax(t[0]), ref(shape, false), GradCheck.options().range(-3, 3), shape);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void logSoftmax(int[] shape) {
        GradCheck.check("logSoftmax", t -> Softmax.logSoftmax(t[0]), ref(shape, true), GradCheck.options().range(-3, 3), shape);
    }

    @Test
    void largeValuesDoNotOverflow() {
        int[] shape = {3, 4};
        double[][] x = {{1000, 1001, 999, 1002, -1000, -1003, -1001, -1000.5, 88, 89, 90, 200}};
        GradCheck.checkAt("softmax large", t -> Softmax.softmax(t[0]), ref(shape, false), GradCheck.options(), x, shape);
        GradCheck.checkAt("logSoftmax large", t -> Softmax.logSoftmax(t[0]), ref(shape, true),
                GradCheck.options().forwardTolerance(1e-6, 1e-6), x, shape);
    }

    @Test
    void rowsSumToOne() {
        float[] p = Softmax.softmax(Tensor.of(Backends.cpu(), new float[] {0.5f, -2, 3, 1, 1, 1}, 2, 3)).toArray();
        GradCheck.assertClose("row sums", new double[] {1, 1}, new float[] {p[0] + p[1] + p[2], p[3] + p[4] + p[5]}, 1e-6, 0);
    }
}
