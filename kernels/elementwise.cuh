// Elementwise kernels (CpuElementwise): fill, copyBlocks, binary with broadcasting, unary and its
// backward, sumToShape, permute, maskedFill, dropout. Grid-stride loops over flat indices.
// Transcendentals run in double, as the CPU backend computes them, so results agree to rounding.
#pragma once
#include "common.cuh"

#define GRID_STRIDE(i, n) \
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < (n); i += (long long) gridDim.x * blockDim.x)

extern "C" __global__ void fill(float* out, long long n, float value) {
    GRID_STRIDE(i, n) out[i] = value;
}

// Block i of blockLen floats: src[srcOffset + i*srcStride ..] to dst[dstOffset + i*dstStride ..], or added
// (the host rejects accumulation into overlapping destination blocks, which would race).
extern "C" __global__ void copy_blocks(const float* src, int srcOffset, int srcStride, float* dst, int dstOffset,
                                       int dstStride, int blockLen, int blocks, int accumulate) {
    long long n = (long long) blockLen * blocks;
    GRID_STRIDE(e, n) {
        long long i = e / blockLen, j = e % blockLen;
        float x = src[srcOffset + i * srcStride + j];
        float* d = dst + dstOffset + i * dstStride + j;
        *d = accumulate ? *d + x : x;
    }
}

// Op codes of binary, unary_forward and unary_backward: the host maps each BinaryOp / UnaryOp constant
// to the code of the same name here (CudaBackend.binaryCode / unaryCode; a test checks the names match).
#define BINARY_ADD 0
#define BINARY_SUB 1
#define BINARY_MUL 2
#define BINARY_DIV 3
#define UNARY_SCALE 0
#define UNARY_ADD_SCALAR 1
#define UNARY_GELU 2
#define UNARY_TANH 3
#define UNARY_EXP 4
#define UNARY_CLAMP_MIN 5
#define UNARY_SQRT 6
#define UNARY_POW 7

// A grid-stride loop over n < 2^31 elements in unsigned 32-bit arithmetic (the broadcasting kernels).
#define GRID_STRIDE_32(i, n) \
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += gridDim.x * blockDim.x)

// L.strideA / L.strideB read a and b broadcast to L.shape.
extern "C" __global__ void binary(int op, const float* a, const float* b, float* out, unsigned n, Layout L) {
    GRID_STRIDE_32(i, n) {
        unsigned ia, ib;
        layout_offsets(L, i, &ia, &ib);
        float x = a[ia], y = b[ib];
        float r;
        switch (op) {
            case BINARY_ADD: r = x + y; break;
            case BINARY_SUB: r = x - y; break;
            case BINARY_MUL: r = x * y; break;
            default: r = x / y; break;  // BINARY_DIV
        }
        out[i] = r;
    }
}

// Phi(x) = 0.5 erfc(-x / sqrt 2), accurate for negative x.
__device__ __forceinline__ double normal_cdf(double x) {
    return 0.5 * erfc(-x * 0.70710678118654752440);
}

extern "C" __global__ void unary_forward(int op, const float* in, float* out, long long n, float arg) {
    GRID_STRIDE(i, n) {
        float x = in[i];
        float r;
        switch (op) {
            case UNARY_SCALE: r = x * arg; break;
            case UNARY_ADD_SCALAR: r = x + arg; break;
            case UNARY_GELU: r = (float) (x * normal_cdf(x)); break;
            case UNARY_TANH: r = (float) tanh((double) x); break;
            case UNARY_EXP: r = (float) exp((double) x); break;
            case UNARY_CLAMP_MIN: r = fmaxf(x, arg); break;
            case UNARY_SQRT: r = (float) sqrt((double) x); break;
            default: r = (float) pow((double) x, (double) arg); break;  // UNARY_POW
        }
        out[i] = r;
    }
}

// gradIn = op'(in) * gradOut (see CpuElementwise.unaryBackward).
extern "C" __global__ void unary_backward(int op, const float* in, const float* out, const float* gradOut,
                                          float* gradIn, long long n, float arg) {
    GRID_STRIDE(i, n) {
        float g = gradOut[i];
        float r;
        switch (op) {
            case UNARY_SCALE: r = g * arg; break;
            case UNARY_ADD_SCALAR: r = g; break;
            case UNARY_GELU: {
                double x = in[i];
                double pdf = 0.39894228040143267794 * exp(-0.5 * x * x);
                r = (float) (g * (normal_cdf(x) + x * pdf));
                break;
            }
            case UNARY_TANH: r = g * (1.0f - out[i] * out[i]); break;
            case UNARY_EXP: r = g * out[i]; break;
            case UNARY_CLAMP_MIN: r = in[i] >= arg ? g : 0.0f; break;
            case UNARY_SQRT: r = g / (2.0f * out[i]); break;
            default: r = arg == 0.0f ? 0.0f : (float) (g * (arg * pow((double) in[i], arg - 1.0))); break;  // UNARY_POW
        }
        gradIn[i] = r;
    }
}

// Column sums, pass 1 of 2: partial[slice, o] = sum of in over slice `blockIdx.y` of the reduced
// index range (perSlice indices each) for output element o. kept.shape is the input shape with the
// reduced dimensions set to 1 and kept.strideA the input strides, so that output index o maps to
// the input offset of its first element; reduced.shape lists the extents of the reduced dimensions
// and reduced.strideA their input strides; `count` is their product. Threads (x) take consecutive
// outputs, threadIdx.y splits the slice; sums in double. Pass 2 is sum_partials: splitting the
// reduced range over grid y gives enough blocks for few outputs (768 columns are 24 blocks of 32)
// with no atomics, so results do not depend on the schedule.
extern "C" __global__ void sum_to_shape(const float* in, double* partial, unsigned outCount, Layout kept,
                                        Layout reduced, unsigned count, unsigned perSlice) {
    __shared__ double part[8][33];
    unsigned o = blockIdx.x * 32 + threadIdx.x;
    unsigned first = blockIdx.y * perSlice, end = first + perSlice < count ? first + perSlice : count;
    double s = 0;
    if (o < outCount) {
        unsigned base, unused;
        layout_offsets(kept, o, &base, &unused);  // reduced coordinates at 0
        for (unsigned r = first + threadIdx.y; r < end; r += blockDim.y) {
            unsigned off;
            layout_offsets(reduced, r, &off, &unused);
            s += in[base + off];
        }
    }
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && o < outCount) {
        double t = 0;
        for (int y = 0; y < blockDim.y; y++) t += part[y][threadIdx.x];
        partial[(size_t) blockIdx.y * outCount + o] = t;
    }
}

// Column sums, pass 2 of 2: out[c] = (float) sum over s of partial[s, c] in slice order, added to out[c]
// when accumulate (as (float) sum), else stored. Used by sum_to_shape and layer_norm_param_backward.
extern "C" __global__ void sum_partials(const double* partial, unsigned slices, unsigned cols, float* out,
                                        int accumulate) {
    GRID_STRIDE_32(c, cols) {
        double t = 0;
        for (unsigned s = 0; s < slices; s++) t += partial[(size_t) s * cols + c];
        out[c] = accumulate ? out[c] + (float) t : (float) t;
    }
}

// out (shape L.shape) element i = in at offset given by L.strideA (the input strides of each output dimension).
extern "C" __global__ void permute(const float* in, float* out, unsigned n, Layout L) {
    GRID_STRIDE_32(i, n) {
        unsigned ia, unused;
        layout_offsets(L, i, &ia, &unused);
        out[i] = in[ia];
    }
}

// out = value where mask (read through L.strideB) != 0, else in (contiguous, L.strideA).
extern "C" __global__ void masked_fill(const float* in, const float* mask, float* out, unsigned n, Layout L,
                                       float value) {
    GRID_STRIDE_32(i, n) {
        unsigned ia, im;
        layout_offsets(L, i, &ia, &im);
        out[i] = mask[im] != 0.0f ? value : in[i];
    }
}

// Keep element i when counter_uniform(seed, i) >= p; mask = scale (1/(1-p), computed by the host in float) or 0.
extern "C" __global__ void dropout(const float* in, float* out, float* mask, long long n, float p, float scale,
                                   unsigned long long seed) {
    GRID_STRIDE(i, n) {
        float m = counter_uniform(seed, (unsigned long long) i) >= p ? scale : 0.0f;
        mask[i] = m;
        out[i] = in[i] * m;
    }
}

// out[i, :] = table[ids[i], :].
extern "C" __global__ void gather_rows(const float* table, const int* ids, float* out, int count, int cols) {
    long long n = (long long) count * cols;
    GRID_STRIDE(e, n) {
        long long i = e / cols, c = e % cols;
        out[e] = table[(long long) ids[i] * cols + c];
    }
}

// tableGrad[ids[i], :] += grad[i, :] except ids equal to skipId (atomic: ids may repeat).
extern "C" __global__ void scatter_add_rows(const float* grad, const int* ids, float* tableGrad, int count, int cols,
                                            int skipId) {
    long long n = (long long) count * cols;
    GRID_STRIDE(e, n) {
        long long i = e / cols, c = e % cols;
        int id = ids[i];
        if (id != skipId) atomicAdd(tableGrad + (long long) id * cols + c, grad[e]);
    }
}
