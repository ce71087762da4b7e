package org.recformer.tokenizer;

/**
 * The ids of the five special tokens of a RoBERTa-style vocabulary. They come from the loaded
 * vocabulary (RoBERTa: 0, 1, 2, 3, 50264), never from constants in code.
 */
public record SpecialTokens(int bos, int pad, int eos, int unk, int mask) {

    /** The token texts, in the order they are appended to a vocabulary that lacks them. */
    public static final String[] TEXTS = {"<s>", "<pad>", "</s>", "<unk>", "<mask>"};

    /** Whether {@code id} is one of the five. */
    public boolean contains(int id) {
        return id == bos || id == pad || id == eos || id == unk || id == mask;
    }
}
