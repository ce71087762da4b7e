package org.recformer.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces HTML character references in Amazon metadata text exactly as Python's
 * {@code html.unescape} does (the public data scripts' reference), in one pass ({@code &amp;amp;}
 * becomes {@code &amp;}):
 * <ul>
 *   <li>named references: all 2,231 names of the HTML5 standard ({@code &eacute;}, {@code &NotNestedGreaterGreater;},
 *       ...); the legacy names that the standard allows without ';' match as a prefix, the longest
 *       first ({@code &notit;} becomes {@code ¬it;}, {@code &copy2020} {@code ©2020}); unknown names stay;</li>
 *   <li>numeric references, decimal or hex, with or without ';': 0 and 0xD800-0xDFFF and beyond
 *       0x10FFFF become U+FFFD, 0x80-0x9F are read as Windows-1252, 13 is CR, control characters and
 *       non-characters decode to nothing.</li>
 * </ul>
 * The tables ({@code /html/unescape-tables.json}) are Python's, written by
 * {@code tools/make_html_entities.py}; {@code HtmlEntitiesTest} checks this class against Python's
 * output on the same inputs (2,077 cases). No library matched it there: jsoup 1.22.1's
 * {@code Parser.unescapeEntities} differs on 569 of them (for example {@code &#0;}), Commons Text
 * 1.15.0's {@code unescapeHtml4} (HTML 4 names, ';' required) on 1,588, and it throws beyond U+10FFFF.
 */
final class HtmlEntities {
    private static final Pattern REFERENCE = Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    private static final BigInteger MAX_CODE_POINT = BigInteger.valueOf(Character.MAX_CODE_POINT);
    private static final Map<String, String> NAMED = new HashMap<>();
    private static final Map<Integer, String> REDIRECTED = new HashMap<>();
    private static final Set<Integer> DROPPED = new HashSet<>();

    static {
        try (InputStream in = HtmlEntities.class.getResourceAsStream("/html/unescape-tables.json")) {
            if (in == null) throw new IllegalStateException("/html/unescape-tables.json is missing from the class path");
            JsonNode tables = new ObjectMapper().readTree(in);
            tables.get("entities").fields().forEachRemaining(e -> NAMED.put(e.getKey(), e.getValue().asText()));
            tables.get("invalid_charrefs").fields().forEachRemaining(e -> REDIRECTED.put(Integer.parseInt(e.getKey()), e.getValue().asText()));
            tables.get("invalid_codepoints").forEach(n -> DROPPED.add(n.asInt()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /html/unescape-tables.json", e);
        }
    }

    private HtmlEntities() {
    }

    /** The text with its character references replaced. */
    static String unescape(String text) {
        if (text.indexOf('&') < 0) return text;
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(replacement(m.group(1))));
        m.appendTail(out);
        return out.toString();
    }

    /** What a reference (without its '&') becomes. */
    private static String replacement(String reference) {
        if (reference.charAt(0) == '#') return numeric(reference);
        String whole = NAMED.get(reference);
        if (whole != null) return whole;
        for (int end = reference.length() - 1; end > 1; end--) {
            String prefix = NAMED.get(reference.substring(0, end));
            if (prefix != null) return prefix + reference.substring(end);
        }
        return "&" + reference;
    }

    private static String numeric(String reference) {
        boolean hex = reference.charAt(1) == 'x' || reference.charAt(1) == 'X';
        String digits = reference.substring(hex ? 2 : 1);
        if (digits.endsWith(";")) digits = digits.substring(0, digits.length() - 1);
        BigInteger value = new BigInteger(digits, hex ? 16 : 10);
        if (value.compareTo(MAX_CODE_POINT) > 0) return "\uFFFD";
        int codePoint = value.intValue();
        String redirected = REDIRECTED.get(codePoint);
        if (redirected != null) return redirected;
        if (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE) return "\uFFFD";
        if (DROPPED.contains(codePoint)) return "";
        return Character.toString(codePoint);
    }
}
