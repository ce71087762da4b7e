package org.recformer.convert;

import org.recformer.io.HostTensor;

import java.util.Arrays;

/** Small tensor chores of the converters. */
final class Tensors {
    private Tensors() {
    }

    /** The tensor as float32 (values of F16/BF16 exactly; F32 unchanged). */
    static HostTensor float32(HostTensor t) {
        return HostTensor.ofFloats(t.toFloatArray(), t.shape());
    }

    /** HuggingFace's {@code position_ids} buffer: int64 [1, n] holding 0 .. n-1. */
    static HostTensor positionIds(int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        return HostTensor.ofLongs(ids, 1, n);
    }

    /**
     * Whether {@code from} broadcasts to {@code to} as {@code torch.Tensor.copy_} allows: aligned on
     * the right, each dimension equal or 1, and not already equal.
     */
    static boolean broadcasts(long[] from, long[] to) {
        if (from.length > to.length || Arrays.equals(from, to)) return false;
        for (int i = 1; i <= from.length; i++) {
            long f = from[from.length - i];
            if (f != 1 && f != to[to.length - i]) return false;
        }
        return true;
    }

    /** {@code t} repeated along its size-1 dimensions to {@code shape} (requires {@link #broadcasts}), as float32. */
    static HostTensor broadcast(HostTensor t, long[] shape) {
        float[] src = t.toFloatArray();
        long[] from = t.shape();
        int rank = shape.length;
        long[] srcStride = new long[rank]; // stride of the source along each output dimension, 0 where it repeats
        long stride = 1;
        for (int i = 1; i <= rank; i++) {
            long f = i <= from.length ? from[from.length - i] : 1;
            srcStride[rank - i] = f == 1 ? 0 : stride;
            stride *= f;
        }
        float[] out = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < out.length; i++) {
            long rest = i;
            long at = 0;
            for (int d = rank - 1; d >= 0; d--) {
                at += (rest % shape[d]) * srcStride[d];
                rest /= shape[d];
            }
            out[i] = src[(int) at];
        }
        return HostTensor.ofFloats(out, shape);
    }
}
