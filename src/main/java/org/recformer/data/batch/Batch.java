package org.recformer.data.batch;

import org.recformer.data.encode.EncodedSequence;
import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.TokenTypes;
import org.recformer.model.ModelInput;

import java.util.Arrays;
import java.util.List;

/**
 * Encoder inputs of B sequences padded on the right to the longest, T tokens: five row-major
 * int arrays of shape [B, T] (element {@code [b, t]} at {@code b * T + t}), and the item id each
 * token belongs to (for the learned input item IDs, docs/spec.md §4). Padding (docs/spec.md §2):
 * input id {@code <pad>}, token type 3, item position {@code maxItemEmbeddings - 1}, attention
 * mask 0, global attention mask 0, item id -1. The arrays are shared, not copied.
 */
public final class Batch {

    private final int batchSize;
    private final int length;
    private final int[] inputIds;            // [B, T]
    private final int[] attentionMask;       // [B, T] 1 on real tokens
    private final int[] globalAttentionMask; // [B, T] 1 on the first token of each row
    private final int[] tokenTypeIds;        // [B, T]
    private final int[] itemPositionIds;     // [B, T]
    private final int[] itemIds;             // [B, T] the item of each item token, -1 on <s> and padding

    private Batch(int batchSize, int length) {
        this.batchSize = batchSize;
        this.length = length;
        int n = batchSize * length;
        inputIds = new int[n];
        attentionMask = new int[n];
        globalAttentionMask = new int[n];
        tokenTypeIds = new int[n];
        itemPositionIds = new int[n];
        itemIds = new int[n];
        Arrays.fill(itemIds, -1);
    }

    /** Pads {@code rows} to the longest of them; no token carries an item id. */
    public static Batch pad(List<EncodedSequence> rows, EncodingSettings settings) {
        return pad(rows, null, settings);
    }

    /**
     * Pads {@code rows} to the longest of them; {@code rowItemIds} (null: none) holds, per row, the
     * item id of each of its tokens (-1 for {@code <s>}).
     */
    public static Batch pad(List<EncodedSequence> rows, List<int[]> rowItemIds, EncodingSettings settings) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one sequence");
        }
        int length = rows.stream().mapToInt(EncodedSequence::length).max().orElseThrow();
        Batch batch = new Batch(rows.size(), length);
        for (int b = 0; b < rows.size(); b++) {
            EncodedSequence row = rows.get(b);
            int start = b * length;
            int real = row.length();
            System.arraycopy(row.ids(), 0, batch.inputIds, start, real);
            System.arraycopy(row.tokenTypes(), 0, batch.tokenTypeIds, start, real);
            System.arraycopy(row.itemPositions(), 0, batch.itemPositionIds, start, real);
            if (rowItemIds != null) System.arraycopy(rowItemIds.get(b), 0, batch.itemIds, start, real);
            Arrays.fill(batch.attentionMask, start, start + real, 1);
            if (real > 0) {
                batch.globalAttentionMask[start] = 1;
            }
            int end = start + length;
            Arrays.fill(batch.inputIds, start + real, end, settings.padId());
            Arrays.fill(batch.tokenTypeIds, start + real, end, TokenTypes.PAD);
            Arrays.fill(batch.itemPositionIds, start + real, end, settings.maxItemEmbeddings() - 1);
        }
        return batch;
    }

    /** B, the number of sequences. */
    public int batchSize() {
        return batchSize;
    }

    /** T, the padded length. */
    public int length() {
        return length;
    }

    /** Token ids [B, T]. */
    public int[] inputIds() {
        return inputIds;
    }

    /** 1 on real tokens, 0 on padding [B, T]. */
    public int[] attentionMask() {
        return attentionMask;
    }

    /** 1 on each row's first token ({@code <s>}), else 0 [B, T]. */
    public int[] globalAttentionMask() {
        return globalAttentionMask;
    }

    /** Token types [B, T]: 0 {@code <s>}, 1 key, 2 value, 3 padding. */
    public int[] tokenTypeIds() {
        return tokenTypeIds;
    }

    /** Item positions [B, T]: 0 {@code <s>}, 1 newest item, ...; padding {@code maxItemEmbeddings - 1}. */
    public int[] itemPositionIds() {
        return itemPositionIds;
    }

    /** The item id of each token [B, T]: the history item the token belongs to, -1 on {@code <s>} and padding. */
    public int[] itemIds() {
        return itemIds;
    }

    /** The encoder input of this batch (the arrays are shared, not copied). */
    public ModelInput toModelInput() {
        return new ModelInput(batchSize, length, inputIds, attentionMask, globalAttentionMask, tokenTypeIds, itemPositionIds);
    }

    /** Number of real (unpadded) tokens of row {@code b}. */
    public int rowLength(int b) {
        int n = 0;
        for (int t = 0; t < length; t++) {
            n += attentionMask[b * length + t];
        }
        return n;
    }
}
