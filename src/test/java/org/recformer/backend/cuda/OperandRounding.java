package org.recformer.backend.cuda;

import org.recformer.tensor.Precision;

/**
 * The Java twins of kernels/precision.cuh (round_tf32, round_bf16, round_operand), for the tests:
 * what a product's operand becomes at each {@link Precision}. NaN becomes the quiet NaN of its sign.
 */
final class OperandRounding {
    private OperandRounding() {}

    /** cvt.rna.tf32.f32: 10 mantissa bits, to nearest, ties away from zero. */
    static float tf32(float x) {
        int u = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) return quietNaN(u);
        return Float.intBitsToFloat((u + 0x1000) & 0xffffe000);
    }

    /** FP32 to BF16 (the upper half of the word), to nearest, ties to even. */
    static float bf16(float x) {
        int u = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) return quietNaN(u);
        return Float.intBitsToFloat((u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000);
    }

    static float round(float x, Precision precision) {
        return switch (precision) {
            case FP32 -> x;
            case TF32 -> tf32(x);
            case BF16 -> bf16(x);
        };
    }

    static float[] round(float[] x, Precision precision) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = round(x[i], precision);
        return r;
    }

    /** The unit roundoff of the operand format: 2^-(mantissa bits + 1). */
    static double unitRoundoff(Precision precision) {
        return switch (precision) {
            case FP32 -> 0x1p-24;
            case TF32 -> 0x1p-11;
            case BF16 -> 0x1p-8;
        };
    }

    private static float quietNaN(int u) {
        return Float.intBitsToFloat((u & 0x80000000) | 0x7fc00000);
    }
}
