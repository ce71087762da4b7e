package org.recformer.train;

import org.recformer.data.Dataset;
import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.ItemEncoder;
import org.recformer.data.encode.ItemTokenCache;
import org.recformer.data.encode.ItemTokens;
import org.recformer.model.RecformerRecipe;
import org.recformer.tokenizer.Tokenizer;


/** The tokens a dataset's items and sequences take under a model's encoding settings. */
public final class DatasetTokens {
    private DatasetTokens() {
    }

    /** The tokens of the dataset's items under {@code settings} (cached beside the data, see {@link ItemTokenCache}). */
    public static ItemTokens itemTokens(Dataset data, Tokenizer tokenizer, EncodingSettings settings) {
        return ItemTokenCache.load(data.directory(), data.itemAttributes(), new ItemEncoder(tokenizer, settings));
    }

    /**
     * The token count the longest test input needs (the newest {@code maxItems} items of train +
     * validation, plus {@code <s>}), rounded up to a multiple of 64 and capped at {@link RecformerRecipe#MAX_TOKEN_NUM}.
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
        return Math.min(RecformerRecipe.MAX_TOKEN_NUM, (longest + 63) / 64 * 64);
    }
}
