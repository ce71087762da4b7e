// The CUDA built-ins that kernels/*.cuh use, for compiling the same sources with g++ (the emulator,
// kernels/emu/emulator.cpp). Each thread of a block is a fiber on one OS thread, so `__shared__`
// (thread_local) is one copy per block; barriers, warp shuffles and __syncwarp are rendezvous points
// where the emulator's scheduler checks that every thread (or every lane of the mask) arrives.
#pragma once
#include <math.h>
#include <cstdint>
#include <cstring>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
// thread_local at block scope is also static: one instance per OS thread, i.e. per running block.
// `extern __shared__ float smem[]` (dynamic shared memory) binds to the emulator's per-thread smem.
#define __shared__ thread_local

struct dim3 {
    unsigned x, y, z;
};

namespace emu {
// The calling fiber's coordinates (set by the scheduler before it runs a thread).
struct ThreadCoordinates {
    dim3 thread, block, blockSize, grid;
};
extern thread_local const ThreadCoordinates* coordinates;

enum WarpOp { SHFL_IDX, SHFL_XOR, SHFL_DOWN, SHFL_UP, SYNC_WARP, MMA_TF32, MMA_BF16 };

// Rendezvous of the lanes in mask at one warp operation (source line `line`); returns the 64 bits
// lane `value`'s partner contributed (SYNC_WARP: 0).
uint64_t warp(WarpOp op, unsigned mask, uint64_t value, int operand, const char* file, int line);
// Block-wide barrier at source line `line`.
void barrier(const char* file, int line);

// The PTX instructions of kernels/mma.cuh (see there and emulator.cpp).
uint32_t tf32_rna(float x);
uint16_t bf16_rn(float x);
// One lane's part of a warp-wide mma.sync (all 32 lanes must arrive): acc += A x B.
void mma(WarpOp op, float acc[4], const uint32_t a[4], const uint32_t b[2], const char* file, int line);
// Queues a cp.async of `bytes` bytes (srcBytes from src, the rest zeros) into dynamic shared memory.
void cp_async(void* dst, const void* src, int bytes, int srcBytes, const char* file, int line);
void cp_async_commit();
// Completes this thread's queued copies except those of the `newest` most recent committed groups.
void cp_async_wait(int newest);

template <class T>
__forceinline__ T shuffle(WarpOp op, unsigned mask, T value, int operand, const char* file, int line) {
    static_assert(sizeof(T) <= 8, "shuffles move at most 64 bits");
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    bits = warp(op, mask, bits, operand, file, line);
    T out;
    std::memcpy(&out, &bits, sizeof(T));
    return out;
}
}  // namespace emu

#define threadIdx (emu::coordinates->thread)
#define blockIdx (emu::coordinates->block)
#define blockDim (emu::coordinates->blockSize)
#define gridDim (emu::coordinates->grid)
#define warpSize 32

#define __syncthreads() emu::barrier(__FILE__, __LINE__)
#define __syncwarp(...) emu::warp(emu::SYNC_WARP, emu_mask_or_full(__VA_ARGS__), 0, 0, __FILE__, __LINE__)
#define __shfl_sync(mask, v, lane) emu::shuffle(emu::SHFL_IDX, mask, v, lane, __FILE__, __LINE__)
#define __shfl_xor_sync(mask, v, laneMask) emu::shuffle(emu::SHFL_XOR, mask, v, laneMask, __FILE__, __LINE__)
#define __shfl_down_sync(mask, v, delta) emu::shuffle(emu::SHFL_DOWN, mask, v, delta, __FILE__, __LINE__)
#define __shfl_up_sync(mask, v, delta) emu::shuffle(emu::SHFL_UP, mask, v, delta, __FILE__, __LINE__)

inline unsigned emu_mask_or_full() { return 0xffffffffu; }
inline unsigned emu_mask_or_full(unsigned mask) { return mask; }

// Atomics: blocks run on several OS threads, so these are real atomic read-modify-writes.
template <class T>
inline T emu_atomic_add_floating(T* p, T v) {
    T old, next;
    __atomic_load(p, &old, __ATOMIC_RELAXED);
    do {
        next = old + v;
    } while (!__atomic_compare_exchange(p, &old, &next, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return old;
}
inline float atomicAdd(float* p, float v) { return emu_atomic_add_floating(p, v); }
inline double atomicAdd(double* p, double v) { return emu_atomic_add_floating(p, v); }
inline int atomicAdd(int* p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
inline unsigned atomicAdd(unsigned* p, unsigned v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
template <class T>
inline T __ldg(const T* p) { return *p; }

// Math: the C library's functions (math.h puts expf, fmaf, exp, erfc ... in the global namespace as CUDA
// does); the GPU's differ by a few ulp (docs/cuda.md).
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }

// Bit casts (kernels/precision.cuh).
inline unsigned __float_as_uint(float x) {
    unsigned u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}
inline float __uint_as_float(unsigned u) {
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}
