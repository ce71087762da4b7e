package org.recformer.backend.cpu;

/** Softmax, log-softmax and fused cross-entropy over the last dimension. */
final class CpuSoftmax {
    private CpuSoftmax() {}

    static void forward(float[] in, float[] out, int rows, int cols, boolean log) {
        throw new UnsupportedOperationException("softmax");
    }

    static void backward(float[] out, float[] gradOut, float[] gradIn, int rows, int cols, boolean log) {
        throw new UnsupportedOperationException("softmax backward");
    }

    static void crossEntropyForward(float[] logits, int[] labels, int rows, int cols, int ignoreIndex, float[] logProbs, float[] loss) {
        throw new UnsupportedOperationException("crossEntropy");
    }

    static void crossEntropyBackward(float[] logProbs, int[] labels, int rows, int cols, int ignoreIndex, float[] gradLoss, float[] gradLogits) {
        throw new UnsupportedOperationException("crossEntropy backward");
    }
}
