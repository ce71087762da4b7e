package org.recformer.data.prepare;

import java.nio.charset.Charset;
import java.util.HashMap;
import java.util.Map;

/**
 * Replaces HTML character references in Amazon metadata text: the named entities of HTML 4
 * ({@code &amp;}, {@code &quot;}, {@code &eacute;}, {@code &rsquo;}, Greek letters, ...) and
 * numeric ones ({@code &#39;}, {@code &#x27;}). One pass, like Python's {@code html.unescape}:
 * {@code &amp;amp;} becomes {@code &amp;}. References must end with ';'; unknown names are kept
 * as they are. Numeric references to 0x80-0x9F are read as Windows-1252 (as browsers and
 * Python do), invalid code points become U+FFFD.
 */
final class HtmlEntities {

    /** Names of code points 160..255 (ISO 8859-1), in order. */
    private static final String[] LATIN_1 = (
            "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr "
            + "deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest "
            + "Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml "
            + "ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig "
            + "agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml "
            + "eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml")
            .split(" ");
    /** Names of Greek capitals from 913 (930 is unassigned) and small letters from 945, in order. */
    private static final String[] GREEK_CAPITALS = ("Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa "
            + "Lambda Mu Nu Xi Omicron Pi Rho - Sigma Tau Upsilon Phi Chi Psi Omega").split(" ");
    private static final String[] GREEK_SMALL = ("alpha beta gamma delta epsilon zeta eta theta iota kappa "
            + "lambda mu nu xi omicron pi rho sigmaf sigma tau upsilon phi chi psi omega").split(" ");
    /** The other HTML 4 entities in common use: name, code point. */
    private static final Object[] OTHERS = {
            "quot", 34, "amp", 38, "apos", 39, "lt", 60, "gt", 62,
            "OElig", 338, "oelig", 339, "Scaron", 352, "scaron", 353, "Yuml", 376, "fnof", 402,
            "circ", 710, "tilde", 732, "ensp", 8194, "emsp", 8195, "thinsp", 8201, "zwnj", 8204,
            "zwj", 8205, "lrm", 8206, "rlm", 8207, "ndash", 8211, "mdash", 8212, "lsquo", 8216,
            "rsquo", 8217, "sbquo", 8218, "ldquo", 8220, "rdquo", 8221, "bdquo", 8222, "dagger", 8224,
            "Dagger", 8225, "bull", 8226, "hellip", 8230, "permil", 8240, "prime", 8242, "Prime", 8243,
            "lsaquo", 8249, "rsaquo", 8250, "oline", 8254, "frasl", 8260, "euro", 8364, "trade", 8482,
            "larr", 8592, "uarr", 8593, "rarr", 8594, "darr", 8595, "harr", 8596, "minus", 8722,
            "infin", 8734, "asymp", 8776, "ne", 8800, "le", 8804, "ge", 8805,
            "spades", 9824, "clubs", 9827, "hearts", 9829, "diams", 9830,
    };
    private static final Map<String, Integer> NAMED = new HashMap<>();
    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    /** Longest entity name plus margin: how far to look for the ';'. */
    private static final int MAX_REFERENCE_LENGTH = 12;

    static {
        for (int i = 0; i < LATIN_1.length; i++) {
            NAMED.put(LATIN_1[i], 160 + i);
        }
        for (int i = 0; i < GREEK_CAPITALS.length; i++) {
            NAMED.put(GREEK_CAPITALS[i], 913 + i);
        }
        NAMED.remove("-");
        for (int i = 0; i < GREEK_SMALL.length; i++) {
            NAMED.put(GREEK_SMALL[i], 945 + i);
        }
        for (int i = 0; i < OTHERS.length; i += 2) {
            NAMED.put((String) OTHERS[i], (Integer) OTHERS[i + 1]);
        }
    }

    private HtmlEntities() {
    }

    /** The text with its character references replaced. */
    static String unescape(String text) {
        int amp = text.indexOf('&');
        if (amp < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        while (amp >= 0) {
            int semicolon = text.indexOf(';', amp + 1);
            if (semicolon > amp + 1 && semicolon - amp <= MAX_REFERENCE_LENGTH) {
                String replacement = resolve(text.substring(amp + 1, semicolon));
                if (replacement != null) {
                    out.append(text, copied, amp).append(replacement);
                    copied = semicolon + 1;
                }
            }
            amp = text.indexOf('&', Math.max(amp + 1, copied));
        }
        return out.append(text, copied, text.length()).toString();
    }

    /** The text of a reference without '&' and ';', or null when it is not one. */
    private static String resolve(String reference) {
        if (reference.charAt(0) != '#') {
            Integer codePoint = NAMED.get(reference);
            return codePoint == null ? null : Character.toString(codePoint);
        }
        boolean hex = reference.length() > 1 && (reference.charAt(1) == 'x' || reference.charAt(1) == 'X');
        String digits = reference.substring(hex ? 2 : 1);
        if (digits.isEmpty()) {
            return null;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), hex ? 16 : 10) < 0) {
                return null;
            }
        }
        long codePoint = Long.parseLong(digits, hex ? 16 : 10);
        if (codePoint >= 0x80 && codePoint <= 0x9f) {
            String windows = new String(new byte[] {(byte) codePoint}, WINDOWS_1252);
            return windows.equals("\uFFFD") ? Character.toString((int) codePoint) : windows;
        }
        if (codePoint == 0 || codePoint > Character.MAX_CODE_POINT
                || (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE)) {
            return "\uFFFD";
        }
        return Character.toString((int) codePoint);
    }
}
