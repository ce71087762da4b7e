package org.recformer.model;

import org.recformer.nn.Linear;
import org.recformer.nn.Module;
import org.recformer.ops.Attention;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.function.LongSupplier;

/**
 * One layer's Longformer self-attention (docs/spec.md §3): local projections {@code query},
 * {@code key}, {@code value} for the sliding window of {@code attentionWindow / 2} positions on each
 * side plus the global tokens, and global projections {@code query_global}, {@code key_global},
 * {@code value_global} for the global tokens' full attention. The work is done by the engine's fused
 * op; attention dropout is applied there with a seed drawn from the model's generator.
 */
public final class LongformerSelfAttention extends Module {
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear queryGlobal;
    private final Linear keyGlobal;
    private final Linear valueGlobal;
    private final int heads, headDim;
    private final int oneSidedWindow;
    private final float dropoutP;
    private final LongSupplier dropoutSeeds;

    public LongformerSelfAttention(RecformerConfig config, Backend backend, int layer, LongSupplier dropoutSeeds) {
        int c = config.hiddenSize();
        query = registerModule("query", new Linear(backend, c, c, true));
        key = registerModule("key", new Linear(backend, c, c, true));
        value = registerModule("value", new Linear(backend, c, c, true));
        queryGlobal = registerModule("query_global", new Linear(backend, c, c, true));
        keyGlobal = registerModule("key_global", new Linear(backend, c, c, true));
        valueGlobal = registerModule("value_global", new Linear(backend, c, c, true));
        heads = config.numAttentionHeads();
        headDim = c / heads;
        oneSidedWindow = config.attentionWindow(layer) / 2;
        dropoutP = (float) config.attentionProbsDropoutProb();
        this.dropoutSeeds = dropoutSeeds;
    }

    /**
     * Packed rows hidden [R, C] of {@code packing} -> [R, C]. The projections run on the packed rows
     * ({@code query_global} on the global rows only: no other token reads it) and are laid out as
     * the attention op wants them, [B, T', C].
     */
    Tensor forward(Tensor hidden, TokenPacking packing) {
        boolean drop = isTraining() && dropoutP > 0f;
        AttentionProblem problem = packing.attentionProblem(heads, headDim, oneSidedWindow,
                drop ? dropoutP : 0f, drop ? dropoutSeeds.getAsLong() : 0L);
        Tensor attended = Attention.longformerSelfAttention(problem,
                packing.toAttentionLayout(query.forward(hidden)),
                packing.toAttentionLayout(key.forward(hidden)),
                packing.toAttentionLayout(value.forward(hidden)),
                packing.globalToAttentionLayout(queryGlobal.forward(packing.globalRows(hidden))),
                packing.toAttentionLayout(keyGlobal.forward(hidden)),
                packing.toAttentionLayout(valueGlobal.forward(hidden)));
        return packing.fromAttentionLayout(attended);
    }
}
