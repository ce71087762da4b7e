package org.recformer.data.encode;

import org.recformer.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.Map;

/**
 * Turns an item's ordered attributes into tokens (docs/spec.md §1): the first {@code maxAttrNum}
 * attributes, each {@code tokens(key) + tokens(value)} (both tokenized as fresh text, no leading
 * space added) cut to {@code maxAttrLength}; key tokens have type 1, value tokens type 2.
 */
public final class ItemEncoder {

    private final Tokenizer tokenizer;
    private final EncodingSettings settings;

    /** An encoder using {@code tokenizer} and the limits of {@code settings}. */
    public ItemEncoder(Tokenizer tokenizer, EncodingSettings settings) {
        this.tokenizer = tokenizer;
        this.settings = settings;
    }

    /** The tokenizer. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The limits. */
    public EncodingSettings settings() {
        return settings;
    }

    /**
     * Encodes one item; {@code attributes} must iterate in the item's attribute order (for
     * example a {@link java.util.LinkedHashMap}).
     */
    public EncodedItem encode(Map<String, String> attributes) {
        // long arithmetic: max_attr_length may be any int; the arrays grow as tokens come
        int capacity = (int) Math.min((long) Math.min(attributes.size(), settings.maxAttrNum()) * settings.maxAttrLength(), 256);
        int[] ids = new int[capacity];
        int[] types = new int[capacity];
        int n = 0;
        int kept = 0;
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            if (kept++ == settings.maxAttrNum()) {
                break;
            }
            if (attribute.getKey() == null || attribute.getValue() == null) {
                throw new IllegalArgumentException("attribute '" + attribute.getKey() + "' has a null name or value");
            }
            int end = (int) Math.min((long) n + settings.maxAttrLength(), Integer.MAX_VALUE);
            for (int part = 0; part < 2; part++) {
                int[] tokens = tokenizer.encode(part == 0 ? attribute.getKey() : attribute.getValue(), end - n);
                int needed = n + Math.min(tokens.length, end - n);
                if (needed > ids.length) {
                    ids = Arrays.copyOf(ids, Math.max(needed, 2 * ids.length));
                    types = Arrays.copyOf(types, ids.length);
                }
                n = append(tokens, part == 0 ? TokenTypes.KEY : TokenTypes.VALUE, ids, types, n, end);
            }
        }
        return new EncodedItem(Arrays.copyOf(ids, n), Arrays.copyOf(types, n));
    }

    /** Copies {@code tokens} with {@code type} to position {@code n}, stopping at {@code end}. */
    private static int append(int[] tokens, int type, int[] ids, int[] types, int n, int end) {
        for (int i = 0; i < tokens.length && n < end; i++, n++) {
            ids[n] = tokens[i];
            types[n] = type;
        }
        return n;
    }
}
