package org.recformer.train;

import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.nn.Linear;
import org.recformer.nn.Module;
import org.recformer.nn.Parameter;
import org.recformer.ops.Arithmetic;
import org.recformer.ops.Losses;
import org.recformer.ops.Reductions;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingStepTest {
    private static final int IN = 5;
    private static final int CLASSES = 3;
    private static final int ROWS = 6;

    /** A one-layer classifier with fixed starting weights. */
    static final class Classifier extends Module {
        final Linear dense;

        Classifier(float[] weight, float[] bias) {
            dense = registerModule("dense", new Linear(Backends.cpu(), IN, CLASSES, true));
            dense.weight().tensor().copyFrom(weight);
            dense.bias().tensor().copyFrom(bias);
        }

        /** Mean cross-entropy over rows {@code from} (inclusive) to {@code to} of the inputs. */
        Tensor loss(float[] x, int[] labels, int from, int to) {
            Tensor rows = Tensor.of(Backends.cpu(), Arrays.copyOfRange(x, from * IN, to * IN), to - from, IN);
            return Losses.crossEntropy(dense.forward(rows), Arrays.copyOfRange(labels, from, to), -100);
        }

        float[] weights() {
            float[] w = dense.weight().tensor().toArray();
            float[] b = dense.bias().tensor().toArray();
            float[] all = Arrays.copyOf(w, w.length + b.length);
            System.arraycopy(b, 0, all, w.length, b.length);
            return all;
        }
    }

    /** One weight vector w; the loss sum(w * x) has gradient x. */
    static final class Linear1 extends Module {
        final Parameter w;

        Linear1(float[] values) {
            w = registerParameter("w", Tensor.of(Backends.cpu(), values, values.length));
        }

        Tensor dot(float[] x) {
            return Reductions.sum(Arithmetic.mul(w.tensor(), Tensor.of(Backends.cpu(), x, x.length)));
        }
    }

    private static TrainingStep step(Module model, float weightDecay, float lr, float maxGradNorm) {
        return new TrainingStep(new OptimizerStep(model, weightDecay, new LinearSchedule(lr, 0, 10), maxGradNorm));
    }

    @Test
    void accumulatingMicroBatchesEqualsOneStepOnTheirConcatenation() {
        SplittableRandom rng = new SplittableRandom(11);
        float[] weight = gaussians(rng, CLASSES * IN);
        float[] bias = gaussians(rng, CLASSES);
        float[] x = gaussians(rng, ROWS * IN);
        int[] labels = new int[ROWS];
        for (int i = 0; i < ROWS; i++) labels[i] = rng.nextInt(CLASSES);

        Classifier accumulated = new Classifier(weight, bias);
        TrainingStep inThree = step(accumulated, 0.01f, 0.05f, 100f);
        Classifier whole = new Classifier(weight, bias);
        TrainingStep inOne = step(whole, 0.01f, 0.05f, 100f);
        for (int s = 0; s < 3; s++) {
            TrainingStep.Result three = inThree.run(3, i -> accumulated.loss(x, labels, 2 * i, 2 * i + 2));
            TrainingStep.Result one = inOne.run(1, i -> whole.loss(x, labels, 0, ROWS));
            assertEquals(s + 1, three.update().step());
            assertEquals(one.meanLoss(), three.meanLoss(), 1e-6, "mean loss of step " + (s + 1));
            assertEquals(one.gradNorm(), three.gradNorm(), 1e-6 * one.gradNorm(), "gradient norm of step " + (s + 1));
            GradCheck.assertClose("weights after step " + (s + 1), toDouble(whole.weights()), accumulated.weights(), 1e-6, 1e-5);
        }
        for (Parameter p : accumulated.namedParameters().values()) assertNull(p.tensor().grad(), "gradients are cleared after the step");
    }

    @Test
    void gradientsAreClippedToTheMaxNormBeforeTheUpdate() {
        float[] start = {0.5f, -0.25f, 1f, 2f};
        float[] x = {3, 4, 0, 0}; // gradient norm 5
        float lr = 0.1f;
        float maxNorm = 1e-9f; // clipped gradient elements far below AdamW's eps 1e-8, so the clip shows in the update
        Linear1 model = new Linear1(start);
        TrainingStep.Result result = step(model, 0f, lr, maxNorm).run(1, i -> model.dot(x));
        assertEquals(5f, result.gradNorm(), 1e-6f, "the norm before clipping");
        double factor = maxNorm / (5 + 1e-6);
        double[] expected = new double[start.length];
        for (int i = 0; i < start.length; i++) {
            double g = x[i] * factor;
            expected[i] = start[i] - lr * g / (Math.abs(g) + 1e-8); // AdamW's first step: lr * m^ / (sqrt(v^) + eps)
        }
        GradCheck.assertClose("weights after a clipped step", expected, model.w.tensor().toArray(), 1e-7, 1e-4);
        assertTrue(start[0] - model.w.tensor().toArray()[0] < lr / 10, "the clipped step is far smaller than lr");
    }

    @Test
    void aNonFiniteLossStopsTheUpdatesAndItsReadNamesTheStepAndMicroBatch() {
        float[] start = {0.5f, -0.25f};
        Linear1 model = new Linear1(start);
        TrainingStep step = step(model, 0f, 0.1f, 1f);
        step.run(2, i -> model.dot(new float[] {1, 1})).losses();
        float[] afterOne = model.w.tensor().toArray();
        TrainingStep.Quantity[] seen = new TrainingStep.Quantity[1];
        int[] where = new int[2];
        TrainingStep.Result diverged = step.run(3,
                i -> model.dot(new float[] {1, i == 1 ? Float.NaN : 1}),
                (quantity, value, s, microBatch) -> {
                    seen[0] = quantity;
                    where[0] = s;
                    where[1] = microBatch;
                    return new TrainingDivergedException("diverged");
                });
        assertNull(model.w.tensor().grad(), "gradients cleared");
        TrainingStep.Result later = step.run(1, i -> model.dot(new float[] {1, 1})); // runs, and changes nothing
        assertArrayEquals(afterOne, model.w.tensor().toArray(), "no update after a NaN loss, nor in the steps after it");
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, diverged::losses);
        assertEquals("diverged", e.getMessage());
        assertEquals(TrainingStep.Quantity.TRAINING_LOSS, seen[0]);
        assertArrayEquals(new int[] {2, 1}, where, "optimizer step 2, micro-batch 1 (0-based)");
        TrainingDivergedException plain = assertThrows(TrainingDivergedException.class, later::meanLoss);
        assertTrue(plain.getMessage().startsWith("the training loss is NaN at optimizer step 2;"),
                "a later step's read reports the first divergence: " + plain.getMessage());

        Linear1 fresh = new Linear1(start);
        TrainingDivergedException infinite = assertThrows(TrainingDivergedException.class,
                () -> step(fresh, 0f, 0.1f, 1f).run(1, i -> fresh.dot(new float[] {Float.POSITIVE_INFINITY, 1})).gradNorm());
        assertTrue(infinite.getMessage().startsWith("the training loss is Infinity at optimizer step 1;"), infinite.getMessage());
    }

    @Test
    void aNonFiniteGradientNormStopsBeforeTheUpdateAndNamesTheStep() {
        Linear1 model = new Linear1(new float[] {0.5f, -0.5f});
        TrainingStep.Result result = step(model, 0f, 0.1f, 1f).run(2, i -> model.dot(new float[] {3e38f, 3e38f}));
        assertArrayEquals(new float[] {0.5f, -0.5f}, model.w.tensor().toArray(), "no update after an infinite norm");
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, result::losses);
        assertTrue(e.getMessage().startsWith("the gradient norm is Infinity at optimizer step 1;"), e.getMessage());
    }

    private static float[] gaussians(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return v;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
