package org.recformer.data.batch;

/**
 * A batch with its masked-language-model inputs: {@code mlmInputIds} [B, T] is
 * {@code inputs.inputIds()} with the chosen tokens replaced, {@code mlmLabels} [B, T] holds the
 * original id at chosen tokens and {@link #IGNORE} elsewhere.
 */
public record MlmBatch(Batch inputs, int[] mlmInputIds, int[] mlmLabels) {

    /** The label of tokens without a prediction (PyTorch's cross-entropy ignore index). */
    public static final int IGNORE = -100;
}
