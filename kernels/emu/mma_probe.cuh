// Test-only kernels, compiled into the emulator only (kernels/emu/build.sh; not in the fatbin): they run
// the primitives of kernels/mma.cuh on raw registers and addresses so that CudaTensorCoreTest can check
// the emulator's fragment layouts, roundings and misuse errors, independently of the GEMM.
#pragma once

// One mma.sync over per-lane registers: lane l's a[4], b[2] and c[4] are a[4 * l ..], b[2 * l ..] and
// c[4 * l ..]; its D fragment goes to d[4 * l ..]. kind 0: m16n8k8 .tf32, 1: m16n8k16 .bf16. One warp;
// lane `skip` (-1: none) returns before the mma.
extern "C" __global__ void mma_probe(const unsigned* a, const unsigned* b, const float* c, float* d, int kind, int skip) {
    int l = threadIdx.x;
    if (l == skip) return;
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

// One thread: a cp.async of 16 bytes (wide) or 4 from src + from into dynamic shared memory at float `to`;
// when `wait`, waits for it and copies the float at `to` to out[0].
extern "C" __global__ void cp_async_probe(const float* src, float* out, int from, int to, int wide, int wait) {
    extern __shared__ float smem[];
    if (wide) cp_async_copy<16>(smem + to, src + from, 16);
    else cp_async_copy<4>(smem + to, src + from, 4);
    cp_async_commit();
    if (!wait) return;
    cp_async_wait<0>();
    out[0] = smem[to];
}
