package org.recformer.backend.cpu;

/** Optimizer kernels: the fused AdamW update and the squared norm used for gradient clipping. */
final class CpuOptimizer {
    private CpuOptimizer() {}

    static void adamwStep(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2,
                          float eps, float weightDecay, int step) {
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / bc1);
        float decay = 1 - lr * weightDecay;
        Parallel.forRange(n, 1 << 14, (from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = g[i];
                float mi = beta1 * m[i] + (1 - beta1) * gi;
                float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
                m[i] = mi;
                v[i] = vi;
                float denom = (float) (Math.sqrt(vi) / bc2Sqrt) + eps;
                p[i] = p[i] * decay - stepSize * mi / denom;
            }
        });
    }

    static void sumOfSquares(float[] x, int n, float[] out) {
        double s = 0; // double accumulation: the norm of millions of gradients
        for (int i = 0; i < n; i++) s += (double) x[i] * x[i];
        out[0] = (float) s;
    }
}
