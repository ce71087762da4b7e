package org.recformer.model;

import org.recformer.ops.Arithmetic;
import org.recformer.ops.Indexing;
import org.recformer.tensor.Tensor;

import java.util.Arrays;

/**
 * The input-side item IDs of one batch (docs/spec.md §4): {@code tokenItemIds} [B*T] names the history
 * item each token belongs to (-1 for {@code <s>} and padding), and {@code table} [item_num, C] holds
 * the learned vector added to the embeddings of every token of that item.
 */
public record ItemIdInput(int[] tokenItemIds, Tensor table) {

    /**
     * {@code x} [R, C] (the embedding sum of the packed rows of {@code in}) plus the table row of each
     * row's item; rows of tokens without an item are left as they are.
     */
    Tensor addTo(Tensor x, ModelInput in, TokenPacking packing) {
        check(in);
        int[] packedIds = packing.select(tokenItemIds);
        int[] rows = new int[packedIds.length];
        int[] items = new int[packedIds.length];
        int n = 0;
        for (int r = 0; r < packedIds.length; r++) {
            if (packedIds[r] >= 0) {
                rows[n] = r;
                items[n++] = packedIds[r];
            }
        }
        if (n == 0) return x;
        Tensor vectors = Indexing.indexSelect(table, Arrays.copyOf(items, n));
        return Arithmetic.add(x, Indexing.scatterRows(vectors, Arrays.copyOf(rows, n), packedIds.length));
    }

    private void check(ModelInput in) {
        int n = in.batch() * in.seq();
        if (tokenItemIds.length != n) throw new IllegalArgumentException("item_ids has " + tokenItemIds.length + " values, expected " + n);
        int itemNum = table.dim(0);
        for (int i = 0; i < n; i++) {
            int item = tokenItemIds[i];
            if (item == -1) continue;
            if (item < -1 || item >= itemNum) {
                throw new IllegalArgumentException("item_ids[" + i + "] = " + item + ", expected -1 or an item id in [0, item_num " + itemNum + ")");
            }
            if (in.attentionMask()[i] == 0 || in.globalAttentionMask()[i] == 1) {
                throw new IllegalArgumentException("item_ids[" + i + "] = " + item + " on a padding or global token, expected -1 there");
            }
        }
    }
}
