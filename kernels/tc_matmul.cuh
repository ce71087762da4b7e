// Tensor-core GEMM: the same products as matmul_sgemm (C[b] = op(A[b]) x op(B[b]) (+ C[b]), transposes,
// batch strides, stride-0 broadcast, strideC == 0 sums the batch into one C) with TF32 or BF16 inputs
// and FP32 accumulation. Tensors stay FP32 in memory: tiles are staged as FP32 in shared memory and
// rounded (cvt.rna.tf32 / cvt.rn.bf16x2) as the warps build their mma fragments.
//
// Block: 256 threads = 8 warps (2 x 4), a 128 x 128 tile of C, each warp 64 x 32 (4 x 4 mma tiles of
// 16 x 8). Depth in steps of 32 staged through TC_STAGES shared-memory buffers by cp.async (16-byte
// copies when a matrix's rows and base are 16-byte aligned, else 4-byte ones; zero fill past the
// edges), so the copies of the next tiles overlap the mma of the current one. Each tile is stored in
// the orientation it has in global memory (contiguous copies): op(A) is read as As[m][k] or, transposed,
// As[k][m]; the row padding makes the warps' fragment loads conflict-free.
//
// Grid: x = row tiles, y = column tiles, z = (batch entry, split) pairs, z = entry * splits + split.
// The depth of one output, as a sequence of 32-deep tiles (over every batch entry when strideC == 0),
// is cut into `splits` consecutive ranges; with splits > 1 each block writes its partial product to
// `partial` ([z][M][N]) and matmul_splitk_reduce adds the splits in order (deterministic) into C.
#pragma once
#include "common.cuh"
#include "mma.cuh"

#define TC_BM 128
#define TC_BN 128
#define TC_BK 32
#define TC_STAGES 3
#define TC_THREADS 256
// Row length in floats of a tile stored with its 128-wide dimension contiguous.
#define TC_WIDE_STRIDE (128 + 8)

template <bool BF16>
struct TcTiles {
    // Row length of a tile stored with its depth (32) contiguous: 36 makes the TF32 fragment loads
    // (row g, column t) hit 32 banks; 40 does so for the BF16 ones (pairs at column 2t).
    static constexpr int DEEP_STRIDE = BF16 ? 40 : 36;
    static constexpr int REGION = 128 * DEEP_STRIDE;  // >= 32 * TC_WIDE_STRIDE: either orientation fits
    static constexpr int STAGE = 2 * REGION;           // A then B
};

// Queues the copy of a ROWS x COLS tile, element (r, c) = src[(r0 + r) * ld + c0 + c], into dst rows of
// `stride` floats; elements at or past rowEnd / colEnd become zeros. COLS is a multiple of 4.
template <int ROWS, int COLS>
__device__ __forceinline__ void tc_stage_tile(float* dst, int stride, const float* src, long long ld, int r0, int rowEnd,
                                              int c0, int colEnd, bool vectors) {
    if (vectors) {
        for (int e = threadIdx.x; e < ROWS * COLS / 4; e += TC_THREADS) {
            int r = e / (COLS / 4), c = e % (COLS / 4) * 4;
            int gr = r0 + r, gc = c0 + c;
            int bytes = gr < rowEnd ? 4 * max(0, min(4, colEnd - gc)) : 0;
            cp_async_copy<16>(dst + r * stride + c, bytes > 0 ? src + gr * ld + gc : src, bytes);
        }
    } else {
        for (int e = threadIdx.x; e < ROWS * COLS; e += TC_THREADS) {
            int r = e / COLS, c = e % COLS;
            int gr = r0 + r, gc = c0 + c;
            bool in = gr < rowEnd && gc < colEnd;
            cp_async_copy<4>(dst + r * stride + c, in ? src + gr * ld + gc : src, in ? 4 : 0);
        }
    }
}

template <bool BF16, bool TRANS_A, bool TRANS_B>
__device__ __forceinline__ void tc_gemm(const float* A, const float* B, float* C, int batch, int M, int N, int K,
                                        long long strideA, long long strideB, long long strideC, int accumulate,
                                        int splits, float* partial, float* smem) {
    typedef TcTiles<BF16> T;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const int wm = (warp >> 2) * 64, wn = (warp & 3) * 32;
    const int row0 = blockIdx.x * TC_BM, col0 = blockIdx.y * TC_BN;
    const bool summed = strideC == 0;
    const int entry = blockIdx.z / splits, split = blockIdx.z % splits;
    const int kTiles = (K + TC_BK - 1) / TC_BK;
    const long long sequence = (long long) (summed ? batch : 1) * kTiles;
    const long long first = sequence * split / splits, end = sequence * (split + 1) / splits;
    const int tiles = (int) (end - first);
    // 16-byte copies need 16-byte aligned rows in every batch entry
    const long long ldA = TRANS_A ? M : K, ldB = TRANS_B ? K : N;
    const bool vecA = (ldA % 4 == 0) && (strideA % 4 == 0) && (reinterpret_cast<uintptr_t>(A) % 16 == 0);
    const bool vecB = (ldB % 4 == 0) && (strideB % 4 == 0) && (reinterpret_cast<uintptr_t>(B) % 16 == 0);

    // queues tile number `i` of this block's range into stage i % TC_STAGES
    auto stage = [&](int i) {
        long long v = first + i;
        long long bi = summed ? v / kTiles : entry;
        int k0 = (int) (v % kTiles) * TC_BK;
        const float* a = A + bi * strideA;
        const float* b = B + bi * strideB;
        float* As = smem + (i % TC_STAGES) * T::STAGE;
        float* Bs = As + T::REGION;
        if (TRANS_A) tc_stage_tile<TC_BK, TC_BM>(As, TC_WIDE_STRIDE, a, ldA, k0, K, row0, M, vecA);
        else tc_stage_tile<TC_BM, TC_BK>(As, T::DEEP_STRIDE, a, ldA, row0, M, k0, K, vecA);
        if (TRANS_B) tc_stage_tile<TC_BN, TC_BK>(Bs, T::DEEP_STRIDE, b, ldB, col0, N, k0, K, vecB);
        else tc_stage_tile<TC_BK, TC_BN>(Bs, TC_WIDE_STRIDE, b, ldB, k0, K, col0, N, vecB);
    };

    float acc[4][4][4] = {};
    for (int i = 0; i < TC_STAGES - 1; i++) {
        if (i < tiles) stage(i);
        cp_async_commit();  // empty groups keep the count of groups per iteration fixed
    }
    for (int i = 0; i < tiles; i++) {
        cp_async_wait<TC_STAGES - 2>();  // tile i has landed (this thread's copies) ...
        __syncthreads();                 // ... and every thread's; stage (i - 1) % TC_STAGES is free
        if (i + TC_STAGES - 1 < tiles) stage(i + TC_STAGES - 1);
        cp_async_commit();
        const float* As = smem + (i % TC_STAGES) * T::STAGE;
        const float* Bs = As + T::REGION;
        // op(A)(m, k) and op(B)(k, n) of the staged tile
#define TC_A(m, k) (TRANS_A ? As[(k) * TC_WIDE_STRIDE + (m)] : As[(m) * T::DEEP_STRIDE + (k)])
#define TC_B(k, n) (TRANS_B ? Bs[(n) * T::DEEP_STRIDE + (k)] : Bs[(k) * TC_WIDE_STRIDE + (n)])
        if (BF16) {
#pragma unroll
            for (int kb = 0; kb < TC_BK; kb += 16) {
                uint32_t af[4][4], bf[4][2];
#pragma unroll
                for (int mi = 0; mi < 4; mi++) {
                    int m = wm + mi * 16 + g, k = kb + 2 * t;
                    af[mi][0] = pack_bf16x2(TC_A(m, k), TC_A(m, k + 1));
                    af[mi][1] = pack_bf16x2(TC_A(m + 8, k), TC_A(m + 8, k + 1));
                    af[mi][2] = pack_bf16x2(TC_A(m, k + 8), TC_A(m, k + 9));
                    af[mi][3] = pack_bf16x2(TC_A(m + 8, k + 8), TC_A(m + 8, k + 9));
                }
#pragma unroll
                for (int ni = 0; ni < 4; ni++) {
                    int n = wn + ni * 8 + g, k = kb + 2 * t;
                    bf[ni][0] = pack_bf16x2(TC_B(k, n), TC_B(k + 1, n));
                    bf[ni][1] = pack_bf16x2(TC_B(k + 8, n), TC_B(k + 9, n));
                }
#pragma unroll
                for (int mi = 0; mi < 4; mi++)
#pragma unroll
                    for (int ni = 0; ni < 4; ni++) mma_sync<true>(acc[mi][ni], af[mi], bf[ni]);
            }
        } else {
#pragma unroll
            for (int kb = 0; kb < TC_BK; kb += 8) {
                uint32_t af[4][4], bf[4][2];
#pragma unroll
                for (int mi = 0; mi < 4; mi++) {
                    int m = wm + mi * 16 + g, k = kb + t;
                    af[mi][0] = to_tf32(TC_A(m, k));
                    af[mi][1] = to_tf32(TC_A(m + 8, k));
                    af[mi][2] = to_tf32(TC_A(m, k + 4));
                    af[mi][3] = to_tf32(TC_A(m + 8, k + 4));
                }
#pragma unroll
                for (int ni = 0; ni < 4; ni++) {
                    int n = wn + ni * 8 + g, k = kb + t;
                    bf[ni][0] = to_tf32(TC_B(k, n));
                    bf[ni][1] = to_tf32(TC_B(k + 4, n));
                }
#pragma unroll
                for (int mi = 0; mi < 4; mi++)
#pragma unroll
                    for (int ni = 0; ni < 4; ni++) mma_sync<false>(acc[mi][ni], af[mi], bf[ni]);
            }
        }
#undef TC_A
#undef TC_B
    }
    cp_async_wait<0>();

    float* out = splits > 1 ? partial + (long long) blockIdx.z * M * N : C + (summed ? 0 : entry * strideC);
    const bool add = splits == 1 && accumulate;
#pragma unroll
    for (int mi = 0; mi < 4; mi++) {
#pragma unroll
        for (int ni = 0; ni < 4; ni++) {
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int r = row0 + wm + mi * 16 + g + 8 * (i >> 1), c = col0 + wn + ni * 8 + 2 * t + (i & 1);
                if (r >= M || c >= N) continue;
                float* p = out + (long long) r * N + c;
                *p = add ? *p + acc[mi][ni][i] : acc[mi][ni][i];
            }
        }
    }
}

// The transposes select a specialisation (the fragment loads differ); one kernel per input precision.
template <bool BF16>
__device__ __forceinline__ void tc_gemm_any(const float* A, const float* B, float* C, int batch, int M, int N, int K,
                                            int transA, int transB, long long strideA, long long strideB,
                                            long long strideC, int accumulate, int splits, float* partial, float* smem) {
    if (transA && transB) tc_gemm<BF16, true, true>(A, B, C, batch, M, N, K, strideA, strideB, strideC, accumulate, splits, partial, smem);
    else if (transA) tc_gemm<BF16, true, false>(A, B, C, batch, M, N, K, strideA, strideB, strideC, accumulate, splits, partial, smem);
    else if (transB) tc_gemm<BF16, false, true>(A, B, C, batch, M, N, K, strideA, strideB, strideC, accumulate, splits, partial, smem);
    else tc_gemm<BF16, false, false>(A, B, C, batch, M, N, K, strideA, strideB, strideC, accumulate, splits, partial, smem);
}

extern "C" __global__ void __launch_bounds__(TC_THREADS) matmul_tc_tf32(
        const float* A, const float* B, float* C, int batch, int M, int N, int K, int transA, int transB,
        long long strideA, long long strideB, long long strideC, int accumulate, int splits, float* partial) {
    extern __shared__ float smem[];  // TC_STAGES stages of TcTiles<false>::STAGE floats
    tc_gemm_any<false>(A, B, C, batch, M, N, K, transA, transB, strideA, strideB, strideC, accumulate, splits, partial, smem);
}

extern "C" __global__ void __launch_bounds__(TC_THREADS) matmul_tc_bf16(
        const float* A, const float* B, float* C, int batch, int M, int N, int K, int transA, int transB,
        long long strideA, long long strideB, long long strideC, int accumulate, int splits, float* partial) {
    extern __shared__ float smem[];  // TC_STAGES stages of TcTiles<true>::STAGE floats
    tc_gemm_any<true>(A, B, C, batch, M, N, K, transA, transB, strideA, strideB, strideC, accumulate, splits, partial, smem);
}

// C[o] (+)= sum over s = 0, 1, ... of partial[o * splits + s] for the `outputs` entries of M x N = `elements`
// floats each (C[o] at o * strideC), the splits added in order.
extern "C" __global__ void matmul_splitk_reduce(const float* partial, float* C, int outputs, int splits,
                                                long long elements, long long strideC, int accumulate) {
    long long total = (long long) outputs * elements;
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < total; i += (long long) gridDim.x * blockDim.x) {
        long long o = i / elements, e = i % elements;
        const float* p = partial + o * splits * elements + e;
        float s = 0.0f;
        for (int j = 0; j < splits; j++) s += p[j * elements];
        float* c = C + o * strideC + e;
        *c = accumulate ? *c + s : s;
    }
}
