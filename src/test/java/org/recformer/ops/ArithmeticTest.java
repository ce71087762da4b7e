package org.recformer.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.tensor.Shape;
import org.recformer.testing.GradCheck;
import org.recformer.testing.Ref;

import java.util.function.DoubleBinaryOperator;
import java.util.stream.Stream;

class ArithmeticTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(new int[] {1}, new int[] {1}),
                Arguments.of(new int[] {7}, new int[] {7}),
                Arguments.of(new int[] {3, 5}, new int[] {5}),
                Arguments.of(new int[] {3, 1}, new int[] {1, 5}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {3, 1}),
                Arguments.of(new int[] {1, 13}, new int[] {11, 1, 13}),
                Arguments.of(new int[] {}, new int[] {3, 2}));
    }

    private static GradCheck.Reference ref(int[] a, int[] b, DoubleBinaryOperator f) {
        int[] out = Shape.broadcast(a, b);
        return x -> {
            double[] y = new double[Shape.numel(out)];
            for (int i = 0; i < y.length; i++) {
                y[i] = f.applyAsDouble(x[0][Ref.broadcastIndex(i, out, a)], x[1][Ref.broadcastIndex(i, out, b)]);
            }
            return y;
        };
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void add(int[] a, int[] b) {
        GradCheck.check("add", t -> Arithmetic.add(t[0], t[1]), ref(a, b, Double::sum), a, b);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void sub(int[] a, int[] b) {
        GradCheck.check("sub", t -> Arithmetic.sub(t[0], t[1]), ref(a, b, (p, q) -> p - q), a, b);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void mul(int[] a, int[] b) {
        GradCheck.check("mul", t -> Arithmetic.mul(t[0], t[1]), ref(a, b, (p, q) -> p * q), a, b);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void div(int[] a, int[] b) {
        // denominators kept away from zero
        GradCheck.check("div", t -> Arithmetic.div(t[0], t[1]), ref(a, b, (p, q) -> p / q),
                GradCheck.options().range(0.5, 2), a, b);
    }
}
