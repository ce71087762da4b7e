package org.recformer.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.attention.DenseLongformerAttention.Masks;
import org.recformer.backend.Backends;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The fused attention against the same function composed from the engine's basic ops over a dense
 * [B, H, T, T] score matrix ({@link DenseAttention}), forward and all six gradients, to 1e-5 of the
 * largest value: padding, zero / one / several global tokens, lengths that are not multiples of
 * the window. Two independent computations in float32 through different kernels.
 */
class DenseAttentionTest {

    /** Masks rows: '.' padding, 'l' local, 'g' global. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("zero globals, padding", 2, 8, 3, new String[] {"lllllllllllll", "lllllllll...."}),
                Arguments.of("one global, rows of different lengths", 3, 16, 4,
                        new String[] {"g" + "l".repeat(40), "g" + "l".repeat(25) + ".".repeat(15)}),
                Arguments.of("several globals, one inside another's window", 2, 5, 2,
                        new String[] {"ggllllgllllllllll", "lllllglllllll...."}),
                Arguments.of("window wider than the sequence", 1, 7, 50, new String[] {"glllllll", "llllg..."}),
                Arguments.of("length 70, window 32 (not a multiple)", 4, 16, 16,
                        new String[] {"g" + "l".repeat(69), "g" + "l".repeat(50) + ".".repeat(19)}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fusedEqualsDenseCompositionForwardAndBackward(String name, int heads, int headDim, int w, String[] rows) {
        Masks m = Masks.of(rows);
        int channels = heads * headDim;
        Tensor[] fusedIn = randomInputs(m, channels, 11);
        Tensor[] denseIn = new Tensor[6];
        for (int i = 0; i < 6; i++) denseIn[i] = fusedIn[i].copy().requiresGrad(true);
        Tensor gradOut = randomInputs(m, channels, 12)[0];

        AttentionProblem problem = new AttentionProblem(m.batch(), m.seq(), heads, headDim, w, m.attention(), m.global(),
                0f, 0);
        Tensor fused = Attention.longformerSelfAttention(problem, fusedIn[0], fusedIn[1], fusedIn[2], fusedIn[3],
                fusedIn[4], fusedIn[5]);
        Tensor dense = DenseAttention.longformerSelfAttention(problem, denseIn[0], denseIn[1], denseIn[2], denseIn[3],
                denseIn[4], denseIn[5]);
        GradCheck.assertClose(name + " forward", toDouble(dense.toArray()), fused.toArray(), 1e-5, 0);

        fused.backward(gradOut);
        dense.backward(gradOut);
        String[] names = {"q", "k", "v", "q_global", "k_global", "v_global"};
        for (int i = 0; i < 6; i++) {
            assertNotNull(denseIn[i].grad(), names[i] + " got no dense gradient");
            GradCheck.assertClose(name + " gradient of " + names[i], toDouble(denseIn[i].grad().toArray()),
                    fusedIn[i].grad().toArray(), 1e-5, 0);
        }
    }

    private static Tensor[] randomInputs(Masks m, int channels, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor[] x = new Tensor[6];
        for (int i = 0; i < x.length; i++) {
            float[] data = new float[m.batch() * m.seq() * channels];
            for (int j = 0; j < data.length; j++) data[j] = (float) (rng.nextDouble() * 4 - 2);
            x[i] = Tensor.of(Backends.cpu(), data, m.batch(), m.seq(), channels).requiresGrad(true);
        }
        return x;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }
}
