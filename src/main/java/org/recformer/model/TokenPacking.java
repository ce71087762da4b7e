package org.recformer.model;

import org.recformer.ops.Arithmetic;
import org.recformer.ops.Indexing;
import org.recformer.ops.Shapes;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Which token rows the token-wise work of the encoder computes (embeddings, linear layers, GELU,
 * dropout, residuals, layer norms): the batch packed into {@code [R, C]} rows instead of the padded
 * {@code [B, T, C]}. A batch is padded to its longest row, and past a few hundred tokens most of a
 * real batch is padding.
 *
 * <p>The packed rows are every real token (attention mask 1) plus <em>one row per distinct padding
 * token</em>. A padding token's attention output is 0 (docs/spec.md §3), so its hidden states depend
 * only on its four embedding ids (word, token position, token type, item position); padding tokens
 * with equal ids share one row, which still gives HuggingFace's value at every padding position
 * (the parity fixtures compare them). In training, padding tokens with equal ids also share their
 * dropout draws; nothing reads a padding position's state (pooling and the losses mask it).
 *
 * <p>Only the attention sees the padded layout {@code [B, T', C]} with T' the multiple of the window
 * (HuggingFace's window padding, docs/spec.md §3); the window padding itself is never computed: it is
 * cut off the output and no real token reads it.
 */
final class TokenPacking {
    private final int batch, seq, paddedSeq;
    private final int[] sourceIndex;    // packed row -> index in [B * T]
    private final int[] attentionIndex; // packed row -> index in [B * T']
    private final int[] packedRowAt;    // index in [B * T] -> packed row
    private final int[] globalRows;     // packed rows of the global tokens
    private final int[] globalSlots;    // per global token, b * S + its rank among its batch row's globals
    private final int slotsPerRow;      // S, the most global tokens of one batch row
    private final int[] attentionMask, globalMask; // [B * T']
    private final boolean identity;     // packed rows are exactly [B * T'] in order

    private record PaddingIds(int inputId, int position, int tokenType, int itemPosition) {}

    /**
     * The packing of {@code in} ([B, T]) with the token position ids of its embedding
     * ({@code positionIds}, [B*T]); {@code padded} is {@code in} after the window padding.
     */
    static TokenPacking of(ModelInput in, int[] positionIds, ModelInput padded) {
        return new TokenPacking(in, positionIds, padded);
    }

    private TokenPacking(ModelInput in, int[] positionIds, ModelInput padded) {
        batch = in.batch();
        seq = in.seq();
        paddedSeq = padded.seq();
        attentionMask = padded.attentionMask();
        globalMask = padded.globalAttentionMask();
        int n = batch * seq;
        int[] source = new int[n];
        int[] attention = new int[n];
        int[] globals = new int[n];
        packedRowAt = new int[n];
        Map<PaddingIds, Integer> paddingRows = new HashMap<>();
        int rows = 0, globalCount = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                int i = b * seq + t;
                Integer row = null;
                if (in.attentionMask()[i] == 0) {
                    PaddingIds ids = new PaddingIds(in.inputIds()[i], positionIds[i], in.tokenTypeIds()[i], in.itemPositionIds()[i]);
                    row = paddingRows.get(ids);
                    if (row == null) paddingRows.put(ids, rows);
                } else if (in.globalAttentionMask()[i] == 1) {
                    globals[globalCount++] = rows;
                }
                if (row == null) {
                    row = rows++;
                    source[row] = i;
                    attention[row] = b * paddedSeq + t;
                }
                packedRowAt[i] = row;
            }
        }
        sourceIndex = java.util.Arrays.copyOf(source, rows);
        attentionIndex = java.util.Arrays.copyOf(attention, rows);
        globalRows = java.util.Arrays.copyOf(globals, globalCount);
        int[] rowOf = new int[globalCount], rank = new int[globalCount], perRow = new int[batch];
        for (int g = 0; g < globalCount; g++) {
            rowOf[g] = source[globals[g]] / seq;
            rank[g] = perRow[rowOf[g]]++;
        }
        slotsPerRow = java.util.Arrays.stream(perRow).max().orElse(0);
        globalSlots = new int[globalCount];
        for (int g = 0; g < globalCount; g++) globalSlots[g] = rowOf[g] * slotsPerRow + rank[g];
        identity = rows == batch * paddedSeq; // then every packed row is its own token, in order
    }

    /** R, the packed rows. */
    int rows() {
        return sourceIndex.length;
    }

    /** The values of a [B*T] per-token array at the packed rows, [R]. */
    int[] select(int[] perToken) {
        int[] out = new int[sourceIndex.length];
        for (int r = 0; r < out.length; r++) out[r] = perToken[sourceIndex[r]];
        return out;
    }

    /** Packed rows [R, C] into the attention's layout [B, T', C], zero at the other positions. */
    Tensor toAttentionLayout(Tensor packed) {
        int c = packed.dim(1);
        Tensor full = identity ? packed : Indexing.scatterRows(packed, attentionIndex, batch * paddedSeq);
        return Shapes.reshape(full, batch, paddedSeq, c);
    }

    /** The attention's output [B, T', C] back to packed rows [R, C]. */
    Tensor fromAttentionLayout(Tensor x) {
        Tensor flat = Shapes.reshape(x, batch * paddedSeq, x.dim(2));
        return identity ? flat : Indexing.indexSelect(flat, attentionIndex);
    }

    /** The rows of the global tokens, [G, C] of packed [R, C]. */
    Tensor globalRows(Tensor packed) {
        return Indexing.indexSelect(packed, globalRows);
    }

    /**
     * Per batch row, the index among the global rows ({@link #globalRows(Tensor)}'s order) of the row's
     * first token, or null when some row's first token is not a real global token.
     */
    int[] firstTokensAmongGlobals() {
        int[] indices = new int[batch];
        java.util.Arrays.fill(indices, -1);
        for (int g = 0; g < globalRows.length; g++) {
            int token = sourceIndex[globalRows[g]];
            if (token % seq == 0) indices[token / seq] = g;
        }
        for (int index : indices) if (index < 0) return null;
        return indices;
    }

    /** Global rows [G, C] into slots [B * S, C] (S: the most global tokens of a batch row; zero in the empty slots). */
    Tensor globalToSlots(Tensor global) {
        return Indexing.scatterRows(global, globalSlots, batch * slotsPerRow);
    }

    /** Slots [B * S, C] back to global rows [G, C]. */
    Tensor slotsToGlobal(Tensor slots) {
        return Indexing.indexSelect(slots, globalSlots);
    }

    /** Global rows [G, C] added into packed rows [R, C] at the global tokens' rows. */
    Tensor addAtGlobalRows(Tensor packed, Tensor global) {
        return Arithmetic.add(packed, Indexing.scatterRows(global, globalRows, rows()));
    }

    /** S, the most global tokens of one batch row. */
    int slotsPerRow() {
        return slotsPerRow;
    }

    int batch() {
        return batch;
    }

    /** [B, 1, T']: 1 at the padding positions of the attention layout (no query attends to them), else 0. */
    Tensor paddingKeys(Backend backend) {
        float[] mask = new float[attentionMask.length];
        for (int i = 0; i < mask.length; i++) mask[i] = attentionMask[i] == 0 ? 1f : 0f;
        return Tensor.of(backend, mask, batch, 1, paddedSeq);
    }

    /** Packed rows [R, C] as the model's output [B, T, C] (padding positions repeat their shared row). */
    Tensor unpack(Tensor packed) {
        if (identity) return Shapes.reshape(packed, batch, seq, packed.dim(1));
        return Indexing.embedding(packed, packedRowAt, new int[] {batch, seq}, -1);
    }

    /** The attention problem of this batch's padded layout for one layer. */
    AttentionProblem attentionProblem(int heads, int headDim, int window, float dropoutP, long seed) {
        return new AttentionProblem(batch, paddedSeq, heads, headDim, window, attentionMask, globalMask, dropoutP, seed);
    }
}
