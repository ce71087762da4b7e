package org.recformer.ops;

import org.recformer.tensor.Tensor;

/** Softmax and log-softmax over the last dimension. */
public final class Softmax {
    private Softmax() {}

    public static Tensor softmax(Tensor x) {
        return apply(x, false);
    }

    public static Tensor logSoftmax(Tensor x) {
        return apply(x, true);
    }

    private static Tensor apply(Tensor x, boolean log) {
        String name = log ? "logSoftmax" : "softmax";
        if (x.rank() < 1) throw new IllegalArgumentException(name + ": input must have rank >= 1, got a scalar");
        int cols = x.dim(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        Tensor out = Tensor.empty(x.backend(), x.shape());
        x.backend().softmaxForward(x.buffer(), out.buffer(), rows, cols, log);
        return out.record(name, new Tensor[] {x}, g -> {
            Tensor gx = Tensor.empty(x.backend(), x.shape());
            x.backend().softmaxBackward(out.buffer(), g.buffer(), gx.buffer(), rows, cols, log);
            x.accumulateGrad(gx);
        });
    }
}
