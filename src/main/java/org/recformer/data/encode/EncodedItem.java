package org.recformer.data.encode;

/**
 * One item as tokens: {@code ids[i]} with token type {@code tokenTypes[i]} ({@link TokenTypes#KEY}
 * or {@link TokenTypes#VALUE}). Arrays are shared, not copied: do not modify them.
 */
public record EncodedItem(int[] ids, int[] tokenTypes) {

    /** Checks that both arrays have the same length. */
    public EncodedItem {
        if (ids.length != tokenTypes.length) {
            throw new IllegalArgumentException("an item needs one token type per id: " + ids.length
                    + " ids, " + tokenTypes.length + " token types");
        }
    }

    /** Number of tokens. */
    public int length() {
        return ids.length;
    }
}
