#!/usr/bin/env python3
"""Writes the HTML character-reference tables of Python's html.unescape, and a fixture of its outputs.

    python3 tools/make_html_entities.py

- src/main/resources/html/unescape-tables.json: {"entities": html.entities.html5 (all 2231 names of
  the HTML5 standard, with and without the ';' where the standard allows it), "invalid_charrefs":
  numeric references the standard redirects (0 -> U+FFFD, 0x80-0x9F -> Windows-1252, 13 -> CR),
  "invalid_codepoints": numeric references that decode to nothing}. Read by
  org.recformer.data.prepare.HtmlEntities.
- test-fixtures/html/unescape.json: [[input, html.unescape(input)], ...] for HtmlEntitiesTest: hand-picked
  cases (named with and without ';', longest-prefix matches, numeric in range and out of it) and
  seeded random mixtures of them.
Standard library only; the tables come from the running Python (3.11 made the committed files).
"""
import html
import html.entities
import json
import pathlib
import random
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

CASES = [
    "", "no references", "Barnes &amp; Noble &quot;Gift&quot; &#39;Card&#x27;",
    "&amp;amp;", "&&lt;", "AT&T &bogus; &amp &#; &#xZZ; & ;", "&ampx", "&amp", "&ampamp;",
    "&notit;", "&notin;", "&not;x", "&noti", "&copy2020", "&eacute", "&Eacute;", "&eacutex;",
    "&NotNestedGreaterGreater;", "&nGt;", "&fjlig;", "&ThickSpace;", "&bne;", "&acE;",
    "&lt", "&LT", "&LT;", "&lT;", "&Amp;", "&AMP", "&#", "&#x", "&#X41;", "&#x41", "&#65", "&#65x",
    "&#0;", "&#00000065;", "&#13;", "&#128;", "&#129;", "&#146;", "&#150;", "&#159;", "&#x80;",
    "&#1;", "&#8;", "&#11;", "&#127;", "&#xFDD0;", "&#xFFFE;", "&#x1FFFF;", "&#x10FFFF;", "&#x110000;",
    "&#xD800;", "&#xDFFF;", "&#1114112;", "&#99999999999999999999999;", "&#128512;", "&#x1F600;",
    "&mu;m &Sigma; &Omega; &sigmaf;", "Pi&ntilde;a caf&eacute; &ndash; &rsquo;s &gt; 5 &yuml; &nbsp;",
    "&euro;&trade;&hellip;&star;&starf;&check;&cross;", "&a\tb;", "&a b;", "&x<y;", "&#x41;&#x42;",
    "&" + "a" * 40 + ";", "&abcdefghijklmnopqrstuvwxyzabcdef;", "&\U0001F600;", "&amp\U0001F600",
    "caf&eacute\u0301;", "&CounterClockwiseContourIntegral;", "&zwnj;&zwj;&lrm;&rlm;",
    "&quot&quot;&QUOT&QUOT;", "&sup1&sup2&sup3&supe;", "&frac12&frac14;&frac34", "&Aacute&aacute",
]


def random_cases(count, seed):
    rng = random.Random(seed)
    names = sorted(html.entities.html5)
    pieces = ["&", "#", "x", ";", " ", "a", "Z", "0", "9", "&#", "&#x", "\u00e9", "<", "\t"]
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 6)):
            kind = rng.random()
            if kind < 0.45:
                name = rng.choice(names)
                parts.append("&" + (name if rng.random() < 0.7 else name.rstrip(";")[: rng.randint(1, max(1, len(name)))]))
            elif kind < 0.7:
                n = rng.choice([rng.randint(0, 300), rng.randint(0, 0x110000 + 10), rng.randint(0xD7F0, 0xE010)])
                parts.append(("&#x%X" % n if rng.random() < 0.5 else "&#%d" % n) + (";" if rng.random() < 0.8 else ""))
            else:
                parts.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 5))))
        out.append("".join(parts))
    return out


def main():
    tables = {
        "entities": dict(sorted(html.entities.html5.items())),
        "invalid_charrefs": {str(k): v for k, v in sorted(html._invalid_charrefs.items())},
        "invalid_codepoints": sorted(html._invalid_codepoints),
    }
    resource = ROOT / "src/main/resources/html/unescape-tables.json"
    resource.write_text(json.dumps(tables, ensure_ascii=True, indent=0) + "\n", encoding="ascii")
    inputs = CASES + random_cases(2000, 20261201)
    fixture = ROOT / "test-fixtures/html/unescape.json"
    lines = ",\n".join(json.dumps([s, html.unescape(s)], ensure_ascii=True) for s in inputs)
    fixture.write_text("[\n" + lines + "\n]\n", encoding="ascii")
    print(f"{resource}: {len(tables['entities'])} entities; {fixture}: {len(inputs)} cases (Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
