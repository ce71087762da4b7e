package org.recformer.autograd;

import org.recformer.tensor.Tensor;

/**
 * One recorded op in the dynamic graph: the tensors it read and how to push the gradient of its
 * output back to them. Backward functions run with recording disabled and hand each input its
 * gradient through {@link Tensor#accumulateGrad}.
 */
public final class Node {
    private final String op;
    private final Tensor[] inputs;
    private final BackwardFn backward;

    public Node(String op, Tensor[] inputs, BackwardFn backward) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
    }

    public String op() {
        return op;
    }

    public Tensor[] inputs() {
        return inputs;
    }

    public void backward(Tensor gradOutput) {
        backward.apply(gradOutput);
    }

    /** Receives the gradient of the node's output and accumulates input gradients. */
    @FunctionalInterface
    public interface BackwardFn {
        void apply(Tensor gradOutput);
    }
}
