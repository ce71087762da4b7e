package org.recformer.cli;

import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerRecipe;
import org.recformer.train.ModelFactory;
import org.recformer.train.bench.BenchShape;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options every {@code recformer bench} command shares (a picocli mixin): model size, batch
 * shape, measured and warmup batches, device and seed. Token ids follow the RoBERTa / Longformer
 * vocabulary ({@link RecformerRecipe#ROBERTA_VOCAB_SIZE} ids, pad 1).
 */
final class BenchRunOptions {

    @Mixin
    ModelSizeOptions model;

    @Option(names = "--seq", defaultValue = "" + RecformerRecipe.MAX_TOKEN_NUM, paramLabel = "T", description = "Tokens per sequence, padding included. Default: ${DEFAULT-VALUE}.")
    int seq;

    @Option(names = "--window", defaultValue = "" + RecformerRecipe.ATTENTION_WINDOW, paramLabel = "W", description = "attention_window (both sides together). Default: ${DEFAULT-VALUE}.")
    int window;

    @Option(names = {"--batch-size", "--batch"}, defaultValue = "4", paramLabel = "B", description = "Sequences per batch. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "N", description = "Measured batches. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--warmup-steps", defaultValue = "2", paramLabel = "N", description = "Unmeasured batches first. Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--real-tokens", defaultValue = "0.875", paramLabel = "F",
            description = "Mean share of real tokens in the rows after the first (the first is --seq long, as a batch is padded to its longest row); "
                    + "lengths are uniform over the widest range with that mean. Default: ${DEFAULT-VALUE} (3/4 to all of --seq).")
    double realTokens;

    @Mixin
    DeviceOption device;

    @Mixin
    PrecisionOption precision;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of weights and batches. Default: ${DEFAULT-VALUE}.")
    long seed;

    /** The model configuration; bad options are an IllegalArgumentException naming the option. */
    RecformerConfig config() {
        if (window < 2 || window % 2 != 0) throw new IllegalArgumentException("--window " + window + ": must be even and at least 2");
        return RecformerRecipe.freshConfig(model.modelSize(), RecformerRecipe.ROBERTA_VOCAB_SIZE, RecformerRecipe.ROBERTA_SPECIALS, seq, window);
    }

    /** Builds models on the chosen {@code --device} at {@code --precision} (an IllegalArgumentException naming the option where it cannot run). */
    ModelFactory models() {
        return new ModelFactory(precision.backend(device));
    }

    BenchShape shape() {
        return new BenchShape(batchSize, seq, steps, warmupSteps, seed, realTokens);
    }

    /** "base model (...), batch 4 x 1024 tokens, window 64, device cpu, precision fp32, 2 threads" (after config() passed). */
    String describe(String what, ModelFactory models) {
        return String.format("%s model (%s), %sbatch %d x %d tokens, window %d, device %s, precision %s, %d threads", model.size,
                model.modelSize(), what, batchSize, seq, window, models.backend().name(), precision.precision,
                Runtime.getRuntime().availableProcessors());
    }
}
