package org.recformer.ops;

import org.recformer.autograd.GradMode;
import org.recformer.tensor.Tensor;
import org.recformer.tensor.UnaryOp;

/** Elementwise activations and math functions, each with its gradient. */
public final class Activations {
    private Activations() {}

    /** Exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), as torch.nn.functional.gelu. */
    public static Tensor gelu(Tensor x) {
        return Unary.apply("gelu", UnaryOp.GELU, x, 0f);
    }

    /**
     * {@link #gelu} written over {@code x} itself, which is returned (an in-place op, as torch's {@code inplace=True}):
     * for a forward without a graph, where nothing reads x's old values again. Refused while the graph is on: its
     * gradient would need them.
     */
    public static Tensor geluInPlace(Tensor x) {
        if (GradMode.isEnabled()) {
            throw new IllegalStateException("geluInPlace overwrites its input, which the graph would need: run it under no_grad");
        }
        x.backend().unary(UnaryOp.GELU, x.buffer(), x.buffer(), x.numel(), 0f);
        return x;
    }

    public static Tensor tanh(Tensor x) {
        return Unary.apply("tanh", UnaryOp.TANH, x, 0f);
    }

    public static Tensor exp(Tensor x) {
        return Unary.apply("exp", UnaryOp.EXP, x, 0f);
    }

    /** max(x, min); the gradient passes where x &gt;= min (as torch.clamp_min). */
    public static Tensor clampMin(Tensor x, float min) {
        return Unary.apply("clampMin", UnaryOp.CLAMP_MIN, x, min);
    }

    public static Tensor sqrt(Tensor x) {
        return Unary.apply("sqrt", UnaryOp.SQRT, x, 0f);
    }

    /** x to the power p; the gradient is p x^(p-1) (0 when p == 0). */
    public static Tensor pow(Tensor x, float p) {
        return Unary.apply("pow", UnaryOp.POW, x, p);
    }
}
