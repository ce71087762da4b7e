// Fused Longformer sliding-window + global self-attention, forward and backward, with the
// semantics, saved statistics and dropout hash of backend/cpu/CpuAttention.java (read its class
// comment first). Never builds a T x T matrix.
//
// Grid: x = batch row * heads + head (which may pass 65535, grid y's limit), y = blocks of ATT_ROWS
// rows of one sequence; ATT_WARPS warps per block, one warp per row at a time. The block first
// stages the rows of its band [first - w, end + w) of two [B, T, H*D] tensors for its head in
// shared memory (rows padded to D + 1 floats so that 32 lanes reading 32 different rows hit 32
// banks): k and v for the forward and backward pass 1, q and gradOut for backward pass 2. When the
// band does not fit in shared memory the host passes staged = 0 and rows are read from global
// memory instead. Each kernel is compiled twice from one template, staged and in place
// (att_*<STAGED>), so every load has a known address space; the kernel picks one per launch.
//
// Inside a warp the keys of a query are taken 32 at a time, one key per lane: the lane computes
// the score (q . k over D, in the CPU's summation order), the warp does the online-softmax update
// (running max M and sum l), then the 32 probabilities and key indices are broadcast by shuffles
// and each lane accumulates its own D / 32 output dimensions. Backward pass 2 takes the queries
// that saw a key 32 at a time the same way: lane-parallel loads of the scratch, then broadcasts.
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

#define ATT_WARPS 8
#define ATT_ROWS 64
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

// The key a LOCAL query i of batch row b sees at slot (the window's 2w + 1 slots, then the row's globals), or -1 when masked.
__device__ __forceinline__ int att_local_key(const AttentionProblem& P, int b, int i, int slot) {
    if (slot > 2 * P.w) return P.globals[b * P.maxGlobal + slot - 2 * P.w - 1];
    int j = i - P.w + slot;
    return j >= 0 && j < P.seq && P.kinds[b * P.seq + j] == KIND_LOCAL ? j : -1;
}

// Sequential sum over d.
__device__ __forceinline__ float att_span_dot(const float* x, const float* y, int n) {
    float s = 0.0f;
    for (int d = 0; d < n; d++) s += x[d] * y[d];
    return s;
}

// Four partial sums.
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

// acc[c] = fma(p, row[d], acc[c]) for this lane's dimensions d = lane + 32c.
__device__ __forceinline__ void att_accumulate(float* acc, float p, const float* row, int lane, int D) {
#pragma unroll
    for (int c = 0; c < ATT_PER_LANE; c++) {
        int d = lane + 32 * c;
        if (d < D) acc[c] = fmaf(p, row[d], acc[c]);
    }
}

// The rows of one [B, T, H*D] tensor's head h in batch row b: staged in shared memory (rows
// [spanStart, spanStart + spanLength) at stride D + 1) or, in place, the tensor itself (stride H*D).
template <bool STAGED>
struct Band {
    const float* rows;
    int stride, spanStart;
    __device__ __forceinline__ const float* row(int t) const {
        return rows + (STAGED ? t - spanStart : t) * stride;
    }
};

// Block geometry: batch row b, head h, rows [first, end) and the band of two tensors around them.
template <bool STAGED>
struct AttentionBlock {
    int b, h, first, end;
    Band<STAGED> x, y;
};

// Copies rows [spanStart, spanStart + spanLength) of head h of src (in) to dst (stride D + 1): a warp per row.
__device__ __forceinline__ void att_stage(const AttentionProblem& P, const float* src, float* dst, int spanStart,
                                          int spanLength) {
    int D = P.headDim, HD = P.heads * P.headDim, lane = threadIdx.x & 31;
    for (int r = threadIdx.x >> 5; r < spanLength; r += ATT_WARPS) {
        for (int d = lane; d < D; d += 32) dst[r * (D + 1) + d] = src[(spanStart + r) * HD + d];
    }
}

template <bool STAGED>
__device__ __forceinline__ AttentionBlock<STAGED> att_block(const AttentionProblem& P, const float* xs,
                                                            const float* ys, float* smem) {
    AttentionBlock<STAGED> B;
    B.b = blockIdx.x / P.heads;
    B.h = blockIdx.x % P.heads;
    B.first = blockIdx.y * ATT_ROWS;
    B.end = min(P.seq, B.first + ATT_ROWS);
    int spanStart = max(0, B.first - P.w);
    int spanLength = min(P.seq, B.end + P.w) - spanStart;
    long long head = att_offset(P, B.b, 0, B.h);
    if constexpr (STAGED) {
        int stride = P.headDim + 1;
        att_stage(P, xs + head, smem, spanStart, spanLength);
        att_stage(P, ys + head, smem + spanLength * stride, spanStart, spanLength);
        B.x = {smem, stride, spanStart};
        B.y = {smem + spanLength * stride, stride, spanStart};
        __syncthreads();
    } else {
        B.x = {xs + head, P.heads * P.headDim, spanStart};
        B.y = {ys + head, P.heads * P.headDim, spanStart};
    }
    return B;
}

// Copies a head row (divided by div when div != 1) into this warp's shared vector.
__device__ __forceinline__ void att_load_row(const float* src, float div, float* dst, int D, int lane) {
    for (int d = lane; d < D; d += 32) dst[d] = div == 1.0f ? src[d] : src[d] / div;
    __syncwarp();
}

// The key of slot for query i: a LOCAL query's slots are its window then its row's global tokens;
// a GLOBAL query's slot j is token j. -1 when masked or past count.
__device__ __forceinline__ int att_key(const AttentionProblem& P, bool local, int count, int b, int i, int slot) {
    if (slot >= count) return -1;
    if (local) return att_local_key(P, b, i, slot);
    return P.kinds[b * P.seq + slot] == KIND_PAD ? -1 : slot;
}

// --------------------------------------------------------------------------------------------- forward

// Keys of a LOCAL query's window slots [0, 2w] come from the band (local projections); the rest
// (its row's global tokens, or every token for a GLOBAL query) from the tensors kOut / vOut (local
// projections k, v for a LOCAL query, global projections kg, vg for a GLOBAL one).
template <bool STAGED>
__device__ __forceinline__ void att_forward(const AttentionProblem& P, float* sq, const float* q, const float* k,
                                            const float* v, const float* qg, const float* kg, const float* vg,
                                            float* out, float* saved, float* smem, int precision) {
    AttentionBlock<STAGED> B = att_block<STAGED>(P, k, v, smem);  // x = k band, y = v band
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, D = P.headDim, b = B.b, h = B.h;
    int HD = P.heads * P.headDim;
    long long head = att_offset(P, b, 0, h);
    for (int i = B.first + warp; i < B.end; i += ATT_WARPS) {
        long long o = att_offset(P, b, i, h);
        long long st = 2 * (((long long) b * P.heads + h) * P.seq + i);
        int kind = P.kinds[b * P.seq + i];
        float acc[ATT_PER_LANE] = {};
        float M = -INFINITY, l = 0.0f;
        if (kind != KIND_PAD) {
            bool local = kind == KIND_LOCAL;
            int count = local ? 2 * P.w + 1 + P.globalCount[b] : P.seq;
            int windowEnd = local ? 2 * P.w + 1 : 0;  // slots [0, windowEnd) are read from the band
            const float* kOut = (local ? k : kg) + head;
            const float* vOut = (local ? v : vg) + head;
            att_load_row((local ? q : qg) + o, P.sqrtD, sq, D, lane);
            for (int cs = 0; cs < count; cs += 32) {
                int slot = cs + lane;
                int j = att_key(P, local, count, b, i, slot);
                float s = -INFINITY;
                if (j >= 0) s = slot < windowEnd ? att_span_dot(sq, B.x.row(j), D) : att_dot4(sq, kOut + j * HD, D);
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
                    int key = __shfl_sync(FULL_MASK, j, src);
                    if (p == 0.0f) continue;
                    if (cs + src < windowEnd) att_accumulate(acc, p, B.y.row(key), lane, D);
                    else att_accumulate(acc, p, vOut + key * HD, lane, D);
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

extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32) attention_forward(
        AttentionShape shape, const int* meta, const float* q, const float* k, const float* v, const float* qg, const float* kg,
        const float* vg, float* out, float* saved, int precision) {
    extern __shared__ float smem[];
    __shared__ float queries[ATT_WARPS][ATT_MAX_D];
    AttentionProblem P = att_problem(shape, meta);
    float* sq = queries[threadIdx.x >> 5];
    if (P.staged) att_forward<true>(P, sq, q, k, v, qg, kg, vg, out, saved, smem, precision);
    else att_forward<false>(P, sq, q, k, v, qg, kg, vg, out, saved, smem, precision);
}

// --------------------------------------------------------------------------------------------- backward

template <bool STAGED>
__device__ __forceinline__ void att_backward_query(
        const AttentionProblem& P, float* sq, float* sg, const float* q, const float* k, const float* v, const float* qg,
        const float* kg, const float* vg, const float* out, const float* saved, const float* gradOut, float* gq,
        float* gqg, float* localDropped, float* localDScore, float* globalDropped, float* globalDScore, float* smem) {
    AttentionBlock<STAGED> B = att_block<STAGED>(P, k, v, smem);  // x = k band, y = v band
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, D = P.headDim, b = B.b, h = B.h;
    int HD = P.heads * P.headDim;
    long long head = att_offset(P, b, 0, h);
    long long bh = (long long) b * P.heads + h;
    for (int i = B.first + warp; i < B.end; i += ATT_WARPS) {
        long long o = att_offset(P, b, i, h);
        int kind = P.kinds[b * P.seq + i];
        float acc[ATT_PER_LANE] = {};
        if (kind != KIND_PAD) {
            bool local = kind == KIND_LOCAL;
            int count = local ? 2 * P.w + 1 + P.globalCount[b] : P.seq;
            int windowEnd = local ? 2 * P.w + 1 : 0;
            int slots = local ? P.localSlots : P.seq;  // scratch row length
            const float* kOut = (local ? k : kg) + head;
            const float* vOut = (local ? v : vg) + head;
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
                int j = att_key(P, local, count, b, i, slot);
                float dScore = 0.0f, pm = 0.0f;
                if (j >= 0) {
                    bool window = slot < windowEnd;
                    float s, dP;
                    if (window) {
                        s = att_span_dot(sq, B.x.row(j), D);
                        dP = att_span_dot(sg, B.y.row(j), D);
                    } else {
                        s = att_dot4(sq, kOut + j * HD, D);
                        dP = att_dot4(sg, vOut + j * HD, D);
                    }
                    float p = expf(s - M) / l;
                    float m = att_dropout(P, b, h, i, j);
                    dScore = p * (m * dP - delta);
                    pm = p * m;
                }
                if (slot < slots) {
                    dropped[slot] = pm;
                    dScores[slot] = dScore;
                }
                for (int src = 0; src < 32; src++) {
                    float ds = __shfl_sync(FULL_MASK, dScore, src);
                    int key = __shfl_sync(FULL_MASK, j, src);
                    if (ds == 0.0f) continue;
                    if (cs + src < windowEnd) att_accumulate(acc, ds, B.x.row(key), lane, D);
                    else att_accumulate(acc, ds, kOut + key * HD, lane, D);
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

extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32) attention_backward_query(
        AttentionShape shape, const int* meta, const float* q, const float* k, const float* v, const float* qg, const float* kg,
        const float* vg, const float* out, const float* saved, const float* gradOut, float* gq, float* gqg,
        float* localDropped, float* localDScore, float* globalDropped, float* globalDScore) {
    extern __shared__ float smem[];
    __shared__ float queries[ATT_WARPS][ATT_MAX_D];
    __shared__ float grads[ATT_WARPS][ATT_MAX_D];
    AttentionProblem P = att_problem(shape, meta);
    float* sq = queries[threadIdx.x >> 5];
    float* sg = grads[threadIdx.x >> 5];
    if (P.staged) {
        att_backward_query<true>(P, sq, sg, q, k, v, qg, kg, vg, out, saved, gradOut, gq, gqg, localDropped,
                                 localDScore, globalDropped, globalDScore, smem);
    } else {
        att_backward_query<false>(P, sq, sg, q, k, v, qg, kg, vg, out, saved, gradOut, gq, gqg, localDropped,
                                  localDScore, globalDropped, globalDScore, smem);
    }
}

// Pass 2: this lane's dimensions d = lane + 32c of one (query, key) pair's contribution,
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

// The LOCAL queries [from, to] that saw key j at slot (window: j - i + w; global token: fixed), in
// ascending order (the CPU's), 32 at a time: each lane loads its query's scratch entries, then the
// warp takes them in turn by shuffles. Rows come from qs / gs (band or tensor) at query index i.
template <typename Rows>
__device__ __forceinline__ void att_gather_local_queries(const AttentionProblem& P, int b, long long bh, int j,
                                                         int from, int to, int fixedSlot, const float* localDropped,
                                                         const float* localDScore, Rows qs, Rows gs, float* acc,
                                                         float* acc2, int lane) {
    for (int cs = from; cs <= to; cs += 32) {
        int i = cs + lane;
        float ds = 0.0f, dr = 0.0f;
        if (i <= to && P.kinds[b * P.seq + i] == KIND_LOCAL) {
            int slot = fixedSlot >= 0 ? fixedSlot : j - i + P.w;
            long long at = (bh * P.seq + i) * P.localSlots + slot;
            ds = localDScore[at];
            dr = localDropped[at];
        }
        int n = min(32, to - cs + 1);
        for (int src = 0; src < n; src++) {
            float dsi = __shfl_sync(FULL_MASK, ds, src), dri = __shfl_sync(FULL_MASK, dr, src);
            if (dsi == 0.0f && dri == 0.0f) continue;  // not a LOCAL query, or nothing to add
            accumulate_key_gradients(acc, acc2, dsi, qs.row(cs + src), dri, gs.row(cs + src), lane, P.headDim);
        }
    }
}

template <bool STAGED>
__device__ __forceinline__ void att_backward_key(
        const AttentionProblem& P, const float* q, const float* qg, const float* gradOut, const float* localDropped,
        const float* localDScore, const float* globalDropped, const float* globalDScore, float* gk, float* gv,
        float* gkg, float* gvg, float* smem) {
    AttentionBlock<STAGED> B = att_block<STAGED>(P, q, gradOut, smem);  // x = q band, y = gradOut band
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, D = P.headDim, b = B.b, h = B.h;
    int HD = P.heads * P.headDim;
    long long head = att_offset(P, b, 0, h);
    long long bh = (long long) b * P.heads + h;
    Band<false> qRows = {q + head, HD, 0}, gRows = {gradOut + head, HD, 0}, qgRows = {qg + head, HD, 0};
    for (int j = B.first + warp; j < B.end; j += ATT_WARPS) {
        long long o = att_offset(P, b, j, h);
        int kind = P.kinds[b * P.seq + j];
        float acc[ATT_PER_LANE] = {}, acc2[ATT_PER_LANE] = {};
        // local projections: the LOCAL queries that saw key j, its window (rows in the band) ...
        if (kind == KIND_LOCAL) {
            att_gather_local_queries(P, b, bh, j, max(0, j - P.w), min(P.seq - 1, j + P.w), -1, localDropped,
                                     localDScore, B.x, B.y, acc, acc2, lane);
        }
        // ... or every one for a GLOBAL key, at the slot of its global number (rows from the tensors)
        if (kind == KIND_GLOBAL) {
            att_gather_local_queries(P, b, bh, j, 0, P.seq - 1, 2 * P.w + 1 + P.globalNumber[b * P.seq + j],
                                     localDropped, localDScore, qRows, gRows, acc, acc2, lane);
        }
        store_key_gradients(gk + o, gv + o, acc, acc2, P.invSqrtD, lane, D);
        // global projections: every GLOBAL query (the n-th of the row) saw every non-PAD key, 32 at a time
        int globals = kind == KIND_PAD ? 0 : P.globalCount[b];
        for (int cn = 0; cn < globals; cn += 32) {
            int n = cn + lane, gi = 0;
            float ds = 0.0f, dr = 0.0f;
            if (n < globals) {
                long long at = (bh * P.maxGlobal + n) * P.seq + j;
                ds = globalDScore[at];
                dr = globalDropped[at];
                gi = P.globals[b * P.maxGlobal + n];
            }
            int count = min(32, globals - cn);
            for (int src = 0; src < count; src++) {
                float dsi = __shfl_sync(FULL_MASK, ds, src), dri = __shfl_sync(FULL_MASK, dr, src);
                int query = __shfl_sync(FULL_MASK, gi, src);
                if (dsi == 0.0f && dri == 0.0f) continue;
                accumulate_key_gradients(acc, acc2, dsi, qgRows.row(query), dri, gRows.row(query), lane, D);
            }
        }
        store_key_gradients(gkg + o, gvg + o, acc, acc2, P.invSqrtD, lane, D);
    }
}

extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32) attention_backward_key(
        AttentionShape shape, const int* meta, const float* q, const float* qg, const float* gradOut,
        const float* localDropped, const float* localDScore, const float* globalDropped, const float* globalDScore,
        float* gk, float* gv, float* gkg, float* gvg) {
    extern __shared__ float smem[];
    AttentionProblem P = att_problem(shape, meta);
    if (P.staged) {
        att_backward_key<true>(P, q, qg, gradOut, localDropped, localDScore, globalDropped, globalDScore, gk, gv, gkg,
                               gvg, smem);
    } else {
        att_backward_key<false>(P, q, qg, gradOut, localDropped, localDScore, globalDropped, globalDScore, gk, gv, gkg,
                                gvg, smem);
    }
}
