package org.recformer.model;

import org.recformer.tensor.Tensor;

/**
 * The pretraining forward's results: total loss = contrastive loss + mlm_weight x (MLM loss of a +
 * MLM loss of b) (scalars; the MLM losses are null when no MLM input was given), the similarity
 * logits cos(a_i, b_j) / temp [B, B], both views' pooled outputs [B, C], and how many rows' argmax is
 * the diagonal (contrastive accuracy = correct / batch).
 */
public record PretrainOutput(Tensor loss, Tensor contrastiveLoss, Tensor mlmLossA, Tensor mlmLossB,
                             Tensor cosSim, Tensor pooledA, Tensor pooledB, int correct, int total) {

    public double accuracy() {
        return (double) correct / total;
    }
}
