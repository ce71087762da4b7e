package org.recformer.tensor;

/**
 * The input precision of matrix products: {@code FP32} (exact FP32 inputs, the parity mode), {@code TF32}
 * (inputs rounded to 10 mantissa bits) or {@code BF16} (7 mantissa bits); products accumulate in FP32 in
 * every mode and tensors stay FP32 in memory.
 */
public enum Precision {
    FP32,
    TF32,
    BF16
}
