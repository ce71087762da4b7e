package org.recformer.ops;

import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;

import java.util.Arrays;

/** Sum and mean over all or some dimensions (accumulated in double on the CPU). */
public final class Reductions {
    private Reductions() {}

    /** Sum of all elements, shape []. */
    public static Tensor sum(Tensor x) {
        return reduce("sum", x, allDims(x.rank()), false, false);
    }

    /** Sum over {@code dims} (negative counts from the end); keepDim leaves them as size 1. */
    public static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        return reduce("sum", x, checkNotEmpty(dims), keepDim, false);
    }

    /** Mean of all elements, shape []. */
    public static Tensor mean(Tensor x) {
        return reduce("mean", x, allDims(x.rank()), false, true);
    }

    /** Mean over {@code dims} (NaN where a reduced dimension has size 0, as PyTorch). */
    public static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        return reduce("mean", x, checkNotEmpty(dims), keepDim, true);
    }

    private static Tensor reduce(String name, Tensor x, int[] dims, boolean keepDim, boolean mean) {
        int[] shape = x.shape();
        boolean[] reduced = new boolean[shape.length];
        for (int d : dims) {
            int n = Shape.dim(d, shape.length);
            if (reduced[n]) throw new IllegalArgumentException(name + ": dimension " + d + " given twice in " + Arrays.toString(dims));
            reduced[n] = true;
        }
        int[] keptShape = shape.clone(); // reduced dims set to 1
        int count = 1; // elements summed into each output value
        int outRank = 0;
        for (int d = 0; d < shape.length; d++) {
            if (reduced[d]) {
                count *= shape[d];
                keptShape[d] = 1;
            } else {
                outRank++;
            }
        }
        int[] outShape = keepDim ? keptShape : new int[outRank];
        if (!keepDim) {
            for (int d = 0, o = 0; d < shape.length; d++) if (!reduced[d]) outShape[o++] = shape[d];
        }
        // outShape and keptShape hold the same values in the same order
        Tensor out = Tensor.empty(x.backend(), outShape);
        x.backend().sumToShape(x.buffer(), shape, out.buffer(), keptShape);
        Tensor divisor = Tensor.full(x.backend(), mean ? count : 1);
        if (mean) {
            x.backend().binary(BinaryOp.DIV, out.buffer(), outShape, divisor.buffer(), new int[0], out.buffer(), outShape);
        }
        return out.record(name, new Tensor[] {x}, g -> {
            // the gradient broadcasts back over the reduced dims (divided by the count for mean)
            Tensor gx = Tensor.empty(x.backend(), shape);
            x.backend().binary(BinaryOp.DIV, g.buffer(), keptShape, divisor.buffer(), new int[0], gx.buffer(), shape);
            x.accumulateGrad(gx);
        });
    }

    private static int[] allDims(int rank) {
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) dims[d] = d;
        return dims;
    }

    private static int[] checkNotEmpty(int[] dims) {
        if (dims.length == 0) throw new IllegalArgumentException("no dimensions to reduce; use sum(x) / mean(x) for all");
        return dims;
    }
}
