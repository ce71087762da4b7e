package org.recformer.backend.cpu;

/**
 * Fused Longformer sliding-window + global self-attention (SPEC section 3), forward and backward,
 * never building a T x T matrix.
 *
 * <p>Every token is one of three kinds (HuggingFace's {@code attention_mask * (global + 1)}):
 * {@link #PAD} (attention mask 0, whatever its global flag), {@link #LOCAL}, {@link #GLOBAL}. Per
 * batch row b and head h:
 * <ul>
 *   <li>a LOCAL query i attends to the LOCAL keys j with |i - j| &lt;= w, plus every GLOBAL key,
 *       through q, k, v, in one softmax. Its keys are numbered by <em>slot</em>: slot
 *       {@code j - i + w} (0..2w) for the window, slot {@code 2w + 1 + n} for the n-th global token
 *       of the row. A global key inside the window is therefore counted once, as a global slot
 *       (HuggingFace removes it from the window and adds it as a global column);</li>
 *   <li>a GLOBAL query attends to every non-PAD key through qg, kg, vg;</li>
 *   <li>a PAD query outputs 0.</li>
 * </ul>
 * Scores are {@code (q_i / sqrt(D)) . k_j}. With {@code dropoutP > 0} each probability is multiplied
 * by {@link #dropoutMultiplier}, a pure function of (seed, b, h, i, j), so backward redraws the same
 * mask without storing it.
 *
 * <p>{@code saved} holds the softmax statistics of each row, {@code [B, H, T, 2]} = (max, sum of
 * exp(score - max)); backward recomputes the probabilities from them. Backward runs in two
 * passes so that no two tasks write the same element: pass 1 is query-centric (q and qg gradients,
 * and the per-pair dropped probability and score gradient kept in a scratch of
 * {@code O(T * (2w + 1 + 2g))} per head); pass 2 is key-centric (k, v, kg, vg gradients). Both
 * passes and the forward are split over (b, h, block of rows), the shape a CUDA grid would take.
 *
 * <p>Layout: q, k, v, qg, kg, vg, out and their gradients are {@code [B, T, H*D]}, head h in
 * columns {@code h*D .. h*D + D - 1}.
 */
public final class CpuAttention {
    private CpuAttention() {}

    /** Token kinds. */
    static final int PAD = 0, LOCAL = 1, GLOBAL = 2;

    /** Rows (queries or keys) per parallel task. */
    private static final int ROW_BLOCK = 32;

    /**
     * The dropout multiplier of the attention probability of query i for key j in batch row b,
     * head h: 0 (dropped) or 1 / (1 - p) (kept, inverted scaling); 1 when p is 0. The decision is
     * element {@code ((b * heads + h) * seq + i) * seq + j} of a SplitMix64 stream seeded by
     * {@code seed}: keep when the top 24 bits, read as a uniform in [0, 1), are &gt;= p. Public so
     * that tests and other backends reproduce the exact mask.
     */
    public static float dropoutMultiplier(long seed, float p, int b, int h, int i, int j, int heads, int seq) {
        if (p == 0f) return 1f;
        long counter = (((long) b * heads + h) * seq + i) * seq + j;
        long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        float uniform = (z >>> 40) * 0x1.0p-24f;
        return uniform >= p ? 1f / (1f - p) : 0f;
    }

    /** Floats in {@code saved}: (max, sum) per row, {@code [B, H, T, 2]}; linear in T, independent of w and g. */
    static int savedSize(int batch, int seq, int heads, int headDim, int w, int maxGlobal) {
        return checkedSize((long) batch * heads * seq * 2, "attention saved statistics");
    }

    // ------------------------------------------------------------------------------------------ forward

    static void forward(float[] q, float[] k, float[] v, float[] qg, float[] kg, float[] vg,
                        int[] attentionMask, int[] globalMask, int batch, int seq, int heads, int headDim,
                        int w, float dropoutP, long seed, float[] out, float[] saved) {
        Problem pr = new Problem(attentionMask, globalMask, batch, seq, heads, headDim, w, dropoutP, seed);
        int blocks = (seq + ROW_BLOCK - 1) / ROW_BLOCK;
        Parallel.forRange(batch * heads * blocks, 1, (from, to) -> {
            float[] queryScaled = new float[headDim];
            float[] weights = new float[Math.max(pr.localSlots, seq)]; // scores, then probabilities
            for (int task = from; task < to; task++) {
                int bh = task / blocks, b = bh / heads, h = bh % heads;
                int rowEnd = Math.min(seq, (task % blocks + 1) * ROW_BLOCK);
                for (int i = (task % blocks) * ROW_BLOCK; i < rowEnd; i++) {
                    int o = pr.offset(b, i, h), st = 2 * (bh * seq + i);
                    java.util.Arrays.fill(out, o, o + headDim, 0f);
                    switch (pr.kind(b, i)) {
                        case LOCAL -> {
                            int slots = pr.slotCount(b);
                            scaleQuery(q, o, pr.sqrtD, queryScaled);
                            for (int slot = 0; slot < slots; slot++) {
                                int j = pr.localKey(b, i, slot);
                                weights[slot] = j < 0 ? Float.NEGATIVE_INFINITY : dot(queryScaled, 0, k, pr.offset(b, j, h), headDim);
                            }
                            softmaxInPlace(weights, slots, saved, st);
                            for (int slot = 0; slot < slots; slot++) {
                                int j = pr.localKey(b, i, slot);
                                if (j >= 0) axpy(weights[slot] * pr.dropout(b, h, i, j), v, pr.offset(b, j, h), out, o, headDim);
                            }
                        }
                        case GLOBAL -> {
                            scaleQuery(qg, o, pr.sqrtD, queryScaled);
                            for (int j = 0; j < seq; j++) {
                                weights[j] = pr.kind(b, j) == PAD ? Float.NEGATIVE_INFINITY : dot(queryScaled, 0, kg, pr.offset(b, j, h), headDim);
                            }
                            softmaxInPlace(weights, seq, saved, st);
                            for (int j = 0; j < seq; j++) {
                                if (pr.kind(b, j) != PAD) axpy(weights[j] * pr.dropout(b, h, i, j), vg, pr.offset(b, j, h), out, o, headDim);
                            }
                        }
                        default -> { // PAD: output stays 0
                            saved[st] = 0f;
                            saved[st + 1] = 0f;
                        }
                    }
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------------ backward

    static void backward(float[] q, float[] k, float[] v, float[] qg, float[] kg, float[] vg,
                         int[] attentionMask, int[] globalMask, int batch, int seq, int heads, int headDim,
                         int w, float dropoutP, long seed, float[] out, float[] saved, float[] gradOut,
                         float[] gq, float[] gk, float[] gv, float[] gqg, float[] gkg, float[] gvg) {
        Problem pr = new Problem(attentionMask, globalMask, batch, seq, heads, headDim, w, dropoutP, seed);
        Scratch s = new Scratch(pr);
        int blocks = (seq + ROW_BLOCK - 1) / ROW_BLOCK;
        Parallel.forRange(batch * heads * blocks, 1, (from, to) -> {
            float[] queryScaled = new float[headDim];
            for (int task = from; task < to; task++) {
                int bh = task / blocks;
                int rowEnd = Math.min(seq, (task % blocks + 1) * ROW_BLOCK);
                for (int i = (task % blocks) * ROW_BLOCK; i < rowEnd; i++) {
                    queryRowBackward(pr, s, bh / heads, bh % heads, i, q, k, v, qg, kg, vg, out, saved, gradOut, gq, gqg, queryScaled);
                }
            }
        });
        Parallel.forRange(batch * heads * blocks, 1, (from, to) -> {
            for (int task = from; task < to; task++) {
                int bh = task / blocks;
                int keyEnd = Math.min(seq, (task % blocks + 1) * ROW_BLOCK);
                for (int j = (task % blocks) * ROW_BLOCK; j < keyEnd; j++) {
                    keyRowBackward(pr, s, bh / heads, bh % heads, j, q, qg, gradOut, gk, gv, gkg, gvg);
                }
            }
        });
    }

    /**
     * Pass 1 for query i: writes gq_i and gqg_i (head h), and the scratch row of query i:
     * {@code dropped = p * m} and {@code dScore = p * (m * dP - delta)} per key, where
     * dP = gradOut_i . value_j and delta = gradOut_i . out_i (= sum over keys of p * m * dP).
     */
    private static void queryRowBackward(Problem pr, Scratch s, int b, int h, int i,
                                         float[] q, float[] k, float[] v, float[] qg, float[] kg, float[] vg,
                                         float[] out, float[] saved, float[] gradOut, float[] gq, float[] gqg,
                                         float[] queryScaled) {
        int d = pr.headDim, o = pr.offset(b, i, h), bh = b * pr.heads + h, st = 2 * (bh * pr.seq + i);
        java.util.Arrays.fill(gq, o, o + d, 0f);
        java.util.Arrays.fill(gqg, o, o + d, 0f);
        int kind = pr.kind(b, i);
        if (kind == PAD) return;
        float max = saved[st], sum = saved[st + 1];
        float delta = dot(gradOut, o, out, o, d);
        if (kind == LOCAL) {
            scaleQuery(q, o, pr.sqrtD, queryScaled);
            int base = s.localRow(bh, i);
            for (int slot = 0; slot < pr.localSlots; slot++) {
                int j = slot < pr.slotCount(b) ? pr.localKey(b, i, slot) : -1;
                if (j < 0) {
                    s.localDropped[base + slot] = 0f;
                    s.localDScore[base + slot] = 0f;
                    continue;
                }
                int kj = pr.offset(b, j, h);
                float p = (float) Math.exp(dot(queryScaled, 0, k, kj, d) - max) / sum;
                float m = pr.dropout(b, h, i, j);
                float dScore = p * (m * dot(gradOut, o, v, kj, d) - delta);
                s.localDropped[base + slot] = p * m;
                s.localDScore[base + slot] = dScore;
                axpy(dScore, k, kj, gq, o, d);
            }
            scaleInPlace(gq, o, d, 1f / pr.sqrtD);
        } else {
            scaleQuery(qg, o, pr.sqrtD, queryScaled);
            int base = s.globalRow(bh, pr.globalNumber[b * pr.seq + i]);
            for (int j = 0; j < pr.seq; j++) {
                if (pr.kind(b, j) == PAD) {
                    s.globalDropped[base + j] = 0f;
                    s.globalDScore[base + j] = 0f;
                    continue;
                }
                int kj = pr.offset(b, j, h);
                float p = (float) Math.exp(dot(queryScaled, 0, kg, kj, d) - max) / sum;
                float m = pr.dropout(b, h, i, j);
                float dScore = p * (m * dot(gradOut, o, vg, kj, d) - delta);
                s.globalDropped[base + j] = p * m;
                s.globalDScore[base + j] = dScore;
                axpy(dScore, kg, kj, gqg, o, d);
            }
            scaleInPlace(gqg, o, d, 1f / pr.sqrtD);
        }
    }

    /**
     * Pass 2 for key j: gathers over the queries that attended to it.
     * gk_j = sum dScore * q_i / sqrt(D), gv_j = sum dropped * gradOut_i over LOCAL queries (those
     * within the window when j is LOCAL, all of them when j is GLOBAL); gkg_j and gvg_j likewise
     * over the GLOBAL queries, for every non-PAD key.
     */
    private static void keyRowBackward(Problem pr, Scratch s, int b, int h, int j, float[] q, float[] qg,
                                       float[] gradOut, float[] gk, float[] gv, float[] gkg, float[] gvg) {
        int d = pr.headDim, o = pr.offset(b, j, h), bh = b * pr.heads + h, w = pr.w;
        java.util.Arrays.fill(gk, o, o + d, 0f);
        java.util.Arrays.fill(gv, o, o + d, 0f);
        java.util.Arrays.fill(gkg, o, o + d, 0f);
        java.util.Arrays.fill(gvg, o, o + d, 0f);
        int kind = pr.kind(b, j);
        if (kind == PAD) return;
        // queries i that saw key j through the local projections, and the slot j has in their row
        int first = kind == LOCAL ? Math.max(0, j - w) : 0;
        int last = kind == LOCAL ? Math.min(pr.seq - 1, j + w) : pr.seq - 1;
        for (int i = first; i <= last; i++) {
            if (pr.kind(b, i) != LOCAL) continue;
            int slot = kind == LOCAL ? j - i + w : 2 * w + 1 + pr.globalNumber[b * pr.seq + j];
            int at = s.localRow(bh, i) + slot;
            int qi = pr.offset(b, i, h);
            axpy(s.localDScore[at], q, qi, gk, o, d);
            axpy(s.localDropped[at], gradOut, qi, gv, o, d);
        }
        scaleInPlace(gk, o, d, 1f / pr.sqrtD);
        // every GLOBAL query saw key j through the global projections
        int[] globals = pr.globals[b];
        for (int n = 0; n < globals.length; n++) {
            int at = s.globalRow(bh, n) + j;
            int qi = pr.offset(b, globals[n], h);
            axpy(s.globalDScore[at], qg, qi, gkg, o, d);
            axpy(s.globalDropped[at], gradOut, qi, gvg, o, d);
        }
        scaleInPlace(gkg, o, d, 1f / pr.sqrtD);
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Shapes, token kinds and the global tokens of each batch row, shared by forward and backward. */
    private static final class Problem {
        final int batch, seq, heads, headDim, w, channels;
        final float sqrtD, dropoutP;
        final long seed;
        final int[] kinds;          // [B*T] PAD / LOCAL / GLOBAL
        final int[][] globals;      // per batch row, the positions of its GLOBAL tokens, ascending
        final int[] globalNumber;   // [B*T] n for the n-th GLOBAL token of its row, else -1
        final int maxGlobal;
        final int localSlots;       // slots per LOCAL query row in the scratch: 2w + 1 + maxGlobal

        Problem(int[] attentionMask, int[] globalMask, int batch, int seq, int heads, int headDim,
                int w, float dropoutP, long seed) {
            this.batch = batch;
            this.seq = seq;
            this.heads = heads;
            this.headDim = headDim;
            this.w = w;
            this.channels = heads * headDim;
            this.sqrtD = (float) Math.sqrt(headDim);
            this.dropoutP = dropoutP;
            this.seed = seed;
            this.kinds = new int[batch * seq];
            this.globalNumber = new int[batch * seq];
            this.globals = new int[batch][];
            int most = 0;
            for (int b = 0; b < batch; b++) {
                int count = 0;
                for (int t = 0; t < seq; t++) {
                    int at = b * seq + t;
                    kinds[at] = attentionMask[at] == 0 ? PAD : globalMask[at] == 0 ? LOCAL : GLOBAL;
                    globalNumber[at] = kinds[at] == GLOBAL ? count++ : -1;
                }
                globals[b] = new int[count];
                for (int t = 0; t < seq; t++) {
                    if (kinds[b * seq + t] == GLOBAL) globals[b][globalNumber[b * seq + t]] = t;
                }
                most = Math.max(most, count);
            }
            this.maxGlobal = most;
            this.localSlots = 2 * w + 1 + most;
        }

        int kind(int b, int t) {
            return kinds[b * seq + t];
        }

        /** Offset of head h of token t of batch row b in a [B, T, H*D] buffer. */
        int offset(int b, int t, int h) {
            return (b * seq + t) * channels + h * headDim;
        }

        /** Slots of a LOCAL query in batch row b: the window, then the row's global tokens. */
        int slotCount(int b) {
            return 2 * w + 1 + globals[b].length;
        }

        /** The key a LOCAL query i sees at {@code slot}, or -1 when that slot is masked. */
        int localKey(int b, int i, int slot) {
            if (slot > 2 * w) return globals[b][slot - 2 * w - 1];
            int j = i - w + slot;
            return j >= 0 && j < seq && kinds[b * seq + j] == LOCAL ? j : -1;
        }

        float dropout(int b, int h, int i, int j) {
            return dropoutMultiplier(seed, dropoutP, b, h, i, j, heads, seq);
        }
    }

    /**
     * Per-pair values that pass 1 hands to pass 2: for LOCAL queries {@code [B, H, T, localSlots]},
     * for GLOBAL queries {@code [B, H, maxGlobal, T]}; {@code dropped} = p * m, {@code dScore} is the
     * gradient of the (scaled) score.
     */
    private static final class Scratch {
        final int seq, localSlots, maxGlobal;
        final float[] localDropped, localDScore, globalDropped, globalDScore;

        Scratch(Problem pr) {
            seq = pr.seq;
            localSlots = pr.localSlots;
            maxGlobal = pr.maxGlobal;
            int local = checkedSize((long) pr.batch * pr.heads * pr.seq * pr.localSlots, "attention backward scratch");
            int global = checkedSize((long) pr.batch * pr.heads * pr.maxGlobal * pr.seq, "attention backward scratch");
            localDropped = new float[local];
            localDScore = new float[local];
            globalDropped = new float[global];
            globalDScore = new float[global];
        }

        int localRow(int bh, int i) {
            return (bh * seq + i) * localSlots;
        }

        int globalRow(int bh, int n) {
            return (bh * maxGlobal + n) * seq;
        }
    }

    private static int checkedSize(long n, String what) {
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(what + " needs " + n + " floats, more than one array holds");
        return (int) n;
    }

    /** dst[0..D) = src[at..at+D) / sqrtD (HuggingFace divides the queries before the product). */
    private static void scaleQuery(float[] src, int at, float sqrtD, float[] dst) {
        for (int d = 0; d < dst.length; d++) dst[d] = src[at + d] / sqrtD;
    }

    /**
     * In place: scores (-inf = masked) to probabilities over the first n entries; writes the row's
     * (max, sum of exp(score - max)) to saved[st], saved[st + 1]. At least one entry is unmasked.
     */
    private static void softmaxInPlace(float[] x, int n, float[] saved, int st) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(x[i] - max); // exp(-inf) = 0
            sum += x[i];
        }
        for (int i = 0; i < n; i++) x[i] /= sum;
        saved[st] = max;
        saved[st + 1] = sum;
    }

    /** Dot product of n floats; four partial sums so the JIT can overlap the additions. */
    private static float dot(float[] a, int aAt, float[] b, int bAt, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[aAt + i] * b[bAt + i];
            s1 += a[aAt + i + 1] * b[bAt + i + 1];
            s2 += a[aAt + i + 2] * b[bAt + i + 2];
            s3 += a[aAt + i + 3] * b[bAt + i + 3];
        }
        for (; i < n; i++) s0 += a[aAt + i] * b[bAt + i];
        return (s0 + s1) + (s2 + s3);
    }

    /** y[yAt..yAt+n) += alpha * x[xAt..xAt+n). */
    private static void axpy(float alpha, float[] x, int xAt, float[] y, int yAt, int n) {
        if (alpha == 0f) return;
        for (int i = 0; i < n; i++) y[yAt + i] += alpha * x[xAt + i];
    }

    private static void scaleInPlace(float[] x, int at, int n, float s) {
        for (int i = 0; i < n; i++) x[at + i] *= s;
    }
}
