// Optimizer kernels (CpuOptimizer): the fused AdamW update on clipped gradients, the gradient norm over all
// tensors and the clip factor, the step's loss record; nothing here is read back by the host inside a step.
#pragma once
#include "common.cuh"

// The status of a training step (tensor/StepStatus.java, same indices): the divergence record carried
// from step to step, the clip factor and gradient norm of this step, then the micro-batch losses.
#define STATUS_DIVERGED_STEP 0
#define STATUS_DIVERGED_MICRO_BATCH 1
#define STATUS_DIVERGED_QUANTITY 2
#define STATUS_DIVERGED_VALUE 3
#define STATUS_CLIP_FACTOR 4
#define STATUS_GRAD_NORM 5
#define STATUS_LOSSES 6
#define STATUS_LOSS 1
#define STATUS_GRADIENT_NORM 2

// The first non-finite value only: a later one leaves the record alone.
__device__ void status_diverged(float* status, int step, int microBatch, int quantity, float value) {
    if (status[STATUS_DIVERGED_STEP] != 0.0f) return;
    status[STATUS_DIVERGED_STEP] = (float) step;
    status[STATUS_DIVERGED_MICRO_BATCH] = (float) microBatch;
    status[STATUS_DIVERGED_QUANTITY] = (float) quantity;
    status[STATUS_DIVERGED_VALUE] = value;
}

// AdamW on the clipped gradient g * status[CLIP_FACTOR]; nothing changes once a divergence is recorded.
// bc2Sqrt = sqrt(1 - beta2^t) and stepSize = lr / (1 - beta1^t), decay = 1 - lr * wd: computed by the host as the CPU does.
extern "C" __global__ void adamw_step(float* p, const float* g, float* m, float* v, long long n, float beta1,
                                      float beta2, float eps, float stepSize, float decay, double bc2Sqrt,
                                      const float* status) {
    if (status[STATUS_DIVERGED_STEP] != 0.0f) return;
    float clip = status[STATUS_CLIP_FACTOR];
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        float gi = g[i] * clip;
        float mi = beta1 * m[i] + (1 - beta1) * gi;
        float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float denom = (float) (sqrt((double) vi) / bc2Sqrt) + eps;
        p[i] = p[i] * decay - stepSize * mi / denom;
    }
}

// Gradient norm pass 1, all tensors in one launch: tensor y (grid y) is the float array at addresses[y]
// of sizes[y] floats; block x sums the squares of its grid-stride share into partial[y * gridDim.x + x] (double).
extern "C" __global__ void grad_norm_partial(const long long* addresses, const long long* sizes, double* partial) {
    const float* x = (const float*) addresses[blockIdx.y];
    long long n = sizes[blockIdx.y];
    double s = 0;
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        s += (double) x[i] * x[i];
    }
    s = block_sum_double(s);
    if (threadIdx.x == 0) partial[blockIdx.y * (long long) gridDim.x + blockIdx.x] = s;
}

// Pass 2 (one block): each tensor's sum of its parts, rounded to float, added in tensor order (as the
// CPU does); norm = sqrt, factor = maxNorm / (norm + 1e-6) clamped to 1, both into the status.
extern "C" __global__ void grad_norm_final(const double* partial, int tensors, int parts, float maxNorm, float* status,
                                           int step, int lastMicroBatch) {
    double sum = 0;
    for (int t = 0; t < tensors; t++) {
        double s = 0;
        for (int i = threadIdx.x; i < parts; i += blockDim.x) s += partial[(long long) t * parts + i];
        s = block_sum_double(s);
        if (threadIdx.x == 0) sum += (double) (float) s;
        __syncthreads(); // block_sum_double's shared partials are reused by the next tensor
    }
    if (threadIdx.x == 0) {
        float norm = (float) sqrt(sum);
        float factor = maxNorm / (norm + 1e-6f);
        status[STATUS_GRAD_NORM] = norm;
        status[STATUS_CLIP_FACTOR] = factor < 1.0f ? factor : 1.0f;
        if (!isfinite(norm)) status_diverged(status, step, lastMicroBatch, STATUS_GRADIENT_NORM, norm);
    }
}

// status[LOSSES + microBatch] = loss[0], and a non-finite loss recorded as the step's divergence (one thread).
extern "C" __global__ void record_loss(const float* loss, float* status, int step, int microBatch) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    float l = loss[0];
    status[STATUS_LOSSES + microBatch] = l;
    if (!isfinite(l)) status_diverged(status, step, microBatch, STATUS_LOSS, l);
}
