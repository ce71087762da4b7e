package org.recformer.train.bench;

import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.model.ModelInit;
import org.recformer.model.ModelInput;
import org.recformer.model.ModelSize;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerModel;
import org.recformer.model.RecformerRecipe;
import org.recformer.tokenizer.SpecialTokens;
import org.recformer.testing.CommandRun;
import org.recformer.train.ModelFactory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncodeBenchmarkTest {
    private static final SpecialTokens SPECIALS = RecformerRecipe.ROBERTA_SPECIALS;

    private static CommandRun tiny(String device) {
        return CommandRun.of("bench", "encode", "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32", "--seq", "70",
                "--batch", "3", "--steps", "3", "--warmup-steps", "1", "--device", device);
    }

    @Test
    void reportsTheMedianBatchTimeLikeTrainStep() {
        CommandRun r = tiny("cpu");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("batch 3 x 70 tokens, window 64, device cpu"), r.out());
        assertTrue(r.out().matches("(?s).*batch time over 3 batches \\(after 1 warmup\\): median \\d+\\.\\d+ s.*"), r.out());
        assertTrue(r.out().matches("(?s).*throughput at the median: \\d+\\.\\d+ sequences/s, \\d+ encoder tokens/s \\(210 tokens per batch\\).*"), r.out());
        assertTrue(r.out().matches("(?s).*\npeak memory: resident \\d+\\.\\d\\d GB \\(VmHWM\\), .*"), r.out());
    }

    @Test
    void badOptionsAreOneLineErrors() {
        CommandRun cuda = tiny("cuda");
        assertEquals(2, cuda.status());
        assertTrue(cuda.err().contains("recformer bench encode: --device cuda: "), cuda.err());
        CommandRun steps = CommandRun.of("bench", "encode", "--steps", "0");
        assertEquals(2, steps.status());
        assertTrue(steps.err().contains("--steps: must be at least 1, got 0"), steps.err());
    }

    /** The timed batches are the model's evaluation-mode forward pass (no dropout) over the batches RandomInputs makes. */
    @Test
    void encodesInEvaluationModeTheBatchesItTimes() {
        RecformerConfig config = RecformerRecipe.freshConfig(new ModelSize(16, 2, 2, 32), RecformerRecipe.ROBERTA_VOCAB_SIZE, SPECIALS, 70, 8);
        assertTrue(config.hiddenDropoutProb() > 0, "the check needs dropout to be on in training mode");
        BenchShape shape = new BenchShape(2, 70, 2, 1, 5, 0.875);
        EncodeBenchmark.Result result = EncodeBenchmark.run(new ModelFactory(Backends.cpu()), config, SPECIALS, shape);

        RandomInputs inputs = new RandomInputs(config, SPECIALS, shape.seed(), shape.realTokens());
        ModelInput last = null;
        for (int i = 0; i < shape.warmupSteps() + shape.steps(); i++) last = inputs.sequences(shape.batchSize(), shape.seq());
        RecformerModel model = new RecformerModel(config, Backends.cpu(), shape.seed());
        ModelInit.initialize(model, config, shape.seed());
        model.eval();
        assertArrayEquals(model.forward(last).pooledOutput().toArray(), result.lastPooled());
        assertEquals(3, result.times().count() + shape.warmupSteps());
    }
}
