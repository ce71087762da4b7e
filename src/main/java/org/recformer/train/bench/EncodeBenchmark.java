package org.recformer.train.bench;

import org.recformer.autograd.GradMode;
import org.recformer.model.ModelInput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerModel;
import org.recformer.tensor.Tensor;
import org.recformer.tokenizer.SpecialTokens;
import org.recformer.train.ModelFactory;

import java.util.Locale;

/**
 * Times forward-only encoding, what stage 1 (every item) and evaluation (every user) do: the
 * encoder of a random-weight model in evaluation mode (no dropout) without an autograd graph,
 * pooled {@code <s>} vectors read back, on random batches shaped like real ones
 * ({@link RandomInputs}). Every batch is new; the first {@code warmupSteps} are not measured.
 */
public final class EncodeBenchmark {

    /** Measured batch times and the pooled output of the last batch. */
    public record Result(BenchShape shape, StepTimes times, long parameters, float[] lastPooled, MemoryWatch.Report memory) {

        public double sequencesPerSecond() {
            return shape.batchSize() / times.median();
        }

        /** A few lines for the terminal. */
        public String report() {
            long tokens = (long) shape.batchSize() * shape.seq();
            return String.format(Locale.ROOT,
                    "batch time over %d batches (after %d warmup): %s%n"
                            + "throughput at the median: %.2f sequences/s, %.0f encoder tokens/s (%d tokens per batch)%n%s",
                    times.count(), shape.warmupSteps(), times.summary(), sequencesPerSecond(), tokens / times.median(), tokens,
                    memory.line(times.total()));
        }
    }

    private EncodeBenchmark() {
    }

    /** Builds the encoder for {@code config} with {@code models} (random weights from the seed, on its backend) and times the batches. */
    public static Result run(ModelFactory models, RecformerConfig config, SpecialTokens specials, BenchShape s) {
        try (MemoryWatch memory = new MemoryWatch()) {
            return run(models, config, specials, s, memory);
        }
    }

    private static Result run(ModelFactory models, RecformerConfig config, SpecialTokens specials, BenchShape s, MemoryWatch memory) {
        RandomInputs inputs = new RandomInputs(config, specials, s.seed(), s.realTokens());
        RecformerModel encoder = models.freshEncoder(config, s.seed());
        encoder.eval();
        double[] seconds = new double[s.steps()];
        float[] pooled = new float[0];
        try (GradMode.Scope noGrad = GradMode.noGrad()) {
            for (int i = 0; i < s.warmupSteps() + s.steps(); i++) {
                ModelInput batch = inputs.sequences(s.batchSize(), s.seq());
                if (i == s.warmupSteps()) memory.startMeasuring();
                long start = System.nanoTime();
                Tensor out = encoder.encode(batch);
                pooled = out.toArray();
                long elapsed = System.nanoTime() - start;
                if (i >= s.warmupSteps()) seconds[i - s.warmupSteps()] = elapsed / 1e9;
            }
        }
        long parameters = encoder.namedParameters().values().stream().mapToLong(p -> p.tensor().numel()).sum();
        return new Result(s, new StepTimes(seconds), parameters, pooled, memory.report());
    }
}
