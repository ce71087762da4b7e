// Normalizations over the last dimension (CpuNorm): layer norm forward / backward and row L2 norms.
// One warp per row; row sums in double as on the CPU.
#pragma once
#include "common.cuh"

extern "C" __global__ void layer_norm_forward(const float* in, const float* weight, const float* bias, float* out,
                                              float* mean, float* rstd, int rows, int cols, float eps) {
    WARP_ROW(r, rows)
    const float* x = in + (long long) r * cols;
    double sum = 0;
    for (int c = lane; c < cols; c += 32) sum += x[c];
    double mu = warp_sum_double(sum) / cols;
    double sq = 0;
    for (int c = lane; c < cols; c += 32) {
        double d = x[c] - mu;
        sq += d * d;
    }
    sq = warp_sum_double(sq);
    float m = (float) mu;
    float s = (float) (1.0 / sqrt(sq / cols + eps));
    float* y = out + (long long) r * cols;
    for (int c = lane; c < cols; c += 32) y[c] = (x[c] - m) * s * weight[c] + bias[c];
    if (lane == 0) {
        mean[r] = m;
        rstd[r] = s;
    }
}

// gradIn = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = gradOut * weight.
extern "C" __global__ void layer_norm_backward(const float* gradOut, const float* in, const float* weight,
                                               const float* mean, const float* rstd, float* gradIn, int rows, int cols) {
    WARP_ROW(r, rows)
    long long off = (long long) r * cols;
    float m = mean[r], s = rstd[r];
    double sumDxhat = 0, sumDxhatXhat = 0;
    for (int c = lane; c < cols; c += 32) {
        double dxhat = gradOut[off + c] * weight[c];
        sumDxhat += dxhat;
        sumDxhatXhat += dxhat * ((in[off + c] - m) * s);
    }
    float meanDxhat = (float) (warp_sum_double(sumDxhat) / cols);
    float meanDxhatXhat = (float) (warp_sum_double(sumDxhatXhat) / cols);
    for (int c = lane; c < cols; c += 32) {
        float xhat = (in[off + c] - m) * s;
        gradIn[off + c] = s * (gradOut[off + c] * weight[c] - meanDxhat - xhat * meanDxhatXhat);
    }
}

// Pass 1 of the parameter gradients: over rows [blockIdx.y * perSlice, + perSlice) of the slice,
// partial[0, slice, c] = sum of gradOut * xhat and partial[1, slice, c] = sum of gradOut, in double.
// Block: 32 columns x 8 row groups; grid y splits the rows so that few columns still fill the GPU.
// Pass 2: sum_partials adds each column's slices, in order, into gradWeight and gradBias (no atomics).
extern "C" __global__ void layer_norm_param_backward(const float* gradOut, const float* in, const float* mean,
                                                     const float* rstd, double* partial, int rows, int cols,
                                                     int perSlice) {
    __shared__ double sw[8][33], sb[8][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    int first = blockIdx.y * perSlice, end = min(rows, first + perSlice);
    double w = 0, b = 0;
    if (c < cols) {
        for (int r = first + threadIdx.y; r < end; r += blockDim.y) {
            long long off = (long long) r * cols;
            float g = gradOut[off + c];
            w += g * ((in[off + c] - mean[r]) * rstd[r]);
            b += g;
        }
    }
    sw[threadIdx.y][threadIdx.x] = w;
    sb[threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        double tw = 0, tb = 0;
        for (int y = 0; y < blockDim.y; y++) {
            tw += sw[y][threadIdx.x];
            tb += sb[y][threadIdx.x];
        }
        long long slices = gridDim.y;
        partial[blockIdx.y * (long long) cols + c] = tw;
        partial[(slices + blockIdx.y) * cols + c] = tb;
    }
}

extern "C" __global__ void row_norm(const float* in, float* out, int rows, int cols, float minNorm) {
    WARP_ROW(r, rows)
    const float* x = in + (long long) r * cols;
    double sq = 0;
    for (int c = lane; c < cols; c += 32) sq += (double) x[c] * x[c];
    sq = warp_sum_double(sq);
    if (lane == 0) out[r] = fmaxf((float) sqrt(sq), minNorm);
}

extern "C" __global__ void row_norm_backward(const float* in, const float* out, const float* gradOut, float* gradIn,
                                             int rows, int cols, float minNorm) {
    WARP_ROW(r, rows)
    float scale = out[r] > minNorm && out[r] > 0.0f ? gradOut[r] / out[r] : 0.0f;
    long long off = (long long) r * cols;
    for (int c = lane; c < cols; c += 32) gradIn[off + c] = in[off + c] * scale;
}
