package org.recformer.backend.cpu;

import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Shape;
import org.recformer.tensor.UnaryOp;

/** Elementwise kernels, broadcasting, reductions to a shape, permutes, masks and dropout. */
final class CpuElementwise {
    private CpuElementwise() {}

    private static final int GRAIN = 1 << 14;

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

    static void binary(BinaryOp op, float[] a, int[] aShape, float[] b, int[] bShape, float[] out, int[] outShape) {
        int n = out.length;
        if (a.length == n && b.length == n) {
            Parallel.forRange(n, GRAIN, (from, to) -> {
                for (int i = from; i < to; i++) out[i] = apply(op, a[i], b[i]);
            });
            return;
        }
        int rank = outShape.length;
        int[] as = broadcastStrides(Shape.leftPad(aShape, rank), outShape);
        int[] bs = broadcastStrides(Shape.leftPad(bShape, rank), outShape);
        int inner = rank == 0 ? 1 : outShape[rank - 1];
        int rows = inner == 0 ? 0 : n / inner;
        int aInner = rank == 0 ? 0 : as[rank - 1];
        int bInner = rank == 0 ? 0 : bs[rank - 1];
        Parallel.forRange(rows, Math.max(1, GRAIN / Math.max(1, inner)), (from, to) -> {
            for (int r = from; r < to; r++) {
                // offsets of this row in a and b, from the row's multi-index over the leading dims
                int rem = r, ao = 0, bo = 0;
                for (int d = rank - 2; d >= 0; d--) {
                    int idx = rem % outShape[d];
                    rem /= outShape[d];
                    ao += idx * as[d];
                    bo += idx * bs[d];
                }
                int o = r * inner;
                for (int j = 0; j < inner; j++) out[o + j] = apply(op, a[ao + j * aInner], b[bo + j * bInner]);
            }
        });
    }

    /** Strides of a (left-padded) shape read as if broadcast to outShape: 0 along broadcast dims. */
    static int[] broadcastStrides(int[] shape, int[] outShape) {
        int[] strides = Shape.strides(shape);
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1 && outShape[d] != 1) strides[d] = 0;
        }
        return strides;
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

    static void sumToShape(float[] in, int[] inShape, float[] out, int[] outShape) {
        int rank = inShape.length;
        int[] os = broadcastStrides(Shape.leftPad(outShape, rank), inShape);
        java.util.Arrays.fill(out, 0f);
        // Sequential over input rows: the output is small (a reduction); parallelize over output
        // elements would need a transposed walk. Rows of the input go in order for cache locality.
        int inner = rank == 0 ? 1 : inShape[rank - 1];
        int rows = inner == 0 ? 0 : in.length / inner;
        int oInner = rank == 0 ? 0 : os[rank - 1];
        for (int r = 0; r < rows; r++) {
            int rem = r, oo = 0;
            for (int d = rank - 2; d >= 0; d--) {
                int idx = rem % inShape[d];
                rem /= inShape[d];
                oo += idx * os[d];
            }
            int i0 = r * inner;
            if (oInner == 0) {
                float s = 0f;
                for (int j = 0; j < inner; j++) s += in[i0 + j];
                out[oo] += s;
            } else {
                for (int j = 0; j < inner; j++) out[oo + j] += in[i0 + j];
            }
        }
    }

    static void unary(UnaryOp op, float[] in, float[] out, int n, float arg) {
        throw new UnsupportedOperationException("unary " + op);
    }

    static void unaryBackward(UnaryOp op, float[] in, float[] out, float[] gradOut, float[] gradIn, int n, float arg) {
        throw new UnsupportedOperationException("unaryBackward " + op);
    }

    static void permute(float[] in, int[] inShape, int[] perm, float[] out) {
        throw new UnsupportedOperationException("permute");
    }

    static void maskedFill(float[] in, int[] shape, float[] mask, int[] maskShape, float value, float[] out) {
        throw new UnsupportedOperationException("maskedFill");
    }

    static void dropout(float[] in, float[] out, float[] mask, int n, float p, long seed) {
        throw new UnsupportedOperationException("dropout");
    }
}
