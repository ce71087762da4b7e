package org.recformer.data.encode;

/**
 * One user sequence as the encoder sees it, before batch padding: {@code <s>} then the items
 * newest first. All three arrays have the same length (at most {@code max_token_num}).
 *
 * @param ids           token ids
 * @param tokenTypes    0 for {@code <s>}, 1 key, 2 value
 * @param itemPositions 0 for {@code <s>}, then 1 for the newest item, 2 for the one before, ...
 */
public record EncodedSequence(int[] ids, int[] tokenTypes, int[] itemPositions) {

    /** Checks that the three arrays have the same length. */
    public EncodedSequence {
        if (ids.length != tokenTypes.length || ids.length != itemPositions.length) {
            throw new IllegalArgumentException("sequence arrays differ in length: ids " + ids.length
                    + ", token types " + tokenTypes.length + ", item positions " + itemPositions.length);
        }
    }

    /** Number of tokens. */
    public int length() {
        return ids.length;
    }
}
