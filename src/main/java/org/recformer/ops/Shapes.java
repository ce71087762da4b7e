package org.recformer.ops;

import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;

import java.util.Arrays;

/** Reshape, permute / transpose, slice and concat, each with its gradient. */
public final class Shapes {
    private Shapes() {}

    /**
     * The same values in a new shape with the same element count; one dimension may be -1 (inferred).
     * Shares the buffer (no copy), like {@link Tensor#detach()}.
     */
    public static Tensor reshape(Tensor x, int... shape) {
        int[] target = resolveShape(x.shape(), shape);
        Tensor out = new Tensor(x.backend(), x.buffer(), target);
        return out.record("reshape", new Tensor[] {x}, g -> x.accumulateGrad(new Tensor(g.backend(), g.buffer(), x.shape())));
    }

    private static int[] resolveShape(int[] from, int[] shape) {
        int[] target = shape.clone();
        int inferred = -1;
        long known = 1;
        for (int d = 0; d < target.length; d++) {
            if (target[d] == -1) {
                if (inferred >= 0) throw new IllegalArgumentException("reshape to " + Arrays.toString(shape) + ": only one -1 allowed");
                inferred = d;
            } else if (target[d] < 0) {
                throw new IllegalArgumentException("reshape to " + Arrays.toString(shape) + ": negative dimension " + target[d]);
            } else {
                known *= target[d];
            }
        }
        int numel = Shape.numel(from);
        if (inferred >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("reshape " + Arrays.toString(from) + " to " + Arrays.toString(shape) + ": cannot infer the -1 dimension");
            }
            target[inferred] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException("reshape " + Arrays.toString(from) + " (" + numel + " elements) to "
                    + Arrays.toString(shape) + " (" + known + " elements)");
        }
        return target;
    }

    /** Output dimension d is input dimension perm[d]. */
    public static Tensor permute(Tensor x, int... perm) {
        int[] shape = x.shape();
        if (perm.length != shape.length) {
            throw new IllegalArgumentException("permute " + Arrays.toString(perm) + " of a rank-" + shape.length + " tensor " + Arrays.toString(shape));
        }
        int[] inverse = new int[perm.length];
        boolean[] seen = new boolean[perm.length];
        int[] outShape = new int[perm.length];
        for (int d = 0; d < perm.length; d++) {
            int p = perm[d];
            if (p < 0 || p >= perm.length || seen[p]) {
                throw new IllegalArgumentException("permute " + Arrays.toString(perm) + " is not a permutation of 0.." + (perm.length - 1));
            }
            seen[p] = true;
            inverse[p] = d;
            outShape[d] = shape[p];
        }
        return permuteUnchecked(x, perm, inverse, outShape);
    }

    private static Tensor permuteUnchecked(Tensor x, int[] perm, int[] inverse, int[] outShape) {
        Tensor out = Tensor.empty(x.backend(), outShape);
        x.backend().permute(x.buffer(), x.shape(), perm, out.buffer());
        return out.record("permute", new Tensor[] {x}, g -> {
            Tensor gx = Tensor.empty(x.backend(), x.shape());
            x.backend().permute(g.buffer(), outShape, inverse, gx.buffer());
            x.accumulateGrad(gx);
        });
    }

    /** Swaps two dimensions (negative counts from the end). */
    public static Tensor transpose(Tensor x, int d0, int d1) {
        int[] perm = new int[x.rank()];
        for (int d = 0; d < perm.length; d++) perm[d] = d;
        int a = Shape.dim(d0, perm.length), b = Shape.dim(d1, perm.length);
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    /** Elements start (inclusive) to end (exclusive) along dim; 0 &lt;= start &lt;= end &lt;= size. */
    public static Tensor slice(Tensor x, int dim, int start, int end) {
        int[] shape = x.shape();
        int d = Shape.dim(dim, shape.length);
        if (start < 0 || start > end || end > shape[d]) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") of dimension " + dim
                    + " of size " + shape[d] + " in " + Arrays.toString(shape));
        }
        int[] outShape = shape.clone();
        outShape[d] = end - start;
        Blocks b = new Blocks(shape, d);
        int len = (end - start) * b.inner;
        Tensor out = Tensor.empty(x.backend(), outShape);
        x.backend().copyBlocks(x.buffer(), start * b.inner, shape[d] * b.inner, out.buffer(), 0, len, len, b.outer, false);
        return out.record("slice", new Tensor[] {x}, g -> {
            Tensor gx = Tensor.zeros(x.backend(), shape);
            x.backend().copyBlocks(g.buffer(), 0, len, gx.buffer(), start * b.inner, shape[d] * b.inner, len, b.outer, false);
            x.accumulateGrad(gx);
        });
    }

    /** Joins tensors along dim; all other dimensions must agree. */
    public static Tensor concat(int dim, Tensor... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat of no tensors");
        int[] first = xs[0].shape();
        int d = Shape.dim(dim, first.length);
        int[] outShape = first.clone();
        outShape[d] = 0;
        for (Tensor x : xs) {
            int[] s = x.shape();
            boolean ok = s.length == first.length;
            for (int i = 0; ok && i < s.length; i++) ok = i == d || s[i] == first[i];
            if (!ok) {
                throw new IllegalArgumentException("concat along dimension " + dim + ": shape " + Arrays.toString(s)
                        + " does not match " + Arrays.toString(first));
            }
            outShape[d] += s[d];
        }
        Blocks b = new Blocks(outShape, d);
        int outLen = outShape[d] * b.inner; // one block of the output
        Tensor out = Tensor.empty(xs[0].backend(), outShape);
        int[] offsets = new int[xs.length]; // where each input's block starts in an output block
        for (int i = 0, offset = 0; i < xs.length; i++) {
            int len = xs[i].dim(d) * b.inner;
            offsets[i] = offset;
            out.backend().copyBlocks(xs[i].buffer(), 0, len, out.buffer(), offset, outLen, len, b.outer, false);
            offset += len;
        }
        return out.record("concat", xs.clone(), g -> {
            for (int i = 0; i < xs.length; i++) {
                Tensor x = xs[i];
                if (!x.requiresGrad()) continue;
                int len = x.dim(d) * b.inner;
                Tensor gx = Tensor.empty(x.backend(), x.shape());
                x.backend().copyBlocks(g.buffer(), offsets[i], outLen, gx.buffer(), 0, len, len, b.outer, false);
                x.accumulateGrad(gx);
            }
        });
    }

    /** A shape seen as [outer, size of dim, inner]: outer blocks, each inner elements per index of dim. */
    private static final class Blocks {
        final int outer;
        final int inner;

        Blocks(int[] shape, int dim) {
            int o = 1, in = 1;
            for (int i = 0; i < dim; i++) o *= shape[i];
            for (int i = dim + 1; i < shape.length; i++) in *= shape[i];
            outer = o;
            inner = in;
        }
    }
}
