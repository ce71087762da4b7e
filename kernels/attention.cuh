// Fused Longformer sliding-window + global self-attention, forward and backward, with the
// semantics, saved statistics and dropout hash of backend/cpu/CpuAttention.java (read its class
// comment first). Never builds a T x T matrix.
//
// Grid: x = batch row * heads + head (which may pass 65535, grid y's limit), y = blocks of ATT_ROWS rows
// of one sequence; ATT_WARPS warps
// per block, one warp per row at a time. The block first stages the rows of its band
// [first - w, end + w) of two [B, T, H*D] tensors for its head in shared memory (rows padded to
// D + 1 floats so that 32 lanes reading 32 different rows hit 32 banks): k and v for the forward
// and backward pass 1, q and gradOut for backward pass 2. When the band does not fit in shared
// memory the host passes staged = 0 and rows are read from global memory instead.
//
// Inside a warp the keys of a query are taken 32 at a time, one key per lane: the lane computes
// the score (q . k over D, in the CPU's summation order), the warp does the online-softmax update
// (running max M and sum l), then the 32 probabilities are broadcast by shuffles and each lane
// accumulates its own D / 32 output dimensions.
//
// saved: [B, H, T, 2] = (max, sum of exp(score - max)) per query row, as on the CPU.
// Backward pass 1 (query-centric) writes gq, gqg and the per-pair scratch (dropped = p * m,
// dScore = p * (m * dP - delta)); pass 2 (key-centric) gathers gk, gv, gkg, gvg from the scratch.
//
// precision (forward only): the probabilities enter the value product rounded to that operand
// format (precision.cuh); the host rounds q, k, v beforehand. Backward is the FP32 gradient at the
// rounded q, k, v.
// Scratch layout: local [B, H, T, localSlots], global [B, H, maxGlobal, T].
#pragma once
#include "precision.cuh"

#define ATT_WARPS 4
#define ATT_ROWS 32
#define ATT_MAX_D 128
#define ATT_PER_LANE (ATT_MAX_D / 32)
#define KIND_PAD 0
#define KIND_LOCAL 1
#define KIND_GLOBAL 2

// Shapes of one call, passed by value: 8 ints, 4 floats, then the seed (56 bytes; the host packs it).
struct AttentionShape {
    int batch, seq, heads, headDim, w, maxGlobal, localSlots, staged;
    float dropoutP, keepScale, sqrtD, invSqrtD;
    unsigned long long seed;
};

// The shapes and the per-token metadata, which the host uploads as one int array `meta`:
// kinds [B*T], globalNumber [B*T], globals [B, maxGlobal], globalCount [B].
struct AttentionProblem : AttentionShape {
    const int* kinds;         // [B*T] PAD / LOCAL / GLOBAL
    const int* globalNumber;  // [B*T] n for the n-th GLOBAL token of its row, else -1
    const int* globals;       // [B, maxGlobal] positions of the GLOBAL tokens of each row, ascending
    const int* globalCount;   // [B]
};

__device__ __forceinline__ AttentionProblem att_problem(const AttentionShape& S, const int* meta) {
    AttentionProblem P;
    static_cast<AttentionShape&>(P) = S;
    long long bt = (long long) S.batch * S.seq;
    P.kinds = meta;
    P.globalNumber = meta + bt;
    P.globals = meta + 2 * bt;
    P.globalCount = meta + 2 * bt + (long long) S.batch * S.maxGlobal;
    return P;
}

__device__ __forceinline__ long long att_offset(const AttentionProblem& P, int b, int t, int h) {
    return ((long long) b * P.seq + t) * P.heads * P.headDim + (long long) h * P.headDim;
}

// The dropout multiplier of CpuAttention.dropoutMultiplier: element ((b*H + h)*T + i)*T + j of the stream.
__device__ __forceinline__ float att_dropout(const AttentionProblem& P, int b, int h, int i, int j) {
    if (P.dropoutP == 0.0f) return 1.0f;
    unsigned long long counter = (((unsigned long long) b * P.heads + h) * P.seq + i) * P.seq + j;
    return counter_uniform(P.seed, counter) >= P.dropoutP ? P.keepScale : 0.0f;
}

// The key a LOCAL query i of batch row b sees at slot, or -1 when masked (CpuAttention.Plan.localKey).
__device__ __forceinline__ int att_local_key(const AttentionProblem& P, int b, int i, int slot) {
    if (slot > 2 * P.w) return P.globals[b * P.maxGlobal + slot - 2 * P.w - 1];
    int j = i - P.w + slot;
    return j >= 0 && j < P.seq && P.kinds[b * P.seq + j] == KIND_LOCAL ? j : -1;
}

// Sequential sum over d (CpuAttention.spanProduct's order).
__device__ __forceinline__ float att_span_dot(const float* x, const float* y, int n) {
    float s = 0.0f;
    for (int d = 0; d < n; d++) s += x[d] * y[d];
    return s;
}

// Four partial sums (CpuAttention.dot's order).
__device__ __forceinline__ float att_dot4(const float* a, const float* b, int n) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    int i = 0;
    for (; i + 3 < n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

// The block's band of rows of one [B, T, H*D] tensor, staged or read in place.
struct Band {
    const float* global;  // the tensor
    const float* shared;  // staged rows (stride D + 1), or null
    int spanStart;
    __device__ __forceinline__ const float* row(const AttentionProblem& P, int b, int t, int h) const {
        if (shared != nullptr && t >= spanStart && t - spanStart < spanLength) return shared + (long long) (t - spanStart) * (P.headDim + 1);
        return global + att_offset(P, b, t, h);
    }
    int spanLength;
};

// Stages rows [spanStart, spanStart + spanLength) of head h of src into dst (stride D + 1); all threads of the block.
__device__ void att_stage(const AttentionProblem& P, const float* src, float* dst, int b, int h, int spanStart,
                          int spanLength) {
    int D = P.headDim;
    for (int e = threadIdx.x; e < spanLength * D; e += blockDim.x) {
        int r = e / D, d = e % D;
        dst[r * (D + 1) + d] = src[att_offset(P, b, spanStart + r, h) + d];
    }
}

// Block geometry: batch row b, head h, rows [first, end) and the band around them; stages two tensors.
struct AttentionBlock {
    int b, h, first, end;
    Band x, y;
};

__device__ AttentionBlock att_block(const AttentionProblem& P, const float* xs, const float* ys, float* smem) {
    AttentionBlock B;
    B.b = blockIdx.x / P.heads;
    B.h = blockIdx.x % P.heads;
    B.first = blockIdx.y * ATT_ROWS;
    B.end = min(P.seq, B.first + ATT_ROWS);
    int spanStart = max(0, B.first - P.w);
    int spanLength = min(P.seq, B.end + P.w) - spanStart;
    B.x = {xs, nullptr, spanStart, spanLength};
    B.y = {ys, nullptr, spanStart, spanLength};
    if (P.staged) {
        float* xs_s = smem;
        float* ys_s = smem + (long long) spanLength * (P.headDim + 1);
        att_stage(P, xs, xs_s, B.b, B.h, spanStart, spanLength);
        att_stage(P, ys, ys_s, B.b, B.h, spanStart, spanLength);
        B.x.shared = xs_s;
        B.y.shared = ys_s;
    }
    __syncthreads();
    return B;
}

// Copies a head row (divided by div when div != 1) into this warp's shared vector.
__device__ __forceinline__ void att_load_row(const float* src, float div, float* dst, int D, int lane) {
    for (int d = lane; d < D; d += 32) dst[d] = div == 1.0f ? src[d] : src[d] / div;
    __syncwarp();
}

// --------------------------------------------------------------------------------------------- forward

// The keys of query i: for a LOCAL query the slots of its window then its row's global tokens (local
// projections, window rows from the band); for a GLOBAL query every token (global projections).
struct KeySource {
    int local;  // 1: LOCAL query, 0: GLOBAL query
    int count;  // slots (LOCAL) or T (GLOBAL)
};

__device__ __forceinline__ int att_key(const AttentionProblem& P, const KeySource& S, int b, int i, int slot) {
    if (slot >= S.count) return -1;
    if (S.local) return att_local_key(P, b, i, slot);
    return P.kinds[b * P.seq + slot] == KIND_PAD ? -1 : slot;
}

extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32) attention_forward(
        AttentionShape shape, const int* meta, const float* q, const float* k, const float* v, const float* qg, const float* kg,
        const float* vg, float* out, float* saved, int precision) {
    extern __shared__ float smem[];
    AttentionProblem P = att_problem(shape, meta);
    __shared__ float queries[ATT_WARPS][ATT_MAX_D];
    AttentionBlock B = att_block(P, k, v, smem);  // x = k band, y = v band
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, D = P.headDim, b = B.b, h = B.h;
    float* sq = queries[warp];
    for (int i = B.first + warp; i < B.end; i += ATT_WARPS) {
        long long o = att_offset(P, b, i, h);
        long long st = 2 * (((long long) b * P.heads + h) * P.seq + i);
        int kind = P.kinds[b * P.seq + i];
        float acc[ATT_PER_LANE] = {};
        float M = -INFINITY, l = 0.0f;
        if (kind != KIND_PAD) {
            KeySource S = {kind == KIND_LOCAL, kind == KIND_LOCAL ? 2 * P.w + 1 + P.globalCount[b] : P.seq};
            att_load_row((S.local ? q : qg) + o, P.sqrtD, sq, D, lane);
            for (int cs = 0; cs < S.count; cs += 32) {
                int slot = cs + lane;
                int j = att_key(P, S, b, i, slot);
                float s = -INFINITY;
                bool window = S.local && slot <= 2 * P.w;
                const float* vr = nullptr;
                if (j >= 0) {
                    if (window) {
                        s = att_span_dot(sq, B.x.row(P, b, j, h), D);
                        vr = B.y.row(P, b, j, h);
                    } else {
                        s = att_dot4(sq, (S.local ? k : kg) + att_offset(P, b, j, h), D);
                        vr = (S.local ? v : vg) + att_offset(P, b, j, h);
                    }
                }
                float chunkMax = warp_max(s);
                if (chunkMax == -INFINITY) continue;  // the whole chunk is masked (uniform in the warp)
                float newM = fmaxf(M, chunkMax);
                float corr = expf(M - newM);  // 0 on the first chunk (M = -inf)
                float e = j >= 0 ? expf(s - newM) : 0.0f;
                l = l * corr + warp_sum(e);
                float pm = j >= 0 ? round_operand(e * att_dropout(P, b, h, i, j), precision) : 0.0f;
#pragma unroll
                for (int c = 0; c < ATT_PER_LANE; c++) acc[c] *= corr;
                for (int src = 0; src < 32; src++) {
                    float p = __shfl_sync(FULL_MASK, pm, src);
                    const float* row = (const float*) __shfl_sync(FULL_MASK, (unsigned long long) vr, src);
                    if (p == 0.0f) continue;
#pragma unroll
                    for (int c = 0; c < ATT_PER_LANE; c++) {
                        int d = lane + 32 * c;
                        if (d < D) acc[c] = fmaf(p, row[d], acc[c]);
                    }
                }
                M = newM;
            }
        }
#pragma unroll
        for (int c = 0; c < ATT_PER_LANE; c++) {
            int d = lane + 32 * c;
            if (d < D) out[o + d] = kind == KIND_PAD ? 0.0f : acc[c] / l;
        }
        if (lane == 0) {
            saved[st] = kind == KIND_PAD ? 0.0f : M;
            saved[st + 1] = kind == KIND_PAD ? 0.0f : l;
        }
        __syncwarp();  // sq is rewritten by the next row
    }
}

// --------------------------------------------------------------------------------------------- backward

extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32) attention_backward_query(
        AttentionShape shape, const int* meta, const float* q, const float* k, const float* v, const float* qg, const float* kg,
        const float* vg, const float* out, const float* saved, const float* gradOut, float* gq, float* gqg,
        float* localDropped, float* localDScore, float* globalDropped, float* globalDScore) {
    extern __shared__ float smem[];
    AttentionProblem P = att_problem(shape, meta);
    __shared__ float queries[ATT_WARPS][ATT_MAX_D];
    __shared__ float grads[ATT_WARPS][ATT_MAX_D];
    AttentionBlock B = att_block(P, k, v, smem);  // x = k band, y = v band
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, D = P.headDim, b = B.b, h = B.h;
    long long bh = (long long) b * P.heads + h;
    float* sq = queries[warp];
    float* sg = grads[warp];
    for (int i = B.first + warp; i < B.end; i += ATT_WARPS) {
        long long o = att_offset(P, b, i, h);
        int kind = P.kinds[b * P.seq + i];
        float acc[ATT_PER_LANE] = {};
        if (kind != KIND_PAD) {
            bool local = kind == KIND_LOCAL;
            KeySource S = {local, local ? 2 * P.w + 1 + P.globalCount[b] : P.seq};
            int slots = local ? P.localSlots : P.seq;  // scratch row length
            float* dropped = local ? localDropped + (bh * P.seq + i) * P.localSlots
                                   : globalDropped + (bh * P.maxGlobal + P.globalNumber[b * P.seq + i]) * P.seq;
            float* dScores = local ? localDScore + (bh * P.seq + i) * P.localSlots
                                   : globalDScore + (bh * P.maxGlobal + P.globalNumber[b * P.seq + i]) * P.seq;
            att_load_row((local ? q : qg) + o, P.sqrtD, sq, D, lane);
            att_load_row(gradOut + o, 1.0f, sg, D, lane);
            float part = 0.0f;
            for (int d = lane; d < D; d += 32) part += gradOut[o + d] * out[o + d];
            float delta = warp_sum(part);
            long long st = 2 * (bh * P.seq + i);
            float M = saved[st], l = saved[st + 1];
            for (int cs = 0; cs < slots; cs += 32) {
                int slot = cs + lane;
                int j = att_key(P, S, b, i, slot);
                float dScore = 0.0f, pm = 0.0f;
                const float* kr = nullptr;
                if (j >= 0) {
                    bool window = local && slot <= 2 * P.w;
                    const float* vr;
                    float s;
                    if (window) {
                        kr = B.x.row(P, b, j, h);
                        vr = B.y.row(P, b, j, h);
                        s = att_span_dot(sq, kr, D);
                    } else {
                        kr = (local ? k : kg) + att_offset(P, b, j, h);
                        vr = (local ? v : vg) + att_offset(P, b, j, h);
                        s = att_dot4(sq, kr, D);
                    }
                    float p = expf(s - M) / l;
                    float m = att_dropout(P, b, h, i, j);
                    float dP = window ? att_span_dot(sg, vr, D) : att_dot4(sg, vr, D);
                    dScore = p * (m * dP - delta);
                    pm = p * m;
                }
                if (slot < slots) {
                    dropped[slot] = pm;
                    dScores[slot] = dScore;
                }
                for (int src = 0; src < 32; src++) {
                    float ds = __shfl_sync(FULL_MASK, dScore, src);
                    const float* row = (const float*) __shfl_sync(FULL_MASK, (unsigned long long) kr, src);
                    if (ds == 0.0f) continue;
#pragma unroll
                    for (int c = 0; c < ATT_PER_LANE; c++) {
                        int d = lane + 32 * c;
                        if (d < D) acc[c] = fmaf(ds, row[d], acc[c]);
                    }
                }
            }
        }
#pragma unroll
        for (int c = 0; c < ATT_PER_LANE; c++) {
            int d = lane + 32 * c;
            if (d >= D) continue;
            gq[o + d] = kind == KIND_LOCAL ? acc[c] * P.invSqrtD : 0.0f;
            gqg[o + d] = kind == KIND_GLOBAL ? acc[c] * P.invSqrtD : 0.0f;
        }
        __syncwarp();
    }
}

// Pass 2 helpers: this lane's dimensions d = lane + 32c of one (query, key) pair's contribution,
// acc += dScore * query row and acc2 += dropped probability * gradOut row ...
__device__ __forceinline__ void accumulate_key_gradients(float* acc, float* acc2, float ds, const float* qr,
                                                         float dr, const float* gr, int lane, int D) {
#pragma unroll
    for (int c = 0; c < ATT_PER_LANE; c++) {
        int d = lane + 32 * c;
        if (d < D) {
            acc[c] += ds * qr[d];
            acc2[c] += dr * gr[d];
        }
    }
}

// ... and the key row's two gradients written from them (gk = acc / sqrt(D), gv = acc2), then cleared.
__device__ __forceinline__ void store_key_gradients(float* gk, float* gv, float* acc, float* acc2, float invSqrtD,
                                                    int lane, int D) {
#pragma unroll
    for (int c = 0; c < ATT_PER_LANE; c++) {
        int d = lane + 32 * c;
        if (d >= D) continue;
        gk[d] = acc[c] * invSqrtD;
        gv[d] = acc2[c];
        acc[c] = 0.0f;
        acc2[c] = 0.0f;
    }
}

extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32) attention_backward_key(
        AttentionShape shape, const int* meta, const float* q, const float* qg, const float* gradOut,
        const float* localDropped, const float* localDScore, const float* globalDropped, const float* globalDScore,
        float* gk, float* gv, float* gkg, float* gvg) {
    extern __shared__ float smem[];
    AttentionProblem P = att_problem(shape, meta);
    AttentionBlock B = att_block(P, q, gradOut, smem);  // x = q band, y = gradOut band
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, D = P.headDim, b = B.b, h = B.h;
    long long bh = (long long) b * P.heads + h;
    for (int j = B.first + warp; j < B.end; j += ATT_WARPS) {
        long long o = att_offset(P, b, j, h);
        int kind = P.kinds[b * P.seq + j];
        float acc[ATT_PER_LANE] = {}, acc2[ATT_PER_LANE] = {};
        // local projections: the LOCAL queries that saw key j (window, or every one for a GLOBAL key)
        int from = kind == KIND_LOCAL ? max(0, j - P.w) : 0;
        int to = kind == KIND_LOCAL ? min(P.seq - 1, j + P.w) : kind == KIND_GLOBAL ? P.seq - 1 : -1;
        for (int i = from; i <= to; i++) {
            if (P.kinds[b * P.seq + i] != KIND_LOCAL) continue;
            int slot = kind == KIND_LOCAL ? j - i + P.w : 2 * P.w + 1 + P.globalNumber[b * P.seq + j];
            long long at = (bh * P.seq + i) * P.localSlots + slot;
            float ds = localDScore[at], dr = localDropped[at];
            const float* qr = B.x.row(P, b, i, h);
            const float* gr = B.y.row(P, b, i, h);
            accumulate_key_gradients(acc, acc2, ds, qr, dr, gr, lane, D);
        }
        store_key_gradients(gk + o, gv + o, acc, acc2, P.invSqrtD, lane, D);
        // global projections: every GLOBAL query saw every non-PAD key
        int globals = kind == KIND_PAD ? 0 : P.globalCount[b];
        for (int n = 0; n < globals; n++) {
            int gi = P.globals[b * P.maxGlobal + n];
            long long at = (bh * P.maxGlobal + n) * P.seq + j;
            float ds = globalDScore[at], dr = globalDropped[at];
            const float* qr = qg + att_offset(P, b, gi, h);
            const float* gr = gradOut + att_offset(P, b, gi, h);
            accumulate_key_gradients(acc, acc2, ds, qr, dr, gr, lane, D);
        }
        store_key_gradients(gkg + o, gvg + o, acc, acc2, P.invSqrtD, lane, D);
    }
}
