package org.recformer.train;

import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.nn.Module;
import org.recformer.nn.Parameter;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {

    /** A module with one decayed weight and one bias (no decay). */
    static final class Toy extends Module {
        final Parameter weight;
        final Parameter bias;

        Toy(float[] w, float[] b) {
            weight = registerParameter("dense.weight", Tensor.of(Backends.cpu(), w, w.length));
            bias = registerParameter("dense.bias", Tensor.of(Backends.cpu(), b, b.length));
        }
    }

    @Test
    void matchesADoublePrecisionReferenceOverSeveralSteps() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 37;
        float[] w0 = new float[n];
        float[] b0 = new float[5];
        for (int i = 0; i < n; i++) w0[i] = (float) rng.nextGaussian();
        for (int i = 0; i < 5; i++) b0[i] = (float) rng.nextGaussian();
        Toy toy = new Toy(w0, b0);
        AdamW opt = new AdamW(toy.namedParameters(), 0.01f);

        double[] p = new double[n], m = new double[n], v = new double[n];
        for (int i = 0; i < n; i++) p[i] = w0[i];
        double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        for (int t = 1; t <= 5; t++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) g[i] = (float) rng.nextGaussian();
            toy.zeroGrad();
            toy.weight.tensor().accumulateGrad(Tensor.of(Backends.cpu(), g, n));
            toy.bias.tensor().accumulateGrad(Tensor.of(Backends.cpu(), new float[] {1, 1, 1, 1, 1}, 5));
            opt.step((float) lr, AdamW.unclipped(Backends.cpu()));
            for (int i = 0; i < n; i++) {
                p[i] -= lr * wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        }
        GradCheck.assertClose("AdamW weights after 5 steps", p, toy.weight.tensor().toArray(), 1e-6, 1e-5);
        // the bias had constant gradient 1 and no decay: each step moves it by exactly lr
        float[] b = toy.bias.tensor().toArray();
        for (int i = 0; i < 5; i++) assertEquals(b0[i] - 5 * lr, b[i], 1e-5);
    }

    @Test
    void biasesAndLayerNormWeightsDoNotDecay() {
        assertTrue(AdamW.decays("encoder.layer.0.attention.self.query.weight"));
        assertFalse(AdamW.decays("encoder.layer.0.attention.self.query.bias"));
        assertFalse(AdamW.decays("encoder.layer.0.output.LayerNorm.weight"));
        assertFalse(AdamW.decays("lm_head.layer_norm.weight"));
    }

    @Test
    void frozenParametersAreSkipped() {
        Toy toy = new Toy(new float[] {1, 2}, new float[] {3});
        toy.weight.tensor().accumulateGrad(Tensor.of(Backends.cpu(), new float[] {1, 1}, 2));
        toy.weight.setFrozen(true);
        new AdamW(toy.namedParameters(), 0.1f).step(1f, AdamW.unclipped(Backends.cpu()));
        assertEquals(1f, toy.weight.tensor().toArray()[0]);
    }

    @Test
    void scheduleWarmsUpThenDecaysToZero() {
        LinearSchedule s = new LinearSchedule(1f, 10, 110);
        assertEquals(0f, s.at(0));
        assertEquals(0.5f, s.at(5), 1e-7);
        assertEquals(1f, s.at(10), 1e-7);
        assertEquals(0.5f, s.at(60), 1e-7);
        assertEquals(0f, s.at(110));
        assertEquals(0f, s.at(200));
    }
}
