package org.recformer.backend.cuda;

import org.recformer.tensor.AttentionProblem;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Host side of the fused attention kernels (kernels/attention.cuh): the packed AttentionShape struct
 * and the shared-memory plan of one forward or backward call; the token metadata of its masks is an
 * {@link AttentionMasks}, shared by the calls with the same masks.
 */
final class CudaAttention {
    /** ATT_ROWS, ATT_WARPS and ATT_MAX_D in kernels/attention.cuh. */
    static final int ROWS = 64, WARPS = 8, MAX_HEAD_DIM = 128;
    /** Static shared memory of the largest attention kernel (queries + grads, [WARPS][MAX_D] floats each). */
    private static final int STATIC_SHARED = 2 * WARPS * MAX_HEAD_DIM * 4;

    final int batch, seq, heads, headDim, w, maxGlobal, localSlots;
    /** Dynamic shared bytes per block (0 when the band does not fit and rows are read in place). */
    final int sharedBytes;
    final byte[] shape;

    CudaAttention(AttentionProblem p, AttentionMasks masks, int sharedOptIn) {
        if (p.headDim() > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("CUDA attention supports headDim <= " + MAX_HEAD_DIM + ", got " + p.headDim());
        }
        this.batch = p.batch();
        this.seq = p.seq();
        this.heads = p.heads();
        this.headDim = p.headDim();
        this.w = p.window();
        this.maxGlobal = masks.maxGlobal;
        this.localSlots = 2 * w + 1 + maxGlobal;

        long span = Math.min(seq, ROWS + 2L * w);
        long band = 2 * span * (headDim + 1) * 4;
        sharedBytes = band + STATIC_SHARED <= sharedOptIn ? (int) band : 0;
        float sqrtD = (float) Math.sqrt(headDim);
        ByteBuffer s = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        s.putInt(batch).putInt(seq).putInt(heads).putInt(headDim).putInt(w).putInt(maxGlobal).putInt(localSlots)
                .putInt(sharedBytes > 0 ? 1 : 0);
        s.putFloat(p.dropoutP()).putFloat(1f / (1f - p.dropoutP())).putFloat(sqrtD).putFloat(1f / sqrtD);
        s.putLong(p.seed());
        shape = s.array();
    }

    /** Grid y: row blocks per sequence (grid x is batch x heads). */
    int rowBlocks() {
        return (seq + ROWS - 1) / ROWS;
    }

    long localScratch() {
        return (long) batch * heads * seq * localSlots;
    }

    long globalScratch() {
        return (long) batch * heads * maxGlobal * seq;
    }
}
