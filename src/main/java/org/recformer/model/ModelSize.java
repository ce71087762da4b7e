package org.recformer.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.recformer.tokenizer.SpecialTokens;

/**
 * Encoder sizes of fresh (random-weight) models, and the config.json of such a model with every
 * value of docs/spec.md §1-3 written explicitly (absent keys would take the public RecformerConfig
 * defaults, which differ from that recipe).
 *
 * @param hidden       hidden_size
 * @param layers       num_hidden_layers
 * @param heads        num_attention_heads
 * @param intermediate intermediate_size (FFN)
 */
public record ModelSize(int hidden, int layers, int heads, int intermediate) {

    /** The default fresh model of {@code recformer train}: 2 layers, hidden 64, 4 heads, FFN 256. */
    public static final ModelSize SMALL = new ModelSize(64, 2, 4, 256);
    /** Longformer-base: 12 layers, hidden 768, 12 heads, FFN 3072. */
    public static final ModelSize BASE = new ModelSize(768, 12, 12, 3072);

    /** {@code small} or {@code base}. */
    public static ModelSize named(String name) {
        return switch (name) {
            case "small" -> SMALL;
            case "base" -> BASE;
            default -> throw new IllegalArgumentException("unknown model size '" + name + "', expected small or base");
        };
    }

    /**
     * The configuration of a model of this size for a tokenizer of {@code vocabSize} ids with these
     * special ids, docs/spec.md §1-3: attention window 64 (per layer, both sides together), sequences
     * of at most {@code maxTokenNum} tokens and 50 items (51 item positions), 3 attributes of 32 tokens,
     * LayerNorm eps 1e-5, dropout 0.1, cls pooling, temperature 0.05, MLM weight 0.1. The token
     * position table has {@code pad + 1 + maxTokenNum} rows, exactly what RoBERTa position ids need:
     * non-pad tokens are numbered pad+1 .. pad+maxTokenNum, pad tokens get pad (HuggingFace's rule,
     * e.g. Longformer's 4098 = 1 + 1 + 4096). The one place that configures a fresh model, for
     * {@code train}, {@code pretrain} and {@code bench train-step}.
     */
    public RecformerConfig config(int vocabSize, SpecialTokens specials, int maxTokenNum, int attentionWindow) {
        JsonNodeFactory n = JsonNodeFactory.instance;
        ObjectNode json = n.objectNode();
        json.put("vocab_size", vocabSize);
        json.put("hidden_size", hidden);
        json.put("num_hidden_layers", layers);
        json.put("num_attention_heads", heads);
        json.put("intermediate_size", intermediate);
        json.put("hidden_act", "gelu");
        json.put("hidden_dropout_prob", 0.1);
        json.put("attention_probs_dropout_prob", 0.1);
        json.put("max_position_embeddings", specials.pad() + 1 + maxTokenNum);
        json.put("type_vocab_size", 1);
        json.put("initializer_range", 0.02);
        json.put("layer_norm_eps", 1e-5);
        json.put("position_embedding_type", "absolute");
        json.put("pad_token_id", specials.pad());
        json.put("bos_token_id", specials.bos());
        json.put("eos_token_id", specials.eos());
        json.put("sep_token_id", specials.eos());
        json.put("attention_window", attentionWindow);
        json.put("token_type_size", 4);
        json.put("max_token_num", maxTokenNum);
        json.put("max_item_embeddings", 51);
        json.put("max_attr_num", 3);
        json.put("max_attr_length", 32);
        json.put("pooler_type", "cls");
        json.put("temp", 0.05);
        json.put("mlm_weight", 0.1);
        return RecformerConfig.fromJson(json);
    }

    @Override
    public String toString() {
        return "hidden " + hidden + ", " + layers + " layers, " + heads + " heads, FFN " + intermediate;
    }
}
