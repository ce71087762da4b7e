package org.recformer.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.recformer.tokenizer.SpecialTokens;

/**
 * The Recformer recipe of docs/spec.md §1-3 in one place: the model sizes, the RoBERTa special
 * ids, the encoding limits (3 attributes of 32 tokens, 50 items, 1024 tokens) and the Recformer
 * config fields, for fresh models and for Longformer checkpoints (which lack the Recformer fields).
 */
public final class RecformerRecipe {
    /** The default fresh model of {@code recformer train}: 2 layers, hidden 64, 4 heads, FFN 256. */
    public static final ModelSize SMALL = new ModelSize(64, 2, 4, 256);
    /** Longformer-base: 12 layers, hidden 768, 12 heads, FFN 3072. */
    public static final ModelSize BASE = new ModelSize(768, 12, 12, 3072);

    /** The RoBERTa / Longformer vocabulary of docs/spec.md §1: 50265 ids. */
    public static final int ROBERTA_VOCAB_SIZE = 50265;
    /** Its special ids: {@code <s>} 0, {@code <pad>} 1, {@code </s>} 2, {@code <unk>} 3, {@code <mask>} 50264. */
    public static final SpecialTokens ROBERTA_SPECIALS = new SpecialTokens(0, 1, 2, 3, 50264);

    /** max_token_num: the most tokens of a sequence, {@code <s>} included. */
    public static final int MAX_TOKEN_NUM = 1024;
    /** max_attr_num: attributes kept per item. */
    public static final int MAX_ATTR_NUM = 3;
    /** max_attr_length: tokens kept per attribute. */
    public static final int MAX_ATTR_LENGTH = 32;
    /** max_item_embeddings: item positions, {@code <s>} (0) and 50 items. */
    public static final int MAX_ITEM_EMBEDDINGS = 51;
    /** attention_window: per layer, both sides together. */
    public static final int ATTENTION_WINDOW = 64;
    /** token_type_size: rows of the token type table. */
    public static final int TOKEN_TYPE_SIZE = 4;

    private RecformerRecipe() {
    }

    /** {@code small} or {@code base}. */
    public static ModelSize size(String name) {
        return switch (name) {
            case "small" -> SMALL;
            case "base" -> BASE;
            default -> throw new IllegalArgumentException("unknown model size '" + name + "', expected small or base");
        };
    }

    /** {@code config} with the Recformer fields of the recipe set (a Longformer's config has none of them). */
    public static RecformerConfig withRecformerFields(RecformerConfig config) {
        ObjectNode json = config.toJson();
        putRecformerFields(json, ATTENTION_WINDOW);
        return RecformerConfig.fromJson(json);
    }

    /**
     * The configuration of a fresh model of {@code size} for a tokenizer of {@code vocabSize} ids with
     * these special ids, every value of docs/spec.md §1-3 written explicitly (absent keys would take the public
     * RecformerConfig defaults, which differ): sequences of at most {@code maxTokenNum} tokens, LayerNorm
     * eps 1e-5, dropout 0.1, initializer range 0.02, one token type, and the Recformer fields. The token
     * position table is as small as the positions can reach: {@code position_padding_idx} 0, so pad
     * tokens take row 0 and real tokens rows 1 .. maxTokenNum ({@code maxTokenNum + 1} rows; the
     * HuggingFace layout starts at {@code pad_token_id + 1}, which costs 50,258 unused rows with the
     * bundled tokenizer).
     */
    public static RecformerConfig freshConfig(ModelSize size, int vocabSize, SpecialTokens specials, int maxTokenNum, int attentionWindow) {
        JsonNodeFactory n = JsonNodeFactory.instance;
        ObjectNode json = n.objectNode();
        json.put("vocab_size", vocabSize);
        json.put("hidden_size", size.hidden());
        json.put("num_hidden_layers", size.layers());
        json.put("num_attention_heads", size.heads());
        json.put("intermediate_size", size.intermediate());
        json.put("hidden_act", "gelu");
        json.put("hidden_dropout_prob", 0.1);
        json.put("attention_probs_dropout_prob", 0.1);
        json.put("max_position_embeddings", maxTokenNum + 1);
        json.put(RecformerConfig.POSITION_PADDING_IDX, 0);
        json.put("type_vocab_size", 1);
        json.put("initializer_range", 0.02);
        json.put("layer_norm_eps", 1e-5);
        json.put("position_embedding_type", "absolute");
        json.put("pad_token_id", specials.pad());
        json.put("bos_token_id", specials.bos());
        json.put("eos_token_id", specials.eos());
        json.put("sep_token_id", specials.eos());
        json.put("max_token_num", maxTokenNum);
        putRecformerFields(json, attentionWindow);
        return RecformerConfig.fromJson(json);
    }

    private static void putRecformerFields(ObjectNode json, int attentionWindow) {
        json.put("attention_window", attentionWindow);
        json.put("token_type_size", TOKEN_TYPE_SIZE);
        json.put("max_item_embeddings", MAX_ITEM_EMBEDDINGS);
        json.put("max_attr_num", MAX_ATTR_NUM);
        json.put("max_attr_length", MAX_ATTR_LENGTH);
        json.put("pooler_type", "cls");
        json.put("temp", 0.05);
        json.put("mlm_weight", 0.1);
    }
}
