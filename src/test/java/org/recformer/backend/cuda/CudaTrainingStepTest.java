package org.recformer.backend.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.model.PretrainInput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.tensor.Backend;
import org.recformer.testing.PretrainBatches;
import org.recformer.train.LinearSchedule;
import org.recformer.train.ModelFactory;
import org.recformer.train.OptimizerStep;
import org.recformer.train.TrainingStep;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A pretraining step on the emulator behind a {@link TracingDevice}: what crosses between host and
 * device inside a step (no host read unless the step's result is read, then one; no wait for the
 * device; the attention metadata uploaded once per pair of masks, not per layer; gradient clipping in
 * two launches whatever the number of parameters), and the same losses, gradient norms and weights as
 * the CPU backend (relative error 1e-5 over the whole model, as every kernel test measures it: a tensor
 * whose gradient is zero but for rounding, such as a key bias, gets a noise update of its own).
 * Weights are compared after the first step, at
 * the usual learning rate 5e-5: its AdamW update is lr * g / (|g| + eps), lr * sign(g) but for
 * gradients near eps. From the second step on, m / sqrt(v) mixes gradients of both signs, and where
 * they nearly cancel the kernels' 1e-5 differences move an update by a few percent of lr (seen: 2%,
 * 1.2e-6 against the tolerance's 6e-7), so those steps are compared by the losses and gradient norms
 * they lead to, step 3's loss following the unread step 2's update.
 */
class CudaTrainingStepTest {
    private static final int BATCH = 3, SEQ_A = 24, SEQ_B = 9, LAYERS = 2;

    @Test
    void aStepQueuesItsWorkWithoutWaitingAndReadsOnlyWhenItsResultIsRead() throws Exception {
        Device emulator;
        try {
            emulator = new EmulatedDevice();
        } catch (CudaUnavailableException e) {
            assumeTrue(false, e.getMessage());
            return;
        }
        TracingDevice device = new TracingDevice(emulator);
        Backend cuda = new CudaBackend(device);
        RecformerConfig config = RecformerConfig.fromJson(new ObjectMapper().readTree("{\"vocab_size\": 60, \"hidden_size\": 16,"
                + " \"num_hidden_layers\": " + LAYERS + ", \"num_attention_heads\": 2, \"intermediate_size\": 32,"
                + " \"attention_window\": [4, 6], \"max_position_embeddings\": 40, \"max_item_embeddings\": 8,"
                + " \"layer_norm_eps\": 1e-5, \"hidden_dropout_prob\": 0.0, \"attention_probs_dropout_prob\": 0.0}"));
        RecformerForPretraining onCpu = new ModelFactory(Backends.cpu()).freshPretraining(config, 3);
        RecformerForPretraining onCuda = new ModelFactory(cuda).freshPretraining(config, 3);
        onCpu.train(true);
        onCuda.train(true);
        TrainingStep cpuSteps = steps(onCpu), cudaSteps = steps(onCuda);
        Random inputs = new Random(5);

        for (int step = 1; step <= 3; step++) {
            PretrainInput batch = PretrainBatches.random(config, BATCH, SEQ_A, SEQ_B, inputs);
            TrainingStep.Result expected = cpuSteps.run(1, i -> onCpu.forward(batch).loss());
            device.calls.clear();
            TrainingStep.Result actual = cudaSteps.run(1, i -> onCuda.forward(batch).loss());
            if (step > 1) { // the first step allocates the staging chunks
                assertEquals(0, device.count("host alloc"), "step " + step + ": no page-locked allocation after the first step");
            }
            assertEquals(0, device.count("read"), "step " + step + ": no host read before the result is read");
            assertEquals(0, device.count("synchronize") + device.count("wait"), "step " + step + ": the host never waits for the device");
            assertEquals(4L * LAYERS, device.count("launch attention_forward"), "four encoder passes of " + LAYERS + " layers");
            assertEquals(2, device.count("upload attention masks"), "step " + step + ": one upload per pair of masks (views a and b), "
                    + "reused by every layer's forward and backward");
            int parameters = onCuda.namedParameters().size();
            assertTrue(parameters > 20, parameters + " parameter tensors");
            assertEquals(1, device.count("launch grad_norm_partial"), "one launch sums the squares of all " + parameters + " gradients");
            assertEquals(1, device.count("launch grad_norm_final"), "and one makes the norm and the clip factor");
            assertEquals(1, device.count("upload gradient list"));

            if (step != 2) { // step 2 stays unread: step 3's loss shows that it updated the weights as on the CPU
                device.calls.clear();
                assertEquals(expected.meanLoss(), actual.meanLoss(), 1e-5 * Math.abs(expected.meanLoss()), "loss of step " + step);
                assertEquals(expected.gradNorm(), actual.gradNorm(), 1e-5f * expected.gradNorm(), "gradient norm of step " + step);
                assertEquals(1, device.count("read"), "step " + step + ": its losses and gradient norm in one read");
            }
            if (step == 1) CudaBackendTest.assertClose("weights after step 1", PretrainBatches.weights(onCpu), PretrainBatches.weights(onCuda));
        }
    }

    private static TrainingStep steps(RecformerForPretraining model) {
        return new TrainingStep(new OptimizerStep(model, 0.01f, new LinearSchedule(5e-5f, 0, 10), 1f));
    }
}
