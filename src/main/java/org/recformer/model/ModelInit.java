package org.recformer.model;

import org.recformer.nn.Module;
import org.recformer.nn.Parameter;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * HuggingFace's {@code _init_weights} for a fresh model: matrices (linear weights, embedding tables)
 * normal(0, initializer_range), biases 0, LayerNorm weights 1, and the padding rows of the word
 * (pad_token_id) and token-position ({@link RecformerConfig#positionPaddingIdx()}) tables 0, the finetuning
 * model's item-ID tables ({@link RecformerForSeqRec#ITEM_ID_TABLE}, {@link RecformerForSeqRec#ITEM_ID_INPUT_TABLE}) all 0. Parameters are filled in registration order from one seeded generator.
 */
public final class ModelInit {
    private ModelInit() {}

    public static void initialize(Module module, RecformerConfig config, long seed) {
        Random random = new Random(seed);
        for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            float[] values = new float[p.tensor().numel()];
            if (name.equals(RecformerForSeqRec.ITEM_ID_TABLE) || name.equals(RecformerForSeqRec.ITEM_ID_INPUT_TABLE)) {
                Arrays.fill(values, 0f); // a fresh item-ID table leaves the text as it is
            } else if (p.shape().length == 2) {
                for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextGaussian() * config.initializerRange());
                int cols = p.shape()[1];
                if (name.endsWith("word_embeddings.weight")) zeroRow(values, config.padTokenId(), cols);
                if (name.endsWith("embeddings.position_embeddings.weight")) zeroRow(values, config.positionPaddingIdx(), cols);
            } else if (!name.endsWith("bias")) {
                Arrays.fill(values, 1f); // LayerNorm weight
            }
            p.tensor().copyFrom(values);
        }
    }

    private static void zeroRow(float[] values, int row, int cols) {
        Arrays.fill(values, row * cols, (row + 1) * cols, 0f);
    }
}
