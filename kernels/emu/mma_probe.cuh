// Test-only kernels, compiled into the emulator only (kernels/emu/build.sh; not in the fatbin): they run
// the primitives of kernels/mma.cuh on raw registers so that CudaTensorCoreTest can check the emulator's
// fragment layouts and roundings against the PTX ISA's tables, independently of the GEMM.
#pragma once

// One mma.sync over per-lane registers: lane l's a[4], b[2] and c[4] are a[4 * l ..], b[2 * l ..] and
// c[4 * l ..]; its D fragment goes to d[4 * l ..]. kind 0: m16n8k8 .tf32, 1: m16n8k16 .bf16. One warp.
extern "C" __global__ void mma_probe(const unsigned* a, const unsigned* b, const float* c, float* d, int kind) {
    int l = threadIdx.x;
    uint32_t ar[4] = {a[4 * l], a[4 * l + 1], a[4 * l + 2], a[4 * l + 3]}, br[2] = {b[2 * l], b[2 * l + 1]};
    float acc[4] = {c[4 * l], c[4 * l + 1], c[4 * l + 2], c[4 * l + 3]};
    if (kind == 0) mma_sync<false>(acc, ar, br);
    else mma_sync<true>(acc, ar, br);
    for (int i = 0; i < 4; i++) d[4 * l + i] = acc[i];
}

// tf32[i] = to_tf32(x[i]) and bf16[i] = pack_bf16x2(x[i], -x[i]) (the registers' bits).
extern "C" __global__ void convert_probe(const float* x, unsigned* tf32, unsigned* bf16, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    tf32[i] = to_tf32(x[i]);
    bf16[i] = pack_bf16x2(x[i], -x[i]);
}
