package org.recformer.model;

import org.recformer.ops.Arithmetic;
import org.recformer.ops.Reductions;
import org.recformer.ops.Shapes;
import org.recformer.tensor.Tensor;

/**
 * The sequence vector (no parameters). {@code cls}: the first token's last hidden state.
 * {@code avg}: the mean of the last hidden states weighted by the merged mask HuggingFace's code
 * passes to the pooler, {@code attention_mask * (global_attention_mask + 1)}, so a global token
 * counts twice, exactly as the public code computes it.
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
