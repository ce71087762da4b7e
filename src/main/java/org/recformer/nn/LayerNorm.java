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

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }
}
