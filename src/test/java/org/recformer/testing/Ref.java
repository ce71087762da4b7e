package org.recformer.testing;

import org.recformer.tensor.Shape;

/** Small double-precision helpers for writing reference implementations in tests. */
public final class Ref {
    private Ref() {}

    /** Index into a row-major array of shape {@code shape} read with broadcasting to {@code outShape}. */
    public static int broadcastIndex(int flatOut, int[] outShape, int[] shape) {
        int[] padded = Shape.leftPad(shape, outShape.length);
        int[] strides = Shape.strides(padded);
        int rem = flatOut, idx = 0;
        for (int d = outShape.length - 1; d >= 0; d--) {
            int i = rem % outShape[d];
            rem /= outShape[d];
            if (padded[d] != 1) idx += i * strides[d];
        }
        return idx;
    }
}
