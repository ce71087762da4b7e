package org.recformer.train.pretrain;

import org.recformer.io.LoadReport;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.model.RecformerRecipe;
import org.recformer.tokenizer.Tokenizer;
import org.recformer.train.Checkpoint;
import org.recformer.train.ModelFactory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The model, configuration and tokenizer a pretraining run starts with, built by {@link ModelFactory}:
 * random weights of a {@link org.recformer.model.ModelSize}, or weights loaded by name from a Longformer
 * or Recformer checkpoint (non-strict: parameters the checkpoint lacks, such as the item-position table
 * of a Longformer, keep their random initialisation), or, resuming, the run's last checkpoint (strict).
 *
 * @param configSource where the configuration came from (for messages)
 * @param loadReport   what loading the start checkpoint matched, or a line saying the weights are random
 */
record PretrainStart(RecformerConfig config, String configSource, Tokenizer tokenizer, RecformerForPretraining model, String loadReport) {

    static PretrainStart create(PretrainOptions o, ModelFactory models, Path lastCheckpoint) throws IOException {
        if (o.resume()) {
            Tokenizer tokenizer = Checkpoint.tokenizerOrNull(lastCheckpoint);
            if (tokenizer == null) throw new IllegalArgumentException(lastCheckpoint + ": no tokenizer files in the checkpoint");
            RecformerForPretraining model = models.resumedPretraining(lastCheckpoint, o.seed());
            return new PretrainStart(model.config(), lastCheckpoint.resolve(Checkpoint.CONFIG_FILE).toString(), tokenizer, model,
                    "resumed from " + lastCheckpoint);
        }
        if (o.model() == null) {
            Tokenizer tokenizer = Checkpoint.resolveTokenizer(o.tokenizer(), null);
            RecformerConfig config = RecformerRecipe.freshConfig(o.size(), tokenizer.vocabSize(), tokenizer.specials(), o.maxTokens(),
                    RecformerRecipe.ATTENTION_WINDOW).with("pooler_type", o.pooler());
            RecformerForPretraining model = models.freshPretraining(config, o.seed());
            return new PretrainStart(config, "the random-weight model's config", tokenizer, model,
                    "random weights (" + o.size() + ", " + o.pooler() + " pooler, seed " + o.seed() + ")");
        }
        Checkpoint.readConfig(o.model()); // a missing or invalid model folder is reported before a missing tokenizer
        Tokenizer tokenizer = o.tokenizer() != null ? Tokenizer.load(o.tokenizer()) : Checkpoint.tokenizerOrNull(o.model());
        if (tokenizer == null) {
            throw new IllegalArgumentException(o.model() + ": no tokenizer files (vocab.json + merges.txt) in the model folder; name a tokenizer folder");
        }
        ModelFactory.LoadedPretraining loaded = models.pretrainingFromFolder(o.model(), o.seed());
        return new PretrainStart(loaded.model().config(), o.model().resolve(Checkpoint.CONFIG_FILE).toString(), tokenizer, loaded.model(),
                describe(o.model(), loaded.longformer(), loaded.report()));
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
