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

// Cross-entropy splits each row of logits into chunks of `chunk` columns, one block each (grid x =
// row, y = chunk), so that a few long rows (a batch of 16 rows of 50,265 logits) still fill the GPU.
// Pass 1: per chunk, its max and the sum of exp(x - max) in double.
extern "C" __global__ void cross_entropy_partial(const float* logits, float* partialMax, double* partialSum, int cols,
                                                 int chunk) {
    long long r = blockIdx.x, at = r * gridDim.y + blockIdx.y;
    const float* x = logits + r * cols;
    int first = blockIdx.y * chunk, end = min(cols, first + chunk);
    float mx = -INFINITY;
    for (int c = first + threadIdx.x; c < end; c += blockDim.x) mx = fmaxf(mx, x[c]);
    mx = block_max(mx);
    double sum = 0;
    for (int c = first + threadIdx.x; c < end; c += blockDim.x) sum += exp((double) (x[c] - mx));
    sum = block_sum_double(sum);
    if (threadIdx.x == 0) {
        partialMax[at] = mx;
        partialSum[at] = sum;
    }
}

// Pass 2: the row's max M and sum of exp(x - M) from its chunks (in chunk order), the log-probabilities
// x - M - log(sum) of this block's chunk, and (chunk 0) the negative log-likelihood of the row's label
// into rowLoss (0 when ignored).
extern "C" __global__ void cross_entropy_forward(const float* logits, const int* labels, const float* partialMax,
                                                 const double* partialSum, float* logProbs, float* rowLoss, int cols,
                                                 int chunk, int ignoreIndex) {
    long long r = blockIdx.x, off = r * cols;
    const float* pm = partialMax + r * gridDim.y;
    const double* ps = partialSum + r * gridDim.y;
    float M = -INFINITY;
    for (int k = 0; k < (int) gridDim.y; k++) M = fmaxf(M, pm[k]);
    double sum = 0;
    for (int k = 0; k < (int) gridDim.y; k++) {
        if (pm[k] != -INFINITY) sum += ps[k] * exp((double) (pm[k] - M));
    }
    float logSum = (float) log(sum);
    int first = blockIdx.y * chunk, end = min(cols, first + chunk);
    for (int c = first + threadIdx.x; c < end; c += blockDim.x) logProbs[off + c] = logits[off + c] - M - logSum;
    if (blockIdx.y == 0 && threadIdx.x == 0) {
        int label = labels[r];
        rowLoss[r] = label == ignoreIndex ? 0.0f : -(logits[off + label] - M - logSum);
    }
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
