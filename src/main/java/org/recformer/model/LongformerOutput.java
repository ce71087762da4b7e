package org.recformer.model;

import org.recformer.nn.Dropout;
import org.recformer.nn.LayerNorm;
import org.recformer.nn.Linear;
import org.recformer.nn.Module;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.function.LongSupplier;

/**
 * The post-LayerNorm residual block after attention and after the feed-forward layer
 * (HuggingFace {@code LongformerSelfOutput} / {@code LongformerOutput}): {@code dense}, dropout,
 * then {@code LayerNorm(x + residual)}.
 */
public final class LongformerOutput extends Module {
    private final Linear dense;
    private final LayerNorm layerNorm;
    private final Dropout dropout;

    public LongformerOutput(int in, RecformerConfig config, Backend backend, LongSupplier dropoutSeeds) {
        dense = registerModule("dense", new Linear(backend, in, config.hiddenSize(), true));
        layerNorm = registerModule("LayerNorm", new LayerNorm(backend, config.hiddenSize(), config.layerNormEps()));
        dropout = registerModule("dropout", new Dropout(config.hiddenDropoutProb(), dropoutSeeds));
    }

    /** x [B, T, in], residual [B, T, C] -> [B, T, C]. */
    public Tensor forward(Tensor x, Tensor residual) {
        return layerNorm.forward(dense.forward(x), dropout, residual);
    }
}
