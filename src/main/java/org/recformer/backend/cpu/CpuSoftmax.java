package org.recformer.backend.cpu;

/**
 * Softmax, log-softmax and fused cross-entropy over the last dimension (cols) of [rows, cols].
 * Each row subtracts its maximum before exponentiating, so large logits do not overflow; rows are
 * split across cores and row sums are taken in double.
 */
final class CpuSoftmax {
    private static final int ROW_GRAIN = 16;

    private CpuSoftmax() {}

    static void forward(float[] in, float[] out, int rows, int cols, boolean log) {
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) softmaxRow(in, out, r * cols, cols, log);
        });
    }

    /** out[off ..] = softmax (or log-softmax) of in[off ..] over cols values. */
    private static void softmaxRow(float[] in, float[] out, int off, int cols, boolean log) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) max = Math.max(max, in[off + c]);
        double sum = 0;
        for (int c = 0; c < cols; c++) sum += Math.exp(in[off + c] - max);
        if (log) {
            float logSum = (float) Math.log(sum);
            for (int c = 0; c < cols; c++) out[off + c] = in[off + c] - max - logSum;
        } else {
            for (int c = 0; c < cols; c++) out[off + c] = (float) (Math.exp(in[off + c] - max) / sum);
        }
    }

    /**
     * Softmax: gradIn = out * (gradOut - sum(gradOut * out)); log-softmax:
     * gradIn = gradOut - exp(out) * sum(gradOut).
     */
    static void backward(float[] out, float[] gradOut, float[] gradIn, int rows, int cols, boolean log) {
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                double dot = 0;
                if (log) {
                    for (int c = 0; c < cols; c++) dot += gradOut[off + c];
                    float s = (float) dot;
                    for (int c = 0; c < cols; c++) gradIn[off + c] = gradOut[off + c] - (float) Math.exp(out[off + c]) * s;
                } else {
                    for (int c = 0; c < cols; c++) dot += gradOut[off + c] * out[off + c];
                    float s = (float) dot;
                    for (int c = 0; c < cols; c++) gradIn[off + c] = out[off + c] * (gradOut[off + c] - s);
                }
            }
        });
    }

    /** loss[0] = -mean over counted rows of logProbs[r, labels[r]]; writes logProbs for every row. */
    static void crossEntropyForward(float[] logits, int[] labels, int rows, int cols, int ignoreIndex, float[] logProbs, float[] loss) {
        checkLabels(labels, rows, cols, ignoreIndex);
        forward(logits, logProbs, rows, cols, true);
        double sum = 0;
        int count = 0;
        for (int r = 0; r < rows; r++) {
            if (labels[r] == ignoreIndex) continue;
            sum -= logProbs[r * cols + labels[r]];
            count++;
        }
        loss[0] = count == 0 ? 0f : (float) (sum / count);
    }

    /** gradLogits = (softmax - onehot) * gradLoss[0] / count for counted rows, 0 for ignored rows. */
    static void crossEntropyBackward(float[] logProbs, int[] labels, int rows, int cols, int ignoreIndex, float[] gradLoss, float[] gradLogits) {
        checkLabels(labels, rows, cols, ignoreIndex);
        int count = 0;
        for (int r = 0; r < rows; r++) if (labels[r] != ignoreIndex) count++;
        float scale = count == 0 ? 0f : gradLoss[0] / count;
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                boolean counted = labels[r] != ignoreIndex;
                for (int c = 0; c < cols; c++) {
                    gradLogits[off + c] = counted ? (float) Math.exp(logProbs[off + c]) * scale : 0f;
                }
                if (counted) gradLogits[off + labels[r]] -= scale;
            }
        });
    }

    private static void checkLabels(int[] labels, int rows, int cols, int ignoreIndex) {
        if (labels.length != rows) {
            throw new IllegalArgumentException("cross-entropy: " + labels.length + " labels for " + rows + " rows of logits");
        }
        for (int r = 0; r < rows; r++) {
            int label = labels[r];
            if (label != ignoreIndex && (label < 0 || label >= cols)) {
                throw new IllegalArgumentException("cross-entropy: label " + label + " of row " + r
                        + " is outside [0, " + cols + ") and is not the ignore index " + ignoreIndex);
            }
        }
    }
}
