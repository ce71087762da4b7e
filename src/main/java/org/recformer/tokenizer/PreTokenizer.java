package org.recformer.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's pre-tokenization: splits text into contractions, letter runs, number runs, runs of other
 * symbols (each with an optional leading space) and whitespace runs, exactly like the pattern
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} of HuggingFace's
 * slow GPT-2/RoBERTa tokenizers. Python's {@code regex} module takes {@code \s} as the Unicode
 * White_Space property; Java's {@code \s} is ASCII only, so the set is spelled out here.
 */
public final class PreTokenizer {

    /** The 25 White_Space code points of Unicode (what Python's {@code regex} matches with \s). */
    private static final String WHITE_SPACE =
            "\\t\\n\\x0B\\f\\r\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

    private static final Pattern PATTERN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d"
                    + "| ?\\p{L}+"
                    + "| ?\\p{N}+"
                    + "| ?[^" + WHITE_SPACE + "\\p{L}\\p{N}]+"
                    + "|[" + WHITE_SPACE + "]+(?![^" + WHITE_SPACE + "])"
                    + "|[" + WHITE_SPACE + "]+");

    private PreTokenizer() {
    }

    /** The pieces of {@code text} in order; their concatenation is {@code text}. */
    public static List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = PATTERN.matcher(text);
        while (m.find()) {
            pieces.add(m.group());
        }
        return pieces;
    }
}
