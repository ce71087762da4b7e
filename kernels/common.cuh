// Shared helpers of the recformer kernels: warp reductions, the broadcast layout struct and the
// counter-based random numbers of dropout (bit-identical to backend/cpu/CounterRandom.java).
#pragma once
#include <cstdint>
#include <cfloat>

#define MAX_RANK 8
#define FULL_MASK 0xffffffffu

// One warp per row: declares r (the row) and lane, and returns from warps past the last row.
#define WARP_ROW(r, rows) \
    int r = (blockIdx.x * blockDim.x + threadIdx.x) >> 5; \
    int lane = threadIdx.x & 31; \
    if (r >= (rows)) return;

// A shape of up to MAX_RANK dimensions with the strides of up to two operands read through it
// (0 along broadcast dimensions). Passed by value; the Java side fills it as 1 + 3 * MAX_RANK ints
// and guarantees that every element count and offset fits 31 bits (CudaBackend refuses larger tensors).
struct Layout {
    int rank;
    int shape[MAX_RANK];
    int strideA[MAX_RANK];
    int strideB[MAX_RANK];
};

// Offsets in operands A and B of flat index i of layout L, in unsigned 32-bit arithmetic. The loop
// runs over MAX_RANK at compile time (dimensions past L.rank skipped), so every field of L is read
// at a constant index from the parameter space: no local copy, no stack frame.
__device__ __forceinline__ void layout_offsets(const Layout& L, unsigned i, unsigned* a, unsigned* b) {
    unsigned oa = 0, ob = 0;
#pragma unroll
    for (int d = MAX_RANK - 1; d >= 0; d--) {
        if (d >= L.rank) continue;
        unsigned n = (unsigned) L.shape[d];
        unsigned c = i % n;
        i /= n;
        oa += c * (unsigned) L.strideA[d];
        ob += c * (unsigned) L.strideB[d];
    }
    *a = oa;
    *b = ob;
}

__device__ __forceinline__ float warp_sum(float x) {
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(FULL_MASK, x, o);
    return x;
}

__device__ __forceinline__ double warp_sum_double(double x) {
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(FULL_MASK, x, o);
    return x;
}

__device__ __forceinline__ float warp_max(float x) {
    for (int o = 16; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(FULL_MASK, x, o));
    return x;
}

// SplitMix64 at counter index + 1, top 24 bits as a uniform float in [0, 1): CounterRandom.
__device__ __forceinline__ float counter_uniform(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    return (float) (z >> 40) * 0x1p-24f;
}

// Block-wide sum of doubles (blockDim.x a multiple of 32, at most 1024); the result is valid in thread 0.
__device__ double block_sum_double(double x) {
    __shared__ double partial[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    x = warp_sum_double(x);
    if (lane == 0) partial[warp] = x;
    __syncthreads();
    int warps = (blockDim.x + 31) >> 5;
    x = threadIdx.x < warps ? partial[threadIdx.x] : 0.0;
    if (warp == 0) x = warp_sum_double(x);
    return x;
}

// Block-wide max (blockDim.x a multiple of 32, at most 1024), returned to every thread.
__device__ float block_max(float x) {
    __shared__ float partial[32];
    __shared__ float result;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    x = warp_max(x);
    if (lane == 0) partial[warp] = x;
    __syncthreads();
    if (warp == 0) {
        x = lane < (int) (blockDim.x >> 5) ? partial[lane] : -INFINITY;
        x = warp_max(x);
        if (lane == 0) result = x;
    }
    __syncthreads();
    return result;
}
