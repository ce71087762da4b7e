package org.recformer.backend.cuda;

import org.recformer.tensor.AttentionProblem;

import java.util.Arrays;

/**
 * The attention kernels' token metadata of one pair of masks (as CpuAttention.Plan builds it):
 * token kinds and global-token lists. Every layer of a forward, and its backward, has the same masks,
 * so {@link AttentionMaskCache} builds and uploads this once per forward.
 */
final class AttentionMasks {
    private static final int PAD = 0, LOCAL = 1, GLOBAL = 2;

    final int batch, seq, maxGlobal;
    private final int[] attentionMask, globalMask;
    /** kinds [B*T], globalNumber [B*T], globals [B, maxGlobal], globalCount [B]: the kernels' `meta`. */
    final int[] meta;

    AttentionMasks(AttentionProblem p) {
        batch = p.batch();
        seq = p.seq();
        attentionMask = p.attentionMask();
        globalMask = p.globalMask();
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
        maxGlobal = most;
        meta = new int[2 * bt + batch * most + batch];
        System.arraycopy(kinds, 0, meta, 0, bt);
        System.arraycopy(number, 0, meta, bt, bt);
        for (int at = 0; at < bt; at++) {
            if (number[at] >= 0) meta[2 * bt + (at / seq) * most + number[at]] = at % seq;
        }
        System.arraycopy(count, 0, meta, 2 * bt + batch * most, batch);
    }

    /** Whether {@code p} has these masks (same batch, length and contents). */
    boolean matches(AttentionProblem p) {
        return p.batch() == batch && p.seq() == seq && Arrays.equals(p.attentionMask(), attentionMask)
                && Arrays.equals(p.globalMask(), globalMask);
    }
}
