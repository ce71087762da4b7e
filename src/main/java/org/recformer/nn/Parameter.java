package org.recformer.nn;

import org.recformer.tensor.Tensor;

/**
 * A trainable leaf tensor owned by a module. Its values change only in place (loading weights,
 * optimizer steps); {@code frozen} parameters keep requiresGrad off and are skipped by optimizers.
 */
public final class Parameter {
    private final Tensor tensor;

    Parameter(Tensor tensor) {
        if (!tensor.isLeaf()) throw new IllegalArgumentException("a parameter must be a leaf tensor");
        this.tensor = tensor.requiresGrad(true);
    }

    public Tensor tensor() {
        return tensor;
    }

    public int[] shape() {
        return tensor.shape();
    }

    public boolean isFrozen() {
        return !tensor.requiresGrad();
    }

    public void setFrozen(boolean frozen) {
        tensor.requiresGrad(!frozen);
        if (frozen) tensor.zeroGrad();
    }
}
