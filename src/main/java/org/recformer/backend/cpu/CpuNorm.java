package org.recformer.backend.cpu;

/**
 * Normalizations over the last dimension (cols) of a [rows, cols] buffer: layer norm, and the L2
 * norm of each row (optionally clamped from below, as cosine similarity needs). Rows are split
 * across cores; sums are taken in double.
 */
final class CpuNorm {
    private static final int ROW_GRAIN = 16;

    private CpuNorm() {}

    /** out = (in - mean) * rstd * weight + bias per row; writes mean and rstd = 1/sqrt(var + eps) per row. */
    static void layerNormForward(float[] in, float[] weight, float[] bias, float[] out, float[] mean, float[] rstd,
                                 int rows, int cols, float eps) {
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                double sum = 0;
                for (int c = 0; c < cols; c++) sum += in[off + c];
                double mu = sum / cols;
                double sq = 0;
                for (int c = 0; c < cols; c++) {
                    double d = in[off + c] - mu;
                    sq += d * d;
                }
                float m = (float) mu;
                float s = (float) (1.0 / Math.sqrt(sq / cols + eps));
                for (int c = 0; c < cols; c++) out[off + c] = (in[off + c] - m) * s * weight[c] + bias[c];
                mean[r] = m;
                rstd[r] = s;
            }
        });
    }

    /**
     * gradIn = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) with dxhat = gradOut * weight;
     * gradWeight += sum over rows of gradOut * xhat, gradBias += sum of gradOut.
     */
    static void layerNormBackward(float[] gradOut, float[] in, float[] weight, float[] mean, float[] rstd,
                                  float[] gradIn, float[] gradWeight, float[] gradBias, int rows, int cols) {
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                float m = mean[r], s = rstd[r];
                double sumDxhat = 0, sumDxhatXhat = 0;
                for (int c = 0; c < cols; c++) {
                    double dxhat = gradOut[off + c] * weight[c];
                    sumDxhat += dxhat;
                    sumDxhatXhat += dxhat * ((in[off + c] - m) * s);
                }
                float meanDxhat = (float) (sumDxhat / cols);
                float meanDxhatXhat = (float) (sumDxhatXhat / cols);
                for (int c = 0; c < cols; c++) {
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
                for (int c = from; c < to; c++) {
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
