package org.recformer.data.prepare;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HtmlEntitiesTest {

    @Test
    void replacesNamedAndNumericReferences() {
        assertEquals("Barnes & Noble \"Gift\" 'Card'", HtmlEntities.unescape("Barnes &amp; Noble &quot;Gift&quot; &#39;Card&#x27;"));
        assertEquals("Pi\u00f1a caf\u00e9 \u2013 \u2019s > 5 \u00ff \u00a0", HtmlEntities.unescape("Pi&ntilde;a caf&eacute; &ndash; &rsquo;s &gt; 5 &yuml; &nbsp;"));
        assertEquals("\u00c0 \u00de \u00f7", HtmlEntities.unescape("&Agrave; &THORN; &divide;"));
        assertEquals("\u03bcm \u03a3 \u03a9 \u03c2", HtmlEntities.unescape("&mu;m &Sigma; &Omega; &sigmaf;"));
        assertEquals("\ud83d\ude00 \u20ac", HtmlEntities.unescape("&#128512; &#X20AC;"));
    }

    @Test
    void onePassOnlyAndUnknownOrUnterminatedReferencesKept() {
        assertEquals("&amp;", HtmlEntities.unescape("&amp;amp;"));
        assertEquals("AT&T &bogus; &amp &#; &#xZZ; & ;", HtmlEntities.unescape("AT&T &bogus; &amp &#; &#xZZ; & ;"));
        assertEquals("&<", HtmlEntities.unescape("&&lt;"));
        assertEquals("", HtmlEntities.unescape(""));
    }

    @Test
    void windows1252AndInvalidCodePointsLikePython() {
        // Python: html.unescape('&#146;&#128;&#129;&#0;&#xD800;&#1114112;') == '\u2019\u20ac\x81\ufffd\ufffd\ufffd'
        assertEquals("\u2019\u20ac\u0081\ufffd\ufffd\ufffd", HtmlEntities.unescape("&#146;&#128;&#129;&#0;&#xD800;&#1114112;"));
    }
}
