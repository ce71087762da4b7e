package org.recformer.backend.cpu;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.recformer.tensor.StepStatus;

import java.util.SplittableRandom;

/**
 * The gradient norm of {@link CpuOptimizer#clipGradNorm} over tensors cut into several of its
 * chunks (and empty, single-element and chunk-edge tensors) against a plain double sum per tensor,
 * and a non-finite gradient in a late chunk recorded as the step's divergence.
 */
class CpuOptimizerTest {
    private static final int C = CpuOptimizer.NORM_CHUNK;
    private static final int[] SIZES = {0, 1, C - 1, C, C + 1, 3 * C + 5, 17};

    private static float[][] gradients(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] g = new float[SIZES.length][];
        for (int t = 0; t < SIZES.length; t++) {
            g[t] = new float[SIZES[t]];
            for (int i = 0; i < SIZES[t]; i++) g[t][i] = (float) (random.nextGaussian() * (t + 1) * 1e-2);
        }
        return g;
    }

    private static float[] status() {
        return new float[StepStatus.size(2)];
    }

    @Test
    void normAndClipFactorMatchAPlainDoubleSum() {
        float[][] g = gradients(11);
        double sum = 0;
        for (float[] x : g) {
            double s = 0;
            for (float v : x) s += (double) v * v;
            sum += (float) s;
        }
        float expectedNorm = (float) Math.sqrt(sum);
        for (float maxNorm : new float[] {expectedNorm / 3, expectedNorm * 3}) {
            float[] status = status();
            status[StepStatus.GRAD_NORM] = Float.NaN;
            status[StepStatus.CLIP_FACTOR] = Float.NaN;
            CpuOptimizer.clipGradNorm(g, SIZES, maxNorm, status, 1, 0);
            Assertions.assertEquals(expectedNorm, status[StepStatus.GRAD_NORM], Math.ulp(expectedNorm), "norm");
            float factor = Math.min(1f, maxNorm / (expectedNorm + 1e-6f));
            Assertions.assertEquals(factor, status[StepStatus.CLIP_FACTOR], 2 * Math.ulp(factor), "clip factor at max norm " + maxNorm);
            Assertions.assertEquals(0f, status[StepStatus.DIVERGED_STEP], "no divergence");
        }
    }

    @Test
    void theSameGradientsGiveTheSameNormBitForBit() {
        float[] a = status(), b = status();
        CpuOptimizer.clipGradNorm(gradients(12), SIZES, 1f, a, 1, 0);
        CpuOptimizer.clipGradNorm(gradients(12), SIZES, 1f, b, 1, 0);
        Assertions.assertEquals(Float.floatToIntBits(a[StepStatus.GRAD_NORM]), Float.floatToIntBits(b[StepStatus.GRAD_NORM]));
    }

    @Test
    void aNonFiniteGradientInALateChunkIsTheStepsDivergence() {
        float[][] g = gradients(13);
        g[5][3 * C + 2] = Float.POSITIVE_INFINITY;
        float[] status = status();
        CpuOptimizer.clipGradNorm(g, SIZES, 1f, status, 9, 1);
        Assertions.assertEquals(Float.POSITIVE_INFINITY, status[StepStatus.GRAD_NORM]);
        Assertions.assertEquals(9f, status[StepStatus.DIVERGED_STEP], "the step is recorded");
    }
}
