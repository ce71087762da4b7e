package org.recformer.backend.cuda;

import org.recformer.tensor.AttentionProblem;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Host side of the fused attention kernels (kernels/attention.cuh): token kinds and global-token
 * lists from the masks (as CpuAttention.Plan builds them), the packed AttentionShape struct,
 * and the shared-memory plan. One instance per forward or backward call.
 */
final class CudaAttention {
    /** ATT_ROWS, ATT_WARPS and ATT_MAX_D in kernels/attention.cuh. */
    static final int ROWS = 64, WARPS = 8, MAX_HEAD_DIM = 128;
    /** Static shared memory of the largest attention kernel (queries + grads, [WARPS][MAX_D] floats each). */
    private static final int STATIC_SHARED = 2 * WARPS * MAX_HEAD_DIM * 4;
    private static final int PAD = 0, LOCAL = 1, GLOBAL = 2;

    final int batch, seq, heads, headDim, w, maxGlobal, localSlots;
    /** kinds [B*T], globalNumber [B*T], globals [B, maxGlobal], globalCount [B]: the kernels' `meta`. */
    final int[] meta;
    /** Dynamic shared bytes per block (0 when the band does not fit and rows are read in place). */
    final int sharedBytes;
    final byte[] shape;

    CudaAttention(AttentionProblem p, int sharedOptIn) {
        if (p.headDim() > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("CUDA attention supports headDim <= " + MAX_HEAD_DIM + ", got " + p.headDim());
        }
        this.batch = p.batch();
        this.seq = p.seq();
        this.heads = p.heads();
        this.headDim = p.headDim();
        this.w = p.window();
        int[] attentionMask = p.attentionMask(), globalMask = p.globalMask();
        int bt = batch * seq;
        int[] kinds = new int[bt], number = new int[bt], count = new int[batch];
        int most = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                int at = b * seq + t;
                kinds[at] = attentionMask[at] == 0 ? PAD : globalMask[at] == 0 ? LOCAL : GLOBAL;
                number[at] = kinds[at] == GLOBAL ? count[b]++ : -1;
            }
            most = Math.max(most, count[b]);
        }
        this.maxGlobal = most;
        this.localSlots = 2 * w + 1 + most;
        meta = new int[2 * bt + batch * most + batch];
        System.arraycopy(kinds, 0, meta, 0, bt);
        System.arraycopy(number, 0, meta, bt, bt);
        for (int at = 0; at < bt; at++) {
            if (number[at] >= 0) meta[2 * bt + (at / seq) * most + number[at]] = at % seq;
        }
        System.arraycopy(count, 0, meta, 2 * bt + batch * most, batch);

        long span = Math.min(seq, ROWS + 2L * w);
        long band = 2 * span * (headDim + 1) * 4;
        sharedBytes = band + STATIC_SHARED <= sharedOptIn ? (int) band : 0;
        float sqrtD = (float) Math.sqrt(headDim);
        ByteBuffer s = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        s.putInt(batch).putInt(seq).putInt(heads).putInt(headDim).putInt(w).putInt(most).putInt(localSlots)
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
