package org.recformer.model;

import org.recformer.autograd.GradMode;
import org.recformer.nn.Linear;
import org.recformer.nn.Module;
import org.recformer.ops.Activations;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.function.LongSupplier;

/**
 * One encoder layer: self-attention with its output block ({@code attention.self},
 * {@code attention.output}), then the feed-forward block ({@code intermediate.dense} with exact
 * GELU, {@code output}).
 */
public final class LongformerLayer extends Module {
    private final Attention attention;
    private final Intermediate intermediate;
    private final LongformerOutput output;

    public LongformerLayer(RecformerConfig config, Backend backend, int layer, LongSupplier dropoutSeeds) {
        attention = registerModule("attention", new Attention(config, backend, layer, dropoutSeeds));
        intermediate = registerModule("intermediate", new Intermediate(config, backend));
        output = registerModule("output", new LongformerOutput(config.intermediateSize(), config, backend, dropoutSeeds));
    }

    /**
     * The attention block (the layer is {@link #feedForward} of it): packed rows hidden [R, C] of
     * {@code packing} -> [R, C] (hidden is its residual).
     */
    Tensor attend(Tensor hidden, TokenPacking packing) {
        return attention.forward(hidden, packing);
    }

    /** {@link #attend}'s output at the global tokens' rows only, [G, C], for when nothing reads the other rows. */
    Tensor attendGlobalRows(Tensor hidden, TokenPacking packing) {
        return attention.forwardGlobalRows(hidden, packing);
    }

    /** The feed-forward block: the attention block's output attended [R, C] -> [R, C] (attended is its residual). */
    Tensor feedForward(Tensor attended) {
        return output.forward(intermediate.forward(attended), attended);
    }

    /** {@code attention.self} and {@code attention.output}. */
    static final class Attention extends Module {
        private final LongformerSelfAttention self;
        private final LongformerOutput output;

        Attention(RecformerConfig config, Backend backend, int layer, LongSupplier dropoutSeeds) {
            self = registerModule("self", new LongformerSelfAttention(config, backend, layer, dropoutSeeds));
            output = registerModule("output", new LongformerOutput(config.hiddenSize(), config, backend, dropoutSeeds));
        }

        Tensor forward(Tensor hidden, TokenPacking packing) {
            return output.forward(self.forward(hidden, packing), hidden);
        }

        Tensor forwardGlobalRows(Tensor hidden, TokenPacking packing) {
            return output.forward(self.forwardGlobalRows(hidden, packing), packing.globalRows(hidden));
        }
    }

    /** {@code intermediate.dense} followed by exact (erf) GELU. */
    static final class Intermediate extends Module {
        private final Linear dense;

        Intermediate(RecformerConfig config, Backend backend) {
            dense = registerModule("dense", new Linear(backend, config.hiddenSize(), config.intermediateSize(), true));
        }

        /** Without a graph the GELU overwrites the dense layer's output (one [R, intermediate] buffer instead of two). */
        Tensor forward(Tensor x) {
            Tensor h = dense.forward(x);
            return GradMode.isEnabled() ? Activations.gelu(h) : Activations.geluInPlace(h);
        }
    }
}
