package org.recformer.attention;

import org.recformer.backend.cpu.CpuAttention;

/**
 * Test reference for the fused Longformer attention: dense O(T^2) masked attention in double
 * precision, written from docs/spec.md §3 without the fused kernel's slots or blocks. Every query
 * row scores all T keys, masks the keys it may not see with -infinity, and takes one softmax.
 */
public final class DenseLongformerAttention {
    private DenseLongformerAttention() {}

    /** Masks of one batch, written as strings, one per row: '.' padding, 'l' local token, 'g' global, 'x' padding flagged global. */
    public record Masks(int[] attention, int[] global, int batch, int seq) {
        public static Masks of(String... rows) {
            int seq = rows[0].length();
            int[] attention = new int[rows.length * seq];
            int[] global = new int[rows.length * seq];
            for (int b = 0; b < rows.length; b++) {
                if (rows[b].length() != seq) throw new IllegalArgumentException("rows of different lengths: " + String.join("|", rows));
                for (int t = 0; t < seq; t++) {
                    char c = rows[b].charAt(t);
                    attention[b * seq + t] = c == 'l' || c == 'g' ? 1 : 0;
                    global[b * seq + t] = c == 'g' || c == 'x' ? 1 : 0;
                }
            }
            return new Masks(attention, global, rows.length, seq);
        }
    }

    /**
     * out [B, T, H*D] from x = {q, k, v, qg, kg, vg}, each [B, T, H*D] flat; dropout multipliers
     * from {@link CpuAttention#dropoutMultiplier} (the definition of the mask).
     */
    public static double[] forward(double[][] x, Masks m, int heads, int w, float dropoutP, long seed) {
        int batch = m.batch(), seq = m.seq(), channels = x[0].length / (batch * seq), headDim = channels / heads;
        double sqrtD = Math.sqrt(headDim);
        double[] out = new double[batch * seq * channels];
        double[] score = new double[seq];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < seq; i++) {
                    if (!real(m, b, i)) continue; // padding query: output 0
                    boolean globalQuery = global(m, b, i);
                    double[] q = globalQuery ? x[3] : x[0], k = globalQuery ? x[4] : x[1], v = globalQuery ? x[5] : x[2];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < seq; j++) {
                        boolean visible = globalQuery
                                ? real(m, b, j)
                                : global(m, b, j) || (real(m, b, j) && Math.abs(i - j) <= w);
                        score[j] = Double.NEGATIVE_INFINITY;
                        if (!visible) continue;
                        double s = 0;
                        for (int d = 0; d < headDim; d++) s += q[at(b, i, h, d, seq, channels, headDim)] / sqrtD * k[at(b, j, h, d, seq, channels, headDim)];
                        score[j] = s;
                        max = Math.max(max, s);
                    }
                    double sum = 0;
                    for (int j = 0; j < seq; j++) sum += Math.exp(score[j] - max);
                    for (int j = 0; j < seq; j++) {
                        double p = Math.exp(score[j] - max) / sum * CpuAttention.dropoutMultiplier(seed, dropoutP, b, h, i, j, heads, seq);
                        for (int d = 0; d < headDim; d++) out[at(b, i, h, d, seq, channels, headDim)] += p * v[at(b, j, h, d, seq, channels, headDim)];
                    }
                }
            }
        }
        return out;
    }

    private static boolean real(Masks m, int b, int t) {
        return m.attention()[b * m.seq() + t] == 1;
    }

    private static boolean global(Masks m, int b, int t) {
        return real(m, b, t) && m.global()[b * m.seq() + t] == 1;
    }

    private static int at(int b, int t, int h, int d, int seq, int channels, int headDim) {
        return (b * seq + t) * channels + h * headDim + d;
    }
}
