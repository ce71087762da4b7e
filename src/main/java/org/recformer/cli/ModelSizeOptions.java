package org.recformer.cli;

import org.recformer.model.ModelSize;
import org.recformer.model.RecformerRecipe;
import picocli.CommandLine.Option;

/** The {@code --size} preset of a random-weight model and its per-field overrides (a picocli mixin). */
final class ModelSizeOptions {

    @Option(names = "--size", defaultValue = "small", paramLabel = "small|base",
            description = "Preset: small = 2 layers, hidden 64, 4 heads, FFN 256 (the default fresh model of train); "
                    + "base = 12 layers, hidden 768, 12 heads, FFN 3072. Default: ${DEFAULT-VALUE}.")
    String size;

    @Option(names = "--hidden", paramLabel = "N", description = "hidden_size (overrides the preset).")
    Integer hidden;

    @Option(names = "--layers", paramLabel = "N", description = "num_hidden_layers (overrides the preset).")
    Integer layers;

    @Option(names = "--heads", paramLabel = "N", description = "num_attention_heads (overrides the preset).")
    Integer heads;

    @Option(names = "--intermediate", paramLabel = "N",
            description = "intermediate_size, the FFN width (overrides the preset; default with --hidden: 4 x hidden, as in every preset).")
    Integer intermediate;

    /**
     * The preset with the overrides applied (a new --hidden without --intermediate keeps the presets'
     * FFN = 4 x hidden); an unknown preset is an IllegalArgumentException.
     */
    ModelSize modelSize() {
        ModelSize preset = RecformerRecipe.size(size);
        int ffn = intermediate != null ? intermediate : hidden != null ? 4 * hidden : preset.intermediate();
        return new ModelSize(hidden != null ? hidden : preset.hidden(), layers != null ? layers : preset.layers(),
                heads != null ? heads : preset.heads(), ffn);
    }
}
