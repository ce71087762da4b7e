package org.recformer.tensor;

import org.recformer.autograd.Autograd;
import org.recformer.autograd.GradMode;
import org.recformer.autograd.Node;

import java.util.Arrays;

/**
 * An n-dimensional array of float32 values on one backend, contiguous and row-major, with the
 * autograd state: whether it requires a gradient, its accumulated gradient, and the recorded op
 * ({@link Node}) that produced it. Ops live in {@code org.recformer.ops}; a tensor's values are
 * never changed by an op, only by explicit in-place calls ({@link #copyFrom}, optimizer steps).
 */
public final class Tensor {
    private final Backend backend;
    private final Buffer buffer;
    private final int[] shape;
    private boolean requiresGrad;
    private Node node;
    private Tensor grad;
    private boolean retainGrad;

    public Tensor(Backend backend, Buffer buffer, int[] shape) {
        if (buffer.size() != Shape.numel(shape)) {
            throw new IllegalArgumentException("buffer of " + buffer.size() + " values for shape " + Arrays.toString(shape));
        }
        this.backend = backend;
        this.buffer = buffer;
        this.shape = shape.clone();
    }

    // ---------------------------------------------------------------- factories

    public static Tensor of(Backend backend, float[] data, int... shape) {
        if (data.length != Shape.numel(shape)) {
            throw new IllegalArgumentException(data.length + " values for shape " + Arrays.toString(shape));
        }
        return new Tensor(backend, backend.fromArray(data), shape);
    }

    public static Tensor zeros(Backend backend, int... shape) {
        return full(backend, 0f, shape);
    }

    public static Tensor full(Backend backend, float value, int... shape) {
        Tensor t = empty(backend, shape);
        backend.fill(t.buffer, value);
        return t;
    }

    /** A tensor whose values are unspecified until written (kernels write every element). */
    public static Tensor empty(Backend backend, int... shape) {
        return new Tensor(backend, backend.allocate(Shape.numel(shape)), shape);
    }

    // ---------------------------------------------------------------- data

    public Backend backend() {
        return backend;
    }

    public Buffer buffer() {
        return buffer;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int i) {
        return shape[Shape.dim(i, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return buffer.size();
    }

    public float[] toArray() {
        return backend.toArray(buffer);
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalStateException("item() on a tensor of shape " + Arrays.toString(shape));
        return toArray()[0];
    }

    /** Overwrites this tensor's values in place (no graph is recorded). */
    public void copyFrom(Tensor src) {
        if (src.numel() != numel()) {
            throw new IllegalArgumentException("copyFrom: shape " + Arrays.toString(src.shape) + " into " + Arrays.toString(shape));
        }
        backend.copyBlocks(src.buffer, 0, 0, buffer, 0, 0, numel(), 1, false);
    }

    /** Overwrites this tensor's values in place from a host array. */
    public void copyFrom(float[] values) {
        copyFrom(Tensor.of(backend, values, shape));
    }

    /** A new tensor with the same values and no graph. */
    public Tensor copy() {
        Tensor t = empty(backend, shape);
        t.copyFrom(this);
        return t;
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as one whose gradient is accumulated by {@link #backward()}. */
    public Tensor requiresGrad(boolean value) {
        if (node != null && !value) throw new IllegalStateException("cannot clear requiresGrad on a non-leaf tensor; use detach()");
        this.requiresGrad = value;
        return this;
    }

    public boolean isLeaf() {
        return node == null;
    }

    public Node node() {
        return node;
    }

    /** Keeps this non-leaf tensor's gradient after backward (for inspection and tests). */
    public Tensor retainGrad() {
        this.retainGrad = true;
        return this;
    }

    /** The accumulated gradient, or null if none has been computed. */
    public Tensor grad() {
        return grad;
    }

    public void zeroGrad() {
        grad = null;
    }

    /** The same values, cut from the graph. Shares the buffer. */
    public Tensor detach() {
        return new Tensor(backend, buffer, shape);
    }

    /**
     * Called by ops: records the node that produced this tensor when recording is on and some
     * input requires grad. Returns this.
     */
    public Tensor record(String op, Tensor[] inputs, Node.BackwardFn backward) {
        if (!GradMode.isEnabled()) return this;
        boolean any = false;
        for (Tensor in : inputs) any |= in != null && in.requiresGrad;
        if (!any) return this;
        this.node = new Node(op, inputs, backward);
        this.requiresGrad = true;
        return this;
    }

    /** Backward from a scalar (one-element) tensor with gradient 1. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalStateException("backward() needs a one-element tensor, got shape " + Arrays.toString(shape) + "; pass a gradient");
        }
        Autograd.backward(this, full(backend, 1f, shape));
    }

    public void backward(Tensor gradOutput) {
        Autograd.backward(this, gradOutput);
    }

    /**
     * Adds {@code g} to this tensor's gradient. Leaves own their gradient buffer (the first
     * gradient is copied, later ones added in place); intermediate tensors may alias {@code g}.
     */
    public void accumulateGrad(Tensor g) {
        if (!Arrays.equals(g.shape, shape)) {
            throw new IllegalStateException("gradient of shape " + Arrays.toString(g.shape) + " for tensor of shape " + Arrays.toString(shape));
        }
        if (grad == null) {
            grad = isLeaf() ? g.copy() : g;
        } else if (isLeaf()) {
            backend.binary(BinaryOp.ADD, grad.buffer, shape, g.buffer, shape, grad.buffer, shape);
        } else {
            Tensor sum = empty(backend, shape);
            backend.binary(BinaryOp.ADD, grad.buffer, shape, g.buffer, shape, sum.buffer, shape);
            grad = sum;
        }
    }

    /**
     * {@link #accumulateGrad} of a gradient the caller has just allocated and holds nowhere else: a
     * leaf without a gradient keeps {@code g} itself as its gradient buffer instead of a copy (one
     * copy of every parameter gradient less per step).
     */
    public void accumulateFreshGrad(Tensor g) {
        if (grad == null && isLeaf() && Arrays.equals(g.shape, shape)) {
            grad = g;
        } else {
            accumulateGrad(g);
        }
    }

    /** Drops an intermediate gradient once its node has consumed it (unless retained). */
    public void releaseGrad() {
        if (!isLeaf() && !retainGrad) grad = null;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (requiresGrad ? " requiresGrad" : "") + " on " + backend.name();
    }
}
