// Optimizer kernels (CpuOptimizer): the fused AdamW update and the sum of squares for clipping.
#pragma once
#include "common.cuh"

// bc2Sqrt = sqrt(1 - beta2^t) and stepSize = lr / (1 - beta1^t), decay = 1 - lr * wd: computed by the host as the CPU does.
extern "C" __global__ void adamw_step(float* p, const float* g, float* m, float* v, long long n, float beta1,
                                      float beta2, float eps, float stepSize, float decay, double bc2Sqrt) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        float gi = g[i];
        float mi = beta1 * m[i] + (1 - beta1) * gi;
        float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float denom = (float) (sqrt((double) vi) / bc2Sqrt) + eps;
        p[i] = p[i] * decay - stepSize * mi / denom;
    }
}

// Pass 1: partial[block] = sum of squares of a grid-stride share of x (double).
extern "C" __global__ void sum_of_squares_partial(const float* x, long long n, double* partial) {
    double s = 0;
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        s += (double) x[i] * x[i];
    }
    s = block_sum_double(s);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// Pass 2 (one block): out[0] = sum of the partials.
extern "C" __global__ void sum_of_squares_final(const double* partial, int parts, float* out) {
    double s = 0;
    for (int i = threadIdx.x; i < parts; i += blockDim.x) s += partial[i];
    s = block_sum_double(s);
    if (threadIdx.x == 0) out[0] = (float) s;
}
