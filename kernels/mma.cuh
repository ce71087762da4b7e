// Warp-level tensor-core and asynchronous-copy primitives of the tensor-core GEMM (tc_matmul.cuh),
// one small device function per PTX instruction. Under nvcc (__CUDA_ARCH__) each is inline PTX; under
// the emulator (kernels/emu) each calls the emulator, which implements the instruction as the PTX ISA
// documents it: mma.sync is a warp collective (all 32 lanes must arrive; the emulator gathers their
// fragments, multiplies, and hands each lane its D fragment), cp.async is queued per thread and lands
// in shared memory only at the cp.async.wait_group that covers it.
//
// Fragment layouts (PTX ISA, "Matrix Fragments for mma.m16n8k8 / mma.m16n8k16"), with
// g = lane >> 2 (groupID) and t = lane % 4 (threadID_in_group):
//   m16n8k8 .tf32   A (16 x 8):  a0 (g, t)  a1 (g + 8, t)  a2 (g, t + 4)  a3 (g + 8, t + 4)
//                   B (8 x 8):   b0 (t, g)  b1 (t + 4, g)
//   m16n8k16 .bf16  A (16 x 16): a0,a1 (g, 2t..2t+1)  a2,a3 (g + 8, 2t..)  a4,a5 (g, 2t + 8..)  a6,a7 (g + 8, 2t + 8..)
//                   B (16 x 8):  b0,b1 (2t..2t+1, g)  b2,b3 (2t + 8.., g); two bf16 per register, lower index low half
//   C / D (16 x 8, .f32, both):  c0 (g, 2t)  c1 (g, 2t + 1)  c2 (g + 8, 2t)  c3 (g + 8, 2t + 1)
#pragma once
#include <cstdint>

// cvt.rna.tf32.f32: x rounded to TF32 (10 explicit mantissa bits), to nearest with ties away from
// zero; the result is a .b32 register whose low 13 bits are zero.
__device__ __forceinline__ uint32_t to_tf32(float x) {
    uint32_t r = 0;
#if defined(__CUDA_ARCH__)
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
#elif !defined(__CUDACC__)
    r = emu::tf32_rna(x);
#endif
    return r;
}

// cvt.rn.bf16x2.f32: lo and hi rounded to BF16 (to nearest even), lo in the low half.
__device__ __forceinline__ uint32_t pack_bf16x2(float lo, float hi) {
    uint32_t r = 0;
#if defined(__CUDA_ARCH__)
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
#elif !defined(__CUDACC__)
    r = emu::bf16_rn(lo) | (uint32_t) emu::bf16_rn(hi) << 16;
#endif
    return r;
}

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 (BF16 = false) or
// mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 (BF16 = true): acc += A x B for the warp's fragments.
template <bool BF16>
__device__ __forceinline__ void mma_sync(float acc[4], const uint32_t a[4], const uint32_t b[2]) {
#if defined(__CUDA_ARCH__)
#define MMA_OPERANDS                                                                                     \
    : "+f"(acc[0]), "+f"(acc[1]), "+f"(acc[2]), "+f"(acc[3])                                            \
    : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1])
    if (BF16) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                     MMA_OPERANDS);
    } else {
        asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                     MMA_OPERANDS);
    }
#undef MMA_OPERANDS
#elif !defined(__CUDACC__)
    emu::mma(BF16 ? emu::MMA_BF16 : emu::MMA_TF32, acc, a, b, __FILE__, __LINE__);
#endif
}

// cp.async.cg.shared.global [dst], [src], 16, srcBytes (BYTES = 16) or cp.async.ca ..., 4, srcBytes
// (BYTES = 4): copies srcBytes (0..BYTES) bytes and fills the rest of the BYTES with zeros. dst (shared)
// and src (global) aligned to BYTES.
template <int BYTES>
__device__ __forceinline__ void cp_async_copy(float* dst, const float* src, int srcBytes) {
    static_assert(BYTES == 16 || BYTES == 4, "cp.async.cg copies 16 bytes; the kernels' cp.async.ca, 4");
#if defined(__CUDA_ARCH__)
    unsigned s = (unsigned) __cvta_generic_to_shared(dst);
    if (BYTES == 16) asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(s), "l"(src), "r"(srcBytes) : "memory");
    else asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;" ::"r"(s), "l"(src), "r"(srcBytes) : "memory");
#elif !defined(__CUDACC__)
    emu::cp_async(dst, src, BYTES, srcBytes, __FILE__, __LINE__);
#endif
}

// cp.async.commit_group: closes the group of this thread's cp.async issued since the last commit.
__device__ __forceinline__ void cp_async_commit() {
#if defined(__CUDA_ARCH__)
    asm volatile("cp.async.commit_group;" ::: "memory");
#elif !defined(__CUDACC__)
    emu::cp_async_commit();
#endif
}

// cp.async.wait_group N: waits until at most the N newest committed groups of this thread are pending.
// The copies of other threads are visible only after a barrier that follows their wait.
template <int N>
__device__ __forceinline__ void cp_async_wait() {
#if defined(__CUDA_ARCH__)
    asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory");
#elif !defined(__CUDACC__)
    emu::cp_async_wait(N);
#endif
}
