package org.recformer.backend.cpu;

import org.recformer.tensor.StepStatus;

/** Optimizer kernels: the fused AdamW update on clipped gradients, the gradient norm and clip factor, the step's loss record. */
final class CpuOptimizer {
    private CpuOptimizer() {}

    static void adamwStep(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2,
                          float eps, float weightDecay, int step, float[] status) {
        if (status[StepStatus.DIVERGED_STEP] != 0) return;
        float clip = status[StepStatus.CLIP_FACTOR];
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / bc1);
        float decay = 1 - lr * weightDecay;
        Parallel.forRange(n, 1 << 14, (from, to) ->
                adamw(p, g, m, v, from, to, clip, beta1, beta2, eps, stepSize, decay, bc2Sqrt, CpuMatmul.VECTOR));
    }

    /** The AdamW update of elements [from, to), on the Vector API ({@code vector}: needs the module) or plain loops. */
    static void adamw(float[] p, float[] g, float[] m, float[] v, int from, int to, float clip, float beta1, float beta2,
                      float eps, float stepSize, float decay, double bc2Sqrt, boolean vector) {
        int i = vector ? CpuOptimizerVector.adamw(p, g, m, v, from, to, clip, beta1, beta2, eps, stepSize, decay, bc2Sqrt) : from;
        for (; i < to; i++) {
            float gi = g[i] * clip;
            float mi = beta1 * m[i] + (1 - beta1) * gi;
            float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float denom = (float) (Math.sqrt(vi) / bc2Sqrt) + eps;
            p[i] = p[i] * decay - stepSize * mi / denom;
        }
    }

    /** Gradient elements per partial sum of squares: the unit the cores share, fixed so the sum does not depend on their number. */
    static final int NORM_CHUNK = 1 << 16;

    /**
     * The norm of all gradients and the clip factor into {@code status}. Each tensor's sum of
     * squares is accumulated in double over fixed chunks of {@link #NORM_CHUNK} (computed across
     * cores, each as {@link LaneSums}' interleaved sums) added in order, rounded to float, and the
     * tensors' sums are added in tensor order: the result depends on neither the thread count nor the
     * schedule.
     */
    static void clipGradNorm(float[][] grads, int[] sizes, float maxNorm, float[] status, int step, int lastMicroBatch) {
        int[] firstChunk = new int[grads.length + 1];
        for (int t = 0; t < grads.length; t++) firstChunk[t + 1] = firstChunk[t] + (sizes[t] + NORM_CHUNK - 1) / NORM_CHUNK;
        double[] partial = new double[firstChunk[grads.length]];
        Parallel.forRange(partial.length, 1, (from, to) -> {
            int t = 0;
            for (int c = from; c < to; c++) {
                while (firstChunk[t + 1] <= c) t++;
                int start = (c - firstChunk[t]) * NORM_CHUNK;
                partial[c] = sumOfSquares(grads[t], start, Math.min(sizes[t], start + NORM_CHUNK), CpuMatmul.VECTOR);
            }
        });
        double sum = 0;
        for (int t = 0; t < grads.length; t++) {
            double s = 0; // double accumulation: the norm of millions of gradients
            for (int c = firstChunk[t]; c < firstChunk[t + 1]; c++) s += partial[c];
            sum += (float) s;
        }
        float norm = (float) Math.sqrt(sum);
        float factor = maxNorm / (norm + 1e-6f);
        status[StepStatus.GRAD_NORM] = norm;
        status[StepStatus.CLIP_FACTOR] = factor < 1f ? factor : 1f;
        if (!Float.isFinite(norm)) diverged(status, step, lastMicroBatch, StepStatus.GRADIENT_NORM, norm);
    }

    /**
     * Sum of x[i]^2 over [from, to) in double, in {@link LaneSums}' order with or without the Vector
     * API ({@code vector}: needs the module), so the norm is the same bit for bit.
     */
    static double sumOfSquares(float[] x, int from, int to, boolean vector) {
        double[] s = new double[LaneSums.LANES];
        int i = from;
        if (vector && CpuNormVector.LANES_MATCH) {
            i = CpuNormVector.sumsOfSquares(x, from, to, s);
        } else {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (; i + LaneSums.LANES <= to; i += LaneSums.LANES) {
                s0 += (double) x[i] * x[i];
                s1 += (double) x[i + 1] * x[i + 1];
                s2 += (double) x[i + 2] * x[i + 2];
                s3 += (double) x[i + 3] * x[i + 3];
                s4 += (double) x[i + 4] * x[i + 4];
                s5 += (double) x[i + 5] * x[i + 5];
                s6 += (double) x[i + 6] * x[i + 6];
                s7 += (double) x[i + 7] * x[i + 7];
            }
            s[0] = s0;
            s[1] = s1;
            s[2] = s2;
            s[3] = s3;
            s[4] = s4;
            s[5] = s5;
            s[6] = s6;
            s[7] = s7;
        }
        for (; i < to; i++) s[(i - from) % LaneSums.LANES] += (double) x[i] * x[i];
        return LaneSums.total(s);
    }

    static void recordLoss(float loss, float[] status, int step, int microBatch) {
        status[StepStatus.LOSSES + microBatch] = loss;
        if (!Float.isFinite(loss)) diverged(status, step, microBatch, StepStatus.LOSS, loss);
    }

    /** Records the first divergence only. */
    private static void diverged(float[] status, int step, int microBatch, int quantity, float value) {
        if (status[StepStatus.DIVERGED_STEP] != 0) return;
        status[StepStatus.DIVERGED_STEP] = step;
        status[StepStatus.DIVERGED_MICRO_BATCH] = microBatch;
        status[StepStatus.DIVERGED_QUANTITY] = quantity;
        status[StepStatus.DIVERGED_VALUE] = value;
    }
}
