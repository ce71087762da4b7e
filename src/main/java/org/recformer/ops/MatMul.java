package org.recformer.ops;

import org.recformer.tensor.Backend;
import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;

import java.util.Arrays;

/**
 * Matrix products: 2-D, batched over equal leading dimensions, or with a 2-D operand broadcast
 * over the other's batch. Transposed operands are read in place (the kernel's transpose flags),
 * in the forward and the backward pass alike.
 */
public final class MatMul {
    private MatMul() {}

    /** a[..., M, K] x b[..., K, N] -> [..., M, N]. */
    public static Tensor matmul(Tensor a, Tensor b) {
        return matmul(a, b, false, false);
    }

    /**
     * op(a) x op(b) where op transposes the last two dimensions when its flag is set: a is
     * [..., M, K] (or [..., K, M] with transA), b is [..., K, N] (or [..., N, K] with transB).
     * Leading dimensions must be equal, or one operand must be 2-D (it is broadcast).
     */
    public static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        return product(a, b, transA, transB, a.backend());
    }

    /**
     * {@link #matmul(Tensor, Tensor, boolean, boolean)} with FP32 operands, forward and backward,
     * whatever the backend's precision ({@link Backend#fullPrecision()}): torch.autocast's FP32 ops.
     */
    public static Tensor matmulFullPrecision(Tensor a, Tensor b, boolean transA, boolean transB) {
        return product(a, b, transA, transB, a.backend().fullPrecision());
    }

    /** The product and its gradients computed by {@code be} (a's backend, or its FP32 twin). */
    private static Tensor product(Tensor a, Tensor b, boolean transA, boolean transB, Backend be) {
        Plan p = new Plan(a.shape(), b.shape(), transA, transB);
        Tensor out = Tensor.empty(a.backend(), p.outShape);
        be.matmul(a.buffer(), b.buffer(), out.buffer(), p.batch, p.m, p.n, p.k,
                transA, transB, p.strideA, p.strideB, p.strideC, false);
        return out.record("matmul", new Tensor[] {a, b}, g -> backward(p, a, b, transA, transB, g, be));
    }

    /** Accumulates the gradients of op(a) x op(b) into a and b (those that require grad) from g, computed by {@code be}. */
    private static void backward(Plan p, Tensor a, Tensor b, boolean transA, boolean transB, Tensor g, Backend be) {
        if (a.requiresGrad()) {
            Tensor ga = Tensor.empty(a.backend(), a.shape());
            int strideGa = p.strideA; // 0 when a is broadcast: the kernel sums over the batch
            if (!transA) { // dA[M,K] = G[M,N] x op(B)^T
                be.matmul(g.buffer(), b.buffer(), ga.buffer(), p.batch, p.m, p.k, p.n,
                        false, !transB, p.strideC, p.strideB, strideGa, false);
            } else {       // dA stored [K,M] = op(B)[K,N] x G^T
                be.matmul(b.buffer(), g.buffer(), ga.buffer(), p.batch, p.k, p.m, p.n,
                        transB, true, p.strideB, p.strideC, strideGa, false);
            }
            a.accumulateFreshGrad(ga);
        }
        if (b.requiresGrad()) {
            Tensor gb = Tensor.empty(b.backend(), b.shape());
            int strideGb = p.strideB;
            if (!transB) { // dB[K,N] = op(A)^T x G
                be.matmul(a.buffer(), g.buffer(), gb.buffer(), p.batch, p.k, p.n, p.m,
                        !transA, false, p.strideA, p.strideC, strideGb, false);
            } else {       // dB stored [N,K] = G^T x op(A)
                be.matmul(g.buffer(), a.buffer(), gb.buffer(), p.batch, p.n, p.k, p.m,
                        true, transA, p.strideC, p.strideA, strideGb, false);
            }
            b.accumulateFreshGrad(gb);
        }
    }

    /**
     * x[..., in] W^T + bias -> [..., out]: x has rank >= 2, w is [out, in], bias is [out] or null.
     * One op ({@link org.recformer.tensor.Backend#linearForward}): the bias goes into the product's
     * own buffer, so the graph keeps one [..., out] tensor instead of the product and the sum.
     */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        if (w.rank() != 2 || x.rank() < 2 || x.dim(-1) != w.dim(1)) {
            throw new IllegalArgumentException("linear: input " + Shape.str(x.shape()) + " and weight "
                    + Shape.str(w.shape()) + " (expected [..., in] of rank >= 2 and [out, in])");
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != w.dim(0))) {
            throw new IllegalArgumentException("linear: bias " + Shape.str(bias.shape()) + " for weight " + Shape.str(w.shape()));
        }
        if (bias == null) return matmul(x, w, false, true);
        Plan p = new Plan(x.shape(), w.shape(), false, true);
        Tensor out = Tensor.empty(x.backend(), p.outShape);
        x.backend().linearForward(x.buffer(), w.buffer(), bias.buffer(), out.buffer(), p.m, p.n, p.k); // p.batch is 1: x's batch folds into rows
        return out.record("linear", new Tensor[] {x, w, bias}, g -> {
            backward(p, x, w, false, true, g, x.backend());
            if (bias.requiresGrad()) bias.accumulateFreshGrad(Arithmetic.sumTo(g, bias.shape())); // a new [out] (x has rank >= 2)
        });
    }

    /**
     * Sizes and batch strides of one product. A batched a with a 2-D b (not transposed a) is
     * folded into one [batch*M, K] matrix, which the kernel runs faster than a batch of small ones.
     */
    private static final class Plan {
        final int batch, m, n, k, strideA, strideB, strideC;
        final int[] outShape;

        Plan(int[] aShape, int[] bShape, boolean transA, boolean transB) {
            if (aShape.length < 2 || bShape.length < 2) fail(aShape, bShape, transA, transB, "both operands need rank >= 2");
            int ra = aShape.length, rb = bShape.length;
            int am = transA ? aShape[ra - 1] : aShape[ra - 2];
            int ak = transA ? aShape[ra - 2] : aShape[ra - 1];
            int bk = transB ? bShape[rb - 1] : bShape[rb - 2];
            int bn = transB ? bShape[rb - 2] : bShape[rb - 1];
            if (ak != bk) fail(aShape, bShape, transA, transB, "inner dimensions " + ak + " and " + bk + " differ");
            int[] aBatch = Arrays.copyOf(aShape, ra - 2);
            int[] bBatch = Arrays.copyOf(bShape, rb - 2);
            int[] batchShape;
            if (ra > 2 && rb > 2) {
                if (!Arrays.equals(aBatch, bBatch)) fail(aShape, bShape, transA, transB, "batch dimensions differ");
                batchShape = aBatch;
            } else {
                batchShape = ra > 2 ? aBatch : bBatch;
            }
            int batchCount = Shape.numel(batchShape);
            outShape = Arrays.copyOf(batchShape, batchShape.length + 2);
            outShape[batchShape.length] = am;
            outShape[batchShape.length + 1] = bn;
            k = ak;
            n = bn;
            if (ra > 2 && rb == 2 && !transA) { // fold a's batch into its rows
                batch = 1;
                m = batchCount * am;
                strideA = strideB = strideC = 0;
            } else {
                batch = batchCount;
                m = am;
                strideA = ra > 2 ? am * ak : 0;
                strideB = rb > 2 ? bk * bn : 0;
                strideC = am * bn;
            }
        }

        private static void fail(int[] a, int[] b, boolean transA, boolean transB, String why) {
            throw new IllegalArgumentException("matmul of " + Shape.str(a) + (transA ? "^T" : "") + " and "
                    + Shape.str(b) + (transB ? "^T" : "") + ": " + why);
        }
    }
}
