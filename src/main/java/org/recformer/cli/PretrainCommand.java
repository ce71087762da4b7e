package org.recformer.cli;

import org.recformer.model.RecformerRecipe;
import org.recformer.train.ModelFactory;
import org.recformer.train.pretrain.PretrainOptions;
import org.recformer.train.pretrain.Pretrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code recformer pretrain}: the MLM + item-item contrastive objective (docs/spec.md §4). Bad input: exit status 2. */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pretrain a Recformer encoder with MLM + item-item contrastive loss on a corpus from "
                + "`prepare amazon-pretrain` (meta_data.json, train.json, dev.json) or a dataset folder (users' train sequences).",
                "Validates every --eval-steps steps (loss, contrastive accuracy), keeps the best --save-top-k checkpoints, "
                        + "and writes OUTPUT/last for --resume, plus pretrain.log, loss.png and validation.png."})
public final class PretrainCommand extends JobCommand {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Pretraining corpus or dataset folder.")
    Path data;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Run folder (checkpoints, log, plots).")
    Path output;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Start from this Longformer or Recformer model folder (weights loaded by name, non-strict); default: random weights.")
    Path model;

    @Mixin
    ModelSizeOptions size;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Tokenizer folder (vocab.json + merges.txt); default: the --model folder's, else the bundled GPT-2 one.")
    Path tokenizer;

    @Option(names = "--max-tokens", defaultValue = "" + RecformerRecipe.MAX_TOKEN_NUM, paramLabel = "N", description = "max_token_num of a random-weight model. Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(names = "--pooler", defaultValue = "avg", paramLabel = "P",
            description = "Random-weight model: pooled output, avg (mean of the tokens) or cls (the first token, as the paper does with a pretrained"
                    + " model); as for train, avg learns from random weights, cls hardly (a --model folder keeps its own). Default: ${DEFAULT-VALUE}.")
    String pooler;

    @Option(names = {"--batch-size", "--batch"}, defaultValue = "16", paramLabel = "B", description = "Sequences per micro-batch (in-batch negatives). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--accumulation", defaultValue = "8", paramLabel = "N", description = "Micro-batches per optimizer step. Default: ${DEFAULT-VALUE}.")
    int accumulation;

    @Option(names = "--epochs", defaultValue = "32", paramLabel = "N", description = "Passes over the training sequences. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--max-steps", defaultValue = "0", paramLabel = "N", description = "Stop after N optimizer steps (0: no limit). Default: ${DEFAULT-VALUE}.")
    int maxSteps;

    @Option(names = "--lr", defaultValue = "5e-5", paramLabel = "LR", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    float learningRate;

    @Option(names = "--warmup-steps", defaultValue = "100", paramLabel = "N", description = "Linear warmup steps. Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "W", description = "AdamW weight decay. Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", paramLabel = "N", description = "Gradient clipping norm. Default: ${DEFAULT-VALUE}.")
    float maxGradNorm;

    @Option(names = "--freeze-word-embeddings", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Keep the word embeddings fixed (the recipe of docs/spec.md §5; --no-freeze-word-embeddings trains them). Default: ${DEFAULT-VALUE}.")
    boolean freezeWordEmbeddings;

    @Option(names = "--eval-steps", defaultValue = "2000", paramLabel = "N", description = "Validate and checkpoint every N steps. Default: ${DEFAULT-VALUE}.")
    int evalSteps;

    @Option(names = "--eval-sequences", defaultValue = "0", paramLabel = "N", description = "Validate on the first N sequences (0: all). Default: ${DEFAULT-VALUE}.")
    int evalSequences;

    @Option(names = "--save-top-k", defaultValue = "5", paramLabel = "K", description = "Best checkpoints kept (by validation accuracy). Default: ${DEFAULT-VALUE}.")
    int saveTopK;

    @Option(names = "--log-steps", defaultValue = "10", paramLabel = "N", description = "Log the training loss every N steps. Default: ${DEFAULT-VALUE}.")
    int logSteps;

    @Option(names = "--mlm-probability", defaultValue = "0.15", paramLabel = "P", description = "Share of tokens masked. Default: ${DEFAULT-VALUE}.")
    double mlmProbability;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "The run's seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--resume", description = "Continue the run in --output from its last checkpoint (same options).")
    boolean resume;

    @Mixin
    DeviceOption device;

    @Mixin
    PrecisionOption precision;

    @Override
    int runJob() throws IOException {
        ModelFactory models = new ModelFactory(precision.backend(device));
        PretrainOptions options = new PretrainOptions(data, output, model, size.modelSize(), tokenizer, maxTokens, pooler, batchSize,
                accumulation, epochs, maxSteps, learningRate, warmupSteps, weightDecay, maxGradNorm, freezeWordEmbeddings, evalSteps,
                evalSequences, saveTopK, logSteps, mlmProbability, seed, resume);
        PrintWriter out = spec.commandLine().getOut();
        Pretrainer.Result result = Pretrainer.run(options, models, out, true);
        out.println("pretraining finished after " + result.steps() + " steps; run folder " + result.output().toAbsolutePath());
        out.flush();
        return 0;
    }

    @Override
    Path logFile() {
        return output.resolve(Pretrainer.LOG_FILE);
    }
}
