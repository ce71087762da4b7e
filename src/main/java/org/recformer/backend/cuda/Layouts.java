package org.recformer.backend.cuda;

import org.recformer.tensor.Shape;

/**
 * Packs the by-value structs of kernels/common.cuh and elementwise.cuh: {@code Layout} (rank, shape,
 * strideA, strideB; {@value #MAX_RANK} dims each) and {@code Reduction} (count, extent, stride).
 */
final class Layouts {
    /** MAX_RANK in kernels/common.cuh. */
    static final int MAX_RANK = 8;

    private Layouts() {}

    /** A Layout of {@code shape} with the two operands' strides (one per dimension of shape). */
    static int[] layout(int[] shape, int[] strideA, int[] strideB) {
        checkRank(shape);
        int[] s = new int[1 + 3 * MAX_RANK];
        s[0] = shape.length;
        for (int d = 0; d < shape.length; d++) {
            s[1 + d] = shape[d];
            s[1 + MAX_RANK + d] = strideA[d];
            s[1 + 2 * MAX_RANK + d] = strideB[d];
        }
        return s;
    }

    /** A Reduction struct over the given extents and strides. */
    static int[] reduction(int[] extent, int[] stride, int count) {
        int[] s = new int[1 + 2 * MAX_RANK];
        s[0] = count;
        for (int d = 0; d < count; d++) {
            s[1 + d] = extent[d];
            s[1 + MAX_RANK + d] = stride[d];
        }
        return s;
    }

    /** Strides of a shape (left-padded to outShape's rank) read as if broadcast to outShape: 0 along broadcast dims. */
    static int[] broadcastStrides(int[] shape, int[] outShape) {
        int[] padded = Shape.leftPad(shape, outShape.length);
        int[] strides = Shape.strides(padded);
        for (int d = 0; d < padded.length; d++) {
            if (padded[d] == 1 && outShape[d] != 1) strides[d] = 0;
        }
        return strides;
    }

    static void checkRank(int[] shape) {
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException("the CUDA backend handles tensors of rank <= " + MAX_RANK
                    + ", got shape " + Shape.str(shape));
        }
    }
}
