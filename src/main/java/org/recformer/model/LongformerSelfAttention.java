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

    /** hidden [B, T, C] with masks [B*T] (1 = real / global token) -> [B, T, C]. */
    public Tensor forward(Tensor hidden, int[] attentionMask, int[] globalMask, int batch, int seq) {
        boolean drop = isTraining() && dropoutP > 0f;
        AttentionProblem problem = new AttentionProblem(batch, seq, heads, headDim, oneSidedWindow,
                attentionMask, globalMask, drop ? dropoutP : 0f, drop ? dropoutSeeds.getAsLong() : 0L);
        return Attention.longformerSelfAttention(problem,
                query.forward(hidden), key.forward(hidden), value.forward(hidden),
                queryGlobal.forward(hidden), keyGlobal.forward(hidden), valueGlobal.forward(hidden));
    }
}
