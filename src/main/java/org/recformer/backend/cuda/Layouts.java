package org.recformer.backend.cuda;

import org.recformer.tensor.Shape;

/**
 * Packs the by-value {@code Layout} struct of kernels/common.cuh (rank, shape, strideA, strideB;
 * {@value #MAX_RANK} dims each), which the kernels read with unsigned 32-bit index arithmetic.
 */
final class Layouts {
    /** MAX_RANK in kernels/common.cuh. */
    static final int MAX_RANK = 8;

    private Layouts() {}

    /**
     * A Layout of {@code shape} with the two operands' strides (one per dimension of shape).
     *
     * @throws IllegalArgumentException when shape has more than 2^31 - 1 elements: the kernels' 32-bit
     *     index arithmetic (and every operand's offsets, which are smaller) must not overflow
     */
    static int[] layout(int[] shape, int[] strideA, int[] strideB) {
        checkRank(shape);
        long n = 1;
        for (int d : shape) n *= d;
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the CUDA backend indexes broadcast tensors in 32 bits: shape "
                    + Shape.str(shape) + " has " + n + " elements (expected at most " + Integer.MAX_VALUE + ")");
        }
        int[] s = new int[1 + 3 * MAX_RANK];
        s[0] = shape.length;
        for (int d = 0; d < shape.length; d++) {
            s[1 + d] = shape[d];
            s[1 + MAX_RANK + d] = strideA[d];
            s[1 + 2 * MAX_RANK + d] = strideB[d];
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
