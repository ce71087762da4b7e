package org.recformer.model;

import java.util.Arrays;

/**
 * One batch of encoder inputs, {@code batch x seq} row-major int arrays as the Recformer tokenizer
 * builds them: token ids, attention mask (1 = real token), global attention mask (1 = global token),
 * token types and item positions. Rows may have different real lengths (padding has mask 0); the
 * sequence length need not be a multiple of any attention window.
 */
public record ModelInput(int batch, int seq, int[] inputIds, int[] attentionMask, int[] globalAttentionMask,
                         int[] tokenTypeIds, int[] itemPositionIds) {

    public ModelInput {
        if (batch <= 0 || seq <= 0) throw new IllegalArgumentException("input batch " + batch + " x " + seq + " must not be empty");
        int n = batch * seq;
        checkLength("input_ids", inputIds, n);
        checkLength("attention_mask", attentionMask, n);
        checkLength("global_attention_mask", globalAttentionMask, n);
        checkLength("token_type_ids", tokenTypeIds, n);
        checkLength("item_position_ids", itemPositionIds, n);
        checkBinary("attention_mask", attentionMask);
        checkBinary("global_attention_mask", globalAttentionMask);
    }

    /** Builds an input from per-row arrays (all rows of one length). */
    public static ModelInput of(int[][] inputIds, int[][] attentionMask, int[][] globalAttentionMask,
                                int[][] tokenTypeIds, int[][] itemPositionIds) {
        int batch = inputIds.length;
        int seq = batch == 0 ? 0 : inputIds[0].length;
        return new ModelInput(batch, seq, flatten("input_ids", inputIds, batch, seq),
                flatten("attention_mask", attentionMask, batch, seq),
                flatten("global_attention_mask", globalAttentionMask, batch, seq),
                flatten("token_type_ids", tokenTypeIds, batch, seq),
                flatten("item_position_ids", itemPositionIds, batch, seq));
    }

    /** The same masks and positions with other token ids (the MLM view of a batch). */
    public ModelInput withInputIds(int[] ids) {
        return new ModelInput(batch, seq, ids, attentionMask, globalAttentionMask, tokenTypeIds, itemPositionIds);
    }

    /** The shape {@code [batch, seq]}. */
    public int[] shape() {
        return new int[] {batch, seq};
    }

    private static int[] flatten(String field, int[][] rows, int batch, int seq) {
        if (rows == null) throw new IllegalArgumentException(field + " is missing");
        if (rows.length != batch) throw new IllegalArgumentException(field + " has " + rows.length + " rows, expected " + batch);
        int[] out = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            if (rows[b].length != seq) {
                throw new IllegalArgumentException(field + " row " + b + " has length " + rows[b].length + ", expected " + seq);
            }
            System.arraycopy(rows[b], 0, out, b * seq, seq);
        }
        return out;
    }

    private static void checkLength(String field, int[] values, int n) {
        if (values == null) throw new IllegalArgumentException(field + " is missing");
        if (values.length != n) throw new IllegalArgumentException(field + " has " + values.length + " values, expected " + n);
    }

    private static void checkBinary(String field, int[] values) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0 && values[i] != 1) {
                throw new IllegalArgumentException(field + "[" + i + "] = " + values[i] + ", expected 0 or 1");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelInput m && batch == m.batch && seq == m.seq && Arrays.equals(inputIds, m.inputIds)
                && Arrays.equals(attentionMask, m.attentionMask) && Arrays.equals(globalAttentionMask, m.globalAttentionMask)
                && Arrays.equals(tokenTypeIds, m.tokenTypeIds) && Arrays.equals(itemPositionIds, m.itemPositionIds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputIds) * 31 + Arrays.hashCode(itemPositionIds);
    }

    @Override
    public String toString() {
        return "ModelInput[" + batch + " x " + seq + "]";
    }
}
