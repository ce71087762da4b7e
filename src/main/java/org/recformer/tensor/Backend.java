package org.recformer.tensor;

/**
 * The kernels a device must provide. Every buffer is contiguous row-major float32; sizes and
 * shapes are passed explicitly (B, T, C style), as in llm.c. Ops in {@code org.recformer.ops}
 * call these kernels and record the autograd graph; model code never calls them directly, so a
 * second backend (CUDA) plugs in without changes above this interface.
 *
 * <p>Output buffers are always written completely (tests poison them with NaN first) unless the
 * method says it accumulates.
 */
public interface Backend {

    String name();

    /**
     * This backend with FP32 matrix products: itself, unless it rounds product operands to a lower
     * {@link Precision} (the CUDA backend's {@code --precision}); then its FP32 twin on the same
     * device, whose buffers are the same. Products that torch.autocast keeps in FP32 (cosine
     * similarity) run there.
     */
    default Backend fullPrecision() {
        return this;
    }

    // ---------------------------------------------------------------- memory

    /** A new buffer of n floats; its contents are unspecified (tests fill it with NaN). */
    Buffer allocate(int n);

    Buffer fromArray(float[] data);

    /**
     * A new recycler for steps on this thread that keep nothing but their result (the encoder's
     * layers under no_grad); by default one that reuses nothing.
     */
    default BufferRecycler recycler() {
        return BufferRecycler.NONE;
    }

    float[] toArray(Buffer buffer);

    void fill(Buffer buffer, float value);

    /**
     * Copies {@code blocks} blocks of {@code blockLen} floats: block i goes from
     * {@code src[srcOffset + i*srcStride ...]} to {@code dst[dstOffset + i*dstStride ...]}.
     * With {@code accumulate} the destination is added to instead of overwritten. This one kernel
     * is slice, concat, and their backward passes.
     */
    void copyBlocks(Buffer src, int srcOffset, int srcStride, Buffer dst, int dstOffset, int dstStride,
                    int blockLen, int blocks, boolean accumulate);

    // ---------------------------------------------------------------- elementwise

    /**
     * out = a (op) b with NumPy broadcasting; aShape and bShape are left-padded to outShape's rank.
     * out may be a itself when a has outShape (each element is read before it is written).
     */
    void binary(BinaryOp op, Buffer a, int[] aShape, Buffer b, int[] bShape, Buffer out, int[] outShape);

    /** out[i] = op(in[i]) for n elements (out may be in); {@code arg} is the scalar of SCALE / ADD_SCALAR / CLAMP_MIN / POW. */
    void unary(UnaryOp op, Buffer in, Buffer out, int n, float arg);

    /**
     * gradIn[i] = d op(in[i]) / d in[i] * gradOut[i]; {@code out} is the forward output (used by
     * TANH and EXP), {@code arg} the forward scalar.
     */
    void unaryBackward(UnaryOp op, Buffer in, Buffer out, Buffer gradOut, Buffer gradIn, int n, float arg);

    /**
     * Sums {@code in} (shape inShape) down to outShape, which is inShape with some dimensions set
     * to 1 (after left-padding with ones). Sum over dims, and the backward of broadcasting.
     */
    void sumToShape(Buffer in, int[] inShape, Buffer out, int[] outShape);

    /** out = in permuted: out dimension i is in dimension perm[i]. */
    void permute(Buffer in, int[] inShape, int[] perm, Buffer out);

    /** out = in where mask == 0, value where mask != 0; mask broadcasts to shape. */
    void maskedFill(Buffer in, int[] shape, Buffer mask, int[] maskShape, float value, Buffer out);

    /**
     * Inverted dropout: keep each element with probability 1-p (scaled by 1/(1-p)), from a
     * counter-based generator seeded with {@code seed} so a given (seed, index) always gives the
     * same decision on every backend. Writes the multiplier (0 or 1/(1-p)) into {@code mask}.
     */
    void dropout(Buffer in, Buffer out, Buffer mask, int n, float p, long seed);

    // ---------------------------------------------------------------- indexing

    /** out[i, :] = table[ids[i], :]; ids must be in [0, rows). */
    void gatherRows(Buffer table, int rows, int cols, int[] ids, Buffer out);

    /** tableGrad[ids[i], :] += grad[i, :], skipping ids equal to {@code skipId} (use -1 for none). */
    void scatterAddRows(Buffer grad, int cols, int[] ids, Buffer tableGrad, int skipId);

    /**
     * out[rows[i], :] = src[i, :] and zero in the other rows of out ([outRows, cols]); rows are
     * distinct and in [0, outRows). By default a fill with zeros, then {@link #scatterAddRows}.
     */
    default void scatterRows(Buffer src, int cols, int[] rows, Buffer out, int outRows) {
        fill(out, 0f);
        scatterAddRows(src, cols, rows, out, -1);
    }

    // ---------------------------------------------------------------- matmul

    /**
     * Batched C[b] = op(A[b]) x op(B[b]) (+ C[b] when accumulate), op(A) is M x K, op(B) is K x N.
     * With transA, A[b] is stored K x M; with transB, B[b] is stored N x K (no copies made).
     * Batch strides are in floats; a stride of 0 broadcasts one matrix over the batch.
     */
    void matmul(Buffer a, Buffer b, Buffer c, int batch, int m, int n, int k,
                boolean transA, boolean transB, int strideA, int strideB, int strideC, boolean accumulate);

    /**
     * A linear layer's forward: C [m, n] = A [m, k] W^T (W stored [n, k]) + bias [n] on every row.
     * By default the product, then the bias as a broadcast add; a backend may start its product's
     * sums from the bias instead (one pass over C fewer; the sum rounds in another order).
     */
    default void linearForward(Buffer a, Buffer w, Buffer bias, Buffer c, int m, int n, int k) {
        matmul(a, w, c, 1, m, n, k, false, true, 0, 0, 0, false);
        int[] shape = {m, n};
        binary(BinaryOp.ADD, c, shape, bias, new int[] {n}, c, shape);
    }

    // ---------------------------------------------------------------- normalization, activations

    /** Layer norm over the last dimension (cols); writes out, and mean and rstd per row for backward. */
    void layerNormForward(Buffer in, Buffer weight, Buffer bias, Buffer out, Buffer mean, Buffer rstd,
                          int rows, int cols, float eps);

    /** Writes gradIn; accumulates into gradWeight and gradBias (which must be zeroed or hold partial sums). */
    void layerNormBackward(Buffer gradOut, Buffer in, Buffer weight, Buffer mean, Buffer rstd,
                           Buffer gradIn, Buffer gradWeight, Buffer gradBias, int rows, int cols);

    /** Softmax (or log-softmax when {@code log}) over the last dimension. */
    void softmaxForward(Buffer in, Buffer out, int rows, int cols, boolean log);

    /** gradIn from the forward output; log selects log-softmax. */
    void softmaxBackward(Buffer out, Buffer gradOut, Buffer gradIn, int rows, int cols, boolean log);

    /**
     * Mean cross-entropy of rows of logits against integer labels; rows whose label is
     * {@code ignoreIndex} do not count. Writes log-probabilities (for backward) and the loss into
     * {@code loss[0]} (0 when every row is ignored).
     */
    void crossEntropyForward(Buffer logits, int[] labels, int rows, int cols, int ignoreIndex,
                             Buffer logProbs, Buffer loss);

    /** gradLogits = (softmax - onehot) * gradLoss[0] / count of non-ignored rows; ignored rows get 0. */
    void crossEntropyBackward(Buffer logProbs, int[] labels, int rows, int cols, int ignoreIndex,
                              Buffer gradLoss, Buffer gradLogits);

    // ---------------------------------------------------------------- attention

    /**
     * Fused Longformer self-attention for one layer (docs/spec.md §3), all heads, of the shapes,
     * window, masks and dropout in {@code p}. q, k, v, qg, kg, vg: [B, T, H*D] (local and global
     * projections, q and qg NOT yet scaled); out: [B, T, H*D]. Each query attends to keys within
     * {@code p.window()} positions on each side (excluding padding and global keys) plus all global
     * keys, in one softmax; padding query rows get zero output; global query rows attend to every
     * non-padding key with the global projections and that replaces their output.
     * {@code saved} is a backend-specific record for backward (softmax statistics), sized by
     * {@link #attentionSavedSize}. With {@code p.dropoutP() > 0} the probabilities are dropped out
     * (inverted scaling) from a counter-based generator keyed by {@code p.seed()}, reproducible in
     * backward. qg, kg, vg may all be null: the global queries are then left out and their rows of
     * out are 0 (the model computes them from the hidden states, docs/spec.md §3).
     */
    void attentionForward(AttentionProblem p, Buffer q, Buffer k, Buffer v, Buffer qg, Buffer kg, Buffer vg,
                          Buffer out, Buffer saved);

    /** Floats in the {@code saved} buffer of {@link #attentionForward} for problem {@code p}. */
    int attentionSavedSize(AttentionProblem p);

    /**
     * Writes all six input gradients (not accumulated); with qg, kg, vg null (a forward without the
     * global queries) gqg, gkg, gvg are null too and gq, gk, gv are that forward's gradients.
     */
    void attentionBackward(AttentionProblem p, Buffer q, Buffer k, Buffer v, Buffer qg, Buffer kg, Buffer vg,
                           Buffer out, Buffer saved, Buffer gradOut,
                           Buffer gq, Buffer gk, Buffer gv, Buffer gqg, Buffer gkg, Buffer gvg);

    // ---------------------------------------------------------------- row norms

    /** out[r] = max(||in[r, :]||_2, minNorm) over the last dimension (cols); minNorm >= 0 (0 for a plain L2 norm). */
    void rowNorm(Buffer in, Buffer out, int rows, int cols, float minNorm);

    /**
     * gradIn[r, c] = gradOut[r] * in[r, c] / out[r] (written, not accumulated) where out[r] > minNorm;
     * 0 where the clamp is active or the row is all zeros.
     */
    void rowNormBackward(Buffer in, Buffer out, Buffer gradOut, Buffer gradIn, int rows, int cols, float minNorm);

    // ---------------------------------------------------------------- optimizer (train)

    /**
     * One AdamW step on n parameters in place, torch.optim.AdamW semantics on the clipped gradient
     * g = grad * status[CLIP_FACTOR]: p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). {@code step} t counts from 1. Nothing
     * changes when status[DIVERGED_STEP] is not 0 ({@link StepStatus}).
     */
    void adamwStep(Buffer param, Buffer grad, Buffer m, Buffer v, int n, float lr, float beta1, float beta2,
                   float eps, float weightDecay, int step, Buffer status);

    /**
     * Gradient clipping of optimizer step {@code step} (torch clip_grad_norm_) without a host read:
     * norm = sqrt(sum over i of (float) (sum of squares of the sizes[i] floats of grads[i])) into
     * status[GRAD_NORM], the factor min(1, maxNorm / (norm + 1e-6)) into status[CLIP_FACTOR]; a
     * non-finite norm is recorded as the step's divergence (micro-batch {@code lastMicroBatch}) unless
     * one is recorded already ({@link StepStatus}).
     */
    void clipGradNorm(Buffer[] grads, int[] sizes, float maxNorm, Buffer status, int step, int lastMicroBatch);

    /**
     * status[LOSSES + microBatch] = loss[0]; a non-finite loss is recorded as the divergence of
     * step {@code step} unless one is recorded already ({@link StepStatus}).
     */
    void recordLoss(Buffer loss, Buffer status, int step, int microBatch);
}
