// Softmax, log-softmax and fused cross-entropy over the last dimension (CpuSoftmax). One warp per
// row, max subtracted first, sums in double.
#pragma once
#include "common.cuh"

__device__ void softmax_row(const float* x, float* y, int cols, int lane, int log) {
    float mx = -INFINITY;
    for (int c = lane; c < cols; c += 32) mx = fmaxf(mx, x[c]);
    mx = warp_max(mx);
    double sum = 0;
    for (int c = lane; c < cols; c += 32) sum += exp((double) (x[c] - mx));
    sum = warp_sum_double(sum);
    if (log) {
        float logSum = (float) ::log(sum);
        for (int c = lane; c < cols; c += 32) y[c] = x[c] - mx - logSum;
    } else {
        for (int c = lane; c < cols; c += 32) y[c] = (float) (exp((double) (x[c] - mx)) / sum);
    }
}

extern "C" __global__ void softmax_forward(const float* in, float* out, int rows, int cols, int log) {
    WARP_ROW(r, rows)
    long long off = (long long) r * cols;
    softmax_row(in + off, out + off, cols, lane, log);
}

// Softmax: gradIn = out * (gradOut - sum(gradOut * out)); log-softmax: gradIn = gradOut - exp(out) * sum(gradOut).
extern "C" __global__ void softmax_backward(const float* out, const float* gradOut, float* gradIn, int rows, int cols,
                                            int log) {
    WARP_ROW(r, rows)
    long long off = (long long) r * cols;
    double dot = 0;
    for (int c = lane; c < cols; c += 32) dot += log ? gradOut[off + c] : gradOut[off + c] * out[off + c];
    float s = (float) warp_sum_double(dot);
    for (int c = lane; c < cols; c += 32) {
        gradIn[off + c] = log ? gradOut[off + c] - (float) exp((double) out[off + c]) * s
                              : out[off + c] * (gradOut[off + c] - s);
    }
}

// Log-probabilities of every row, and the negative log-likelihood of each row's label into rowLoss (0 when ignored).
extern "C" __global__ void cross_entropy_forward(const float* logits, const int* labels, float* logProbs, float* rowLoss,
                                                 int rows, int cols, int ignoreIndex) {
    WARP_ROW(r, rows)
    long long off = (long long) r * cols;
    softmax_row(logits + off, logProbs + off, cols, lane, 1);
    __syncwarp();
    if (lane == 0) rowLoss[r] = labels[r] == ignoreIndex ? 0.0f : -logProbs[off + labels[r]];
}

// loss[0] = sum(rowLoss) / count (0 when count is 0), in one block.
extern "C" __global__ void cross_entropy_reduce(const float* rowLoss, float* loss, int rows, int count) {
    double s = 0;
    for (int r = threadIdx.x; r < rows; r += blockDim.x) s += rowLoss[r];
    s = block_sum_double(s);
    if (threadIdx.x == 0) loss[0] = count == 0 ? 0.0f : (float) (s / count);
}

// gradLogits = (softmax - onehot) * gradLoss[0] / count for counted rows, 0 for ignored rows.
extern "C" __global__ void cross_entropy_backward(const float* logProbs, const int* labels, const float* gradLoss,
                                                  float* gradLogits, int rows, int cols, int ignoreIndex, int count) {
    WARP_ROW(r, rows)
    long long off = (long long) r * cols;
    int label = labels[r];
    bool counted = label != ignoreIndex;
    float scale = count == 0 ? 0.0f : gradLoss[0] / count;
    for (int c = lane; c < cols; c += 32) {
        float g = counted ? (float) exp((double) logProbs[off + c]) * scale : 0.0f;
        if (counted && c == label) g -= scale;
        gradLogits[off + c] = g;
    }
}
