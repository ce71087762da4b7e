package org.recformer.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link HtmlEntities} against Python's {@code html.unescape} (fixture by tools/make_html_entities.py). */
class HtmlEntitiesTest {
    private static final Path FIXTURE = Path.of("test-fixtures/html/unescape.json");

    @Test
    void matchesPythonHtmlUnescapeOnEveryFixtureInput() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(FIXTURE.toFile());
        assertTrue(cases.size() > 2000, "fixture cases: " + cases.size());
        List<String> wrong = new ArrayList<>();
        for (JsonNode c : cases) {
            String input = c.get(0).asText();
            String expected = c.get(1).asText();
            String got = HtmlEntities.unescape(input);
            if (!expected.equals(got)) wrong.add(escape(input) + " -> " + escape(got) + ", Python: " + escape(expected));
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())), wrong.size() + " of " + cases.size() + " differ");
    }

    @Test
    void readableExamples() {
        assertEquals("Barnes & Noble \"Gift\" 'Card'", HtmlEntities.unescape("Barnes &amp; Noble &quot;Gift&quot; &#39;Card&#x27;"));
        assertEquals("&amp;", HtmlEntities.unescape("&amp;amp;"));
        assertEquals("\u00e9 \u00acit; \u00a92020 \u2aa2\u0338", HtmlEntities.unescape("&eacute &notit; &copy2020 &NotNestedGreaterGreater;"));
        assertEquals("\u2019\u20ac\u0081\ufffd\ufffd\ufffd", HtmlEntities.unescape("&#146;&#128;&#129;&#0;&#xD800;&#1114112;"));
        assertEquals("AB", HtmlEntities.unescape("A&#1;&#xFFFE;B"));
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(cp -> out.append(cp >= 32 && cp < 127 ? Character.toString(cp) : String.format("\\u{%x}", cp)));
        return out.toString();
    }
}
