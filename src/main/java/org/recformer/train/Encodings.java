package org.recformer.train;

import org.recformer.data.encode.EncodingSettings;
import org.recformer.model.RecformerConfig;
import org.recformer.tokenizer.SpecialTokens;
import org.recformer.tokenizer.Tokenizer;

/** The item and sequence limits a model configuration implies, checked against the tokenizer it is used with. */
public final class Encodings {
    private Encodings() {
    }

    /**
     * The encoding settings of {@code config} with {@code tokenizer}'s special ids; an
     * IllegalArgumentException naming {@code configSource} when the two do not fit together
     * (token ids beyond the vocabulary, another padding or {@code <s>} id).
     */
    public static EncodingSettings settings(RecformerConfig config, Tokenizer tokenizer, String configSource) {
        SpecialTokens specials = tokenizer.specials();
        if (config.vocabSize() < tokenizer.vocabSize()) {
            throw new IllegalArgumentException(configSource + ": vocab_size " + config.vocabSize() + " is smaller than the "
                    + tokenizer.vocabSize() + " ids of tokenizer " + tokenizer.source());
        }
        if (config.padTokenId() != specials.pad()) {
            throw new IllegalArgumentException(configSource + ": pad_token_id " + config.padTokenId() + " differs from <pad> = "
                    + specials.pad() + " of tokenizer " + tokenizer.source());
        }
        if (config.maxTokenPositions() < config.maxTokenNum()) {
            throw new IllegalArgumentException(configSource + ": max_position_embeddings " + config.maxPositionEmbeddings()
                    + " is too small for max_token_num " + config.maxTokenNum() + " (needs max_token_num + token position of pad + 1 = "
                    + (config.maxTokenNum() + config.positionPaddingIdx() + 1) + ")");
        }
        return new EncodingSettings(config.maxAttrNum(), config.maxAttrLength(), config.maxItemEmbeddings(),
                config.maxTokenNum(), specials.bos(), specials.pad(), specials.mask());
    }
}
