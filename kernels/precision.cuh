// Operand rounding of the --precision modes (org.recformer.tensor.Precision): matrix products and
// attention's score and value products read their inputs rounded to TF32 or BF16 and accumulate
// in FP32 (torch.autocast's policy); everything else stays FP32. The codes are the Precision
// constants' ordinals, which CudaBackend passes as the kernels' `precision` argument.
// The Java twins (for the tests) are OperandRounding in the test sources.
#pragma once
#include "elementwise.cuh"

#define PRECISION_FP32 0
#define PRECISION_TF32 1
#define PRECISION_BF16 2

// A quiet NaN with x's sign, representable in both formats (PTX's cvt gives a canonical NaN too).
#define PRECISION_NAN(u) (((u) & 0x80000000u) | 0x7fc00000u)

// cvt.rna.tf32.f32: 10 mantissa bits, round to nearest, ties away from zero (adding half of the
// dropped 13 bits to the magnitude carries into the exponent when it must, up to infinity).
// Subnormals round at the same bit; infinities stay.
__device__ __forceinline__ float round_tf32(float x) {
    unsigned u = __float_as_uint(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) return __uint_as_float(PRECISION_NAN(u));
    return __uint_as_float((u + 0x1000u) & 0xffffe000u);
}

// FP32 to BF16 (8 mantissa bits, the upper half of the FP32 word), round to nearest, ties to even
// (__float2bfloat16_rn, c10::BFloat16's round_to_nearest_even).
__device__ __forceinline__ float round_bf16(float x) {
    unsigned u = __float_as_uint(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) return __uint_as_float(PRECISION_NAN(u));
    return __uint_as_float((u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u);
}

// x as an operand of a product at `precision` (a uniform argument: no divergence).
__device__ __forceinline__ float round_operand(float x, int precision) {
    return precision == PRECISION_TF32 ? round_tf32(x) : precision == PRECISION_BF16 ? round_bf16(x) : x;
}

// out[i] = round_operand(in[i], precision): attention's q, k, v (both projections) before its kernels.
extern "C" __global__ void round_operands(const float* in, float* out, long long n, int precision) {
    GRID_STRIDE(i, n) out[i] = round_operand(in[i], precision);
}
