package org.recformer.model;

import org.recformer.ops.Arithmetic;
import org.recformer.ops.Reductions;
import org.recformer.ops.Shapes;
import org.recformer.tensor.Tensor;

/**
 * The sequence vector (no parameters). {@code cls}: the first token's last hidden state.
 * {@code avg}: the mean of the last hidden states weighted by the merged mask HuggingFace's code
 * passes to the pooler, {@code attention_mask * (global_attention_mask + 1)}, so a global token
 * counts twice, exactly as the public code computes it. {@code avg_newest} (a project extension,
 * docs/spec.md §3): {@code avg} plus the mean of the last hidden states of the newest item's tokens
 * (item position 1; nothing when the sequence holds no item), so the most recent item weighs as
 * much as the whole history.
 */
final class Pooler {
    private Pooler() {}

    /** hidden [B, T, C] -> [B, C]. */
    static Tensor pool(String type, Tensor hidden, ModelInput in) {
        int batch = in.batch();
        int seq = in.seq();
        int c = hidden.dim(2);
        if (type.equals("cls")) {
            return Shapes.reshape(Shapes.slice(hidden, 1, 0, 1), batch, c);
        }
        Tensor avg = average(hidden, in);
        if (type.equals("avg")) return avg;
        float[] newest = new float[batch * seq];
        float[] counts = new float[batch];
        for (int i = 0; i < newest.length; i++) {
            newest[i] = in.attentionMask()[i] != 0 && in.itemPositionIds()[i] == 1 ? 1 : 0;
            counts[i / seq] += newest[i];
        }
        for (int b = 0; b < batch; b++) counts[b] = Math.max(counts[b], 1); // no item: the term is 0
        Tensor w = Tensor.of(hidden.backend(), newest, batch, seq, 1);
        Tensor sum = Reductions.sum(Arithmetic.mul(hidden, w), new int[] {1}, false);
        return Arithmetic.add(avg, Arithmetic.div(sum, Tensor.of(hidden.backend(), counts, batch, 1)));
    }

    /** The {@code avg} pooling: hidden [B, T, C] -> [B, C]. */
    private static Tensor average(Tensor hidden, ModelInput in) {
        int batch = in.batch();
        int seq = in.seq();
        float[] weights = new float[batch * seq];
        float[] totals = new float[batch];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = in.attentionMask()[i] * (in.globalAttentionMask()[i] + 1);
            totals[i / seq] += weights[i];
        }
        for (int b = 0; b < batch; b++) {
            if (totals[b] == 0) throw new IllegalArgumentException("avg pooling: row " + b + " of attention_mask has no real token");
        }
        Tensor w = Tensor.of(hidden.backend(), weights, batch, seq, 1);
        Tensor sum = Reductions.sum(Arithmetic.mul(hidden, w), new int[] {1}, false);
        return Arithmetic.div(sum, Tensor.of(hidden.backend(), totals, batch, 1));
    }
}
