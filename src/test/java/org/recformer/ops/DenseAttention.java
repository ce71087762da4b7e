package org.recformer.ops;

import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Tensor;

/**
 * The Longformer self-attention of docs/spec.md §3 composed from basic ops over a dense
 * [B, H, T, T] score matrix: O(T²) memory, for tests and as the benchmark comparator of the fused
 * op {@link Attention#longformerSelfAttention}. Same arguments and result, without dropout.
 */
public final class DenseAttention {
    private DenseAttention() {}

    /** Fill value of masked scores: exp underflows to exactly 0 after the row max is subtracted. */
    private static final float MASKED = -1e30f;

    public static Tensor longformerSelfAttention(AttentionProblem p,
                                                 Tensor q, Tensor k, Tensor v, Tensor qg, Tensor kg, Tensor vg) {
        if (p.dropoutP() != 0f) throw new IllegalArgumentException("dense attention: dropoutP must be 0, got " + p.dropoutP());
        int batch = p.batch(), seq = p.seq(), heads = p.heads(), headDim = p.headDim(), oneSidedWindow = p.window();
        int[] attentionMask = p.attentionMask(), globalMask = p.globalMask();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        // [B, T, H*D] -> [B, H, T, D]
        Tensor ql = Arithmetic.scale(toHeads(q, batch, seq, heads, headDim), scale);
        Tensor kl = toHeads(k, batch, seq, heads, headDim);
        Tensor vl = toHeads(v, batch, seq, heads, headDim);
        Tensor qgl = Arithmetic.scale(toHeads(qg, batch, seq, heads, headDim), scale);
        Tensor kgl = toHeads(kg, batch, seq, heads, headDim);
        Tensor vgl = toHeads(vg, batch, seq, heads, headDim);

        float[] localBlocked = new float[batch * seq * seq];   // [B, 1, T, T]: 1 = key not visible
        float[] globalBlocked = new float[batch * seq * seq];  // [B, 1, T, T]
        float[] localRows = new float[batch * seq];            // [B, 1, T, 1]: 1 = row takes the local result
        float[] globalRows = new float[batch * seq];           // [B, 1, T, 1]: 1 = row takes the global result
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                boolean realQuery = attentionMask[b * seq + i] != 0;
                boolean globalQuery = realQuery && globalMask[b * seq + i] != 0;
                localRows[b * seq + i] = realQuery && !globalQuery ? 1f : 0f;
                globalRows[b * seq + i] = globalQuery ? 1f : 0f;
                for (int j = 0; j < seq; j++) {
                    boolean realKey = attentionMask[b * seq + j] != 0;
                    boolean globalKey = realKey && globalMask[b * seq + j] != 0;
                    boolean inWindow = Math.abs(i - j) <= oneSidedWindow;
                    boolean local = realKey && (globalKey || inWindow);
                    localBlocked[(b * seq + i) * seq + j] = local ? 0f : 1f;
                    globalBlocked[(b * seq + i) * seq + j] = realKey ? 0f : 1f;
                }
            }
        }
        Tensor localOut = attend(ql, kl, vl, Tensor.of(q.backend(), localBlocked, batch, 1, seq, seq));
        Tensor globalOut = attend(qgl, kgl, vgl, Tensor.of(q.backend(), globalBlocked, batch, 1, seq, seq));
        Tensor out = Arithmetic.add(
                Arithmetic.mul(localOut, Tensor.of(q.backend(), localRows, batch, 1, seq, 1)),
                Arithmetic.mul(globalOut, Tensor.of(q.backend(), globalRows, batch, 1, seq, 1)));
        // [B, H, T, D] -> [B, T, H*D]
        return Shapes.reshape(Shapes.permute(out, 0, 2, 1, 3), batch, seq, heads * headDim);
    }

    /** softmax(q kᵀ with blocked keys removed) v over [B, H, T, D]. */
    private static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor blocked) {
        Tensor scores = Masking.maskedFill(MatMul.matmul(q, k, false, true), blocked, MASKED);
        return MatMul.matmul(Softmax.softmax(scores), v);
    }

    private static Tensor toHeads(Tensor x, int batch, int seq, int heads, int headDim) {
        return Shapes.permute(Shapes.reshape(x, batch, seq, heads, headDim), 0, 2, 1, 3);
    }
}
