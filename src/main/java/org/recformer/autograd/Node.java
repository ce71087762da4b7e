package org.recformer.autograd;

import org.recformer.tensor.Tensor;

/**
 * One recorded op in the dynamic graph: the tensors it read and how to push the gradient of its
 * output back to them. Backward functions run with recording disabled and hand each input its
 * gradient through {@link Tensor#accumulateGrad}. Once a backward pass has run a node it is
 * released: it drops its inputs and its backward function (which holds the activations it saved),
 * so memory is freed while the rest of the backward pass runs, as PyTorch frees a graph.
 */
public final class Node {
    private static final Tensor[] NONE = new Tensor[0];

    private final String op;
    private Tensor[] inputs;
    private BackwardFn backward;

    public Node(String op, Tensor[] inputs, BackwardFn backward) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
    }

    public String op() {
        return op;
    }

    /** The inputs, none once released. */
    public Tensor[] inputs() {
        return inputs;
    }

    public void backward(Tensor gradOutput) {
        if (backward == null) {
            throw new IllegalStateException("backward through the graph of op " + op + " a second time: a backward pass frees "
                    + "the graph it ran (recompute the forward pass)");
        }
        backward.apply(gradOutput);
    }

    /** Drops the inputs and the saved activations; a later {@link #backward} fails. */
    void release() {
        inputs = NONE;
        backward = null;
    }

    /** Receives the gradient of the node's output and accumulates input gradients. */
    @FunctionalInterface
    public interface BackwardFn {
        void apply(Tensor gradOutput);
    }
}
