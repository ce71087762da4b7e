package org.recformer.ops;

import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;

import java.util.Arrays;

/** Normalizations over the last dimension: layer norm and the L2 norm. */
public final class Norms {
    private Norms() {}

    /** (x - mean) / sqrt(var + eps) * weight + bias over the last dimension (biased variance, as PyTorch). */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        int cols = lastDim(x, "layerNorm");
        if (weight.rank() != 1 || weight.dim(0) != cols || bias.rank() != 1 || bias.dim(0) != cols) {
            throw new IllegalArgumentException("layerNorm: weight " + Shape.str(weight.shape()) + " and bias "
                    + Shape.str(bias.shape()) + " for input " + Shape.str(x.shape()) + " (expected [" + cols + "])");
        }
        int rows = x.numel() / Math.max(cols, 1);
        Tensor out = Tensor.empty(x.backend(), x.shape());
        Tensor mean = Tensor.empty(x.backend(), rows);
        Tensor rstd = Tensor.empty(x.backend(), rows);
        x.backend().layerNormForward(x.buffer(), weight.buffer(), bias.buffer(), out.buffer(), mean.buffer(), rstd.buffer(), rows, cols, eps);
        return out.record("layerNorm", new Tensor[] {x, weight, bias}, g -> {
            Tensor gx = Tensor.empty(x.backend(), x.shape());
            Tensor gw = Tensor.zeros(x.backend(), cols);
            Tensor gb = Tensor.zeros(x.backend(), cols);
            x.backend().layerNormBackward(g.buffer(), x.buffer(), weight.buffer(), mean.buffer(), rstd.buffer(),
                    gx.buffer(), gw.buffer(), gb.buffer(), rows, cols);
            if (x.requiresGrad()) x.accumulateGrad(gx);
            if (weight.requiresGrad()) weight.accumulateGrad(gw);
            if (bias.requiresGrad()) bias.accumulateGrad(gb);
        });
    }

    /** ||x||_2 over the last dimension, which is removed; the gradient at a zero row is 0. */
    public static Tensor l2Norm(Tensor x) {
        return rowNorm(x, 0f, false);
    }

    /**
     * max(||x||_2, minNorm) over the last dimension, kept as size 1 when {@code keepDim}; no
     * gradient flows where the clamp is active.
     */
    static Tensor rowNorm(Tensor x, float minNorm, boolean keepDim) {
        int cols = lastDim(x, "l2Norm");
        int[] shape = x.shape();
        int[] outShape = keepDim ? withLastDim(shape, 1) : Arrays.copyOf(shape, shape.length - 1);
        int rows = Shape.numel(outShape);
        Tensor out = Tensor.empty(x.backend(), outShape);
        x.backend().rowNorm(x.buffer(), out.buffer(), rows, cols, minNorm);
        return out.record("l2Norm", new Tensor[] {x}, g -> {
            Tensor gx = Tensor.empty(x.backend(), shape);
            x.backend().rowNormBackward(x.buffer(), out.buffer(), g.buffer(), gx.buffer(), rows, cols, minNorm);
            x.accumulateGrad(gx);
        });
    }

    private static int lastDim(Tensor x, String op) {
        if (x.rank() < 1) throw new IllegalArgumentException(op + ": input must have rank >= 1, got a scalar");
        return x.dim(-1);
    }

    private static int[] withLastDim(int[] shape, int last) {
        int[] s = shape.clone();
        s[s.length - 1] = last;
        return s;
    }
}
