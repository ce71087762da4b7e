package org.recformer.ops;

import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;

/** Loss functions. */
public final class Losses {
    private Losses() {}

    /**
     * Mean cross-entropy of logits [N, C] against labels (N values in [0, C) or equal to
     * {@code ignoreIndex}, usually -100); ignored rows do not count, and the loss is 0 when every
     * row is ignored. Returns a scalar (shape []).
     */
    public static Tensor crossEntropy(Tensor logits, int[] labels, int ignoreIndex) {
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("crossEntropy: logits " + Shape.str(logits.shape()) + " (expected [N, C])");
        }
        int rows = logits.dim(0), cols = logits.dim(1);
        int[] labelsCopy = labels.clone();
        Tensor logProbs = Tensor.empty(logits.backend(), rows, cols);
        Tensor loss = Tensor.empty(logits.backend());
        logits.backend().crossEntropyForward(logits.buffer(), labelsCopy, rows, cols, ignoreIndex, logProbs.buffer(), loss.buffer());
        return loss.record("crossEntropy", new Tensor[] {logits}, g -> {
            Tensor gl = Tensor.empty(logits.backend(), rows, cols);
            logits.backend().crossEntropyBackward(logProbs.buffer(), labelsCopy, rows, cols, ignoreIndex, g.buffer(), gl.buffer());
            logits.accumulateGrad(gl);
        });
    }
}
