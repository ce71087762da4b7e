package org.recformer.cli;

import org.recformer.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.recformer.data.Dataset;
import org.recformer.data.batch.SequenceBatcher;
import org.recformer.data.demo.DemoCatalogue;
import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.ItemTokens;
import org.recformer.data.encode.SequenceEncoder;
import org.recformer.model.ModelSize;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.model.RecformerRecipe;
import org.recformer.tokenizer.Tokenizer;
import org.recformer.train.Checkpoint;
import org.recformer.train.DatasetTokens;
import org.recformer.train.Encodings;
import org.recformer.train.FinetuneSettings;
import org.recformer.train.Finetuner;
import org.recformer.train.MetricsReport;
import org.recformer.train.ModelFactory;
import org.recformer.train.RunLog;
import org.recformer.train.TrainerState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * {@code recformer train}: two-stage finetuning (docs/spec.md §5) on a dataset folder, or with no
 * arguments a small model on the synthetic demo catalogue. Writes checkpoints ({@code last/},
 * {@code best/}), {@code train.log}, plots and {@code metrics.json} into the run folder.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Finetune Recformer for sequential recommendation (two stages, docs/spec.md §5).",
                "With no arguments: a small model on the bundled SYNTHETIC demo catalogue (a few minutes on 2 cores)."})
final class TrainCommand extends JobCommand {
    static final String RUN_FILE = "run.json";
    static final String LOG_FILE = "train.log";
    static final String ITEMS_FILE = CatalogueItems.FILE_NAME;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder (from `recformer prepare`; default: the synthetic demo catalogue, generated into the run folder).")
    Path data;

    @Option(names = "--model", paramLabel = "DIR", description = "Start from this model folder (pretrained or finetuned); default: a fresh small model.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer folder (vocab.json + merges.txt); default: the --model folder's, else the bundled one.")
    Path tokenizer;

    @Option(names = "--output", paramLabel = "DIR", description = "Run folder (default: runs/train-<timestamp>).")
    Path output;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its last checkpoint, with the settings saved in its run.json (other options are ignored; --device still chooses where it runs).")
    Path resume;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs of each stage (sets both --stage1-epochs and --stage2-epochs).")
    Integer epochs;

    @Option(names = "--stage1-epochs", paramLabel = "N", defaultValue = "3", description = "Most epochs of stage 1 (default: ${DEFAULT-VALUE}).")
    int stage1Epochs;

    @Option(names = "--stage2-epochs", paramLabel = "N", defaultValue = "6", description = "Most epochs of stage 2, 0 to skip it (default: ${DEFAULT-VALUE}).")
    int stage2Epochs;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "16", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--accumulation", paramLabel = "N", defaultValue = "1", description = "Batches per optimizer step (default: ${DEFAULT-VALUE}; the paper uses 8 with 16 per batch).")
    int accumulation;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}, for a small model from random weights; the paper uses 5e-5 for a pretrained base model).")
    float learningRate;

    @Option(names = {"--warmup-steps", "--warmup"}, paramLabel = "STEPS", defaultValue = "20", description = "Linear warmup steps, then linear decay to 0 (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--weight-decay", paramLabel = "W", defaultValue = "0", description = "AdamW weight decay, not on biases and LayerNorm weights (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--max-grad-norm", paramLabel = "N", defaultValue = "1.0", description = "Gradient clipping norm (default: ${DEFAULT-VALUE}).")
    float maxGradNorm;

    @Option(names = "--negative-samples", paramLabel = "K", defaultValue = "0", description = "Sampled softmax over the label and K random items; 0 = full softmax over all items (default: ${DEFAULT-VALUE}).")
    int negativeSamples;

    @Option(names = "--eval-every", paramLabel = "N", defaultValue = "1", description = "Evaluate validation NDCG@10 every N epochs (default: ${DEFAULT-VALUE}; the paper uses 3).")
    int evalEvery;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "5", description = "Stage 1 stops after N evaluations without improvement (default: ${DEFAULT-VALUE}).")
    int stage1Patience;

    @Option(names = "--stage2-patience", paramLabel = "N", defaultValue = "3", description = "The same for stage 2 (default: ${DEFAULT-VALUE}).")
    int stage2Patience;

    @Option(names = "--eval-batch-size", paramLabel = "B", defaultValue = "64", description = "Sequences per batch when encoding items and evaluating (default: ${DEFAULT-VALUE}).")
    int evalBatchSize;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of initialization, sampling and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-users", paramLabel = "N", description = "Use only the first N users (quick runs).")
    Integer maxUsers;

    @Option(names = "--freeze-word-embeddings", negatable = true, description = "Do not train the word embeddings (default: trained; --no-freeze-word-embeddings says so explicitly).")
    boolean freezeWordEmbeddings;

    @Option(names = "--item-id-embedding", description = "Also learn an ID vector for each item seen in training, added to its text vector when scoring"
            + " (UniSRec's text+ID); items not seen in training (cold) keep the text-only vector (default: off, or as the --model folder says).")
    boolean itemIdEmbedding;

    @Option(names = "--item-id-input", description = "Also learn an input ID vector for each item seen in training, added to the embeddings of that item's"
            + " tokens in a user's history (SASRec's input side; implies --item-id-embedding); cold items keep their text only (default: off, or as the --model folder says).")
    boolean itemIdInput;

    @Option(names = "--item-id-bias", description = "Also learn a score offset for each item seen in training, added to its"
            + " score (what a dot-product model holds in the norm of an item's vector: its popularity); cold items keep 0 (default: off, or as the --model folder says).")
    boolean itemIdBias;

    @Option(names = "--dropout", paramLabel = "P", description = "Dropout probability of the hidden states and of the attention weights"
            + " (config.json's hidden_dropout_prob and attention_probs_dropout_prob; default: 0.1 for a fresh model, else the --model folder's).")
    Double dropout;

    @Option(names = "--temperature", paramLabel = "T", description = "Temperature of the contrastive scores, cosine similarity / T"
            + " (config.json's temp; default: 0.05 for a fresh model, else the --model folder's).")
    Double temperature;

    @Option(names = "--targets", paramLabel = "random|every", defaultValue = "random",
            description = "Training examples of an epoch: random (one per user, its target position drawn from the whole training sequence,"
                    + " as the paper does) or every (every position after the first of every training sequence once, the pairs an ID-based"
                    + " SASRec trains on: about as many examples per epoch as training items) (default: ${DEFAULT-VALUE}).")
    String targets;

    /** --targets as a setting; an unknown value is an error naming the option. */
    private FinetuneSettings.Targets targets() {
        for (FinetuneSettings.Targets t : FinetuneSettings.Targets.values()) {
            if (t.name().toLowerCase(Locale.ROOT).equals(targets)) return t;
        }
        throw new IllegalArgumentException("--targets must be random or every, got '" + targets + "'");
    }

    /** The fresh model's size (--size, --hidden, --layers, --heads, --intermediate), shared with pretrain and bench. */
    @Mixin
    ModelSizeOptions modelSize;

    @Mixin
    DeviceOption device;

    @Mixin
    PrecisionOption precision;

    @Option(names = "--window", paramLabel = "W", defaultValue = "" + RecformerRecipe.ATTENTION_WINDOW, description = "Fresh model: attention window, both sides together (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--pooler", paramLabel = "P", defaultValue = "avg", description = "Fresh model: pooled output, avg (mean of the tokens), avg_newest (avg plus the mean of the newest item's tokens) or cls (the first token, as the paper does with a pretrained model); from random weights avg learns from the first epoch, cls hardly at all (default: ${DEFAULT-VALUE}).")
    String pooler;

    @Option(names = "--stop-after-epochs", paramLabel = "N", description = "Stop (as if killed) once N epochs in total are done; continue later with --resume.")
    Integer stopAfterEpochs;

    @Option(names = "--no-progress", description = "No progress bar or progress lines (one log line per epoch only).")
    boolean noProgress;

    /** The run's log once it is open. */
    private Path logFile;

    @Override
    Path logFile() {
        return logFile;
    }

    /** What a run needs to be resumed: saved as run.json in the run folder. */
    record RunSpec(String data, boolean synthetic, int users, FinetuneSettings settings) {
    }

    @Override
    int runJob() throws IOException {
        long started = System.nanoTime();
        ModelFactory models = new ModelFactory(precision.backend(device));
        Path runDir;
        RunSpec run;
        if (resume != null) {
            runDir = resume.getFileName() != null && resume.getFileName().toString().equals(Finetuner.LAST) ? resume.toAbsolutePath().getParent() : resume;
            Path runFile = runDir.resolve(RUN_FILE);
            if (!Files.isRegularFile(runFile)) throw new IllegalArgumentException(runFile + ": file is missing (not a run folder of `recformer train`?)");
            run = JSON.readValue(runFile.toFile(), RunSpec.class);
        } else {
            runDir = output != null ? output : Path.of("runs", "train-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            if (Files.exists(runDir.resolve(RUN_FILE))) {
                throw new IllegalArgumentException(runDir + ": already holds a run; continue it with --resume " + runDir + " or choose another --output");
            }
            requireNewRunFolder(runDir);
            int s1 = epochs != null ? epochs : stage1Epochs;
            int s2 = epochs != null ? epochs : stage2Epochs;
            if (negativeSamples < 0) throw new IllegalArgumentException("--negative-samples must be >= 0, got " + negativeSamples);
            if (dropout != null && !(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
            if (temperature != null && !(temperature > 0)) throw new IllegalArgumentException("--temperature must be > 0, got " + temperature);
            if (maxUsers != null && maxUsers < 1) throw new IllegalArgumentException("--max-users must be >= 1, got " + maxUsers);
            FinetuneSettings settings = new FinetuneSettings(s1, s2, batchSize, accumulation, learningRate, warmupSteps, weightDecay, maxGradNorm,
                    evalEvery, stage1Patience, stage2Patience, evalBatchSize, seed, freezeWordEmbeddings, targets());
            run = new RunSpec(data == null ? null : data.toString(), data == null, maxUsers == null ? 0 : maxUsers, settings);
        }
        Path dataDir = run.synthetic() ? runDir.resolve("data") : Path.of(run.data());
        if (run.synthetic() && !Files.isRegularFile(dataDir.resolve(Dataset.TRAIN_FILE))) DemoCatalogue.standard().writeTo(dataDir);
        Dataset dataset = Dataset.load(dataDir);
        int users = run.users() == 0 ? dataset.userCount() : Math.min(run.users(), dataset.userCount());

        Path last = runDir.resolve(Finetuner.LAST);
        Tokenizer tok;
        RecformerConfig config;
        RecformerForSeqRec seqRec;
        String configSource;
        if (resume != null) {
            if (!Checkpoint.recover(last)) throw new IllegalArgumentException(last + ": no checkpoint to resume from");
            tok = requireTokenizer(last);
            config = Checkpoint.readConfig(last);
            configSource = last.resolve(Checkpoint.CONFIG_FILE).toString();
            checkItems(config, dataset, configSource);
            seqRec = models.seqRec(config, run.settings().seed());
        } else {
            tok = Checkpoint.resolveTokenizer(tokenizer, model);
            if (model != null) {
                ModelFactory.LoadedSeqRec loaded = models.seqRecFromFolder(model, dataset.itemCount(),
                        c -> withOverrides(c.with("finetune_negative_sample_size", negativeSamples)));
                config = loaded.config();
                seqRec = loaded.model();
                configSource = model.resolve(Checkpoint.CONFIG_FILE).toString();
            } else {
                ModelSize size = freshSize();
                RecformerConfig probe = freshConfig(size, tok, dataset, RecformerRecipe.MAX_TOKEN_NUM);
                EncodingSettings probeSettings = Encodings.settings(probe, tok, "default model");
                int tokens = DatasetTokens.tokensNeeded(dataset, users, DatasetTokens.itemTokens(dataset, tok, probeSettings), probeSettings.maxItems());
                config = withOverrides(freshConfig(size, tok, dataset, tokens).with("pooler_type", pooler));
                seqRec = models.freshSeqRec(config, seed);
                configSource = "default model";
            }
        }
        EncodingSettings encoding = Encodings.settings(config, tok, configSource);
        ItemTokens items = DatasetTokens.itemTokens(dataset, tok, encoding);
        SequenceBatcher batcher = new SequenceBatcher(items, new SequenceEncoder(encoding));

        Files.createDirectories(runDir);
        if (resume == null) {
            byte[] runJson = JSON.writeValueAsBytes(run);
            AtomicFiles.write(runDir.resolve(RUN_FILE), out -> out.write(runJson));
        }
        try (RunLog log = new RunLog(spec.commandLine().getOut())) {
            log.openFile(runDir.resolve(LOG_FILE));
            logFile = runDir.resolve(LOG_FILE);
            if (run.synthetic()) log.println(syntheticNotice(dataDir));
            log.printf("data: %s (%d users used of %d, %d items)", dataDir, users, dataset.userCount(), dataset.itemCount());
            log.printf("model: %d layers, hidden %d, %d heads, window %d, max %d tokens, %,d parameters; %s; dropout %s (attention %s), temperature %s",
                    config.numHiddenLayers(), config.hiddenSize(), config.numAttentionHeads(), config.maxAttentionWindow(),
                    config.maxTokenNum(), parameterCount(seqRec), config.finetuneNegativeSampleSize() == 0 ? "full softmax"
                            : "sampled softmax with " + config.finetuneNegativeSampleSize() + " negatives",
                    config.hiddenDropoutProb(), config.attentionProbsDropoutProb(), config.temp());
            log.printf("settings: %s", run.settings());
            Finetuner finetuner = new Finetuner(seqRec, tok, dataset, users, batcher, run.settings(), runDir, log, !noProgress,
                    folder -> CatalogueItems.write(dataset, folder.resolve(ITEMS_FILE)));
            int stop = stopAfterEpochs == null ? Integer.MAX_VALUE : stopAfterEpochs;
            // Ctrl-C (or kill) during training: say where the run can be continued from
            Thread interrupted = new Thread(() -> System.err.println("recformer train: interrupted; " + (Files.isDirectory(last)
                    ? "continue the run with `recformer train --resume " + runDir + "` (from its last checkpoint, " + last + ")"
                    : "no checkpoint was written yet (" + last + "), so start it again")));
            Runtime.getRuntime().addShutdownHook(interrupted);
            Finetuner.Outcome outcome;
            try {
                outcome = finetuner.run(resume != null, stop);
            } finally {
                Runtime.getRuntime().removeShutdownHook(interrupted);
            }
            if (!outcome.completed()) {
                log.printf("stopped after %d epochs as asked; continue with --resume %s", outcome.state().epoch, runDir);
                return 0;
            }
            TrainerState state = outcome.state();
            MetricsReport report = MetricsReport.evaluate(seqRec, batcher, dataset, users, run.settings().evalBatchSize(), run.settings().seed());
            log.printf("best checkpoint: %s (validation NDCG@10 %.4f after epoch %d)", runDir.resolve(Finetuner.BEST), state.bestMetric, state.bestEpoch);
            report.table().forEach(log::println);
            report.write(runDir);
            if (run.synthetic()) log.println(syntheticNotice(dataDir));
            log.printf("done in %.1f s; run folder: %s (metrics.json, train.log, report.png, loss.png, validation-ndcg10.png, best/, last/)",
                    (System.nanoTime() - started) / 1e9, runDir);
        }
        return 0;
    }

    /** A new run writes only into a folder that is absent or empty: it never deletes or replaces files it did not write. */
    static void requireNewRunFolder(Path runDir) throws IOException {
        if (!Files.exists(runDir)) return;
        if (!Files.isDirectory(runDir)) throw new IllegalArgumentException(runDir + ": --output exists and is not a folder");
        try (var entries = Files.list(runDir)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException(runDir + ": --output is a folder that is not empty and holds no run of"
                        + " `recformer train` (no " + RUN_FILE + "); choose a new or empty folder");
            }
        }
    }

    /**
     * {@code config} with what the options say of any model, fresh or from a folder: the item-ID
     * tables and score offsets when asked for (never turned off: a folder that has them keeps them), dropout and
     * temperature when given.
     */
    private RecformerConfig withOverrides(RecformerConfig config) {
        if (itemIdEmbedding || itemIdInput) config = config.with(RecformerConfig.ITEM_ID_EMBEDDING, true);
        if (itemIdInput) config = config.with(RecformerConfig.ITEM_ID_INPUT_EMBEDDING, true);
        if (itemIdBias) config = config.with(RecformerConfig.ITEM_ID_BIAS, true);
        if (dropout != null) config = config.with("hidden_dropout_prob", dropout).with("attention_probs_dropout_prob", dropout);
        if (temperature != null) config = config.with("temp", temperature);
        return config;
    }

    /** The fresh model's size; with no size options, {@link RecformerRecipe#SMALL}. */
    ModelSize freshSize() {
        return modelSize.modelSize();
    }

    /** A fresh model's configuration for the dataset's items: {@link RecformerRecipe#freshConfig} plus item_num and the negative sample count. */
    private RecformerConfig freshConfig(ModelSize size, Tokenizer tok, Dataset dataset, int maxTokenNum) {
        return RecformerRecipe.freshConfig(size, tok.vocabSize(), tok.specials(), maxTokenNum, window)
                .with("item_num", dataset.itemCount())
                .with("finetune_negative_sample_size", negativeSamples);
    }

    static String syntheticNotice(Path dataDir) {
        return "NOTE: no --data given, so this run uses the SYNTHETIC demo catalogue (generated by the project, not real"
                + " purchases) in " + dataDir + ". For real data: recformer train --data DIR (a dataset folder made by"
                + " `recformer prepare`, see docs/datasets.md).";
    }

    static Tokenizer requireTokenizer(Path dir) {
        Tokenizer t = Checkpoint.tokenizerOrNull(dir);
        if (t == null) throw new IllegalArgumentException(dir + ": holds no tokenizer files (vocab.json + merges.txt or encoder.json + vocab.bpe)");
        return t;
    }

    static void checkItems(RecformerConfig config, Dataset dataset, String configSource) {
        if (config.itemNum() != dataset.itemCount()) {
            throw new IllegalArgumentException(configSource + ": item_num " + config.itemNum() + " differs from the "
                    + dataset.itemCount() + " items of " + dataset.directory().resolve(Dataset.ITEM_MAP_FILE));
        }
    }

    static long parameterCount(RecformerForSeqRec model) {
        long n = 0;
        for (var p : model.namedParameters().values()) n += p.tensor().numel();
        return n;
    }
}
