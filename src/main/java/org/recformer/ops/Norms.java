package org.recformer.ops;

import org.recformer.tensor.Backend;
import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;

import java.util.Arrays;

/** Normalizations over the last dimension: layer norm and the L2 norm. */
public final class Norms {
    private Norms() {}

    /** (x - mean) / sqrt(var + eps) * weight + bias over the last dimension (biased variance, as PyTorch). */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        int cols = checkAffine(x, weight, bias, "layerNorm");
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
            if (x.requiresGrad()) x.accumulateFreshGrad(gx);
            if (weight.requiresGrad()) weight.accumulateFreshGrad(gw);
            if (bias.requiresGrad()) bias.accumulateFreshGrad(gb);
        });
    }

    /**
     * layerNorm(dropout(x) + residual) as one op, the post-LayerNorm residual block of a
     * transformer layer: x and residual have the same shape; dropout zeroes each element of x with
     * probability p and scales the rest by 1/(1-p), from the generator keyed by {@code seed} as
     * {@link Dropout#dropout} (p = 0: no dropout). The result and gradients equal that composition;
     * what is saved for backward is only the sum (the layer norm's input) and the row statistics:
     * the dropout mask is drawn again from the seed in backward, and the dropped-out x is not kept.
     */
    public static Tensor dropoutAddLayerNorm(Tensor x, float p, long seed, Tensor residual, Tensor weight, Tensor bias, float eps) {
        if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout probability " + p + " outside [0, 1]");
        if (!Arrays.equals(x.shape(), residual.shape())) {
            throw new IllegalArgumentException("dropoutAddLayerNorm: input " + Shape.str(x.shape()) + " and residual "
                    + Shape.str(residual.shape()) + " differ");
        }
        int cols = checkAffine(x, weight, bias, "dropoutAddLayerNorm");
        int rows = x.numel() / Math.max(cols, 1);
        int n = x.numel();
        Backend be = x.backend();
        int[] shape = x.shape();
        Tensor sum = Tensor.empty(be, shape);
        if (p > 0f) {
            be.dropout(x.buffer(), sum.buffer(), be.allocate(n), n, p, seed);
            be.binary(BinaryOp.ADD, sum.buffer(), shape, residual.buffer(), shape, sum.buffer(), shape);
        } else {
            be.binary(BinaryOp.ADD, x.buffer(), shape, residual.buffer(), shape, sum.buffer(), shape);
        }
        Tensor out = Tensor.empty(be, shape);
        Tensor mean = Tensor.empty(be, rows);
        Tensor rstd = Tensor.empty(be, rows);
        be.layerNormForward(sum.buffer(), weight.buffer(), bias.buffer(), out.buffer(), mean.buffer(), rstd.buffer(), rows, cols, eps);
        return out.record("dropoutAddLayerNorm", new Tensor[] {x, residual, weight, bias}, g -> {
            Tensor gSum = Tensor.empty(be, shape);
            Tensor gw = Tensor.zeros(be, cols);
            Tensor gb = Tensor.zeros(be, cols);
            be.layerNormBackward(g.buffer(), sum.buffer(), weight.buffer(), mean.buffer(), rstd.buffer(),
                    gSum.buffer(), gw.buffer(), gb.buffer(), rows, cols);
            if (residual.requiresGrad()) residual.accumulateGrad(gSum);
            if (x.requiresGrad() && p > 0f) { // the same mask from the same seed: gx = gSum * mask
                Tensor gx = Tensor.empty(be, shape);
                be.dropout(gSum.buffer(), gx.buffer(), be.allocate(n), n, p, seed);
                x.accumulateFreshGrad(gx);
            } else if (x.requiresGrad()) {
                x.accumulateGrad(gSum);
            }
            if (weight.requiresGrad()) weight.accumulateFreshGrad(gw);
            if (bias.requiresGrad()) bias.accumulateFreshGrad(gb);
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

    /** The last dimension of x, which weight and bias ([cols] each) must match. */
    private static int checkAffine(Tensor x, Tensor weight, Tensor bias, String op) {
        int cols = lastDim(x, op);
        if (weight.rank() != 1 || weight.dim(0) != cols || bias.rank() != 1 || bias.dim(0) != cols) {
            throw new IllegalArgumentException(op + ": weight " + Shape.str(weight.shape()) + " and bias "
                    + Shape.str(bias.shape()) + " for input " + Shape.str(x.shape()) + " (expected [" + cols + "])");
        }
        return cols;
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
