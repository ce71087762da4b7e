package org.recformer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.recformer.io.CheckpointFormatException;
import org.recformer.io.CheckpointMismatchException;
import org.recformer.io.LoadReport;
import org.recformer.io.StateDict;
import org.recformer.io.StateDictLoader;
import org.recformer.io.StateDicts;
import org.recformer.model.ModelInit;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.model.RecformerModel;
import org.recformer.model.RecformerRecipe;
import org.recformer.model.TiedWeights;
import org.recformer.tensor.Backend;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The one place that builds a model for a job ({@code train}, {@code pretrain}, {@code evaluate},
 * {@code recommend}, {@code bench}), on the backend the job runs on: a fresh model (HuggingFace's
 * random initialisation from a seed, configured by {@link RecformerRecipe}), one loaded from a
 * checkpoint folder, or a pretraining model from a Longformer checkpoint. Weights load onto any
 * backend and save the same bytes from any backend.
 */
public final class ModelFactory {
    /** Longformer's token type table has type_vocab_size (1) rows, Recformer's token_type_size (4): it starts random. */
    private static final String TOKEN_TYPES = "embeddings.token_type_embeddings.weight";

    private final Backend backend;

    public ModelFactory(Backend backend) {
        this.backend = backend;
    }

    public Backend backend() {
        return backend;
    }

    /** A finetuning model with random weights from {@code seed} (dropout seeded from it too). */
    public RecformerForSeqRec freshSeqRec(RecformerConfig config, long seed) {
        RecformerForSeqRec model = seqRec(config, seed);
        ModelInit.initialize(model, config, seed);
        return model;
    }

    /** An encoder alone with random weights from {@code seed} (forward-only benchmarks). */
    public RecformerModel freshEncoder(RecformerConfig config, long seed) {
        RecformerModel encoder = new RecformerModel(config, backend, seed);
        ModelInit.initialize(encoder, config, seed);
        return encoder;
    }

    /** A finetuning model with zero weights, to load a checkpoint into (a resumed run). */
    public RecformerForSeqRec seqRec(RecformerConfig config, long seed) {
        return new RecformerForSeqRec(config, backend, seed);
    }

    /** A finetuning model from a folder, and whether its item table E came from the checkpoint. */
    public record LoadedSeqRec(RecformerForSeqRec model, boolean hasItemTable) {
        public RecformerConfig config() {
            return model.config();
        }
    }

    /**
     * A finetuning model from a folder, for a catalogue of {@code items} items: the folder's
     * configuration with {@code item_num} set, then changed by {@code adjust} (the caller's
     * overrides: negative samples, item-ID tables, dropout, temperature). When the checkpoint's item
     * table fits it is loaded too ({@link LoadedSeqRec#hasItemTable()}); otherwise only the encoder
     * ({@code longformer.*}), which must then be complete. A learned item-ID table I or J that
     * {@code adjust} turns on and the folder lacks starts at zero.
     */
    public LoadedSeqRec seqRecFromFolder(Path dir, int items, UnaryOperator<RecformerConfig> adjust) throws IOException {
        RecformerConfig saved = Checkpoint.readConfig(dir);
        RecformerConfig config = adjust.apply(saved.with("item_num", items));
        RecformerForSeqRec model = seqRec(config, 0);
        if (saved.itemNum() == items) {
            LoadReport report = Checkpoint.loadWeights(dir, model, false);
            if (report.missing().isEmpty()) return new LoadedSeqRec(model, true);
        }
        LoadReport report = Checkpoint.loadWeights(dir, model.longformer(), false);
        if (!report.missing().isEmpty()) {
            throw new IllegalArgumentException(dir.resolve(Checkpoint.MODEL_FILE) + ": lacks " + report.missing().size()
                    + " encoder tensors the configuration needs, e.g. " + report.missing().get(0));
        }
        return new LoadedSeqRec(model, false);
    }

    /** A pretraining model with random weights from {@code seed}. */
    public RecformerForPretraining freshPretraining(RecformerConfig config, long seed) {
        RecformerForPretraining model = new RecformerForPretraining(config, backend, seed);
        ModelInit.initialize(model, config, seed);
        return model;
    }

    /** A pretraining model from a checkpoint folder written by a pretraining run (strict: every tensor, nothing else). */
    public RecformerForPretraining resumedPretraining(Path dir, long seed) throws IOException {
        RecformerConfig config = Checkpoint.readConfig(dir);
        RecformerForPretraining model = new RecformerForPretraining(config, backend, seed);
        Checkpoint.loadWeights(dir, model, true);
        return model;
    }

    /** A pretraining model started from a folder, whether that folder held a Longformer, and what loading matched. */
    public record LoadedPretraining(RecformerForPretraining model, boolean longformer, LoadReport report) {
    }

    /**
     * A pretraining model started from a Longformer or Recformer folder: random weights from
     * {@code seed}, then the checkpoint's tensors loaded by name (non-strict: parameters it lacks keep
     * their random values). A Longformer (a config.json without Recformer fields) gets the recipe's
     * Recformer fields and as many tokens as its position table allows (at most the recipe's
     * max_token_num); its token type table is not used.
     */
    public LoadedPretraining pretrainingFromFolder(Path dir, long seed) throws IOException {
        RecformerConfig config = Checkpoint.readConfig(dir);
        boolean longformer = !new ObjectMapper().readTree(dir.resolve(Checkpoint.CONFIG_FILE).toFile()).has("max_item_embeddings");
        if (longformer) {
            config = RecformerRecipe.withRecformerFields(config);
            config = config.with("max_token_num", Math.min(RecformerRecipe.MAX_TOKEN_NUM, config.maxTokenPositions()));
        }
        RecformerForPretraining model = freshPretraining(config, seed);
        LoadReport report = longformer ? loadLongformer(dir, model) : Checkpoint.loadWeights(dir, model, false);
        return new LoadedPretraining(model, longformer, report);
    }

    /** Loads a Longformer checkpoint by name, without its token type table (left out of the report's unused tensors). */
    private static LoadReport loadLongformer(Path dir, RecformerForPretraining model) throws IOException {
        try {
            StateDict all = TiedWeights.forLoading(StateDicts.read(dir));
            StateDict kept = new StateDict(all.source());
            all.tensors().forEach((name, tensor) -> {
                if (!name.endsWith(TOKEN_TYPES)) kept.put(name, tensor);
            });
            return StateDictLoader.load(model, kept, false);
        } catch (CheckpointMismatchException | CheckpointFormatException | NoSuchFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
