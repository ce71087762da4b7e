package org.recformer.ops;

import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.Tensor;

import java.util.Arrays;

/** Longformer self-attention as one fused op (docs/spec.md §3). */
public final class Attention {
    private Attention() {}

    /**
     * Sliding-window + global self-attention of one layer, all heads at once.
     *
     * <p>q, k, v (local projections) and qg, kg, vg (global projections) are {@code [B, T, H*D]}
     * as {@code problem} describes, not yet scaled. Each real, non-global query attends to the
     * non-global real keys within {@code problem.window()} positions on each side plus all global
     * keys (one softmax, local projections); each global query attends to every real key with the
     * global projections; padding queries output 0. Scores are {@code (q / sqrt(D)) . k};
     * {@code problem.dropoutP()} drops probabilities (inverted scaling) from a generator keyed by
     * {@code problem.seed()} (pass p = 0 in evaluation).
     *
     * @return {@code [B, T, H*D]}, with the backward pass recorded to all six inputs
     */
    public static Tensor longformerSelfAttention(AttentionProblem problem,
                                                 Tensor q, Tensor k, Tensor v, Tensor qg, Tensor kg, Tensor vg) {
        return fused("longformerSelfAttention", problem, q, k, v, qg, kg, vg);
    }

    /**
     * The same op without the global queries: their rows of the output are 0, and the caller
     * computes them another way (the model does, from the hidden states: docs/spec.md §3). Every
     * other row is exactly that of {@link #longformerSelfAttention(AttentionProblem, Tensor, Tensor,
     * Tensor, Tensor, Tensor, Tensor)}; the backward pass is recorded to q, k, v.
     */
    public static Tensor longformerLocalAttention(AttentionProblem problem, Tensor q, Tensor k, Tensor v) {
        return fused("longformerLocalAttention", problem, q, k, v);
    }

    /** The backend's fused op on q, k, v and, when given, qg, kg, vg (absent ones passed as null). */
    private static Tensor fused(String name, AttentionProblem problem, Tensor... inputs) {
        checkInputs(problem, inputs);
        Backend be = inputs[0].backend();
        int[] shape = inputs[0].shape();
        Tensor out = Tensor.empty(be, shape);
        Tensor saved = Tensor.empty(be, be.attentionSavedSize(problem));
        Buffer[] in = buffers(inputs);
        be.attentionForward(problem, in[0], in[1], in[2], in[3], in[4], in[5], out.buffer(), saved.buffer());
        return out.record(name, inputs, g -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < grads.length; i++) grads[i] = Tensor.empty(be, shape);
            Buffer[] gb = buffers(grads);
            be.attentionBackward(problem, in[0], in[1], in[2], in[3], in[4], in[5], out.buffer(), saved.buffer(), g.buffer(),
                    gb[0], gb[1], gb[2], gb[3], gb[4], gb[5]);
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i].requiresGrad()) inputs[i].accumulateGrad(grads[i]);
            }
        });
    }

    /** The six buffers of q, k, v, qg, kg, vg order, null past the tensors given. */
    private static Buffer[] buffers(Tensor[] tensors) {
        Buffer[] out = new Buffer[6];
        for (int i = 0; i < tensors.length; i++) out[i] = tensors[i].buffer();
        return out;
    }

    /** The inputs are {@code [B, T, H*D]} of the problem, on one backend. */
    private static void checkInputs(AttentionProblem problem, Tensor[] inputs) {
        String[] names = {"q", "k", "v", "qg", "kg", "vg"};
        int[] expected = {problem.batch(), problem.seq(), problem.channels()};
        for (int i = 0; i < inputs.length; i++) {
            if (!Arrays.equals(inputs[i].shape(), expected)) {
                throw new IllegalArgumentException("attention: " + names[i] + " has shape "
                        + Arrays.toString(inputs[i].shape()) + ", expected " + Arrays.toString(expected)
                        + " (batch, seq, heads*headDim with " + problem.heads() + " heads of " + problem.headDim() + ")");
            }
            if (inputs[i].backend() != inputs[0].backend()) {
                throw new IllegalArgumentException("attention: " + names[i] + " is on " + inputs[i].backend().name()
                        + ", q on " + inputs[0].backend().name());
            }
        }
    }
}
