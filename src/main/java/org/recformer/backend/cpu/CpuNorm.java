package org.recformer.backend.cpu;

import java.util.Arrays;

/**
 * Normalizations over the last dimension (cols) of a [rows, cols] buffer: layer norm, and the L2
 * norm of each row (optionally clamped from below, as cosine similarity needs). Rows are split
 * across cores; sums are taken in double. With the Vector API the layer norm's loops run on vector
 * lanes ({@link CpuNormVector}) with the same results bit for bit.
 */
final class CpuNorm {
    private static final int ROW_GRAIN = 16;

    private CpuNorm() {}

    /** Whether the layer-norm loops run on the Vector API ({@link CpuNormVector}, the same bits as the plain loops). */
    static final boolean VECTOR = CpuMatmul.VECTOR && CpuNormVector.LANES_MATCH;

    /**
     * out = (in - mean) * rstd * weight + bias per row; writes mean and rstd = 1/sqrt(var + eps) per
     * row. The mean and the variance are sums in double in {@link LaneSums}' order.
     */
    static void layerNormForward(float[] in, float[] weight, float[] bias, float[] out, float[] mean, float[] rstd,
                                 int rows, int cols, float eps) {
        layerNormForward(in, weight, bias, out, mean, rstd, rows, cols, eps, VECTOR);
    }

    /** As above on the Vector API or not ({@code vector} needs {@link #VECTOR}; tests run both). */
    static void layerNormForward(float[] in, float[] weight, float[] bias, float[] out, float[] mean, float[] rstd,
                                 int rows, int cols, float eps, boolean vector) {
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            double[] sums = new double[LaneSums.LANES];
            for (int r = from; r < to; r++) {
                int off = r * cols;
                Arrays.fill(sums, 0);
                int c = vector ? CpuNormVector.sums(in, off, cols, sums) : 0;
                for (; c < cols; c++) sums[c % LaneSums.LANES] += in[off + c];
                double mu = LaneSums.total(sums) / cols;
                Arrays.fill(sums, 0);
                c = vector ? CpuNormVector.squaredDeviations(in, off, cols, mu, sums) : 0;
                for (; c < cols; c++) {
                    double d = in[off + c] - mu;
                    sums[c % LaneSums.LANES] += d * d;
                }
                float m = (float) mu;
                float s = (float) (1.0 / Math.sqrt(LaneSums.total(sums) / cols + eps));
                c = vector ? CpuNormVector.normalize(in, off, cols, m, s, weight, bias, out) : 0;
                for (; c < cols; c++) out[off + c] = (in[off + c] - m) * s * weight[c] + bias[c];
                mean[r] = m;
                rstd[r] = s;
            }
        });
    }

    /**
     * gradIn = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) with dxhat = gradOut * weight
     * (row sums in double in {@link LaneSums}' order); gradWeight += sum over rows of gradOut * xhat,
     * gradBias += sum of gradOut (in double, rows in order).
     */
    static void layerNormBackward(float[] gradOut, float[] in, float[] weight, float[] mean, float[] rstd,
                                  float[] gradIn, float[] gradWeight, float[] gradBias, int rows, int cols) {
        layerNormBackward(gradOut, in, weight, mean, rstd, gradIn, gradWeight, gradBias, rows, cols, VECTOR);
    }

    /** As above on the Vector API or not ({@code vector} needs {@link #VECTOR}; tests run both). */
    static void layerNormBackward(float[] gradOut, float[] in, float[] weight, float[] mean, float[] rstd,
                                  float[] gradIn, float[] gradWeight, float[] gradBias, int rows, int cols, boolean vector) {
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            double[] sumDxhat = new double[LaneSums.LANES], sumDxhatXhat = new double[LaneSums.LANES];
            for (int r = from; r < to; r++) {
                int off = r * cols;
                float m = mean[r], s = rstd[r];
                Arrays.fill(sumDxhat, 0);
                Arrays.fill(sumDxhatXhat, 0);
                int c = vector ? CpuNormVector.backwardSums(gradOut, in, weight, off, cols, m, s, sumDxhat, sumDxhatXhat) : 0;
                for (; c < cols; c++) {
                    double dxhat = gradOut[off + c] * weight[c];
                    sumDxhat[c % LaneSums.LANES] += dxhat;
                    sumDxhatXhat[c % LaneSums.LANES] += dxhat * ((in[off + c] - m) * s);
                }
                float meanDxhat = (float) (LaneSums.total(sumDxhat) / cols);
                float meanDxhatXhat = (float) (LaneSums.total(sumDxhatXhat) / cols);
                c = vector ? CpuNormVector.inputGradient(gradOut, in, weight, off, cols, m, s, meanDxhat, meanDxhatXhat, gradIn) : 0;
                for (; c < cols; c++) {
                    float xhat = (in[off + c] - m) * s;
                    gradIn[off + c] = s * (gradOut[off + c] * weight[c] - meanDxhat - xhat * meanDxhatXhat);
                }
            }
        });
        // Column ranges in parallel: each column's sum over rows is owned by one thread.
        Parallel.forRange(cols, 64, (from, to) -> {
            double[] sumW = new double[to - from];
            double[] sumB = new double[to - from];
            for (int r = 0; r < rows; r++) {
                int off = r * cols;
                float m = mean[r], s = rstd[r];
                int c = vector ? CpuNormVector.addColumnSums(gradOut, in, off, from, to, m, s, sumW, sumB) : from;
                for (; c < to; c++) {
                    float g = gradOut[off + c];
                    sumW[c - from] += g * ((in[off + c] - m) * s);
                    sumB[c - from] += g;
                }
            }
            for (int c = from; c < to; c++) {
                gradWeight[c] += (float) sumW[c - from];
                gradBias[c] += (float) sumB[c - from];
            }
        });
    }

    /** out[r] = max(||in[r, :]||_2, minNorm). */
    static void rowNorm(float[] in, float[] out, int rows, int cols, float minNorm) {
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                double sq = 0;
                for (int c = 0; c < cols; c++) sq += (double) in[off + c] * in[off + c];
                out[r] = Math.max((float) Math.sqrt(sq), minNorm);
            }
        });
    }

    /**
     * gradIn[r, c] = gradOut[r] * in[r, c] / out[r] where the norm is above minNorm (>= 0); 0 where
     * the clamp is active or the row is all zeros (as PyTorch's norm backward at 0).
     */
    static void rowNormBackward(float[] in, float[] out, float[] gradOut, float[] gradIn, int rows, int cols, float minNorm) {
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                float scale = out[r] > minNorm && out[r] > 0 ? gradOut[r] / out[r] : 0f;
                for (int c = 0; c < cols; c++) gradIn[off + c] = in[off + c] * scale;
            }
        });
    }
}
