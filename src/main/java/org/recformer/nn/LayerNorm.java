package org.recformer.nn;

import org.recformer.ops.Norms;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

/** Layer normalisation over the last dimension with an elementwise affine transform, as {@code torch.nn.LayerNorm}. */
public final class LayerNorm extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final float eps;

    /** Weight starts at one and bias at zero, on {@code backend}. */
    public LayerNorm(Backend backend, int size, double eps) {
        weight = registerParameter("weight", Tensor.full(backend, 1f, size));
        bias = registerParameter("bias", Tensor.zeros(backend, size));
        this.eps = (float) eps;
    }

    /** x [..., size] -> same shape. */
    public Tensor forward(Tensor x) {
        return Norms.layerNorm(x, weight.tensor(), bias.tensor(), eps);
    }

    /**
     * LayerNorm(dropout(x) + residual), the post-LayerNorm residual block, as one op
     * ({@link Norms#dropoutAddLayerNorm}); {@code dropout} draws its seed as its own forward would.
     */
    public Tensor forward(Tensor x, Dropout dropout, Tensor residual) {
        float p = dropout.activeP();
        return Norms.dropoutAddLayerNorm(x, p, p == 0f ? 0L : dropout.nextSeed(), residual, weight.tensor(), bias.tensor(), eps);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }
}
