package org.recformer.model;

import org.recformer.nn.Module;
import org.recformer.nn.Parameter;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * HuggingFace's {@code _init_weights} for a fresh model: matrices (linear weights, embedding tables)
 * normal(0, initializer_range), biases 0, LayerNorm weights 1, and the padding rows of the word and
 * token-position tables 0. Parameters are filled in registration order from one seeded generator.
 */
public final class ModelInit {
    private ModelInit() {}

    public static void initialize(Module module, RecformerConfig config, long seed) {
        Random random = new Random(seed);
        int pad = config.padTokenId();
        for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            float[] values = new float[p.tensor().numel()];
            if (p.shape().length == 2) {
                for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextGaussian() * config.initializerRange());
                if (name.endsWith("word_embeddings.weight") || name.endsWith("embeddings.position_embeddings.weight")) {
                    int cols = p.shape()[1];
                    Arrays.fill(values, pad * cols, (pad + 1) * cols, 0f);
                }
            } else if (!name.endsWith("bias")) {
                Arrays.fill(values, 1f); // LayerNorm weight
            }
            p.tensor().copyFrom(values);
        }
    }
}
