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
        Parallel.forRange(n, 1 << 14, (from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = g[i] * clip;
                float mi = beta1 * m[i] + (1 - beta1) * gi;
                float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
                m[i] = mi;
                v[i] = vi;
                float denom = (float) (Math.sqrt(vi) / bc2Sqrt) + eps;
                p[i] = p[i] * decay - stepSize * mi / denom;
            }
        });
    }

    static void clipGradNorm(float[][] grads, int[] sizes, float maxNorm, float[] status, int step, int lastMicroBatch) {
        double sum = 0;
        for (int t = 0; t < grads.length; t++) {
            double s = 0; // double accumulation: the norm of millions of gradients
            for (int i = 0; i < sizes[t]; i++) s += (double) grads[t][i] * grads[t][i];
            sum += (float) s;
        }
        float norm = (float) Math.sqrt(sum);
        float factor = maxNorm / (norm + 1e-6f);
        status[StepStatus.GRAD_NORM] = norm;
        status[StepStatus.CLIP_FACTOR] = factor < 1f ? factor : 1f;
        if (!Float.isFinite(norm)) diverged(status, step, lastMicroBatch, StepStatus.GRADIENT_NORM, norm);
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
