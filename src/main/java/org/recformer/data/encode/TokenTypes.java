package org.recformer.data.encode;

/** Token type ids of Recformer's 4-row token-type table. */
public final class TokenTypes {

    /** The {@code <s>} token. */
    public static final int BOS = 0;
    /** Tokens of an attribute name. */
    public static final int KEY = 1;
    /** Tokens of an attribute value. */
    public static final int VALUE = 2;
    /** Batch padding. */
    public static final int PAD = 3;

    private TokenTypes() {
    }
}
