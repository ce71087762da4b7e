package org.recformer.model;

/**
 * The right padding HuggingFace's Longformer adds before the encoder so the length is a multiple of
 * the largest attention window: input id = pad, attention and global mask 0, token type 0, item
 * position = pad id (docs/spec.md §3), or {@code max_item_embeddings - 1} (the batch padding's item
 * position) when the pad id is no valid item position (a vocabulary whose {@code <pad>} is not 1,
 * such as the bundled GPT-2 one). Padded positions are cut off again after the encoder; they never
 * change the values of real positions, so the choice does not change any result.
 */
final class WindowPadding {
    private WindowPadding() {}

    /** Number of positions to add to reach a multiple of {@code window}. */
    static int paddingLength(int seq, int window) {
        return (window - seq % window) % window;
    }

    static ModelInput pad(ModelInput in, int window, int padId, int maxItemEmbeddings) {
        int itemPad = padId < maxItemEmbeddings ? padId : maxItemEmbeddings - 1;
        int extra = paddingLength(in.seq(), window);
        if (extra == 0) return in;
        int seq = in.seq() + extra;
        int n = in.batch() * seq;
        int[] ids = new int[n];
        int[] mask = new int[n];
        int[] global = new int[n];
        int[] types = new int[n];
        int[] items = new int[n];
        for (int b = 0; b < in.batch(); b++) {
            int src = b * in.seq();
            int dst = b * seq;
            System.arraycopy(in.inputIds(), src, ids, dst, in.seq());
            System.arraycopy(in.attentionMask(), src, mask, dst, in.seq());
            System.arraycopy(in.globalAttentionMask(), src, global, dst, in.seq());
            System.arraycopy(in.tokenTypeIds(), src, types, dst, in.seq());
            System.arraycopy(in.itemPositionIds(), src, items, dst, in.seq());
            for (int t = in.seq(); t < seq; t++) {
                ids[dst + t] = padId;
                items[dst + t] = itemPad;
            }
        }
        return new ModelInput(in.batch(), seq, ids, mask, global, types, items);
    }
}
