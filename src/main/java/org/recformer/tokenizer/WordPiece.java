package org.recformer.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT's WordPiece, as HuggingFace's {@code BertTokenizer} splits plain text (no special tokens
 * added): clean-up (drop NUL, U+FFFD and control characters; every whitespace becomes a space),
 * spaces around CJK ideographs, NFC, split on whitespace; if {@code lowerCase}: lower case and strip
 * accents (NFD, drop non-spacing marks); split off every punctuation character (ASCII symbols and
 * Unicode P*); then greedy longest-match-first pieces, non-initial ones prefixed {@code ##}. A word
 * with no complete split, or longer than 100 characters, becomes the unknown token.
 */
final class WordPiece {
    static final String CONTINUATION = "##";
    static final int MAX_WORD_CHARS = 100;

    private final Map<String, Integer> vocab;
    private final boolean lowerCase;
    private final String unkToken;

    WordPiece(Map<String, Integer> vocab, boolean lowerCase, String unkToken) {
        this.vocab = vocab;
        this.lowerCase = lowerCase;
        this.unkToken = unkToken;
    }

    /** The WordPiece token strings of {@code text}. */
    List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (String word : basicTokens(text)) pieces(word, out);
        return out;
    }

    /** The basic tokenizer's words (before WordPiece). */
    List<String> basicTokens(String text) {
        String cleaned = Normalizer.normalize(spaceCjk(clean(text)), Normalizer.Form.NFC);
        List<String> words = new ArrayList<>();
        for (String token : cleaned.split("[ \u2028\u2029]")) {
            if (token.isEmpty()) continue;
            if (lowerCase) token = stripAccents(token.toLowerCase(Locale.ROOT));
            splitPunctuation(token, words);
        }
        return words;
    }

    private void pieces(String word, List<String> out) {
        int chars = word.codePointCount(0, word.length());
        if (chars > MAX_WORD_CHARS) {
            out.add(unkToken);
            return;
        }
        List<String> found = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            String match = null;
            while (start < end) {
                String sub = (start > 0 ? CONTINUATION : "") + word.substring(start, end);
                if (vocab.containsKey(sub)) {
                    match = sub;
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (match == null) {
                out.add(unkToken);
                return;
            }
            found.add(match);
            start = end;
        }
        out.addAll(found);
    }

    private static String clean(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || BertCharacters.isControl(cp)) return;
            sb.appendCodePoint(BertCharacters.isWhitespace(cp) ? ' ' : cp);
        });
        return sb.toString();
    }

    private static String spaceCjk(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (isCjk(cp)) sb.append(' ').appendCodePoint(cp).append(' ');
            else sb.appendCodePoint(cp);
        });
        return sb.toString();
    }

    private static String stripAccents(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        Normalizer.normalize(text, Normalizer.Form.NFD).codePoints().forEach(cp -> {
            if (Character.getType(cp) != Character.NON_SPACING_MARK) sb.appendCodePoint(cp);
        });
        return sb.toString();
    }

    private static void splitPunctuation(String token, List<String> out) {
        StringBuilder current = new StringBuilder();
        token.codePoints().forEach(cp -> {
            if (BertCharacters.isPunctuation(cp)) {
                if (current.length() > 0) out.add(current.toString());
                current.setLength(0);
                out.add(new String(Character.toChars(cp)));
            } else {
                current.appendCodePoint(cp);
            }
        });
        if (current.length() > 0) out.add(current.toString());
    }

    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
