// FP32 SGEMM (CpuMatmul): C[b] = op(A[b]) x op(B[b]) (+ C[b]), op(A) M x K, op(B) K x N, transposes
// read through the index arithmetic. Tiles of TILE_M x TILE_N outputs per block of 16 x 16 threads,
// each thread 4 x 4 outputs; depth in steps of TILE_K staged in shared memory, each element rounded
// there to the `precision` operand format (precision.cuh; PRECISION_FP32 leaves it: the parity mode).
// FP32 FMA accumulation. strideC == 0 with batch > 1 sums every batch entry into one C.
// Grid: x = row tiles (M may pass grid y's limit of 65535 tiles), y = column tiles, z = batch entries.
#pragma once
#include "precision.cuh"

#define TILE_M 64
#define TILE_N 64
#define TILE_K 16

extern "C" __global__ void __launch_bounds__(256) matmul_sgemm(
        const float* A, const float* B, float* C, int batch, int M, int N, int K,
        int transA, int transB, long long strideA, long long strideB, long long strideC, int accumulate, int precision) {
    __shared__ float As[TILE_K][TILE_M + 4];
    __shared__ float Bs[TILE_K][TILE_N + 4];
    int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
    int row0 = blockIdx.x * TILE_M, col0 = blockIdx.y * TILE_N;
    int bFirst = strideC == 0 ? 0 : blockIdx.z;
    int bEnd = strideC == 0 ? batch : blockIdx.z + 1;
    float acc[4][4] = {};
    for (int bi = bFirst; bi < bEnd; bi++) {
        const float* a = A + bi * strideA;
        const float* b = B + bi * strideB;
        for (int k0 = 0; k0 < K; k0 += TILE_K) {
            // 256 threads load the TILE_K x TILE_M block of op(A) and the TILE_K x TILE_N block of op(B)
            for (int e = tid; e < TILE_K * TILE_M; e += 256) {
                int kk, mm;
                if (transA) { mm = e % TILE_M; kk = e / TILE_M; } else { kk = e % TILE_K; mm = e / TILE_K; }
                int gm = row0 + mm, gk = k0 + kk;
                float x = 0.0f;
                if (gm < M && gk < K) x = transA ? a[(long long) gk * M + gm] : a[(long long) gm * K + gk];
                As[kk][mm] = round_operand(x, precision);
            }
            for (int e = tid; e < TILE_K * TILE_N; e += 256) {
                int kk, nn;
                if (transB) { kk = e % TILE_K; nn = e / TILE_K; } else { nn = e % TILE_N; kk = e / TILE_N; }
                int gn = col0 + nn, gk = k0 + kk;
                float x = 0.0f;
                if (gn < N && gk < K) x = transB ? b[(long long) gn * K + gk] : b[(long long) gk * N + gn];
                Bs[kk][nn] = round_operand(x, precision);
            }
            __syncthreads();
#pragma unroll
            for (int kk = 0; kk < TILE_K; kk++) {
                float ar[4], br[4];
#pragma unroll
                for (int r = 0; r < 4; r++) ar[r] = As[kk][ty + 16 * r];
#pragma unroll
                for (int c = 0; c < 4; c++) br[c] = Bs[kk][tx + 16 * c];
#pragma unroll
                for (int r = 0; r < 4; r++)
#pragma unroll
                    for (int c = 0; c < 4; c++) acc[r][c] = fmaf(ar[r], br[c], acc[r][c]);
            }
            __syncthreads();
        }
    }
    float* c = C + (strideC == 0 ? 0 : blockIdx.z * strideC);
#pragma unroll
    for (int r = 0; r < 4; r++) {
        int gm = row0 + ty + 16 * r;
        if (gm >= M) continue;
#pragma unroll
        for (int cc = 0; cc < 4; cc++) {
            int gn = col0 + tx + 16 * cc;
            if (gn >= N) continue;
            float* p = c + (long long) gm * N + gn;
            *p = accumulate ? *p + acc[r][cc] : acc[r][cc];
        }
    }
}
