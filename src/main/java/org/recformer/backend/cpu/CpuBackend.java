package org.recformer.backend.cpu;

import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.BufferRecycler;
import org.recformer.tensor.UnaryOp;

import java.util.Arrays;

/**
 * The CPU backend: plain Java loops over float arrays, split across cores by {@link Parallel}.
 * It is the readable reference for the CUDA backend; each kernel family lives in its own class.
 * With {@code -Drecformer.poison=true} (set by the tests) new and recycled buffers are filled with
 * NaN so a kernel that leaves an element unwritten is caught.
 */
public final class CpuBackend implements Backend {
    private static final boolean POISON = Boolean.getBoolean("recformer.poison");

    static float[] a(Buffer b) {
        return ((CpuBuffer) b).data;
    }

    @Override
    public String name() {
        return "cpu";
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Buffer allocate(int n) {
        CpuBuffer buffer = CpuRecycler.allocate(n);
        if (POISON) Arrays.fill(buffer.data, Float.NaN);
        return buffer;
    }

    @Override
    public BufferRecycler recycler() {
        return new CpuRecycler();
    }

    @Override
    public Buffer fromArray(float[] data) {
        return new CpuBuffer(data.clone());
    }

    @Override
    public float[] toArray(Buffer buffer) {
        return Arrays.copyOf(a(buffer), buffer.size());
    }

    @Override
    public void fill(Buffer buffer, float value) {
        CpuElementwise.fill(a(buffer), buffer.size(), value);
    }

    @Override
    public void copyBlocks(Buffer src, int srcOffset, int srcStride, Buffer dst, int dstOffset, int dstStride,
                           int blockLen, int blocks, boolean accumulate) {
        CpuElementwise.copyBlocks(a(src), srcOffset, srcStride, a(dst), dstOffset, dstStride, blockLen, blocks, accumulate);
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public void binary(BinaryOp op, Buffer x, int[] xShape, Buffer y, int[] yShape, Buffer out, int[] outShape) {
        CpuElementwise.binary(op, a(x), xShape, a(y), yShape, a(out), outShape);
    }

    @Override
    public void unary(UnaryOp op, Buffer in, Buffer out, int n, float arg) {
        CpuElementwise.unary(op, a(in), a(out), n, arg);
    }

    @Override
    public void unaryBackward(UnaryOp op, Buffer in, Buffer out, Buffer gradOut, Buffer gradIn, int n, float arg) {
        CpuElementwise.unaryBackward(op, a(in), a(out), a(gradOut), a(gradIn), n, arg);
    }

    @Override
    public void sumToShape(Buffer in, int[] inShape, Buffer out, int[] outShape) {
        CpuElementwise.sumToShape(a(in), inShape, a(out), outShape);
    }

    @Override
    public void permute(Buffer in, int[] inShape, int[] perm, Buffer out) {
        CpuElementwise.permute(a(in), inShape, perm, a(out));
    }

    @Override
    public void maskedFill(Buffer in, int[] shape, Buffer mask, int[] maskShape, float value, Buffer out) {
        CpuElementwise.maskedFill(a(in), shape, a(mask), maskShape, value, a(out));
    }

    @Override
    public void dropout(Buffer in, Buffer out, Buffer mask, int n, float p, long seed) {
        CpuElementwise.dropout(a(in), a(out), a(mask), n, p, seed);
    }

    // ---------------------------------------------------------------- indexing

    @Override
    public void gatherRows(Buffer table, int rows, int cols, int[] ids, Buffer out) {
        CpuIndexing.gatherRows(a(table), rows, cols, ids, a(out));
    }

    @Override
    public void scatterAddRows(Buffer grad, int cols, int[] ids, Buffer tableGrad, int skipId) {
        CpuIndexing.scatterAddRows(a(grad), cols, ids, a(tableGrad), cols == 0 ? 0 : tableGrad.size() / cols, skipId);
    }

    @Override
    public void scatterRows(Buffer src, int cols, int[] rows, Buffer out, int outRows) {
        CpuIndexing.scatterRows(a(src), cols, rows, a(out), outRows);
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public void matmul(Buffer x, Buffer y, Buffer c, int batch, int m, int n, int k,
                       boolean transA, boolean transB, int strideA, int strideB, int strideC, boolean accumulate) {
        CpuMatmul.matmul(a(x), a(y), a(c), batch, m, n, k, transA, transB, strideA, strideB, strideC, accumulate);
    }

    @Override
    public void linearForward(Buffer x, Buffer w, Buffer bias, Buffer c, int m, int n, int k) {
        CpuMatmul.linear(a(x), a(w), a(bias), a(c), m, n, k);
    }

    // ---------------------------------------------------------------- normalization, activations

    @Override
    public void layerNormForward(Buffer in, Buffer weight, Buffer bias, Buffer out, Buffer mean, Buffer rstd,
                                 int rows, int cols, float eps) {
        CpuNorm.layerNormForward(a(in), a(weight), a(bias), a(out), a(mean), a(rstd), rows, cols, eps);
    }

    @Override
    public void layerNormBackward(Buffer gradOut, Buffer in, Buffer weight, Buffer mean, Buffer rstd,
                                  Buffer gradIn, Buffer gradWeight, Buffer gradBias, int rows, int cols) {
        CpuNorm.layerNormBackward(a(gradOut), a(in), a(weight), a(mean), a(rstd), a(gradIn), a(gradWeight), a(gradBias), rows, cols);
    }

    @Override
    public void softmaxForward(Buffer in, Buffer out, int rows, int cols, boolean log) {
        CpuSoftmax.forward(a(in), a(out), rows, cols, log);
    }

    @Override
    public void softmaxBackward(Buffer out, Buffer gradOut, Buffer gradIn, int rows, int cols, boolean log) {
        CpuSoftmax.backward(a(out), a(gradOut), a(gradIn), rows, cols, log);
    }

    @Override
    public void crossEntropyForward(Buffer logits, int[] labels, int rows, int cols, int ignoreIndex, Buffer logProbs, Buffer loss) {
        CpuSoftmax.crossEntropyForward(a(logits), labels, rows, cols, ignoreIndex, a(logProbs), a(loss));
    }

    @Override
    public void crossEntropyBackward(Buffer logProbs, int[] labels, int rows, int cols, int ignoreIndex, Buffer gradLoss, Buffer gradLogits) {
        CpuSoftmax.crossEntropyBackward(a(logProbs), labels, rows, cols, ignoreIndex, a(gradLoss), a(gradLogits));
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attentionForward(AttentionProblem p, Buffer q, Buffer k, Buffer v, Buffer qg, Buffer kg, Buffer vg,
                                 Buffer out, Buffer saved) {
        CpuAttention.forward(p, a(q), a(k), a(v), orNull(qg), orNull(kg), orNull(vg), a(out), a(saved));
    }

    @Override
    public int attentionSavedSize(AttentionProblem p) {
        return CpuAttention.savedSize(p);
    }

    @Override
    public void attentionBackward(AttentionProblem p, Buffer q, Buffer k, Buffer v, Buffer qg, Buffer kg, Buffer vg,
                                  Buffer out, Buffer saved, Buffer gradOut,
                                  Buffer gq, Buffer gk, Buffer gv, Buffer gqg, Buffer gkg, Buffer gvg) {
        CpuAttention.backward(p, a(q), a(k), a(v), orNull(qg), orNull(kg), orNull(vg), a(out), a(saved), a(gradOut),
                a(gq), a(gk), a(gv), orNull(gqg), orNull(gkg), orNull(gvg));
    }

    /** The array of an optional buffer (the attention's global projections), or null. */
    private static float[] orNull(Buffer b) {
        return b == null ? null : a(b);
    }

    // ---------------------------------------------------------------- row norms

    @Override
    public void rowNorm(Buffer in, Buffer out, int rows, int cols, float minNorm) {
        CpuNorm.rowNorm(a(in), a(out), rows, cols, minNorm);
    }

    @Override
    public void rowNormBackward(Buffer in, Buffer out, Buffer gradOut, Buffer gradIn, int rows, int cols, float minNorm) {
        CpuNorm.rowNormBackward(a(in), a(out), a(gradOut), a(gradIn), rows, cols, minNorm);
    }

    // ---------------------------------------------------------------- optimizer (train)

    @Override
    public void adamwStep(Buffer param, Buffer grad, Buffer m, Buffer v, int n, float lr, float beta1, float beta2,
                          float eps, float weightDecay, int step, Buffer status) {
        CpuOptimizer.adamwStep(a(param), a(grad), a(m), a(v), n, lr, beta1, beta2, eps, weightDecay, step, a(status));
    }

    @Override
    public void clipGradNorm(Buffer[] grads, int[] sizes, float maxNorm, Buffer status, int step, int lastMicroBatch) {
        float[][] arrays = new float[grads.length][];
        for (int i = 0; i < grads.length; i++) arrays[i] = a(grads[i]);
        CpuOptimizer.clipGradNorm(arrays, sizes, maxNorm, a(status), step, lastMicroBatch);
    }

    @Override
    public void recordLoss(Buffer loss, Buffer status, int step, int microBatch) {
        CpuOptimizer.recordLoss(a(loss)[0], a(status), step, microBatch);
    }
}
