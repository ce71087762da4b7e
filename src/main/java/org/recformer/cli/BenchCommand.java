package org.recformer.cli;

import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerRecipe;
import org.recformer.train.ModelFactory;
import org.recformer.train.SettingsException;
import org.recformer.train.bench.EncodeBenchmark;
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
        subcommands = {BenchCommand.TrainStep.class, BenchCommand.Encode.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code recformer bench train-step}: times training steps of a random-weight model. */
    @Command(name = "train-step", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Time full training steps (forward, backward, clipping, AdamW update) of a random-weight model "
                    + "on random batches shaped like real ones (one global <s> token, items of 8-40 tokens, some padding).",
                    "Reports the median and spread of the step time and sequences (and encoder tokens) per second."})
    static final class TrainStep implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        BenchRunOptions run;

        @Option(names = "--objective", defaultValue = "finetune", paramLabel = "finetune|pretrain",
                description = "finetune: full softmax over --items item vectors; pretrain: contrastive + MLM on two views. Default: ${DEFAULT-VALUE}.")
        String objective;

        @Option(names = "--items", defaultValue = "1000", paramLabel = "N", description = "Item table size of the finetune objective. Default: ${DEFAULT-VALUE}.")
        int items;

        @Override
        public Integer call() {
            return benchmark(spec, "train-step", () -> {
                ModelFactory models = run.models();
                RecformerConfig config = run.config();
                TrainStepBenchmark.Settings settings = new TrainStepBenchmark.Settings(objective, run.shape(), items);
                printFlushed(spec, "bench train-step: " + run.describe(objective + " objective, ", models));
                TrainStepBenchmark.Result result = TrainStepBenchmark.run(models, config, RecformerRecipe.ROBERTA_SPECIALS, settings);
                printFlushed(spec, String.format("%,d trainable parameters%n%s", result.parameters(), result.report()));
            });
        }
    }

    /** {@code recformer bench encode}: times forward-only encoding (stage 1 items, evaluation users). */
    @Command(name = "encode", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Time forward-only encoding (evaluation mode, no autograd graph: what stage 1 does for every item "
                    + "and evaluation for every user) of a random-weight model on random batches shaped like real ones.",
                    "Reports the median and spread of the batch time and sequences (and encoder tokens) per second."})
    static final class Encode implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        BenchRunOptions run;

        @Override
        public Integer call() {
            return benchmark(spec, "encode", () -> {
                ModelFactory models = run.models();
                RecformerConfig config = run.config();
                printFlushed(spec, "bench encode: " + run.describe("", models));
                EncodeBenchmark.Result result = EncodeBenchmark.run(models, config, RecformerRecipe.ROBERTA_SPECIALS, run.shape());
                printFlushed(spec, String.format("%,d parameters%n%s", result.parameters(), result.report()));
            });
        }
    }

    /** Runs {@code body}; an IllegalArgumentException is bad input: one line on standard error, status 2. */
    private static int benchmark(CommandSpec spec, String name, Runnable body) {
        try {
            body.run();
            return 0;
        } catch (IllegalArgumentException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("recformer bench " + name + ": " + (e instanceof SettingsException s ? SettingsErrors.message(spec, s) : e.getMessage()));
            err.flush();
            return 2;
        }
    }

    private static void printFlushed(CommandSpec spec, String text) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(text);
        out.flush();
    }
}
