package org.recformer.model;

import org.recformer.tensor.Tensor;

/**
 * The pretraining forward's results: total loss = contrastive loss + mlm_weight x (MLM loss of a +
 * MLM loss of b) (scalars; the MLM losses are null when no MLM input was given), the similarity
 * logits cos(a_i, b_j) / temp [B, B], both views' pooled outputs [B, C], and the batch size {@code total}.
 */
public record PretrainOutput(Tensor loss, Tensor contrastiveLoss, Tensor mlmLossA, Tensor mlmLossB,
                             Tensor cosSim, Tensor pooledA, Tensor pooledB, int total) {

    /**
     * Rows of the similarity logits whose largest entry (first one on ties, like torch.argmax) is on the
     * diagonal. Reads the logits from the device, so only evaluation asks for it, never a training step.
     */
    public int correct() {
        float[] v = cosSim.toArray();
        int m = cosSim.dim(1);
        int correct = 0;
        for (int i = 0; i < total; i++) {
            int best = 0;
            for (int j = 1; j < m; j++) if (v[i * m + j] > v[i * m + best]) best = j;
            if (best == i) correct++;
        }
        return correct;
    }

    /** Contrastive accuracy: correct / total. */
    public double accuracy() {
        return (double) correct() / total;
    }
}
