package org.recformer.data.encode;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The tokens of every item of a dataset, indexed by item id, packed in flat arrays: item
 * {@code i} is {@code ids[offsets[i] .. offsets[i+1])} with the token types at the same places.
 */
public final class ItemTokens {

    private final int[] offsets;   // [items + 1]
    private final int[] ids;       // [tokens]
    private final byte[] types;    // [tokens]

    ItemTokens(int[] offsets, int[] ids, byte[] types) {
        if (offsets.length == 0 || offsets[0] != 0 || offsets[offsets.length - 1] != ids.length
                || ids.length != types.length) {
            throw new IllegalArgumentException("inconsistent item token arrays: " + offsets.length + " offsets, "
                    + ids.length + " ids, " + types.length + " types");
        }
        this.offsets = offsets;
        this.ids = ids;
        this.types = types;
    }

    /**
     * Tokenizes {@code items} (item id = list index) in parallel on all cores.
     *
     * @throws IllegalArgumentException naming the item id when an item cannot be encoded
     */
    public static ItemTokens build(List<? extends Map<String, String>> items, ItemEncoder encoder) {
        EncodedItem[] encoded = new EncodedItem[items.size()];
        IntStream.range(0, items.size()).parallel().forEach(i -> {
            try {
                encoded[i] = encoder.encode(items.get(i));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("item " + i + ": " + e.getMessage(), e);
            }
        });
        return pack(encoded);
    }

    /** Packs encoded items (index = item id) into one store. */
    public static ItemTokens pack(EncodedItem[] items) {
        int[] offsets = new int[items.length + 1];
        for (int i = 0; i < items.length; i++) {
            offsets[i + 1] = Math.addExact(offsets[i], items[i].length());
        }
        int[] ids = new int[offsets[items.length]];
        byte[] types = new byte[ids.length];
        for (int i = 0; i < items.length; i++) {
            System.arraycopy(items[i].ids(), 0, ids, offsets[i], items[i].length());
            for (int j = 0; j < items[i].length(); j++) {
                types[offsets[i] + j] = (byte) items[i].tokenTypes()[j];
            }
        }
        return new ItemTokens(offsets, ids, types);
    }

    /** Number of items. */
    public int size() {
        return offsets.length - 1;
    }

    /** Total number of tokens over all items. */
    public int tokenCount() {
        return ids.length;
    }

    /** The tokens of item {@code itemId} (fresh arrays). */
    public EncodedItem get(int itemId) {
        if (itemId < 0 || itemId >= size()) {
            throw new IllegalArgumentException("item id " + itemId + " is outside 0.." + (size() - 1));
        }
        int from = offsets[itemId];
        int to = offsets[itemId + 1];
        int[] itemTypes = new int[to - from];
        for (int j = 0; j < itemTypes.length; j++) {
            itemTypes[j] = types[from + j];
        }
        return new EncodedItem(Arrays.copyOfRange(ids, from, to), itemTypes);
    }

    int[] offsets() {
        return offsets;
    }

    int[] ids() {
        return ids;
    }

    byte[] types() {
        return types;
    }

    /** Equal content (for tests of the cache). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ItemTokens other && Arrays.equals(offsets, other.offsets)
                && Arrays.equals(ids, other.ids) && Arrays.equals(types, other.types);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(offsets) * 31 + Arrays.hashCode(ids);
    }
}
