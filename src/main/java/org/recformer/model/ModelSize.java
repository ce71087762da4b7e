package org.recformer.model;

/**
 * The encoder size of a fresh (random-weight) model; the presets and the rest of the recipe are in
 * {@link RecformerRecipe}.
 *
 * @param hidden       hidden_size
 * @param layers       num_hidden_layers
 * @param heads        num_attention_heads
 * @param intermediate intermediate_size (FFN)
 */
public record ModelSize(int hidden, int layers, int heads, int intermediate) {

    @Override
    public String toString() {
        return "hidden " + hidden + ", " + layers + " layers, " + heads + " heads, FFN " + intermediate;
    }
}
