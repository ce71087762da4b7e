package org.recformer.backend.cpu;

import org.recformer.tensor.AttentionProblem;

import java.util.function.Consumer;

/**
 * Fused Longformer sliding-window + global self-attention (docs/spec.md §3), forward and backward,
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
    static int savedSize(AttentionProblem p) {
        return checkedSize((long) p.batch() * p.heads() * p.seq() * 2, "attention saved statistics");
    }

    // ------------------------------------------------------------------------------------------ forward

    static void forward(AttentionProblem p, float[] q, float[] k, float[] v, float[] qg, float[] kg, float[] vg,
                        float[] out, float[] saved) {
        Plan pr = new Plan(p);
        forEachTile(pr, t -> {
            t.packTransposed(k, t.keysT);
            t.packRows(v, t.valueRows);
            t.packGlobalRows(k, t.globalKeys);
            t.packGlobalRows(v, t.globalValues);
            for (int i = t.first; i < t.end; i++) queryRowForward(pr, t, i, q, qg, kg, vg, out, saved);
        });
    }

    /** Runs {@code body} on every task (batch row, head, block of rows) in parallel, one Tile per thread's range. */
    private static void forEachTile(Plan pr, Consumer<Tile> body) {
        Parallel.forRange(pr.batch * pr.heads * pr.blocks, 1, (from, to) -> {
            Tile t = new Tile(pr);
            for (int task = from; task < to; task++) {
                t.startTask(task);
                body.accept(t);
            }
        });
    }

    /** Output row i (head t.head) and its softmax statistics. */
    private static void queryRowForward(Plan pr, Tile t, int i, float[] q, float[] qg, float[] kg, float[] vg,
                                        float[] out, float[] saved) {
        int b = t.batchRow, h = t.head, w = pr.w, st = pr.savedAt(b, h, i);
        java.util.Arrays.fill(t.acc, 0f);
        switch (pr.kind(b, i)) {
            case LOCAL -> {
                int slots = localProbabilities(pr, t, i, q, saved, false);
                for (int slot = 0; slot < slots; slot++) {
                    int j = pr.localKey(b, i, slot);
                    if (j < 0) continue;
                    float[] value = slot <= 2 * w ? t.valueRows[j - t.spanStart] : t.globalValues[slot - 2 * w - 1];
                    axpy(t.weights[slot] * pr.dropout(b, h, i, j), value, t.acc);
                }
            }
            case GLOBAL -> {
                globalProbabilities(pr, t, i, qg, kg, saved, false);
                for (int j = 0; j < pr.seq; j++) {
                    if (pr.kind(b, j) == PAD) continue;
                    System.arraycopy(vg, pr.offset(b, j, h), t.row, 0, pr.headDim);
                    axpy(t.weights[j] * pr.dropout(b, h, i, j), t.row, t.acc);
                }
            }
            default -> { // PAD: output 0
                saved[st] = 0f;
                saved[st + 1] = 0f;
            }
        }
        System.arraycopy(t.acc, 0, out, pr.offset(b, i, h), pr.headDim);
    }

    /**
     * Probabilities of LOCAL query i into {@code t.weights[slot]} (0 for masked slots); the window
     * scores come from {@code t.keysT}, the global ones from {@code t.globalKeys}. Forward
     * ({@code fromSaved} false) writes the row's (max, sum) to saved; backward reads them,
     * which reproduces the forward probabilities exactly. Returns the number of slots of the row.
     */
    private static int localProbabilities(Plan pr, Tile t, int i, float[] q, float[] saved, boolean fromSaved) {
        int b = t.batchRow, h = t.head, w = pr.w, slots = pr.slotCount(b);
        scaleQuery(q, pr.offset(b, i, h), pr.sqrtD, t.queryScaled);
        spanProduct(t.queryScaled, t.keysT, t.spanLength, t.spanValues);
        for (int slot = 0; slot < slots; slot++) {
            int j = pr.localKey(b, i, slot);
            t.weights[slot] = j < 0 ? Float.NEGATIVE_INFINITY
                    : slot <= 2 * w ? t.spanValues[j - t.spanStart]
                    : dot(t.queryScaled, 0, t.globalKeys[slot - 2 * w - 1], 0, pr.headDim);
        }
        softmax(t.weights, slots, saved, pr.savedAt(b, h, i), fromSaved);
        return slots;
    }

    /** Probabilities of GLOBAL query i over all T keys into {@code t.weights[j]} (0 for PAD keys); see {@link #localProbabilities}. */
    private static void globalProbabilities(Plan pr, Tile t, int i, float[] qg, float[] kg, float[] saved,
                                            boolean fromSaved) {
        int b = t.batchRow, h = t.head;
        scaleQuery(qg, pr.offset(b, i, h), pr.sqrtD, t.queryScaled);
        for (int j = 0; j < pr.seq; j++) {
            t.weights[j] = pr.kind(b, j) == PAD ? Float.NEGATIVE_INFINITY
                    : dot(t.queryScaled, 0, kg, pr.offset(b, j, h), pr.headDim);
        }
        softmax(t.weights, pr.seq, saved, pr.savedAt(b, h, i), fromSaved);
    }

    // ------------------------------------------------------------------------------------------ backward

    static void backward(AttentionProblem p, float[] q, float[] k, float[] v, float[] qg, float[] kg, float[] vg,
                         float[] out, float[] saved, float[] gradOut,
                         float[] gq, float[] gk, float[] gv, float[] gqg, float[] gkg, float[] gvg) {
        Plan pr = new Plan(p);
        Scratch s = new Scratch(pr);
        forEachTile(pr, t -> {
            t.packTransposed(k, t.keysT);
            t.packTransposed(v, t.valuesT);
            t.packRows(k, t.keyRows);
            t.packGlobalRows(k, t.globalKeys);
            t.packGlobalRows(v, t.globalValues);
            for (int i = t.first; i < t.end; i++) {
                queryRowBackward(pr, s, t, i, q, qg, kg, vg, out, saved, gradOut, gq, gqg);
            }
        });
        forEachTile(pr, t -> {
            t.packRows(q, t.queryRows);
            t.packRows(gradOut, t.gradRows);
            t.packGlobalRows(qg, t.globalQueries);
            t.packGlobalRows(gradOut, t.globalGrads);
            for (int j = t.first; j < t.end; j++) {
                keyRowBackward(pr, s, t, j, q, gradOut, gk, gv, gkg, gvg);
            }
        });
    }

    /**
     * Pass 1 for query i: writes gq_i and gqg_i (head t.head), and the scratch row of query i:
     * {@code dropped = p * m} and {@code dScore = p * (m * dP - delta)} per key, where
     * dP = gradOut_i . value_j and delta = gradOut_i . out_i (= sum over keys of p * m * dP).
     */
    private static void queryRowBackward(Plan pr, Scratch s, Tile t, int i, float[] q, float[] qg,
                                         float[] kg, float[] vg, float[] out, float[] saved, float[] gradOut,
                                         float[] gq, float[] gqg) {
        int b = t.batchRow, h = t.head, d = pr.headDim, w = pr.w, o = pr.offset(b, i, h), bh = b * pr.heads + h;
        int kind = pr.kind(b, i);
        java.util.Arrays.fill(t.acc, 0f);
        if (kind == LOCAL) {
            int slots = localProbabilities(pr, t, i, q, saved, true);
            System.arraycopy(gradOut, o, t.row, 0, d);
            spanProduct(t.row, t.valuesT, t.spanLength, t.spanValues); // dP for the window keys
            float delta = dot(gradOut, o, out, o, d);
            int base = s.localRow(bh, i);
            for (int slot = 0; slot < pr.localSlots; slot++) {
                int j = slot < slots ? pr.localKey(b, i, slot) : -1;
                if (j < 0) {
                    s.localDropped[base + slot] = 0f;
                    s.localDScore[base + slot] = 0f;
                    continue;
                }
                boolean window = slot <= 2 * w;
                float dP = window ? t.spanValues[j - t.spanStart] : dot(t.row, 0, t.globalValues[slot - 2 * w - 1], 0, d);
                float p = t.weights[slot], m = pr.dropout(b, h, i, j);
                float dScore = p * (m * dP - delta);
                s.localDropped[base + slot] = p * m;
                s.localDScore[base + slot] = dScore;
                axpy(dScore, window ? t.keyRows[j - t.spanStart] : t.globalKeys[slot - 2 * w - 1], t.acc);
            }
            scaleInto(t.acc, 1f / pr.sqrtD, gq, o);
            java.util.Arrays.fill(gqg, o, o + d, 0f);
        } else if (kind == GLOBAL) {
            globalProbabilities(pr, t, i, qg, kg, saved, true);
            float delta = dot(gradOut, o, out, o, d);
            int base = s.globalRow(bh, pr.globalNumber[b * pr.seq + i]);
            for (int j = 0; j < pr.seq; j++) {
                if (pr.kind(b, j) == PAD) {
                    s.globalDropped[base + j] = 0f;
                    s.globalDScore[base + j] = 0f;
                    continue;
                }
                float p = t.weights[j], m = pr.dropout(b, h, i, j);
                float dScore = p * (m * dot(gradOut, o, vg, pr.offset(b, j, h), d) - delta);
                s.globalDropped[base + j] = p * m;
                s.globalDScore[base + j] = dScore;
                System.arraycopy(kg, pr.offset(b, j, h), t.row, 0, d);
                axpy(dScore, t.row, t.acc);
            }
            scaleInto(t.acc, 1f / pr.sqrtD, gqg, o);
            java.util.Arrays.fill(gq, o, o + d, 0f);
        } else {
            java.util.Arrays.fill(gq, o, o + d, 0f);
            java.util.Arrays.fill(gqg, o, o + d, 0f);
        }
    }

    /**
     * Pass 2 for key j: gathers over the queries that attended to it.
     * gk_j = sum dScore * q_i / sqrt(D), gv_j = sum dropped * gradOut_i over LOCAL queries (those
     * within the window when j is LOCAL, all of them when j is GLOBAL); gkg_j and gvg_j likewise
     * over the GLOBAL queries, for every non-PAD key. The tile holds the rows of q and gradOut
     * around the key block and those of the row's GLOBAL queries.
     */
    private static void keyRowBackward(Plan pr, Scratch s, Tile t, int j, float[] q, float[] gradOut,
                                       float[] gk, float[] gv, float[] gkg, float[] gvg) {
        int b = t.batchRow, h = t.head, d = pr.headDim, w = pr.w, o = pr.offset(b, j, h), bh = b * pr.heads + h;
        int kind = pr.kind(b, j);
        java.util.Arrays.fill(t.acc, 0f);
        java.util.Arrays.fill(t.acc2, 0f);
        if (kind == LOCAL) {
            for (int i = Math.max(0, j - w); i <= Math.min(pr.seq - 1, j + w); i++) {
                if (pr.kind(b, i) != LOCAL) continue;
                int at = s.localRow(bh, i) + j - i + w;
                axpy(s.localDScore[at], t.queryRows[i - t.spanStart], t.acc);
                axpy(s.localDropped[at], t.gradRows[i - t.spanStart], t.acc2);
            }
        } else if (kind == GLOBAL) { // every LOCAL query of the sequence saw it, in its global slot
            int slot = 2 * w + 1 + pr.globalNumber[b * pr.seq + j];
            for (int i = 0; i < pr.seq; i++) {
                if (pr.kind(b, i) != LOCAL) continue;
                int at = s.localRow(bh, i) + slot;
                System.arraycopy(q, pr.offset(b, i, h), t.row, 0, d);
                axpy(s.localDScore[at], t.row, t.acc);
                System.arraycopy(gradOut, pr.offset(b, i, h), t.row, 0, d);
                axpy(s.localDropped[at], t.row, t.acc2);
            }
        }
        scaleInto(t.acc, 1f / pr.sqrtD, gk, o);
        System.arraycopy(t.acc2, 0, gv, o, d);
        // every GLOBAL query saw every non-PAD key through the global projections
        java.util.Arrays.fill(t.acc, 0f);
        java.util.Arrays.fill(t.acc2, 0f);
        if (kind != PAD) {
            for (int n = 0; n < pr.globals[b].length; n++) {
                int at = s.globalRow(bh, n) + j;
                axpy(s.globalDScore[at], t.globalQueries[n], t.acc);
                axpy(s.globalDropped[at], t.globalGrads[n], t.acc2);
            }
        }
        scaleInto(t.acc, 1f / pr.sqrtD, gkg, o);
        System.arraycopy(t.acc2, 0, gvg, o, d);
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** The problem with its token kinds and the global tokens of each batch row, shared by forward and backward. */
    private static final class Plan {
        final int batch, seq, heads, headDim, w, channels;
        final float sqrtD, dropoutP;
        final long seed;
        final int[] kinds;          // [B*T] PAD / LOCAL / GLOBAL
        final int[][] globals;      // per batch row, the positions of its GLOBAL tokens, ascending
        final int[] globalNumber;   // [B*T] n for the n-th GLOBAL token of its row, else -1
        final int maxGlobal;
        final int localSlots;       // slots per LOCAL query row in the scratch: 2w + 1 + maxGlobal
        final int blocks;           // blocks of ROW_BLOCK rows per sequence

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
            this.blocks = (seq + ROW_BLOCK - 1) / ROW_BLOCK;
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
     * One task's working set (the shared-memory tile of a GPU block): for a block of rows
     * [first, end) of batch row b, head h, the rows of the <em>span</em> [first - w, end + w) that
     * the block touches, packed per head as separate arrays (rows, or transposed columns), and the
     * rows of the batch row's GLOBAL tokens. Packing makes every inner loop run over whole arrays
     * from index 0, the form the JIT turns into SIMD code.
     */
    private static final class Tile {
        final Plan pr;
        int batchRow, head, first, end, spanStart, spanLength;
        final float[][] keysT, valuesT;                                           // [D][span]
        final float[][] keyRows, valueRows, queryRows, gradRows;                  // [span][D]
        final float[][] globalKeys, globalValues, globalQueries, globalGrads;     // [maxGlobal][D]
        final float[] queryScaled, row, acc, acc2;                                // [D]
        final float[] spanValues;                                                 // [span]
        final float[] weights;                                                    // scores / probabilities of one query

        Tile(Plan pr) {
            this.pr = pr;
            int span = Math.min(pr.seq, ROW_BLOCK + 2 * pr.w), d = pr.headDim;
            keysT = new float[d][span];
            valuesT = new float[d][span];
            keyRows = new float[span][d];
            valueRows = new float[span][d];
            queryRows = new float[span][d];
            gradRows = new float[span][d];
            globalKeys = new float[pr.maxGlobal][d];
            globalValues = new float[pr.maxGlobal][d];
            globalQueries = new float[pr.maxGlobal][d];
            globalGrads = new float[pr.maxGlobal][d];
            queryScaled = new float[d];
            row = new float[d];
            acc = new float[d];
            acc2 = new float[d];
            spanValues = new float[span];
            weights = new float[Math.max(pr.localSlots, pr.seq)];
        }

        /** Task number {@code (b * H + h) * blocks + block}: rows [first, end) of batch row b, head h. */
        void startTask(int task) {
            int bh = task / pr.blocks;
            batchRow = bh / pr.heads;
            head = bh % pr.heads;
            first = (task % pr.blocks) * ROW_BLOCK;
            end = Math.min(pr.seq, first + ROW_BLOCK);
            spanStart = Math.max(0, first - pr.w);
            spanLength = Math.min(pr.seq, end + pr.w) - spanStart;
        }

        /** dst[d][jj] = src at token spanStart + jj, column d of the head. */
        void packTransposed(float[] src, float[][] dst) {
            for (int jj = 0; jj < spanLength; jj++) {
                int at = pr.offset(batchRow, spanStart + jj, head);
                for (int d = 0; d < pr.headDim; d++) dst[d][jj] = src[at + d];
            }
        }

        /** dst[jj] = the head's row of token spanStart + jj. */
        void packRows(float[] src, float[][] dst) {
            for (int jj = 0; jj < spanLength; jj++) {
                System.arraycopy(src, pr.offset(batchRow, spanStart + jj, head), dst[jj], 0, pr.headDim);
            }
        }

        /** dst[n] = the head's row of the n-th GLOBAL token of the batch row. */
        void packGlobalRows(float[] src, float[][] dst) {
            int[] globals = pr.globals[batchRow];
            for (int n = 0; n < globals.length; n++) {
                System.arraycopy(src, pr.offset(batchRow, globals[n], head), dst[n], 0, pr.headDim);
            }
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

        Scratch(Plan pr) {
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
     * In place: scores (-inf = masked) to probabilities over the first n entries. Forward computes
     * the row's max and sum of exp(score - max) and writes them to saved[st], saved[st + 1];
     * backward ({@code fromSaved}) reads them, and the same float operations give the same values.
     */
    private static void softmax(float[] x, int n, float[] saved, int st, boolean fromSaved) {
        float max = Float.NEGATIVE_INFINITY, sum = 0f;
        if (fromSaved) {
            max = saved[st];
            sum = saved[st + 1];
        } else {
            for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        }
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(x[i] - max); // exp(-inf) = 0
            if (!fromSaved) sum += x[i];
        }
        for (int i = 0; i < n; i++) x[i] /= sum;
        if (!fromSaved) {
            saved[st] = max;
            saved[st + 1] = sum;
        }
    }

    /** result[jj] = sum over d of x[d] * columns[d][jj], for jj &lt; len (scores or dP of one query against the span). */
    private static void spanProduct(float[] x, float[][] columns, int len, float[] result) {
        java.util.Arrays.fill(result, 0, len, 0f);
        for (int d = 0; d < x.length; d++) {
            float xd = x[d];
            float[] column = columns[d];
            for (int jj = 0; jj < len; jj++) result[jj] += xd * column[jj];
        }
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

    /** y += alpha * x over whole arrays of equal length (no offsets: the JIT vectorizes this form). */
    private static void axpy(float alpha, float[] x, float[] y) {
        if (alpha == 0f) return;
        for (int i = 0; i < y.length; i++) y[i] += alpha * x[i];
    }

    /** dst[at..at+n) = x * s. */
    private static void scaleInto(float[] x, float s, float[] dst, int at) {
        for (int i = 0; i < x.length; i++) dst[at + i] = x[i] * s;
    }
}
