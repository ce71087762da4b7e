package org.recformer.autograd;

import org.recformer.tensor.Buffer;
import org.recformer.tensor.BufferRecycler;
import org.recformer.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reverse-mode differentiation over the graph recorded by ops. */
public final class Autograd {
    /** Tests: false makes every backward pass allocate anew (buffers handed back to no recycler). */
    static volatile boolean reuseBuffers = true;

    private Autograd() {}

    /**
     * Back-propagates {@code gradOutput} (same shape as {@code root}) through the graph. Leaf
     * tensors that require grad accumulate their gradient; intermediate gradients are released
     * as soon as their node has run, and so is the node with what it saved for backward (the
     * graph can be run backward once). Each node runs as work of a {@link BufferRecycler} of
     * root's backend: a buffer the pass allocated goes back to it as soon as no tensor holds it as
     * its gradient ({@link GradHolders}), and the nodes after it get it instead of a new one.
     */
    public static void backward(Tensor root, Tensor gradOutput) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward() on a tensor that does not require grad (was it computed in a no-grad scope?)");
        }
        List<Tensor> order = topologicalOrder(root);
        root.accumulateGrad(gradOutput);
        BufferRecycler recycler = reuseBuffers ? root.backend().recycler() : BufferRecycler.NONE;
        GradHolders holders = new GradHolders(recycler);
        try (var scope = GradMode.noGrad()) {
            for (int i = 0; i < order.size(); i++) {
                Tensor t = order.set(i, null); // the values of tensors already run are not needed
                Node node = t.node();
                if (node == null) continue;
                Tensor g = t.grad();
                if (g == null) continue; // no path from root carried a gradient here
                t.releaseGrad();
                Tensor[] inputs = distinct(node.inputs());
                Tensor[] before = new Tensor[inputs.length];
                for (int k = 0; k < inputs.length; k++) before[k] = inputs[k].grad();
                List<Buffer> made = recycler.serve(() -> node.backward(g));
                node.release();
                holders.made(made);
                for (int k = 0; k < inputs.length; k++) {
                    if (inputs[k].grad() != before[k]) holders.hold(inputs[k].grad());
                }
                for (int k = 0; k < inputs.length; k++) {
                    if (inputs[k].grad() != before[k]) holders.drop(before[k]);
                }
                if (t.grad() == null) holders.drop(g);
                holders.releaseUnheld(made);
            }
        }
    }

    /** The tensors of {@code inputs}, each once (x * x lists x twice), without nulls. */
    private static Tensor[] distinct(Tensor[] inputs) {
        List<Tensor> once = new ArrayList<>(inputs.length);
        for (Tensor in : inputs) {
            boolean seen = in == null;
            for (Tensor t : once) seen |= t == in;
            if (!seen) once.add(in);
        }
        return once.toArray(new Tensor[0]);
    }

    /**
     * Of the buffers a backward pass allocated, how many tensors hold each as (the buffer of) their gradient; a
     * buffer that none holds any more goes back to the recycler. Only ops' backward functions, run by the pass,
     * set gradients, each on its node's inputs, so the counts change where a node's inputs' gradients do (all new
     * holders counted before any old one is dropped) and where a tensor lets go of its gradient once its node has
     * run. Buffers the pass did not allocate (the gradient passed in, leaves' gradients from before, saved
     * activations) are never counted and never released.
     */
    private static final class GradHolders {
        private final BufferRecycler recycler;
        private final Map<Buffer, int[]> holders = new IdentityHashMap<>();

        GradHolders(BufferRecycler recycler) {
            this.recycler = recycler;
        }

        /** Buffers a node has just allocated: held by nobody yet. */
        void made(List<Buffer> buffers) {
            for (Buffer b : buffers) holders.put(b, new int[1]);
        }

        /** One more tensor holds {@code grad} as its gradient. */
        void hold(Tensor grad) {
            int[] count = grad == null ? null : holders.get(grad.buffer());
            if (count != null) count[0]++;
        }

        /** One tensor less holds {@code grad} as its gradient: released when it was the last. */
        void drop(Tensor grad) {
            int[] count = grad == null ? null : holders.get(grad.buffer());
            if (count != null && --count[0] == 0) release(grad.buffer());
        }

        /** Hands back the buffers of {@code made} that no gradient holds (a node's temporaries). */
        void releaseUnheld(List<Buffer> made) {
            for (Buffer b : made) {
                int[] count = holders.get(b);
                if (count != null && count[0] == 0) release(b);
            }
        }

        private void release(Buffer b) {
            holders.remove(b);
            recycler.release(b);
        }
    }

    /** Tensors reachable from root, each after all tensors that consume it (root first). */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> postOrder = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        // iterative DFS: the graph of a deep model is too deep for recursion
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] inputs = t.node() == null ? new Tensor[0] : t.node().inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in != null && in.requiresGrad() && visited.add(in)) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                postOrder.add(t);
            }
        }
        Collections.reverse(postOrder);
        return postOrder;
    }
}
