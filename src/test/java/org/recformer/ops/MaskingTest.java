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

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MaskingTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(new int[] {2, 3, 5}, new int[] {2, 3, 5}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {3, 1}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {5}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {2, 1, 1}),
                Arguments.of(new int[] {2, 3, 5}, new int[] {}),
                Arguments.of(new int[] {2, 1, 3, 7}, new int[] {2, 1, 1, 7}),
                Arguments.of(new int[] {}, new int[] {}),
                Arguments.of(new int[] {1}, new int[] {1}),
                Arguments.of(new int[] {3, 0}, new int[] {3, 1}),
                Arguments.of(new int[] {131, 127}, new int[] {131, 1}));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void maskedFill(int[] shape, int[] maskShape) {
        for (long seed = 1; seed <= 3; seed++) { // a scalar mask is all or nothing: try a few draws
            SplittableRandom rng = new SplittableRandom(seed);
            double[] x = new double[Shape.numel(shape)];
            for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
            double[] mask = new double[Shape.numel(maskShape)];
            for (int i = 0; i < mask.length; i++) mask[i] = rng.nextInt(3) == 0 ? 1 : 0;
            float value = -1234.5f;
            GradCheck.Reference ref = in -> {
                double[] y = new double[in[0].length];
                for (int i = 0; i < y.length; i++) y[i] = in[1][Ref.broadcastIndex(i, shape, maskShape)] != 0 ? value : in[0][i];
                return y;
            };
            GradCheck.checkAt("maskedFill", t -> Masking.maskedFill(t[0], t[1], value), ref,
                    GradCheck.options().differentiable(true, false).elementwise(), new double[][] {x, mask}, shape, maskShape);
        }
    }

    @Test
    void fillsWithMinusInfinity() {
        Tensor x = Tensor.of(Backends.cpu(), new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor mask = Tensor.of(Backends.cpu(), new float[] {0, 1, 0}, 3);
        float inf = Float.NEGATIVE_INFINITY;
        assertArrayEquals(new float[] {1, inf, 3, 4, inf, 6}, Masking.maskedFill(x, mask, inf).toArray());
    }

    @Test
    void aMaskThatDoesNotBroadcastIsRejected() {
        Tensor x = Tensor.zeros(Backends.cpu(), 2, 3);
        assertThrows(IllegalArgumentException.class, () -> Masking.maskedFill(x, Tensor.zeros(Backends.cpu(), 2), 0f));
        assertThrows(IllegalArgumentException.class, () -> Masking.maskedFill(x, Tensor.zeros(Backends.cpu(), 1, 2, 3), 0f));
    }
}
