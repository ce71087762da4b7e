package org.recformer.model;

import org.recformer.nn.Linear;
import org.recformer.nn.Module;
import org.recformer.ops.Arithmetic;
import org.recformer.ops.Attention;
import org.recformer.ops.Dropout;
import org.recformer.ops.MatMul;
import org.recformer.ops.Masking;
import org.recformer.ops.Reductions;
import org.recformer.ops.Shapes;
import org.recformer.ops.Softmax;
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
     * Packed rows hidden [R, C] of {@code packing} -> [R, C]. The local projections run on the packed
     * rows and are laid out as the attention op wants them, [B, T', C]; the global tokens' rows come
     * from {@link #globalQueries}.
     */
    Tensor forward(Tensor hidden, TokenPacking packing) {
        boolean drop = isTraining() && dropoutP > 0f;
        AttentionProblem problem = packing.attentionProblem(heads, headDim, oneSidedWindow,
                drop ? dropoutP : 0f, drop ? dropoutSeeds.getAsLong() : 0L);
        Tensor local = Attention.longformerLocalAttention(problem,
                packing.toAttentionLayout(query.forward(hidden)),
                packing.toAttentionLayout(key.forward(hidden)),
                packing.toAttentionLayout(value.forward(hidden)));
        Tensor packed = packing.fromAttentionLayout(local);
        if (packing.slotsPerRow() == 0) return packed; // no global token in the batch
        Tensor global = globalQueries(hidden, packing, drop, drop ? dropoutSeeds.getAsLong() : 0L);
        return packing.addAtGlobalRows(packed, global);
    }

    /**
     * {@link #forward}'s output at the global tokens' rows only, [G, C] (a global token's output is its
     * global attention alone), for when nothing reads the other rows.
     */
    Tensor forwardGlobalRows(Tensor hidden, TokenPacking packing) {
        boolean drop = isTraining() && dropoutP > 0f;
        return globalQueries(hidden, packing, drop, drop ? dropoutSeeds.getAsLong() : 0L);
    }

    /**
     * The global tokens' attention outputs [G, C]: each global query attends to every real token of
     * its batch row through {@code key_global} and {@code value_global} (docs/spec.md §3), computed
     * without projecting every token through them. Per head h, with q the global query's head
     * (scaled by 1 / sqrt(D)) and x_j the hidden states:
     * score_j = q . (Wk_h x_j + bk_h) = (Wk_h^T q) . x_j + q . bk_h, and
     * out = sum_j p_j (Wv_h x_j + bv_h) = Wv_h (sum_j p_j x_j) + bv_h sum_j p_j
     * (p after dropout, so sum_j p_j is 1 only without it). That is O(T C) per global query and head
     * instead of two [T, C] x [C, C] products per layer. The offset q . bk_h is the same for every
     * key of the softmax, so it changes no probability and is left out: {@code key_global.bias} gets
     * no gradient (in HuggingFace it gets rounding noise around 0). The sums run in another order
     * than HuggingFace's, so the values agree to float rounding.
     */
    private Tensor globalQueries(Tensor hidden, TokenPacking packing, boolean drop, long dropoutSeed) {
        int b = packing.batch(), s = packing.slotsPerRow(), c = heads * headDim;
        Tensor x = packing.toAttentionLayout(hidden);                                          // [B, T', C]
        Tensor q = Arithmetic.scale(queryGlobal.forward(packing.globalRows(hidden)), (float) (1.0 / Math.sqrt(headDim)));
        Tensor qHeads = Shapes.permute(Shapes.reshape(packing.globalToSlots(q), b * s, heads, headDim), 1, 0, 2); // [H, B*S, D]
        Tensor keyQuery = MatMul.matmul(qHeads, Shapes.reshape(keyGlobal.weight().tensor(), heads, headDim, c)); // Wk_h^T q
        Tensor scores = MatMul.matmul(headsToRows(keyQuery, b, s, c), x, false, true);        // [B, S*H, T']
        scores = Masking.maskedFill(scores, packing.paddingKeys(hidden.backend()), -Float.MAX_VALUE);
        Tensor probs = Dropout.dropout(Softmax.softmax(scores), dropoutP, drop, dropoutSeed);
        Tensor mixed = rowsToHeads(MatMul.matmul(probs, x), b, s, c);                         // [H, B*S, C]
        Tensor mass = rowsToHeads(Reductions.sum(probs, new int[] {2}, true), b, s, 1);         // [H, B*S, 1]
        Tensor out = Arithmetic.add(
                MatMul.matmul(mixed, Shapes.reshape(valueGlobal.weight().tensor(), heads, headDim, c), false, true),
                Arithmetic.mul(mass, Shapes.reshape(valueGlobal.bias().tensor(), heads, 1, headDim))); // [H, B*S, D]
        return packing.slotsToGlobal(Shapes.reshape(Shapes.permute(out, 1, 0, 2), b * s, c));
    }

    /** [H, B*S, n] -> [B, S*H, n] (rows of a batch row: slot-major, then head). */
    private Tensor headsToRows(Tensor perHead, int b, int s, int n) {
        return Shapes.reshape(Shapes.permute(Shapes.reshape(perHead, heads, b, s, n), 1, 2, 0, 3), b, s * heads, n);
    }

    /** [B, S*H, n] -> [H, B*S, n], the inverse of {@link #headsToRows}. */
    private Tensor rowsToHeads(Tensor rows, int b, int s, int n) {
        return Shapes.reshape(Shapes.permute(Shapes.reshape(rows, b, s, heads, n), 2, 0, 1, 3), heads, b * s, n);
    }
}
