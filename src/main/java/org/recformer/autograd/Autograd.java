package org.recformer.autograd;

import org.recformer.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** Reverse-mode differentiation over the graph recorded by ops. */
public final class Autograd {
    private Autograd() {}

    /**
     * Back-propagates {@code gradOutput} (same shape as {@code root}) through the graph. Leaf
     * tensors that require grad accumulate their gradient; intermediate gradients are released
     * as soon as their node has run, and so is the node with what it saved for backward (the
     * graph can be run backward once).
     */
    public static void backward(Tensor root, Tensor gradOutput) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward() on a tensor that does not require grad (was it computed in a no-grad scope?)");
        }
        List<Tensor> order = topologicalOrder(root);
        root.accumulateGrad(gradOutput);
        try (var scope = GradMode.noGrad()) {
            for (int i = 0; i < order.size(); i++) {
                Tensor t = order.set(i, null); // the values of tensors already run are not needed
                Node node = t.node();
                if (node == null) continue;
                Tensor g = t.grad();
                if (g == null) continue; // no path from root carried a gradient here
                t.releaseGrad();
                node.backward(g);
                node.release();
            }
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
