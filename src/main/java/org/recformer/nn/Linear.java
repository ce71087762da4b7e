package org.recformer.nn;

import org.recformer.ops.MatMul;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

/** {@code y = x W^T + b} over the last dimension, as {@code torch.nn.Linear}: weight [out, in], bias [out]. */
public final class Linear extends Module {
    private final Parameter weight;
    private final Parameter bias;

    /** Weight and bias start at zero on {@code backend}; load or initialise them (see {@link Init}). */
    public Linear(Backend backend, int in, int out, boolean withBias) {
        weight = registerParameter("weight", Tensor.zeros(backend, out, in));
        bias = withBias ? registerParameter("bias", Tensor.zeros(backend, out)) : null;
    }

    /** x [..., in] -> [..., out]. */
    public Tensor forward(Tensor x) {
        return MatMul.linear(x, weight.tensor(), bias == null ? null : bias.tensor());
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }
}
