package org.recformer.cli;

import org.recformer.model.ModelSize;
import org.recformer.model.RecformerConfig;
import org.recformer.tokenizer.SpecialTokens;
import org.recformer.train.bench.BenchShape;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options every {@code recformer bench} command shares (a picocli mixin): model size, batch
 * shape, measured and warmup batches, device and seed. Token ids follow the RoBERTa / Longformer
 * vocabulary of SPEC section 1 (50265 ids, pad 1).
 */
final class BenchRunOptions {
    /** The RoBERTa / Longformer vocabulary of SPEC section 1. */
    static final int ROBERTA_VOCAB = 50265;
    static final SpecialTokens ROBERTA_SPECIALS = new SpecialTokens(0, 1, 2, 3, 50264);

    @Mixin
    ModelSizeOptions model;

    @Option(names = "--seq", defaultValue = "1024", paramLabel = "T", description = "Tokens per sequence, padding included. Default: ${DEFAULT-VALUE}.")
    int seq;

    @Option(names = "--window", defaultValue = "64", paramLabel = "W", description = "attention_window (both sides together). Default: ${DEFAULT-VALUE}.")
    int window;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "B", description = "Sequences per batch. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "N", description = "Measured batches. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--warmup-steps", defaultValue = "2", paramLabel = "N", description = "Unmeasured batches first. Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu", description = "Where to run (only cpu for now). Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of weights and batches. Default: ${DEFAULT-VALUE}.")
    long seed;

    /** The model configuration; bad options are an IllegalArgumentException naming the option. */
    RecformerConfig config() {
        if (!device.equals("cpu")) {
            throw new IllegalArgumentException("--device '" + device + "' is not available: this build runs on cpu only");
        }
        if (window < 2 || window % 2 != 0) throw new IllegalArgumentException("--window " + window + ": must be even and at least 2");
        return model.modelSize().config(ROBERTA_VOCAB, ROBERTA_SPECIALS, seq, window);
    }

    BenchShape shape() {
        return new BenchShape(batch, seq, steps, warmupSteps, seed);
    }

    /** "base model (...), batch 4 x 1024 tokens, window 64, device cpu, 2 threads" (after config() passed). */
    String describe(String what) {
        return String.format("%s model (%s), %sbatch %d x %d tokens, window %d, device %s, %d threads", model.size, model.modelSize(), what,
                batch, seq, window, device, Runtime.getRuntime().availableProcessors());
    }
}
