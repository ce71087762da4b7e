package org.recformer.data.encode;

import java.util.Arrays;
import java.util.List;

/**
 * Builds the encoder input of one user (docs/spec.md §2): {@code <s>} (type 0, item position 0),
 * then the newest {@code maxItemEmbeddings - 1} items newest first with item positions 1, 2, ...
 * (1 = newest), the whole cut to {@code maxTokenNum} tokens.
 */
public final class SequenceEncoder {

    private final EncodingSettings settings;

    /** A sequence encoder with the limits of {@code settings}. */
    public SequenceEncoder(EncodingSettings settings) {
        this.settings = settings;
    }

    /** The limits. */
    public EncodingSettings settings() {
        return settings;
    }

    /** Encodes items given oldest to newest; an empty list gives the sequence {@code <s>} alone. */
    public EncodedSequence encode(List<EncodedItem> oldestToNewest) {
        int items = Math.min(oldestToNewest.size(), settings.maxItems());
        int length = 1;
        for (int k = 0; k < items; k++) {
            length += oldestToNewest.get(oldestToNewest.size() - 1 - k).length();
        }
        length = Math.min(length, settings.maxTokenNum());
        int[] ids = new int[length];
        int[] types = new int[length];
        int[] positions = new int[length];
        ids[0] = settings.bosId();
        types[0] = TokenTypes.BOS;
        positions[0] = 0;
        int n = 1;
        for (int k = 0; k < items && n < length; k++) {
            EncodedItem item = oldestToNewest.get(oldestToNewest.size() - 1 - k);
            int take = Math.min(item.length(), length - n);
            System.arraycopy(item.ids(), 0, ids, n, take);
            System.arraycopy(item.tokenTypes(), 0, types, n, take);
            Arrays.fill(positions, n, n + take, k + 1);
            n += take;
        }
        return new EncodedSequence(ids, types, positions);
    }
}
