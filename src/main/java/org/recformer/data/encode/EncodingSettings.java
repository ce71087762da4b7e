package org.recformer.data.encode;

import org.recformer.model.RecformerRecipe;
import org.recformer.tokenizer.SpecialTokens;

/**
 * The limits and special ids of Recformer's item and sequence encoding (docs/spec.md §1-2); the
 * model config maps its fields {@code max_attr_num}, {@code max_attr_length},
 * {@code max_item_embeddings}, {@code max_token_num} onto this.
 *
 * @param maxAttrNum        attributes kept per item (the first ones, in map order)
 * @param maxAttrLength     tokens kept per attribute (key and value tokens together)
 * @param maxItemEmbeddings rows of the item-position table; at most {@code maxItemEmbeddings - 1}
 *                          items per sequence, and padding gets item position {@code maxItemEmbeddings - 1}
 * @param maxTokenNum       tokens kept per sequence, {@code <s>} included
 * @param bosId             id of {@code <s>}
 * @param padId             id of {@code <pad>}
 * @param maskId            id of {@code <mask>}
 */
public record EncodingSettings(int maxAttrNum, int maxAttrLength, int maxItemEmbeddings, int maxTokenNum,
                               int bosId, int padId, int maskId) {

    /** Validates the limits. */
    public EncodingSettings {
        if (maxAttrNum < 1 || maxAttrLength < 1 || maxItemEmbeddings < 2 || maxTokenNum < 1) {
            throw new IllegalArgumentException("encoding limits must be max_attr_num >= 1, max_attr_length >= 1,"
                    + " max_item_embeddings >= 2, max_token_num >= 1; got " + maxAttrNum + ", " + maxAttrLength
                    + ", " + maxItemEmbeddings + ", " + maxTokenNum);
        }
    }

    /** The limits of the Recformer recipe ({@link RecformerRecipe}: 3 attributes, 32 tokens each, 51 item positions, 1024 tokens). */
    public static EncodingSettings recformerDefaults(SpecialTokens specials) {
        return new EncodingSettings(RecformerRecipe.MAX_ATTR_NUM, RecformerRecipe.MAX_ATTR_LENGTH, RecformerRecipe.MAX_ITEM_EMBEDDINGS,
                RecformerRecipe.MAX_TOKEN_NUM, specials.bos(), specials.pad(), specials.mask());
    }

    /** The most items a sequence keeps: {@code maxItemEmbeddings - 1}. */
    public int maxItems() {
        return maxItemEmbeddings - 1;
    }
}
