package org.recformer.train;

import org.recformer.data.Dataset;
import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.ItemEncoder;
import org.recformer.data.encode.ItemTokenCache;
import org.recformer.data.encode.ItemTokens;
import org.recformer.io.LoadReport;
import org.recformer.model.ModelInit;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/** Building a finetuning model for a dataset: a fresh one (configured by {@link org.recformer.model.ModelSize}), or one loaded from a model folder. */
public final class SeqRecModels {
    /** The most tokens a sequence may have (docs/spec.md §2). */
    public static final int MAX_TOKEN_NUM = 1024;

    private SeqRecModels() {
    }

    /** A model with its configuration and whether its item table E came from the checkpoint. */
    public record Loaded(RecformerForSeqRec model, RecformerConfig config, boolean hasItemTable) {
    }

    /** A fresh model with HuggingFace's random initialization from {@code seed}. */
    public static RecformerForSeqRec fresh(RecformerConfig config, long seed) {
        RecformerForSeqRec model = new RecformerForSeqRec(config, seed);
        ModelInit.initialize(model, config, seed);
        return model;
    }

    /**
     * A model from a folder, for a catalogue of {@code items} items: the folder's configuration with
     * {@code item_num} (and the negative sample count, unless null) set. When the checkpoint's item
     * table fits it is loaded too ({@link Loaded#hasItemTable()}); otherwise only the encoder
     * ({@code longformer.*}), which must then be complete.
     */
    public static Loaded load(Path dir, int items, Integer negativeSamples) throws IOException {
        RecformerConfig saved = Checkpoint.readConfig(dir);
        RecformerConfig config = saved.with("item_num", items);
        if (negativeSamples != null) config = config.with("finetune_negative_sample_size", negativeSamples);
        RecformerForSeqRec model = new RecformerForSeqRec(config, 0);
        if (saved.itemNum() == items) {
            LoadReport report = Checkpoint.loadWeights(dir, model, false);
            if (report.missing().isEmpty()) return new Loaded(model, config, true);
        }
        LoadReport report = Checkpoint.loadWeights(dir, model.longformer(), false);
        if (!report.missing().isEmpty()) {
            throw new IllegalArgumentException(dir.resolve(Checkpoint.MODEL_FILE) + ": lacks " + report.missing().size()
                    + " encoder tensors the configuration needs, e.g. " + report.missing().get(0));
        }
        return new Loaded(model, config, false);
    }

    /** The tokens of the dataset's items under {@code settings} (cached beside the data, see {@link ItemTokenCache}). */
    public static ItemTokens itemTokens(Dataset data, Tokenizer tokenizer, EncodingSettings settings) {
        return ItemTokenCache.load(data.directory(), data.itemAttributes(), new ItemEncoder(tokenizer, settings));
    }

    /**
     * The token count the longest test input needs (the newest {@code maxItems} items of train +
     * validation, plus {@code <s>}), rounded up to a multiple of 64 and capped at {@link #MAX_TOKEN_NUM}.
     */
    public static int tokensNeeded(Dataset data, int users, ItemTokens tokens, int maxItems) {
        int longest = 1;
        for (int u = 0; u < users; u++) {
            int[] train = data.train(u);
            int[] history = java.util.Arrays.copyOf(train, train.length + data.validation(u).length);
            if (data.validation(u).length == 1) history[train.length] = data.validation(u)[0];
            int length = 1;
            for (int i = Math.max(0, history.length - maxItems); i < history.length; i++) length += tokens.get(history[i]).length();
            longest = Math.max(longest, length);
        }
        return Math.min(MAX_TOKEN_NUM, (longest + 63) / 64 * 64);
    }
}
