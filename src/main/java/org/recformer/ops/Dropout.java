package org.recformer.ops;

import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Tensor;

/** Inverted dropout from a counter-based generator (same seed, same mask on every backend). */
public final class Dropout {
    private Dropout() {}

    /**
     * Zeroes each element with probability p and scales the kept ones by 1/(1-p); returns x itself
     * when not training or p == 0. The mask depends only on (seed, element index), so callers
     * give each dropout site and step its own seed.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, long seed) {
        if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout probability " + p + " outside [0, 1]");
        if (!training || p == 0f) return x;
        Tensor out = Tensor.empty(x.backend(), x.shape());
        Tensor mask = Tensor.empty(x.backend(), x.shape()); // 0 or 1/(1-p)
        x.backend().dropout(x.buffer(), out.buffer(), mask.buffer(), x.numel(), p, seed);
        return out.record("dropout", new Tensor[] {x}, g -> {
            Tensor gx = Tensor.empty(x.backend(), x.shape());
            x.backend().binary(BinaryOp.MUL, g.buffer(), g.shape(), mask.buffer(), x.shape(), gx.buffer(), x.shape());
            x.accumulateGrad(gx);
        });
    }
}
