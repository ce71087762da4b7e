package org.recformer.backend.cpu;

import org.recformer.tensor.AttentionProblem;

import java.util.Arrays;

/**
 * Fused Longformer sliding-window + global self-attention (docs/spec.md §3), forward and backward,
 * never building a T x T matrix.
 *
 * <p>Every token is one of three kinds (HuggingFace's {@code attention_mask * (global + 1)}):
 * {@link #PAD} (attention mask 0, whatever its global flag), {@link #LOCAL}, {@link #GLOBAL}. Per
 * batch row b and head h:
 * <ul>
 *   <li>a LOCAL query i attends to the LOCAL keys j with |i - j| &lt;= w, plus every GLOBAL key,
 *       through q, k, v, in one softmax. A global key inside the window is counted once, as a
 *       global key (HuggingFace removes it from the window and adds it as a global column);</li>
 *   <li>a GLOBAL query attends to every non-PAD key through qg, kg, vg (or, when those are not given,
 *       is left out with an output of 0: the model computes it from the hidden states);</li>
 *   <li>a PAD query outputs 0.</li>
 * </ul>
 * Scores are {@code (q_i / sqrt(D)) . k_j}. With {@code dropoutP > 0} each probability is multiplied
 * by {@link #dropoutMultiplier}, a pure function of (seed, b, h, i, j), so backward redraws the same
 * mask without storing it.
 *
 * <p>The work is cut into <em>blocks</em> ({@link Block}): up to {@link #ROW_BLOCK} queries against
 * the list of keys any of them may see, with the probabilities of the pairs a query may not see set
 * to 0. A block of LOCAL queries (consecutive rows) lists the tokens its rows' windows cover (of
 * which it sees the LOCAL ones), then the row's GLOBAL keys; a block of GLOBAL queries lists every
 * non-PAD key. Each block's work is a few small dense products over one head's rows, gathered into
 * the matmul kernel's packed panels ({@link CpuPackedProduct}): scores = Q K^T, out = P V forward;
 * dP = dO V^T, dQ = dS K, dK = dS^T Q, dV = (P m)^T dO backward. About a third of a LOCAL block's
 * score entries lie outside its queries' windows, a price the product's speed pays many times over
 * against a per-pair loop. With the Vector API on, the softmax's exp (within one float step of
 * {@link Math#exp}) and the dropout stream's random bits run on vector lanes
 * ({@link CpuAttentionVector}).
 *
 * <p>{@code saved} holds the softmax statistics of each row, {@code [B, H, T, 2]} = (max, sum of
 * exp(score - max)); backward recomputes the scores with the same product and the probabilities from
 * the statistics, which reproduces the forward's exactly. Forward runs the blocks in parallel;
 * backward runs one task per (batch row, head), its blocks in turn, adding the key gradients of
 * every block into per-task rows of the head, so that no two tasks write the same element.
 *
 * <p>Layout: q, k, v, qg, kg, vg, out and their gradients are {@code [B, T, H*D]}, head h in
 * columns {@code h*D .. h*D + D - 1}.
 */
public final class CpuAttention {
    private CpuAttention() {}

    /** Token kinds. */
    static final int PAD = 0, LOCAL = 1, GLOBAL = 2;

    /** Query rows per block: two row groups of the packed product. */
    private static final int ROW_BLOCK = 2 * CpuPackedProduct.MR;

    /**
     * The dropout multiplier of the attention probability of query i for key j in batch row b,
     * head h: 0 (dropped) or 1 / (1 - p) (kept, inverted scaling); 1 when p is 0. The decision is
     * element {@code ((b * heads + h) * seq + i) * seq + j} of a SplitMix64 stream seeded by
     * {@code seed}: keep when the top 24 bits, read as a uniform in [0, 1), are &gt;= p. Public so
     * that tests and other backends reproduce the exact mask.
     */
    public static float dropoutMultiplier(long seed, float p, int b, int h, int i, int j, int heads, int seq) {
        if (p == 0f) return 1f;
        return CounterRandom.bits(seed, dropoutCounter(b, h, i, j, heads, seq)) >= CounterRandom.keepThreshold(p) ? 1f / (1f - p) : 0f;
    }

    /** The stream element of the pair (b, h, i, j). */
    static long dropoutCounter(int b, int h, int i, int j, int heads, int seq) {
        return (((long) b * heads + h) * seq + i) * seq + j;
    }

    /** Floats in {@code saved}: (max, sum) per row, {@code [B, H, T, 2]}; linear in T, independent of w and g. */
    static int savedSize(AttentionProblem p) {
        return checkedSize((long) p.batch() * p.heads() * p.seq() * 2, "attention saved statistics");
    }


    // ------------------------------------------------------------------------------------------ forward

    /**
     * The forward pass; with qg, kg, vg null the GLOBAL queries are left out and their rows of out
     * (and saved) are 0: the caller computes them another way.
     */
    static void forward(AttentionProblem p, float[] q, float[] k, float[] v, float[] qg, float[] kg, float[] vg,
                        float[] out, float[] saved) {
        Plan pr = new Plan(p);
        int localTasks = pr.batch * pr.heads * pr.blocks;
        int globalTasks = qg == null ? 0 : pr.batch * pr.heads * pr.globalBlocks;
        if (qg == null) pr.zeroGlobalRows(out, saved);
        Parallel.forRange(localTasks + globalTasks, 1, (from, to) -> {
            Block block = new Block(pr);
            for (int task = from; task < to; task++) {
                if (task < localTasks) {
                    int bh = task / pr.blocks;
                    block.local(bh / pr.heads, bh % pr.heads, task % pr.blocks * ROW_BLOCK);
                    block.forward(q, k, v, out, saved);
                } else {
                    int bh = (task - localTasks) / pr.globalBlocks;
                    block.global(bh / pr.heads, bh % pr.heads, (task - localTasks) % pr.globalBlocks * ROW_BLOCK);
                    block.forward(qg, kg, vg, out, saved);
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------------ backward

    /** The backward pass; with qg, kg, vg null (and gqg, gkg, gvg) that of the forward without GLOBAL queries. */
    static void backward(AttentionProblem p, float[] q, float[] k, float[] v, float[] qg, float[] kg, float[] vg,
                         float[] out, float[] saved, float[] gradOut,
                         float[] gq, float[] gk, float[] gv, float[] gqg, float[] gkg, float[] gvg) {
        Plan pr = new Plan(p);
        boolean globalQueries = qg != null;
        Parallel.forRange(pr.batch * pr.heads, 1, (from, to) -> {
            Block block = new Block(pr);
            KeyGradients keys = new KeyGradients(pr.seq * pr.headDim);
            for (int bh = from; bh < to; bh++) {
                int b = bh / pr.heads, h = bh % pr.heads;
                keys.clear();
                // zero what no block writes: gqg of a LOCAL row, gq of a GLOBAL row, both of a PAD row
                for (int t = 0; t < pr.seq; t++) {
                    int o = pr.offset(b, t, h), kind = pr.kind(b, t);
                    if (kind != GLOBAL && globalQueries) Arrays.fill(gqg, o, o + pr.headDim, 0f);
                    if (kind != LOCAL) Arrays.fill(gq, o, o + pr.headDim, 0f);
                }
                for (int first = 0; first < pr.seq; first += ROW_BLOCK) {
                    block.local(b, h, first);
                    block.backward(q, k, v, out, saved, gradOut, gq, keys.k, keys.v);
                }
                for (int g = 0; globalQueries && g < pr.globals[b].length; g += ROW_BLOCK) {
                    block.global(b, h, g);
                    block.backward(qg, kg, vg, out, saved, gradOut, gqg, keys.kg, keys.vg);
                }
                keys.scale(1f / pr.sqrtD);
                for (int t = 0; t < pr.seq; t++) {
                    int o = pr.offset(b, t, h), at = t * pr.headDim;
                    System.arraycopy(keys.k, at, gk, o, pr.headDim);
                    System.arraycopy(keys.v, at, gv, o, pr.headDim);
                    if (!globalQueries) continue;
                    System.arraycopy(keys.kg, at, gkg, o, pr.headDim);
                    System.arraycopy(keys.vg, at, gvg, o, pr.headDim);
                }
            }
        });
    }

    /**
     * One (batch row, head)'s key gradients summed over its blocks, {@code [T, D]} each: k and v
     * from the LOCAL queries, kg and vg from the GLOBAL ones; k and kg before the 1 / sqrt(D).
     */
    private static final class KeyGradients {
        final float[] k, v, kg, vg;

        KeyGradients(int size) {
            k = new float[size];
            v = new float[size];
            kg = new float[size];
            vg = new float[size];
        }

        /** k and kg times s. */
        void scale(float s) {
            for (int i = 0; i < k.length; i++) {
                k[i] *= s;
                kg[i] *= s;
            }
        }

        void clear() {
            Arrays.fill(k, 0f);
            Arrays.fill(v, 0f);
            Arrays.fill(kg, 0f);
            Arrays.fill(vg, 0f);
        }
    }

    // ------------------------------------------------------------------------------------------ blocks

    /** The problem with its token kinds and the global tokens of each batch row, shared by forward and backward. */
    private static final class Plan {
        final int batch, seq, heads, headDim, w, channels;
        final float sqrtD, dropoutP;
        final long seed;
        final int[] kinds;          // [B*T] PAD / LOCAL / GLOBAL
        final int[][] globals;      // per batch row, the positions of its GLOBAL tokens, ascending
        final int[][] nonPad;       // per batch row, the positions of its non-PAD tokens, ascending
        final int blocks;           // blocks of ROW_BLOCK rows per sequence
        final int globalBlocks;     // blocks of ROW_BLOCK GLOBAL queries in the row with the most

        Plan(AttentionProblem p) {
            this.batch = p.batch();
            this.seq = p.seq();
            this.heads = p.heads();
            this.headDim = p.headDim();
            this.w = p.window();
            this.channels = p.channels();
            this.sqrtD = (float) Math.sqrt(headDim);
            this.dropoutP = p.dropoutP();
            this.seed = p.seed();
            int[] attentionMask = p.attentionMask(), globalMask = p.globalMask();
            this.kinds = new int[batch * seq];
            this.globals = new int[batch][];
            this.nonPad = new int[batch][];
            int most = 0;
            for (int b = 0; b < batch; b++) {
                int global = 0, kept = 0;
                for (int t = 0; t < seq; t++) {
                    int at = b * seq + t;
                    kinds[at] = attentionMask[at] == 0 ? PAD : globalMask[at] == 0 ? LOCAL : GLOBAL;
                    if (kinds[at] == GLOBAL) global++;
                    if (kinds[at] != PAD) kept++;
                }
                globals[b] = new int[global];
                nonPad[b] = new int[kept];
                global = 0;
                kept = 0;
                for (int t = 0; t < seq; t++) {
                    if (kinds[b * seq + t] == GLOBAL) globals[b][global++] = t;
                    if (kinds[b * seq + t] != PAD) nonPad[b][kept++] = t;
                }
                most = Math.max(most, global);
            }
            this.blocks = (seq + ROW_BLOCK - 1) / ROW_BLOCK;
            this.globalBlocks = (most + ROW_BLOCK - 1) / ROW_BLOCK;
        }

        /** Where row i of head h of batch row b keeps (max, sum) in {@code saved} [B, H, T, 2]. */
        int savedAt(int b, int h, int i) {
            return 2 * ((b * heads + h) * seq + i);
        }

        int kind(int b, int t) {
            return kinds[b * seq + t];
        }

        /** Offset of head h of token t of batch row b in a [B, T, H*D] buffer. */
        int offset(int b, int t, int h) {
            return (b * seq + t) * channels + h * headDim;
        }

        float dropout(int b, int h, int i, int j) {
            return dropoutMultiplier(seed, dropoutP, b, h, i, j, heads, seq);
        }

        /** 0 into the GLOBAL rows of out and their statistics in saved (every head). */
        void zeroGlobalRows(float[] out, float[] saved) {
            for (int b = 0; b < batch; b++) {
                for (int t : globals[b]) {
                    Arrays.fill(out, offset(b, t, 0), offset(b, t, 0) + channels, 0f);
                    for (int h = 0; h < heads; h++) {
                        saved[savedAt(b, h, t)] = 0f;
                        saved[savedAt(b, h, t) + 1] = 0f;
                    }
                }
            }
        }
    }

    /**
     * One block of queries against the keys they may see (one per thread, refilled per block):
     * {@code queries[0 .. nq)} and {@code keys[0 .. nk)} are token positions of batch row b. The first
     * {@code windowKeys} keys are consecutive tokens, seen only within the window and only when
     * LOCAL (query r sees those of keys [lo[r], hi[r]) that {@code localKey} marks); the rest are seen
     * by every query. The products' matrices are row-major over (query, key) or (row, d).
     */
    private static final class Block {
        final Plan pr;
        final int d;
        int b, h;
        /** The rows a LOCAL block covers (its PAD rows output 0); empty for a GLOBAL block. */
        int first, end;
        final int[] queries, lo, hi;
        int nq;
        final int[] keys;
        final boolean[] localKey;
        int nk, windowKeys;
        /** Whether every window key is LOCAL (no row then needs its GLOBAL and PAD window keys masked). */
        boolean windowAllLocal;
        /** [nq, nk]: scores, then probabilities (times the dropout multiplier where noted). */
        float[] probs = new float[0];
        /** [nq, nk]: dP, then the score gradients dS. */
        float[] grads = new float[0];
        /** [max(nq, nk), D]: a product's rows before they are stored. */
        float[] rows = new float[0];
        float[] panelsA = new float[0], panelsB = new float[0];
        /** [nk]: one query's dropout multipliers per key. */
        final float[] multipliers;
        /** [seq]: random bits of one run of keys. */
        final long[] bits;
        /** The exp's scratch for a range's last, partial vector (NR: at least one vector's floats). */
        final float[] tail = new float[CpuPackedProduct.NR];
        /** Where the rows of one packed group or panel start in their source. */
        final int[] rowStarts = new int[Math.max(CpuPackedProduct.MR, CpuPackedProduct.NR)];
        /** {@link #transposed}: two sources' rows transposed, [D, T] each, with their source and batch row x heads + head. */
        final float[][] transposedRows = new float[2][];
        final float[][] transposedSource = new float[2][];
        final int[] transposedAt = {-1, -1};
        int lastTransposed;

        Block(Plan pr) {
            this.pr = pr;
            this.d = pr.headDim;
            queries = new int[ROW_BLOCK];
            lo = new int[ROW_BLOCK];
            hi = new int[ROW_BLOCK];
            keys = new int[2 * pr.seq]; // a window's tokens, then the row's GLOBAL tokens
            localKey = new boolean[pr.seq];
            multipliers = new float[2 * pr.seq];
            bits = new long[pr.seq];
        }

        /** The LOCAL queries of rows [first, first + ROW_BLOCK) against the tokens of their windows, then the GLOBAL keys. */
        void local(int b, int h, int first) {
            this.b = b;
            this.h = h;
            this.first = first;
            this.end = Math.min(pr.seq, first + ROW_BLOCK);
            nq = 0;
            for (int t = first; t < end; t++) {
                if (pr.kind(b, t) == LOCAL) queries[nq++] = t;
            }
            int spanStart = Math.max(0, first - pr.w), spanEnd = Math.min(pr.seq, end + pr.w);
            nk = 0;
            windowAllLocal = true;
            for (int t = spanStart; t < spanEnd; t++) {
                localKey[nk] = pr.kind(b, t) == LOCAL;
                windowAllLocal &= localKey[nk];
                keys[nk++] = t;
            }
            windowKeys = nk;
            for (int t : pr.globals[b]) keys[nk++] = t;
            for (int r = 0; r < nq; r++) {
                lo[r] = Math.max(spanStart, queries[r] - pr.w) - spanStart;
                hi[r] = Math.min(spanEnd - 1, queries[r] + pr.w) + 1 - spanStart;
            }
            allocate();
        }

        /** GLOBAL queries n in [from, from + ROW_BLOCK) of the batch row (may be none) against every non-PAD key. */
        void global(int b, int h, int from) {
            this.b = b;
            this.h = h;
            this.first = 0;
            this.end = 0;
            int[] globals = pr.globals[b];
            nq = Math.max(0, Math.min(globals.length, from + ROW_BLOCK) - from);
            System.arraycopy(globals, Math.min(from, globals.length), queries, 0, nq);
            nk = pr.nonPad[b].length;
            System.arraycopy(pr.nonPad[b], 0, keys, 0, nk);
            windowKeys = 0;
            Arrays.fill(lo, 0);
            Arrays.fill(hi, 0);
            allocate();
        }

        private void allocate() {
            int mr = CpuPackedProduct.MR, nr = CpuPackedProduct.NR;
            if (probs.length < nq * nk) {
                probs = new float[nq * nk];
                grads = new float[nq * nk];
            }
            rows = grow(rows, Math.max(nq, nk) * d);
            int paddedQ = (nq + mr - 1) / mr * mr, paddedK = (nk + 2 * mr - 1) / mr * mr; // keys: two runs of groups
            panelsA = grow(panelsA, Math.max(paddedQ * Math.max(d, nk), paddedK * nq));
            int panelK = (nk + nr - 1) / nr * nr, panelD = (d + nr - 1) / nr * nr;
            panelsB = grow(panelsB, Math.max(panelK * d, panelD * Math.max(nk, nq)));
        }

        private static float[] grow(float[] a, int size) {
            return a.length < size ? new float[size] : a;
        }

        /**
         * multipliers[c] = the dropout multiplier of query r for key c, for the keys of its window
         * range (consecutive tokens: one vectorized run) and the keys every query sees.
         */
        private void multipliers(int r) {
            int i = queries[r];
            if (hi[r] > lo[r]) dropoutRun(i, keys[lo[r]], hi[r] - lo[r], lo[r]);
            for (int c = windowKeys; c < nk; c++) multipliers[c] = pr.dropout(b, h, i, keys[c]);
        }

        /** multipliers[at + c] = the multiplier of query i for key j0 + c, c in [0, n). */
        private void dropoutRun(int i, int j0, int n, int at) {
            long counter = dropoutCounter(b, h, i, j0, pr.heads, pr.seq);
            CounterRandom.bits(pr.seed, counter, n, bits);
            long threshold = CounterRandom.keepThreshold(pr.dropoutP);
            float kept = 1f / (1f - pr.dropoutP);
            for (int c = 0; c < n; c++) multipliers[at + c] = bits[c] >= threshold ? kept : 0f;
        }

        /** out rows of the queries (and 0 with zero statistics for the PAD rows of a LOCAL block); saved statistics. */
        void forward(float[] q, float[] k, float[] v, float[] out, float[] saved) {
            for (int t = first; t < end; t++) {
                if (pr.kind(b, t) != PAD) continue;
                int o = pr.offset(b, t, h), st = pr.savedAt(b, h, t);
                Arrays.fill(out, o, o + d, 0f);
                saved[st] = 0f;
                saved[st + 1] = 0f;
            }
            if (nq == 0) return;
            probabilities(q, k, saved, false);
            if (pr.dropoutP > 0f) {
                for (int r = 0; r < nq; r++) { // entries not seen are 0 and stay 0
                    multipliers(r);
                    for (int c = lo[r]; c < hi[r]; c++) probs[r * nk + c] *= multipliers[c];
                    for (int c = windowKeys; c < nk; c++) probs[r * nk + c] *= multipliers[c];
                }
            }
            packMatrixA(probs, nq, nk);                      // P m [nq, nk]
            packTokenRowsB(v, keys, nk);                     // V [nk, D]
            CpuPackedProduct.multiply(panelsA, panelsB, nk, rows, 0, d, nq, d, false);
            for (int r = 0; r < nq; r++) System.arraycopy(rows, r * d, out, pr.offset(b, queries[r], h), d);
        }

        /**
         * The queries' gradients into gQuery (gq or gqg); the keys' added to the per-task sums gKey
         * (before the 1 / sqrt(D)) and gValue, {@code [T, D]}. With dropped = p * m and
         * dS = p * (m * dP - delta), where dP = gradOut_i . value_j and delta = gradOut_i . out_i
         * (out as the caller gives it), summed in the product kernel's order so that a query that sees
         * one key (out = its value) gets exactly 0.
         */
        void backward(float[] q, float[] k, float[] v, float[] out, float[] saved, float[] gradOut,
                      float[] gQuery, float[] gKey, float[] gValue) {
            if (nq == 0) return;
            probabilities(q, k, saved, true);
            packTokenRowsA(gradOut, nq, 1f);                 // dO [nq, D]
            packTokenColumnsB(v);                            // V^T [D, nk]
            CpuPackedProduct.multiply(panelsA, panelsB, d, grads, 0, nk, nq, nk, false);
            if (pr.dropoutP == 0f) Arrays.fill(multipliers, 0, nk, 1f);
            for (int r = 0; r < nq; r++) {
                if (pr.dropoutP > 0f) multipliers(r);
                int row = r * nk, o = pr.offset(b, queries[r], h);
                float delta = 0f; // gradOut_i . out_i, one FMA per d in order: as the product sums dP
                for (int x = 0; x < d; x++) delta = Math.fma(gradOut[o + x], out[o + x], delta);
                Arrays.fill(grads, row, row + lo[r], 0f);
                Arrays.fill(grads, row + hi[r], row + windowKeys, 0f);
                for (int c = lo[r]; c < hi[r]; c++) {
                    float p = probs[row + c], m = multipliers[c];
                    grads[row + c] = localKey[c] ? p * (m * grads[row + c] - delta) : 0f;
                    probs[row + c] = p * m;
                }
                for (int c = windowKeys; c < nk; c++) {
                    float p = probs[row + c], m = multipliers[c];
                    grads[row + c] = p * (m * grads[row + c] - delta);
                    probs[row + c] = p * m;
                }
            }
            packMatrixA(grads, nq, nk);                      // dS [nq, nk]
            packTokenRowsB(k, keys, nk);                     // K [nk, D]
            CpuPackedProduct.multiply(panelsA, panelsB, nk, rows, 0, d, nq, d, false);
            float scale = 1f / pr.sqrtD;
            for (int r = 0; r < nq; r++) {
                int o = pr.offset(b, queries[r], h);
                for (int x = 0; x < d; x++) gQuery[o + x] = rows[r * d + x] * scale;
            }
            addKeyProducts(grads, q, gKey);                  // dS^T Q
            addKeyProducts(probs, gradOut, gValue);          // (P m)^T dO
        }

        /**
         * sums[key c's token] += (pairs^T X)[c] for every key, X = the queries' rows of src
         * {@code [nq, D]}: the consecutive window keys straight into their rows of sums, the others
         * through {@code rows}.
         */
        private void addKeyProducts(float[] pairs, float[] src, float[] sums) {
            packTokenRowsB(src, queries, nq);
            packTransposedA(pairs, 0, windowKeys);
            CpuPackedProduct.multiply(panelsA, panelsB, nq, sums, windowKeys > 0 ? keys[0] * d : 0, d, windowKeys, d, true);
            packTransposedA(pairs, windowKeys, nk);
            CpuPackedProduct.multiply(panelsA, panelsB, nq, rows, 0, d, nk - windowKeys, d, false);
            for (int c = windowKeys; c < nk; c++) {
                int at = keys[c] * d, from = (c - windowKeys) * d;
                for (int x = 0; x < d; x++) sums[at + x] += rows[from + x];
            }
        }

        /**
         * {@code probs} = the softmax of (q_i / sqrt(D)) . k_j over the keys each query sees, 0 for
         * the others. Forward ({@code fromSaved} false) writes each row's (max, sum) to saved;
         * backward reads them, which reproduces the forward probabilities exactly.
         */
        private void probabilities(float[] q, float[] k, float[] saved, boolean fromSaved) {
            packTokenRowsA(q, nq, pr.sqrtD);                 // Q / sqrt(D) [nq, D]
            packTokenColumnsB(k);                            // K^T [D, nk]
            CpuPackedProduct.multiply(panelsA, panelsB, d, probs, 0, nk, nq, nk, false);
            for (int r = 0; r < nq; r++) {
                int row = r * nk, st = pr.savedAt(b, h, queries[r]);
                // keys [lo, nk) in one run: those past the window's reach and the unseen window keys at -infinity
                // (exp gives 0), the window keys before lo 0
                Arrays.fill(probs, row, row + lo[r], 0f);
                Arrays.fill(probs, row + hi[r], row + windowKeys, Float.NEGATIVE_INFINITY);
                for (int c = lo[r]; c < hi[r] && !windowAllLocal; c++) {
                    if (!localKey[c]) probs[row + c] = Float.NEGATIVE_INFINITY;
                }
                float max = fromSaved ? saved[st] : max(probs, row + lo[r], row + nk);
                float total = expShifted(probs, row + lo[r], row + nk, max, tail);
                float sum = fromSaved ? saved[st + 1] : total;
                for (int c = row + lo[r]; c < row + nk; c++) probs[c] /= sum;
                if (!fromSaved) {
                    saved[st] = max;
                    saved[st + 1] = sum;
                }
            }
        }

        // ---------------------------------------------------------------- packing (CpuPackedProduct's layout)

        /**
         * A [nq, D] = the head's rows of src at the queries, each divided by {@code divisor}; written
         * in order (reads jump between the group's rows), divided afterwards in one vectorizable pass.
         */
        private void packTokenRowsA(float[] src, int n, float divisor) {
            int mr = CpuPackedProduct.MR;
            int[] at = rowStarts;
            for (int g = 0; g * mr < n; g++) {
                int rows = Math.min(mr, n - g * mr), base = g * d * mr;
                for (int r = 0; r < rows; r++) at[r] = pr.offset(b, queries[g * mr + r], h);
                for (int x = 0; x < d; x++) {
                    for (int r = 0; r < rows; r++) panelsA[base + x * mr + r] = src[at[r] + x];
                }
            }
            if (divisor != 1f) {
                int size = (n + mr - 1) / mr * mr * d;
                for (int i = 0; i < size; i++) panelsA[i] /= divisor;
            }
        }

        /** A [n, depth] = m, row-major (whole groups transposed in registers by the matmul's packing, when it is on). */
        private void packMatrixA(float[] m, int n, int depth) {
            int mr = CpuPackedProduct.MR;
            for (int g = 0; g * mr < n; g++) {
                int rows = Math.min(mr, n - g * mr), base = g * depth * mr;
                int packed = rows == mr && CpuMatmul.VECTOR ? CpuMatmulVector.packRows(m, g * mr * depth, depth, mr, depth, panelsA, base, mr) : 0;
                for (int r = 0; r < rows; r++) {
                    int from = (g * mr + r) * depth;
                    for (int p = packed; p < depth; p++) panelsA[base + p * mr + r] = m[from + p];
                }
            }
        }

        /** A [to - from, nq] = columns [from, to) of m [nq, nk] (row-major), transposed. */
        private void packTransposedA(float[] m, int from, int to) {
            int mr = CpuPackedProduct.MR;
            for (int g = 0; from + g * mr < to; g++) {
                int rows = Math.min(mr, to - from - g * mr), base = g * nq * mr, column = from + g * mr;
                for (int p = 0; p < nq; p++) {
                    System.arraycopy(m, p * nk + column, panelsA, base + p * mr, rows);
                }
            }
        }

        /**
         * B [D, nk]: column c is the head's row of src at key c. The window's keys (consecutive
         * tokens) are copied a run at a time from the head's rows transposed once per batch row
         * ({@link #transposed}); the other keys are written in order (reads jump between the panel's rows).
         */
        private void packTokenColumnsB(float[] src) {
            int nr = CpuPackedProduct.NR;
            float[] columns = windowKeys > 0 ? transposed(src) : null;
            int[] at = rowStarts;
            for (int q = 0; q * nr < nk; q++) {
                int first = q * nr, cols = Math.min(nr, nk - first), base = q * d * nr;
                int window = Math.max(0, Math.min(cols, windowKeys - first)); // this panel's window keys
                if (window == nr && CpuMatmul.VECTOR) {
                    for (int x = 0; x < d; x++) CpuAttentionVector.copyPanelRow(columns, x * pr.seq + keys[first], panelsB, base + x * nr);
                } else if (window > 0) {
                    for (int x = 0; x < d; x++) System.arraycopy(columns, x * pr.seq + keys[first], panelsB, base + x * nr, window);
                }
                for (int j = window; j < cols; j++) at[j] = pr.offset(b, keys[first + j], h);
                for (int x = 0; x < d; x++) {
                    for (int j = window; j < cols; j++) panelsB[base + x * nr + j] = src[at[j] + x];
                }
            }
        }

        /**
         * [D, T]: the head's rows of src in this block's batch row, transposed (row x holds feature x
         * of every token), kept for the next blocks of the same batch row and head: two sources at
         * a time (backward uses k and v), each transposed once per batch row and head of a task
         * instead of once per block (a token is a key of about five blocks). A Block lives for one
         * attention call, during which the sources do not change.
         */
        private float[] transposed(float[] src) {
            for (int s = 0; s < 2; s++) {
                if (transposedSource[s] == src && transposedAt[s] == b * pr.heads + h) {
                    lastTransposed = s;
                    return transposedRows[s];
                }
            }
            int s = 1 - lastTransposed;
            if (transposedRows[s] == null) transposedRows[s] = new float[d * pr.seq];
            float[] t = transposedRows[s];
            int[] at = rowStarts;
            for (int t0 = 0; t0 < pr.seq; t0 += at.length) { // a run of tokens per pass: whole cache lines written per row x
                int n = Math.min(at.length, pr.seq - t0);
                for (int j = 0; j < n; j++) at[j] = pr.offset(b, t0 + j, h);
                for (int x = 0; x < d; x++) {
                    for (int j = 0; j < n; j++) t[x * pr.seq + t0 + j] = src[at[j] + x];
                }
            }
            transposedSource[s] = src;
            transposedAt[s] = b * pr.heads + h;
            lastTransposed = s;
            return t;
        }

        /** B [n, D]: row p is the head's row of src at token p. */
        private void packTokenRowsB(float[] src, int[] tokens, int n) {
            int nr = CpuPackedProduct.NR;
            for (int q = 0; q * nr < d; q++) {
                int cols = Math.min(nr, d - q * nr);
                if (cols == nr && CpuMatmul.VECTOR) {
                    for (int p = 0; p < n; p++) CpuAttentionVector.copyPanelRow(src, pr.offset(b, tokens[p], h) + q * nr, panelsB, (q * n + p) * nr);
                    continue;
                }
                for (int p = 0; p < n; p++) {
                    System.arraycopy(src, pr.offset(b, tokens[p], h) + q * nr, panelsB, (q * n + p) * nr, cols);
                }
            }
        }
    }

    /** The largest of x[from .. to): on the Vector API when it is on ({@link CpuAttentionVector}), else in order. */
    private static float max(float[] x, int from, int to) {
        if (CpuMatmul.VECTOR) return CpuAttentionVector.max(x, from, to);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) max = Math.max(max, x[i]);
        return max;
    }

    private static int checkedSize(long n, String what) {
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(what + " needs " + n + " floats, more than one array holds");
        return (int) n;
    }

    /**
     * x[i] = exp(x[i] - shift) over [from, to), returning their sum: on the Vector API when it is on
     * ({@link CpuAttentionVector}, with {@code tail} as its scratch), else {@link Math#exp} in order.
     */
    private static float expShifted(float[] x, int from, int to, float shift, float[] tail) {
        if (CpuMatmul.VECTOR) return CpuAttentionVector.expShifted(x, from, to, shift, tail);
        float sum = 0f;
        for (int i = from; i < to; i++) {
            x[i] = (float) Math.exp(x[i] - shift);
            sum += x[i];
        }
        return sum;
    }
}
