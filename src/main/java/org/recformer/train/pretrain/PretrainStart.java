package org.recformer.train.pretrain;

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
import org.recformer.model.TiedWeights;
import org.recformer.tokenizer.Tokenizer;
import org.recformer.train.Checkpoint;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The model, configuration and tokenizer a pretraining run starts with: random weights of a
 * {@link org.recformer.model.ModelSize}, or weights loaded by name from a Longformer or Recformer
 * checkpoint (non-strict: parameters the checkpoint lacks, such as the item-position table of a
 * Longformer, keep their random initialisation), or, resuming, the run's last checkpoint (strict).
 *
 * @param configSource where the configuration came from (for messages)
 * @param loadReport   what loading the start checkpoint matched, or a line saying the weights are random
 */
record PretrainStart(RecformerConfig config, String configSource, Tokenizer tokenizer, RecformerForPretraining model, String loadReport) {
    /** The values of docs/spec.md §1-3 set on a Longformer config (it has no Recformer fields). */
    private static final Object[][] RECFORMER_FIELDS = {{"attention_window", 64}, {"token_type_size", 4},
            {"max_item_embeddings", 51}, {"max_attr_num", 3}, {"max_attr_length", 32},
            {"pooler_type", "cls"}, {"temp", 0.05}, {"mlm_weight", 0.1}};
    /** max_token_num of docs/spec.md §2 (fewer when a Longformer's position table is shorter). */
    private static final int MAX_TOKENS = 1024;
    /** Longformer's token type table has type_vocab_size (1) rows, Recformer's token_type_size (4): it starts random. */
    private static final String TOKEN_TYPES = "embeddings.token_type_embeddings.weight";

    static PretrainStart create(PretrainOptions o, Path lastCheckpoint) throws IOException {
        if (o.resume()) {
            RecformerConfig config = Checkpoint.readConfig(lastCheckpoint);
            Tokenizer tokenizer = Checkpoint.tokenizerOrNull(lastCheckpoint);
            if (tokenizer == null) throw new IllegalArgumentException(lastCheckpoint + ": no tokenizer files in the checkpoint");
            RecformerForPretraining model = new RecformerForPretraining(config, o.seed());
            Checkpoint.loadWeights(lastCheckpoint, model, true);
            return new PretrainStart(config, lastCheckpoint.resolve(Checkpoint.CONFIG_FILE).toString(), tokenizer, model,
                    "resumed from " + lastCheckpoint);
        }
        if (o.model() == null) {
            Tokenizer tokenizer = o.tokenizer() == null ? Tokenizer.bundled() : Tokenizer.load(o.tokenizer());
            RecformerConfig config = o.size().config(tokenizer.vocabSize(), tokenizer.specials(), o.maxTokens(), 64);
            RecformerForPretraining model = new RecformerForPretraining(config, o.seed());
            ModelInit.initialize(model, config, o.seed());
            return new PretrainStart(config, "the random-weight model's config", tokenizer, model,
                    "random weights (" + o.size() + ", seed " + o.seed() + ")");
        }
        RecformerConfig config = Checkpoint.readConfig(o.model());
        boolean longformer = !new ObjectMapper().readTree(o.model().resolve(Checkpoint.CONFIG_FILE).toFile()).has("max_item_embeddings");
        if (longformer) {
            for (Object[] field : RECFORMER_FIELDS) config = config.with((String) field[0], field[1]);
            config = config.with("max_token_num", Math.min(MAX_TOKENS, config.maxPositionEmbeddings() - config.padTokenId() - 1));
        }
        Tokenizer tokenizer = o.tokenizer() != null ? Tokenizer.load(o.tokenizer()) : Checkpoint.tokenizerOrNull(o.model());
        if (tokenizer == null) {
            throw new IllegalArgumentException(o.model() + ": no tokenizer files (vocab.json + merges.txt) in the model folder; pass --tokenizer DIR");
        }
        RecformerForPretraining model = new RecformerForPretraining(config, o.seed());
        ModelInit.initialize(model, config, o.seed());
        LoadReport report = longformer ? loadLongformer(o.model(), model) : Checkpoint.loadWeights(o.model(), model, false);
        return new PretrainStart(config, o.model().resolve(Checkpoint.CONFIG_FILE).toString(), tokenizer, model,
                describe(o.model(), longformer, report));
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

    private static String describe(Path model, boolean longformer, LoadReport report) {
        return "weights from " + model + (longformer ? " (a Longformer: the Recformer fields of docs/spec.md §1-3 added to its config, its token type table not used)" : "")
                + ", key layout: " + report.keyLayout() + "; " + report.missing().size() + " parameter(s) not in the checkpoint (random): "
                + abbreviate(report.missing().toString()) + "; " + report.unexpected().size() + " checkpoint tensor(s) unused: "
                + abbreviate(report.unexpected().toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 600 ? s : s.substring(0, 597) + "...";
    }
}
