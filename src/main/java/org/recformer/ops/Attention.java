package org.recformer.ops;

import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.Arrays;

/** Longformer self-attention as one fused op (docs/spec.md §3). */
public final class Attention {
    private Attention() {}

    /**
     * Sliding-window + global self-attention of one layer, all heads at once.
     *
     * <p>q, k, v (local projections) and qg, kg, vg (global projections) are {@code [B, T, H*D]},
     * not yet scaled; {@code attentionMask} and {@code globalMask} are {@code [B*T]} with 1 for a
     * real token / a global token (a padding token is never global). Each real, non-global query
     * attends to the non-global real keys within {@code oneSidedWindow} positions on each side plus
     * all global keys (one softmax, local projections); each global query attends to every real key
     * with the global projections; padding queries output 0. Scores are
     * {@code (q / sqrt(D)) . k}; {@code dropoutP} drops probabilities (inverted scaling) from a
     * generator keyed by {@code seed} (pass 0 in evaluation).
     *
     * @return {@code [B, T, H*D]}, with the backward pass recorded to all six inputs
     */
    public static Tensor longformerSelfAttention(Tensor q, Tensor k, Tensor v, Tensor qg, Tensor kg, Tensor vg,
                                                 int[] attentionMask, int[] globalMask, int batch, int seq, int heads,
                                                 int oneSidedWindow, float dropoutP, long seed) {
        Tensor[] inputs = {q, k, v, qg, kg, vg};
        int headDim = checkArguments(inputs, attentionMask, globalMask, batch, seq, heads, oneSidedWindow, dropoutP);
        int[] attention = attentionMask.clone(); // the backward closure must see the masks of this call
        int[] global = globalMask.clone();
        Backend be = q.backend();
        int[] shape = q.shape();
        Tensor out = Tensor.empty(be, shape);
        Tensor saved = Tensor.empty(be, be.attentionSavedSize(batch, seq, heads, headDim, oneSidedWindow,
                maxGlobal(attention, global, batch, seq)));
        be.attentionForward(q.buffer(), k.buffer(), v.buffer(), qg.buffer(), kg.buffer(), vg.buffer(),
                attention, global, batch, seq, heads, headDim, oneSidedWindow, dropoutP, seed,
                out.buffer(), saved.buffer());
        return out.record("longformerSelfAttention", inputs, g -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < grads.length; i++) grads[i] = Tensor.empty(be, shape);
            be.attentionBackward(q.buffer(), k.buffer(), v.buffer(), qg.buffer(), kg.buffer(), vg.buffer(),
                    attention, global, batch, seq, heads, headDim, oneSidedWindow, dropoutP, seed,
                    out.buffer(), saved.buffer(), g.buffer(),
                    grads[0].buffer(), grads[1].buffer(), grads[2].buffer(),
                    grads[3].buffer(), grads[4].buffer(), grads[5].buffer());
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i].requiresGrad()) inputs[i].accumulateGrad(grads[i]);
            }
        });
    }

    /** Validates shapes and masks; returns the head size D. */
    private static int checkArguments(Tensor[] inputs, int[] attentionMask, int[] globalMask, int batch, int seq,
                                      int heads, int w, float dropoutP) {
        String[] names = {"q", "k", "v", "qg", "kg", "vg"};
        if (batch < 1 || seq < 1 || heads < 1) {
            throw new IllegalArgumentException("attention: batch, seq and heads must be positive, got "
                    + batch + ", " + seq + ", " + heads);
        }
        if (w < 0) throw new IllegalArgumentException("attention: one-sided window must be >= 0, got " + w);
        if (!(dropoutP >= 0f && dropoutP < 1f)) {
            throw new IllegalArgumentException("attention: dropout probability must be in [0, 1), got " + dropoutP);
        }
        int[] shape = inputs[0].shape();
        if (shape.length != 3 || shape[0] != batch || shape[1] != seq || shape[2] % heads != 0 || shape[2] == 0) {
            throw new IllegalArgumentException("attention: q has shape " + Arrays.toString(shape) + ", expected [" + batch
                    + ", " + seq + ", heads*headDim] with " + heads + " heads");
        }
        for (int i = 1; i < inputs.length; i++) {
            if (!Arrays.equals(inputs[i].shape(), shape)) {
                throw new IllegalArgumentException("attention: " + names[i] + " has shape " + Arrays.toString(inputs[i].shape())
                        + ", expected " + Arrays.toString(shape) + " like q");
            }
            if (inputs[i].backend() != inputs[0].backend()) {
                throw new IllegalArgumentException("attention: " + names[i] + " is on " + inputs[i].backend().name()
                        + ", q on " + inputs[0].backend().name());
            }
        }
        checkMask("attentionMask", attentionMask, batch, seq);
        checkMask("globalMask", globalMask, batch, seq);
        return shape[2] / heads;
    }

    private static void checkMask(String name, int[] mask, int batch, int seq) {
        if (mask.length != batch * seq) {
            throw new IllegalArgumentException("attention: " + name + " has " + mask.length + " entries, expected batch*seq = " + batch * seq);
        }
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0 && mask[i] != 1) {
                throw new IllegalArgumentException("attention: " + name + "[" + i + "] is " + mask[i] + ", expected 0 or 1");
            }
        }
    }

    /** Most global tokens (that are also real tokens) in one batch row. */
    private static int maxGlobal(int[] attentionMask, int[] globalMask, int batch, int seq) {
        int most = 0;
        for (int b = 0; b < batch; b++) {
            int count = 0;
            for (int t = 0; t < seq; t++) count += attentionMask[b * seq + t] * globalMask[b * seq + t];
            most = Math.max(most, count);
        }
        return most;
    }
}
