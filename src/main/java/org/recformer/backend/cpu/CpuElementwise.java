package org.recformer.backend.cpu;

import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Shape;
import org.recformer.tensor.UnaryOp;

import java.util.Arrays;

/**
 * Elementwise kernels, broadcasting, reductions to a shape, permutes, masks and dropout.
 *
 * <p>Tensors with a broadcast or permuted operand are walked row by row: a "row" is one index of
 * all dimensions but the last, its offset in each operand comes from {@link #rowOffset}, and the
 * last dimension is the inner loop (stride 1 in the output).
 *
 * <p>Dropout keeps element {@code i} when the uniform of {@link CounterRandom} for (seed, i) is
 * {@code >= p} (see there for the exact generator): the decision depends only on the seed and the
 * element's flat index, never on the thread split, so the CUDA backend reproduces the mask bit
 * for bit. Kept elements are multiplied by the float {@code 1f / (1f - p)}.
 */
final class CpuElementwise {
    private CpuElementwise() {}

    private static final int GRAIN = 1 << 14;
    /** Most partial sums a reduction to a small output splits its rows into. */
    private static final int MAX_PARTS = 32;
    /** Most doubles all partial sums of one reduction may hold together. */
    private static final int PARTIAL_LIMIT = 1 << 20;
    static final double SQRT1_2 = 0.70710678118654752440;
    /** 1 / sqrt(2 pi), the standard normal density at 0. */
    static final double INV_SQRT_2PI = 0.39894228040143267794;

    static void copyBlocks(float[] src, int srcOffset, int srcStride, float[] dst, int dstOffset, int dstStride,
                           int blockLen, int blocks, boolean accumulate) {
        Parallel.forRange(blocks, Math.max(1, GRAIN / Math.max(1, blockLen)), (from, to) -> {
            for (int i = from; i < to; i++) {
                int s = srcOffset + i * srcStride;
                int d = dstOffset + i * dstStride;
                if (accumulate) {
                    for (int j = 0; j < blockLen; j++) dst[d + j] += src[s + j];
                } else {
                    System.arraycopy(src, s, dst, d, blockLen);
                }
            }
        });
    }

    // ---------------------------------------------------------------- broadcasting helpers

    /** Strides of a (left-padded) shape read as if broadcast to outShape: 0 along broadcast dims. */
    static int[] broadcastStrides(int[] shape, int[] outShape) {
        int[] strides = Shape.strides(shape);
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1 && outShape[d] != 1) strides[d] = 0;
        }
        return strides;
    }

    /** Size of the last dimension (1 for a scalar shape). */
    private static int innerSize(int[] shape) {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** Stride of the last dimension (0 for a scalar shape). */
    private static int innerStride(int[] strides) {
        return strides.length == 0 ? 0 : strides[strides.length - 1];
    }

    /** Number of rows (indices over all dimensions but the last) of n elements with this inner size. */
    private static int rowCount(int n, int inner) {
        return inner == 0 ? 0 : n / inner;
    }

    /**
     * Offset of row {@code r} of a tensor of shape {@code shape} in an operand read with
     * {@code strides} (one per dimension of shape; the last dimension is not part of the row).
     */
    private static int rowOffset(int r, int[] shape, int[] strides) {
        int rem = r, offset = 0;
        for (int d = shape.length - 2; d >= 0; d--) {
            offset += (rem % shape[d]) * strides[d];
            rem /= shape[d];
        }
        return offset;
    }

    // ---------------------------------------------------------------- binary

    static void binary(BinaryOp op, float[] a, int[] aShape, float[] b, int[] bShape, float[] out, int[] outShape) {
        int n = Shape.numel(outShape);
        if (Shape.numel(aShape) == n && Shape.numel(bShape) == n) {
            Parallel.forRange(n, GRAIN, (from, to) -> applySameIndex(op, a, b, out, from, to));
            return;
        }
        int rank = outShape.length;
        int[] as = broadcastStrides(Shape.leftPad(aShape, rank), outShape);
        int[] bs = broadcastStrides(Shape.leftPad(bShape, rank), outShape);
        int inner = innerSize(outShape);
        int aInner = innerStride(as);
        int bInner = innerStride(bs);
        Parallel.forRange(rowCount(n, inner), Math.max(1, GRAIN / Math.max(1, inner)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int ao = rowOffset(r, outShape, as);
                int bo = rowOffset(r, outShape, bs);
                int o = r * inner;
                if (aInner == 1 && bInner == 1) apply(op, a, ao, b, bo, out, o, inner); // e.g. a bias added to each row
                else for (int j = 0; j < inner; j++) out[o + j] = apply(op, a[ao + j * aInner], b[bo + j * bInner]);
            }
        });
    }

    /** out[i] = a[i] op b[i] for i in [from, to): one loop per operator, in the form C2 vectorizes (one index for all arrays). */
    private static void applySameIndex(BinaryOp op, float[] a, float[] b, float[] out, int from, int to) {
        switch (op) {
            case ADD:
                for (int i = from; i < to; i++) out[i] = a[i] + b[i];
                break;
            case SUB:
                for (int i = from; i < to; i++) out[i] = a[i] - b[i];
                break;
            case MUL:
                for (int i = from; i < to; i++) out[i] = a[i] * b[i];
                break;
            case DIV:
                for (int i = from; i < to; i++) out[i] = a[i] / b[i];
                break;
            default:
                throw new IllegalArgumentException(op.toString());
        }
    }

    /**
     * out[o + j] = a[ao + j] op b[bo + j] for j in [0, len): one loop per operator, without the per-element
     * switch and strided indices of the general loop. (C2 on JDK 17 still does not vectorize it: with
     * different offsets it cannot rule out an overlap of out and an operand.)
     */
    private static void apply(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] out, int o, int len) {
        switch (op) {
            case ADD:
                for (int j = 0; j < len; j++) out[o + j] = a[ao + j] + b[bo + j];
                break;
            case SUB:
                for (int j = 0; j < len; j++) out[o + j] = a[ao + j] - b[bo + j];
                break;
            case MUL:
                for (int j = 0; j < len; j++) out[o + j] = a[ao + j] * b[bo + j];
                break;
            case DIV:
                for (int j = 0; j < len; j++) out[o + j] = a[ao + j] / b[bo + j];
                break;
            default:
                throw new IllegalArgumentException(op.toString());
        }
    }

    private static float apply(BinaryOp op, float x, float y) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV: return x / y;
            default: throw new IllegalArgumentException(op.toString());
        }
    }

    // ---------------------------------------------------------------- reductions

    /**
     * Sums in (inShape) down to outShape (inShape with some dims set to 1). Accumulates in double.
     * Work is split so that the result does not depend on the number of threads: by the leading
     * dimensions that are kept (each writes its own output block), otherwise by a fixed split of
     * the rows into partial sums that are added in order.
     */
    static void sumToShape(float[] in, int[] inShape, float[] out, int[] outShape) {
        int rank = inShape.length;
        int[] outPadded = Shape.leftPad(outShape, rank);
        int[] os = broadcastStrides(outPadded, inShape);
        int inner = innerSize(inShape);
        int outCount = Shape.numel(outShape);
        int rows = rowCount(Shape.numel(inShape), inner);
        if (rows == 0) { // empty input: every sum is 0
            Arrays.fill(out, 0, outCount, 0f);
            return;
        }
        // leading dimensions (not the last) that the output keeps: row blocks with disjoint outputs
        int outer = 1;
        for (int d = 0; d < rank - 1 && outPadded[d] == inShape[d]; d++) outer *= inShape[d];
        int outBlock = outCount / outer;
        int rowsPerOuter = rows / outer;
        if (outer > 1) {
            Parallel.forRange(outer, Math.max(1, GRAIN / Math.max(1, rowsPerOuter * inner)), (from, to) -> {
                double[] acc = new double[outBlock];
                for (int t = from; t < to; t++) {
                    Arrays.fill(acc, 0);
                    accumulateRows(in, inShape, os, t * rowsPerOuter, (t + 1) * rowsPerOuter, acc, t * outBlock);
                    for (int k = 0; k < outBlock; k++) out[t * outBlock + k] = (float) acc[k];
                }
            });
            return;
        }
        int parts = (int) Math.min(Math.min(MAX_PARTS, rows), (long) rows * inner / GRAIN);
        parts = Math.max(1, Math.min(parts, PARTIAL_LIMIT / Math.max(1, outCount)));
        int rowsPerPart = (rows + parts - 1) / parts;
        double[][] partial = new double[parts][outCount];
        Parallel.forRange(parts, 1, (from, to) -> {
            for (int p = from; p < to; p++) {
                accumulateRows(in, inShape, os, p * rowsPerPart, Math.min(rows, (p + 1) * rowsPerPart), partial[p], 0);
            }
        });
        for (int k = 0; k < outCount; k++) {
            double s = 0;
            for (int p = 0; p < parts; p++) s += partial[p][k];
            out[k] = (float) s;
        }
    }

    /** acc[outOffset(r) + j - accBase] += in[r, j] for rows r in [rowFrom, rowTo); outStrides are 0 on reduced dims. */
    private static void accumulateRows(float[] in, int[] inShape, int[] outStrides, int rowFrom, int rowTo,
                                       double[] acc, int accBase) {
        int inner = innerSize(inShape);
        boolean innerKept = innerStride(outStrides) != 0;
        for (int r = rowFrom; r < rowTo; r++) {
            int o = rowOffset(r, inShape, outStrides) - accBase;
            int i0 = r * inner;
            if (innerKept) {
                for (int j = 0; j < inner; j++) acc[o + j] += in[i0 + j];
            } else {
                double s = 0;
                for (int j = 0; j < inner; j++) s += in[i0 + j];
                acc[o] += s;
            }
        }
    }

    /** x[i] = value for i < n, split across cores (Tensor.zeros: the attention layouts are 12 MB each at base size). */
    static void fill(float[] x, int n, float value) {
        Parallel.forRange(n, GRAIN, (from, to) -> Arrays.fill(x, from, to, value));
    }

    // ---------------------------------------------------------------- unary

    static void unary(UnaryOp op, float[] in, float[] out, int n, float arg) {
        Parallel.forRange(n, GRAIN, (from, to) -> {
            switch (op) {
                case SCALE:
                    for (int i = from; i < to; i++) out[i] = in[i] * arg;
                    break;
                case ADD_SCALAR:
                    for (int i = from; i < to; i++) out[i] = in[i] + arg;
                    break;
                case GELU:
                    if (CpuMatmul.VECTOR) CpuGeluVector.forward(in, out, from, to);
                    else for (int i = from; i < to; i++) out[i] = (float) (in[i] * normalCdf(in[i]));
                    break;
                case TANH:
                    for (int i = from; i < to; i++) out[i] = (float) tanh(in[i]);
                    break;
                case EXP:
                    for (int i = from; i < to; i++) out[i] = (float) Math.exp(in[i]);
                    break;
                case CLAMP_MIN:
                    for (int i = from; i < to; i++) out[i] = Math.max(in[i], arg);
                    break;
                case SQRT:
                    for (int i = from; i < to; i++) out[i] = (float) Math.sqrt(in[i]);
                    break;
                case POW:
                    for (int i = from; i < to; i++) out[i] = (float) Math.pow(in[i], arg);
                    break;
                default:
                    throw new IllegalArgumentException("unary " + op);
            }
        });
    }

    /**
     * gradIn = op'(in) * gradOut. GELU: Phi(x) + x phi(x); TANH: 1 - out^2; EXP: out;
     * CLAMP_MIN: passes where x &gt;= min (as PyTorch); SQRT: 1 / (2 out); POW: p x^(p-1), 0 when p == 0.
     */
    static void unaryBackward(UnaryOp op, float[] in, float[] out, float[] gradOut, float[] gradIn, int n, float arg) {
        Parallel.forRange(n, GRAIN, (from, to) -> {
            switch (op) {
                case SCALE:
                    for (int i = from; i < to; i++) gradIn[i] = gradOut[i] * arg;
                    break;
                case ADD_SCALAR:
                    System.arraycopy(gradOut, from, gradIn, from, to - from);
                    break;
                case GELU:
                    if (CpuMatmul.VECTOR) {
                        CpuGeluVector.backward(in, gradOut, gradIn, from, to);
                        break;
                    }
                    for (int i = from; i < to; i++) {
                        double x = in[i];
                        double pdf = INV_SQRT_2PI * Math.exp(-0.5 * x * x);
                        gradIn[i] = (float) (gradOut[i] * (normalCdf(x) + x * pdf));
                    }
                    break;
                case TANH:
                    for (int i = from; i < to; i++) gradIn[i] = gradOut[i] * (1f - out[i] * out[i]);
                    break;
                case EXP:
                    for (int i = from; i < to; i++) gradIn[i] = gradOut[i] * out[i];
                    break;
                case CLAMP_MIN:
                    for (int i = from; i < to; i++) gradIn[i] = in[i] >= arg ? gradOut[i] : 0f;
                    break;
                case SQRT:
                    for (int i = from; i < to; i++) gradIn[i] = gradOut[i] / (2f * out[i]);
                    break;
                case POW:
                    for (int i = from; i < to; i++) {
                        gradIn[i] = arg == 0f ? 0f : (float) (gradOut[i] * (arg * Math.pow(in[i], arg - 1.0)));
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unaryBackward " + op);
            }
        });
    }

    /** Phi(x) = 0.5 * (1 + erf(x / sqrt 2)), written with erfc so it stays accurate for negative x. */
    private static double normalCdf(double x) {
        return 0.5 * Erf.erfc(-x * SQRT1_2);
    }

    /**
     * tanh in double from exp (Math.tanh is not a JIT intrinsic and measured 4x slower):
     * sign(x) (1 - 2 / (e^{2|x|} + 1)), and x - x^3/3 below 1e-4 where that would cancel.
     */
    private static double tanh(double x) {
        double a = Math.abs(x);
        if (a < 1e-4) return x - x * x * x / 3;
        return Math.copySign(1 - 2 / (Math.exp(2 * a) + 1), x);
    }

    // ---------------------------------------------------------------- permute, mask, dropout

    /** out dimension d is in dimension perm[d]; any rank. */
    static void permute(float[] in, int[] inShape, int[] perm, float[] out) {
        int rank = inShape.length;
        int[] inStrides = Shape.strides(inShape);
        int[] outShape = new int[rank];
        int[] srcStrides = new int[rank]; // stride in `in` of each output dimension
        for (int d = 0; d < rank; d++) {
            outShape[d] = inShape[perm[d]];
            srcStrides[d] = inStrides[perm[d]];
        }
        int inner = innerSize(outShape);
        int srcInner = innerStride(srcStrides);
        Parallel.forRange(rowCount(Shape.numel(outShape), inner), Math.max(1, GRAIN / Math.max(1, inner)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int s = rowOffset(r, outShape, srcStrides);
                int o = r * inner;
                for (int j = 0; j < inner; j++) out[o + j] = in[s + j * srcInner];
            }
        });
    }

    static void maskedFill(float[] in, int[] shape, float[] mask, int[] maskShape, float value, float[] out) {
        int[] ms = broadcastStrides(Shape.leftPad(maskShape, shape.length), shape);
        int inner = innerSize(shape);
        int mInner = innerStride(ms);
        Parallel.forRange(rowCount(Shape.numel(shape), inner), Math.max(1, GRAIN / Math.max(1, inner)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int m = rowOffset(r, shape, ms);
                int o = r * inner;
                for (int j = 0; j < inner; j++) out[o + j] = mask[m + j * mInner] != 0f ? value : in[o + j];
            }
        });
    }

    /** See the class comment for the keep rule; mask[i] is 0 or 1/(1-p), out[i] = in[i] * mask[i]. */
    static void dropout(float[] in, float[] out, float[] mask, int n, float p, long seed) {
        float scale = 1f / (1f - p); // infinite at p == 1, but then nothing is kept
        long threshold = CounterRandom.keepThreshold(p);
        Parallel.forRange(n, GRAIN, (from, to) -> {
            long[] bits = new long[Math.min(DROPOUT_RUN, to - from)];
            for (int i0 = from; i0 < to; i0 += DROPOUT_RUN) {
                int run = Math.min(DROPOUT_RUN, to - i0);
                CounterRandom.bits(seed, i0, run, bits);
                for (int c = 0; c < run; c++) {
                    float m = bits[c] >= threshold ? scale : 0f;
                    mask[i0 + c] = m;
                    out[i0 + c] = in[i0 + c] * m;
                }
            }
        });
    }

    /** Elements of dropout whose random bits are drawn together (8 KB of longs, in L1). */
    private static final int DROPOUT_RUN = 1024;
}
