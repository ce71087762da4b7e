package org.recformer.train.bench;

import org.recformer.model.ModelInput;
import org.recformer.model.PretrainInput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.nn.Module;
import org.recformer.tensor.Tensor;
import org.recformer.tokenizer.SpecialTokens;
import org.recformer.train.LinearSchedule;
import org.recformer.train.ModelFactory;
import org.recformer.train.OptimizerStep;
import org.recformer.train.TrainingStep;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.recformer.train.SettingsException.require;

/**
 * Times full training steps (forward, backward, gradient clipping, AdamW update) of a random-weight
 * model on random batches shaped like real ones ({@link RandomInputs}). Objectives:
 * <ul>
 *   <li>{@code finetune}: one user sequence per row, full-softmax loss over a frozen table of
 *       {@code items} random item vectors (the item re-encoding of stage 1 is not part of a step);</li>
 *   <li>{@code pretrain}: view a = the sequence, view b = 41 tokens (an item or two), each view encoded
 *       plain and with 15% of its tokens masked (four encoder passes), contrastive + MLM loss.</li>
 * </ul>
 * Every step gets a fresh batch; the first {@code warmupSteps} are not measured.
 */
public final class TrainStepBenchmark {

    /** The batch shape and counts of a benchmark run. */
    public record Settings(String objective, BenchShape shape, int items) {
        public Settings {
            require(objective.equals("finetune") || objective.equals("pretrain"), "objective", "expected finetune or pretrain, got '" + objective + "'");
            require(items >= 1, "items", "must be at least 1, got " + items);
        }
    }

    /** Measured step times and what one step processes. */
    public record Result(Settings settings, StepTimes times, long encoderTokensPerStep, long parameters, float lastLoss,
                         MemoryWatch.Report memory) {

        public double sequencesPerSecond() {
            return settings.shape().batchSize() / times.median();
        }

        public double tokensPerSecond() {
            return encoderTokensPerStep / times.median();
        }

        /** A few lines for the terminal. */
        public String report() {
            return String.format(Locale.ROOT,
                    "step time over %d steps (after %d warmup): %s%n"
                            + "throughput at the median: %.2f sequences/s, %.0f encoder tokens/s (%d tokens per step)%n"
                            + "last loss %.6f%n%s",
                    times.count(), settings.shape().warmupSteps(), times.summary(), sequencesPerSecond(), tokensPerSecond(),
                    encoderTokensPerStep, lastLoss, memory.line(times.total()));
        }
    }

    private TrainStepBenchmark() {
    }

    /** Builds the model for {@code config} with {@code models} (random weights from the seed, on its backend) and times the steps. */
    public static Result run(ModelFactory models, RecformerConfig config, SpecialTokens specials, Settings settings) {
        try (MemoryWatch memory = new MemoryWatch()) {
            return run(models, config, specials, settings, memory);
        }
    }

    private static Result run(ModelFactory models, RecformerConfig config, SpecialTokens specials, Settings settings, MemoryWatch memory) {
        BenchShape s = settings.shape();
        RandomInputs inputs = new RandomInputs(config, specials, s.seed(), s.realTokens());
        boolean finetune = settings.objective().equals("finetune");
        Module model;
        Supplier<Tensor> step;
        long tokens;
        if (finetune) {
            RecformerForSeqRec seqRec = models.freshSeqRec(config.with("item_num", settings.items()), s.seed());
            seqRec.setItemEmbeddings(Tensor.of(models.backend(), inputs.gaussians(settings.items() * config.hiddenSize()), settings.items(), config.hiddenSize()));
            SplittableRandom negatives = new SplittableRandom(s.seed());
            step = () -> seqRec.loss(seqRec.encode(inputs.sequences(s.batchSize(), s.seq())), inputs.ints(s.batchSize(), settings.items()), negatives);
            model = seqRec;
            tokens = (long) s.batchSize() * s.seq();
        } else {
            RecformerForPretraining pretraining = models.freshPretraining(config, s.seed());
            int itemTokens = 41; // <s> + the longest item RandomInputs makes
            step = () -> pretraining.forward(pretrainInput(inputs, s.batchSize(), s.seq(), itemTokens)).loss();
            model = pretraining;
            tokens = 2L * s.batchSize() * (s.seq() + itemTokens);
        }
        model.train(true);
        TrainingStep training = new TrainingStep(new OptimizerStep(model, 0.01f, new LinearSchedule(5e-5f, 0, s.warmupSteps() + s.steps()), 1f));
        double[] seconds = new double[s.steps()];
        float loss = Float.NaN;
        for (int i = 0; i < s.warmupSteps() + s.steps(); i++) {
            if (i == s.warmupSteps()) memory.startMeasuring();
            long start = System.nanoTime();
            loss = training.run(1, microBatch -> step.get()).losses()[0];
            long elapsed = System.nanoTime() - start;
            if (i >= s.warmupSteps()) seconds[i - s.warmupSteps()] = elapsed / 1e9;
        }
        long parameters = model.namedParameters().values().stream().filter(p -> !p.isFrozen()).mapToLong(p -> p.tensor().numel()).sum();
        return new Result(settings, new StepTimes(seconds), tokens, parameters, loss, memory.report());
    }

    private static PretrainInput pretrainInput(RandomInputs inputs, int batch, int seq, int itemTokens) {
        ModelInput a = inputs.sequences(batch, seq);
        ModelInput b = inputs.sequences(batch, itemTokens);
        int[] labelsA = new int[batch * seq];
        int[] labelsB = new int[batch * itemTokens];
        int[] idsA = inputs.masked(a, labelsA);
        int[] idsB = inputs.masked(b, labelsB);
        return new PretrainInput(a, b, idsA, labelsA, idsB, labelsB);
    }
}
