package org.recformer.tensor;

/**
 * The operand format of a backend's matrix products ({@code --precision}): what linear layers, the
 * LM head and item scoring, and attention's score and value products read their inputs rounded to.
 * Accumulation, master weights, optimizer state, layer norm, softmax, loss and reductions are FP32
 * in every mode (torch.autocast's policy).
 */
public enum Precision {
    /** IEEE single precision throughout (the CPU backend's only mode, and the parity mode). */
    FP32,
    /** Inputs rounded to TF32 (10 mantissa bits, to nearest, ties away from zero), FP32 accumulation. */
    TF32,
    /** Inputs rounded to BF16 (7 mantissa bits, to nearest even), FP32 accumulation. */
    BF16
}
