package org.recformer.autograd;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.backend.cpu.CpuBuffer;
import org.recformer.model.PretrainInput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.ops.Activations;
import org.recformer.ops.Arithmetic;
import org.recformer.ops.Reductions;
import org.recformer.tensor.Tensor;
import org.recformer.testing.PretrainBatches;
import org.recformer.train.LinearSchedule;
import org.recformer.train.ModelFactory;
import org.recformer.train.OptimizerStep;
import org.recformer.train.TrainingStep;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backward pass hands the buffers it allocated back to the backend's recycler once no tensor holds them as
 * its gradient, and the nodes after get them: which buffers go back (a dead gradient, a node's temporaries),
 * which do not (a gradient two tensors hold until both have run, a leaf's, a retained one), and whole training
 * steps giving bit for bit what they give with every buffer new. The tests' buffers are poisoned with NaN when
 * handed out (surefire's {@code recformer.poison}), so a buffer handed out while a tensor still held it would
 * show in the results. Tensors are at least the CPU recycler's smallest buffer (64k floats).
 */
class BackwardBufferReuseTest {
    private static final int N = 1 << 16;

    @AfterEach
    void reuseAgain() {
        Autograd.reuseBuffers = true;
    }

    private static float[] array(Tensor t) {
        return ((CpuBuffer) t.buffer()).data();
    }

    private static Tensor leaf(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[N];
        for (int i = 0; i < N; i++) values[i] = (float) random.nextDouble(-2, 2);
        return Tensor.of(Backends.cpu(), values, N).requiresGrad(true);
    }

    /** x itself (sharing its buffer, as a reshape does), with a backward that notes the array of each gradient it passes on. */
    private static Tensor noting(Tensor x, List<float[]> seen) {
        Tensor out = new Tensor(x.backend(), x.buffer(), x.shape());
        return out.record("noting", new Tensor[] {x}, g -> {
            seen.add(array(g));
            x.accumulateGrad(g);
        });
    }

    @Test
    void aGradientNoTensorHoldsAnyMoreServesALaterNodeOfItsSize() {
        List<float[]> seen = new ArrayList<>();
        Tensor x = leaf(1);
        Tensor y = noting(Activations.tanh(noting(Activations.tanh(noting(Activations.tanh(x), seen)), seen)), seen);
        Reductions.sum(y).backward();
        // seen[0]: the gradient of the last tanh's output (made by sum's node); seen[1]: made by the last tanh's node,
        // after which nothing holds seen[0]; seen[2]: made by the middle tanh's node
        assertEquals(3, seen.size());
        assertNotSame(seen.get(0), seen.get(1));
        assertSame(seen.get(0), seen.get(2), "the middle tanh's node gets the gradient dead since the last tanh's node");

        Autograd.reuseBuffers = false;
        seen.clear();
        Tensor again = noting(Activations.tanh(noting(Activations.tanh(noting(Activations.tanh(leaf(1)), seen)), seen)), seen);
        Reductions.sum(again).backward();
        assertNotSame(seen.get(0), seen.get(2), "without reuse every gradient is a new buffer");
    }

    /**
     * The gradients of leaf x and of {@code retained(x)} (retained) after {@code loss(x, retained(x))}, with reuse and
     * without: they must be the same bit for bit.
     */
    private static void assertSameWithAndWithoutReuse(BiFunction<Tensor, Tensor, Tensor> loss, Function<Tensor, Tensor> retained) {
        float[][] reused = gradients(loss, retained), fresh;
        Autograd.reuseBuffers = false;
        fresh = gradients(loss, retained);
        for (float[] g : reused) for (float v : g) assertTrue(Float.isFinite(v), "a gradient read a poisoned buffer");
        assertArrayEquals(fresh[0], reused[0], "the leaf's gradient");
        assertArrayEquals(fresh[1], reused[1], "the retained gradient");
    }

    private static float[][] gradients(BiFunction<Tensor, Tensor, Tensor> loss, Function<Tensor, Tensor> retained) {
        Tensor x = leaf(2);
        Tensor kept = retained.apply(x).retainGrad();
        loss.apply(x, kept).backward();
        return new float[][] {x.grad().toArray(), kept.grad().toArray()};
    }

    @Test
    void aGradientTwoTensorsHoldIsKeptUntilBothOfTheirNodesHaveRun() {
        // add hands its gradient to both its inputs: the first of their nodes to run lets go of it, the second
        // reads it after that node's new buffers (of the same size) were handed out
        assertSameWithAndWithoutReuse((x, p) -> Reductions.sum(Arithmetic.add(Activations.tanh(p), Activations.exp(p))),
                Activations::tanh);
    }

    @Test
    void aLeafsGradientAndARetainedOneAreNeverHandedOut() {
        // x's gradient is made by mul's node, right after sum's, and the retained tanh(tanh(x))'s by the tanh node
        // after; the nodes of the two inner tanhs allocate buffers of their size after that
        assertSameWithAndWithoutReuse((x, kept) -> Reductions.sum(Arithmetic.mul(x, Activations.tanh(kept))),
                x -> Activations.tanh(Activations.tanh(x)));
    }

    @Test
    void trainingStepsWithReusedBuffersGiveWhatNewBuffersGiveBitForBit() throws Exception {
        RecformerConfig config = RecformerConfig.fromJson(new ObjectMapper().readTree("{\"vocab_size\": 300, \"hidden_size\": 64,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"intermediate_size\": 256,"
                + " \"attention_window\": [16, 16], \"max_position_embeddings\": 700, \"max_item_embeddings\": 8,"
                + " \"layer_norm_eps\": 1e-5, \"hidden_dropout_prob\": 0.1, \"attention_probs_dropout_prob\": 0.1}"));
        double[][] reused = train(config);
        Autograd.reuseBuffers = false;
        double[][] fresh = train(config);
        assertArrayEquals(fresh[0], reused[0], "mean losses and gradient norms of three steps");
        assertArrayEquals(fresh[1], reused[1], "weights after three steps");
    }

    /**
     * Three pretraining steps of 2 x 640 and 2 x 576 tokens (hidden states of 64k floats and more), the last of two
     * micro-batches (the second backward pass adds to the gradients the first left): losses and gradient norms,
     * weights.
     */
    private static double[][] train(RecformerConfig config) {
        RecformerForPretraining model = new ModelFactory(Backends.cpu()).freshPretraining(config, 3);
        model.train(true);
        TrainingStep steps = new TrainingStep(new OptimizerStep(model, 0.01f, new LinearSchedule(1e-3f, 0, 10), 1f));
        Random inputs = new Random(5);
        double[] results = new double[6];
        for (int step = 0; step < 3; step++) {
            int microBatches = step == 2 ? 2 : 1;
            PretrainInput[] batches = new PretrainInput[microBatches];
            for (int i = 0; i < microBatches; i++) batches[i] = PretrainBatches.random(config, 2, 640, 576, inputs);
            TrainingStep.Result result = steps.run(microBatches, i -> model.forward(batches[i]).loss());
            results[2 * step] = result.meanLoss();
            results[2 * step + 1] = result.gradNorm();
        }
        float[] weights = PretrainBatches.weights(model);
        double[] asDouble = new double[weights.length];
        for (int i = 0; i < weights.length; i++) asDouble[i] = weights[i];
        assertTrue(Arrays.stream(results).allMatch(Double::isFinite), Arrays.toString(results));
        return new double[][] {results, asDouble};
    }
}
