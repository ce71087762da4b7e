package org.recformer.tensor;

/**
 * What one call of the fused Longformer self-attention computes (docs/spec.md §3), apart from the
 * tensors: shapes, window, masks and dropout. Shared by {@code ops.Attention}, {@link Backend} and
 * the backends' attention code; the constructor is the one place these values are validated.
 *
 * @param batch         B, batch rows
 * @param seq           T, tokens per row
 * @param heads         H, attention heads
 * @param headDim       D, head size (the projections are {@code [B, T, H*D]})
 * @param window        one-sided window: a local query sees keys within this many positions on each side
 * @param attentionMask {@code [B*T]}, 1 = real token, 0 = padding (copied; never modify the returned array)
 * @param globalMask    {@code [B*T]}, 1 = global token (copied; a padding token is never global)
 * @param dropoutP      probability of dropping an attention probability, in [0, 1) (0 in evaluation)
 * @param seed          key of the dropout generator, so that backward drops what forward dropped
 */
public record AttentionProblem(int batch, int seq, int heads, int headDim, int window,
                               int[] attentionMask, int[] globalMask, float dropoutP, long seed) {

    public AttentionProblem {
        checkPositive("batch", batch);
        checkPositive("seq", seq);
        checkPositive("heads", heads);
        checkPositive("headDim", headDim);
        if (window < 0) throw new IllegalArgumentException("attention: window must be >= 0, got " + window);
        if (!(dropoutP >= 0f && dropoutP < 1f)) {
            throw new IllegalArgumentException("attention: dropoutP must be in [0, 1), got " + dropoutP);
        }
        if ((long) batch * seq > Integer.MAX_VALUE || (long) heads * headDim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attention: batch*seq = " + (long) batch * seq + " or heads*headDim = "
                    + (long) heads * headDim + " exceeds " + Integer.MAX_VALUE);
        }
        attentionMask = checkedMask("attentionMask", attentionMask, batch, seq);
        globalMask = checkedMask("globalMask", globalMask, batch, seq);
    }

    /** H*D, the last dimension of q, k, v and the output. */
    public int channels() {
        return heads * headDim;
    }

    private static void checkPositive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException("attention: " + name + " must be positive, got " + value);
    }

    private static int[] checkedMask(String name, int[] mask, int batch, int seq) {
        if (mask == null) throw new IllegalArgumentException("attention: " + name + " is missing");
        if (mask.length != batch * seq) {
            throw new IllegalArgumentException("attention: " + name + " has " + mask.length
                    + " entries, expected batch*seq = " + batch * seq);
        }
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0 && mask[i] != 1) {
                throw new IllegalArgumentException("attention: " + name + "[" + i + "] is " + mask[i] + ", expected 0 or 1");
            }
        }
        return mask.clone();
    }
}
