package org.recformer.cli;

import org.recformer.model.ModelSize;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerRecipe;
import org.recformer.train.ModelFactory;
import org.recformer.train.SettingsException;
import org.recformer.train.bench.TrainStepBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code recformer bench}: performance measurements. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Performance measurements.",
        subcommands = BenchCommand.TrainStep.class)
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code recformer bench train-step}: times training steps of a random-weight model. Token ids
     * follow the RoBERTa / Longformer vocabulary of SPEC section 1 (50265 ids, pad 1).
     */
    @Command(name = "train-step", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Time full training steps (forward, backward, clipping, AdamW update) of a random-weight model "
                    + "on random batches shaped like real ones (one global <s> token, items of 8-40 tokens, some padding).",
                    "Reports the median and spread of the step time and sequences (and encoder tokens) per second."})
    static final class TrainStep implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ModelSizeOptions model;

        @Option(names = "--seq", defaultValue = "" + RecformerRecipe.MAX_TOKEN_NUM, paramLabel = "T", description = "Tokens per sequence, padding included. Default: ${DEFAULT-VALUE}.")
        int seq;

        @Option(names = "--window", defaultValue = "" + RecformerRecipe.ATTENTION_WINDOW, paramLabel = "W", description = "attention_window (both sides together). Default: ${DEFAULT-VALUE}.")
        int window;

        @Option(names = {"--batch-size", "--batch"}, defaultValue = "4", paramLabel = "B", description = "Sequences per step. Default: ${DEFAULT-VALUE}.")
        int batchSize;

        @Option(names = "--steps", defaultValue = "10", paramLabel = "N", description = "Measured steps. Default: ${DEFAULT-VALUE}.")
        int steps;

        @Option(names = "--warmup-steps", defaultValue = "2", paramLabel = "N", description = "Unmeasured steps first. Default: ${DEFAULT-VALUE}.")
        int warmupSteps;

        @Option(names = "--objective", defaultValue = "finetune", paramLabel = "finetune|pretrain",
                description = "finetune: full softmax over --items item vectors; pretrain: contrastive + MLM on two views. Default: ${DEFAULT-VALUE}.")
        String objective;

        @Option(names = "--items", defaultValue = "1000", paramLabel = "N", description = "Item table size of the finetune objective. Default: ${DEFAULT-VALUE}.")
        int items;

        @Mixin
        DeviceOption device;

        @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of weights and batches. Default: ${DEFAULT-VALUE}.")
        long seed;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                ModelFactory models = new ModelFactory(device.backend());
                ModelSize modelSize = model.modelSize();
                if (window < 2 || window % 2 != 0) throw new IllegalArgumentException("--window " + window + ": must be even and at least 2");
                RecformerConfig config = RecformerRecipe.freshConfig(modelSize, RecformerRecipe.ROBERTA_VOCAB_SIZE, RecformerRecipe.ROBERTA_SPECIALS, seq, window);
                TrainStepBenchmark.Settings settings = new TrainStepBenchmark.Settings(objective, batchSize, seq, steps, warmupSteps, items, seed);
                out.printf("bench train-step: %s model (%s), %s objective, batch %d x %d tokens, window %d, device %s, %d threads%n",
                        model.size, modelSize, objective, batchSize, seq, window, models.backend().name(), Runtime.getRuntime().availableProcessors());
                out.flush();
                TrainStepBenchmark.Result result = TrainStepBenchmark.run(models, config, RecformerRecipe.ROBERTA_SPECIALS, settings);
                out.printf("%,d trainable parameters%n%s%n", result.parameters(), result.report());
                out.flush();
                return 0;
            } catch (SettingsException e) {
                err.println("recformer bench train-step: " + SettingsErrors.message(spec, e));
                err.flush();
                return 2;
            } catch (IllegalArgumentException e) {
                err.println("recformer bench train-step: " + e.getMessage());
                err.flush();
                return 2;
            }
        }
    }
}
