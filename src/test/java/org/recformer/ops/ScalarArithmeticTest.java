package org.recformer.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.testing.GradCheck;

import java.util.stream.Stream;

import static org.recformer.ops.ActivationsTest.map;

/** Arithmetic.scale and Arithmetic.addScalar. */
class ScalarArithmeticTest {

    static Stream<int[]> shapes() {
        return Stream.concat(ActivationsTest.shapes(), Stream.of(new int[] {131, 127}));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void scale(int[] shape) {
        GradCheck.check("scale", t -> Arithmetic.scale(t[0], -2.75f), map(v -> v * -2.75), GradCheck.options().elementwise(), shape);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void addScalar(int[] shape) {
        GradCheck.check("addScalar", t -> Arithmetic.addScalar(t[0], 0.625f), map(v -> v + 0.625), GradCheck.options().elementwise(), shape);
    }
}
