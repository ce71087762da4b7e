package org.recformer.data.encode;

import org.junit.jupiter.api.Test;
import org.recformer.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The item and sequence rules of docs/spec.md §1-2. */
class EncodingTest {

    private static final Tokenizer TOKENIZER = Tokenizer.bundled();
    private static final EncodingSettings DEFAULTS = EncodingSettings.recformerDefaults(TOKENIZER.specials());

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    private static int[] repeat(int value, int count) {
        int[] a = new int[count];
        Arrays.fill(a, value);
        return a;
    }

    private static Map<String, String> item(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    @Test
    void itemIsKeyTokensThenValueTokensPerAttributeWithTypesOneAndTwo() {
        EncodedItem item = new ItemEncoder(TOKENIZER, DEFAULTS).encode(item("title", "Hello world", "brand", "Acme"));
        int[] title = TOKENIZER.encode("title");
        int[] hello = TOKENIZER.encode("Hello world");
        int[] brand = TOKENIZER.encode("brand");
        int[] acme = TOKENIZER.encode("Acme");
        assertArrayEquals(concat(title, hello, brand, acme), item.ids());
        assertArrayEquals(concat(repeat(1, title.length), repeat(2, hello.length), repeat(1, brand.length),
                repeat(2, acme.length)), item.tokenTypes());
    }

    @Test
    void valuesAreTokenizedAsFreshTextWithoutALeadingSpace() {
        EncodedItem item = new ItemEncoder(TOKENIZER, DEFAULTS).encode(item("title", "Hello"));
        assertFalse(Arrays.equals(TOKENIZER.encode(" Hello"), TOKENIZER.encode("Hello")));
        assertArrayEquals(concat(TOKENIZER.encode("title"), TOKENIZER.encode("Hello")), item.ids());
    }

    @Test
    void onlyTheFirstMaxAttrNumAttributesAreKept() {
        ItemEncoder encoder = new ItemEncoder(TOKENIZER, DEFAULTS);
        EncodedItem four = encoder.encode(item("a", "1", "b", "2", "c", "3", "d", "4"));
        EncodedItem three = encoder.encode(item("a", "1", "b", "2", "c", "3"));
        assertArrayEquals(three.ids(), four.ids());
        assertArrayEquals(three.tokenTypes(), four.tokenTypes());
    }

    @Test
    void eachAttributeIsCutToMaxAttrLengthTogetherWithItsTypes() {
        EncodingSettings settings = new EncodingSettings(3, 5, 51, 1024, 0, 1, 4);
        ItemEncoder encoder = new ItemEncoder(TOKENIZER, settings);
        String longValue = "one two three four five six seven";
        EncodedItem item = encoder.encode(item("title", longValue, "brand", "x"));
        int[] title = TOKENIZER.encode("title");            // 1 token
        int[] value = TOKENIZER.encode(longValue);          // 7 tokens, cut to 4
        int[] brand = TOKENIZER.encode("brand");
        int[] x = TOKENIZER.encode("x");
        assertEquals(1, title.length);
        assertArrayEquals(concat(title, Arrays.copyOf(value, 4), brand, x), item.ids());
        assertArrayEquals(concat(new int[] {1, 2, 2, 2, 2}, repeat(1, brand.length), repeat(2, x.length)),
                item.tokenTypes());

        // A key longer than the limit leaves no room for the value.
        EncodedItem longKey = encoder.encode(item("a b c d e f g", "value"));
        assertArrayEquals(Arrays.copyOf(TOKENIZER.encode("a b c d e f g"), 5), longKey.ids());
        assertArrayEquals(repeat(1, 5), longKey.tokenTypes());
    }

    /** Item k (0 = oldest) with {@code tokens} tokens, ids 1000 * (k + 1) + j. */
    private static EncodedItem synthetic(int k, int tokens) {
        int[] ids = IntStream.range(0, tokens).map(j -> 1000 * (k + 1) + j).toArray();
        int[] types = IntStream.range(0, tokens).map(j -> j == 0 ? 1 : 2).toArray();
        return new EncodedItem(ids, types);
    }

    @Test
    void sequenceStartsWithBosThenItemsNewestFirstWithPositionsFromOne() {
        SequenceEncoder encoder = new SequenceEncoder(DEFAULTS);
        EncodedSequence s = encoder.encode(List.of(synthetic(0, 2), synthetic(1, 3), synthetic(2, 1)));
        assertArrayEquals(new int[] {DEFAULTS.bosId(), 3000, 2000, 2001, 2002, 1000, 1001}, s.ids());
        assertArrayEquals(new int[] {0, 1, 2, 2, 2, 3, 3}, s.itemPositions());
        assertArrayEquals(new int[] {0, 1, 1, 2, 2, 1, 2}, s.tokenTypes());
    }

    @Test
    void emptyHistoryIsBosAlone() {
        EncodedSequence s = new SequenceEncoder(DEFAULTS).encode(List.of());
        assertArrayEquals(new int[] {DEFAULTS.bosId()}, s.ids());
        assertArrayEquals(new int[] {0}, s.tokenTypes());
        assertArrayEquals(new int[] {0}, s.itemPositions());
    }

    @Test
    void onlyTheNewestMaxItemEmbeddingsMinusOneItemsAreKept() {
        List<EncodedItem> items = new ArrayList<>();
        for (int k = 0; k < 60; k++) {
            items.add(synthetic(k, 2));
        }
        EncodedSequence s = new SequenceEncoder(DEFAULTS).encode(items);
        assertEquals(1 + 50 * 2, s.length());
        assertEquals(50, Arrays.stream(s.itemPositions()).max().orElseThrow());
        // Position 1 is the newest (k = 59), position 50 is k = 10; items 0..9 are gone.
        assertEquals(60_000, s.ids()[1]);
        assertEquals(11_000, s.ids()[s.length() - 2]);
        assertEquals(50, s.itemPositions()[s.length() - 1]);
    }

    @Test
    void theTokenAfterMaxTokenNumIsCut() {
        List<EncodedItem> items = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            items.add(synthetic(k, 30)); // 1 + 40 * 30 = 1201 tokens before the cut
        }
        EncodedSequence s = new SequenceEncoder(DEFAULTS).encode(items);
        assertEquals(1024, s.length());
        // Index 1023 (the 1024th token) is item token 1022 counted newest first.
        int newestFirstIndex = 1023 - 1;               // 0-based index among item tokens
        int itemRank = newestFirstIndex / 30;           // 0 = newest
        int j = newestFirstIndex % 30;
        assertEquals(1000 * (40 - itemRank) + j, s.ids()[1023]);
        assertEquals(itemRank + 1, s.itemPositions()[1023]);
        // Without the cut the 1025th token would follow it.
        EncodingSettings longer = new EncodingSettings(3, 32, 51, 1025, DEFAULTS.bosId(), DEFAULTS.padId(), DEFAULTS.maskId());
        assertEquals(1000 * (40 - itemRank) + j + 1, new SequenceEncoder(longer).encode(items).ids()[1024]);
    }

    @Test
    void anyAttributeLengthEncodesWithoutOverflowAndAHugeValueCostsOnlyItsKeptTokens() {
        EncodingSettings huge = new EncodingSettings(3, 1_000_000_000, 51, 1024, DEFAULTS.bosId(), DEFAULTS.padId(), DEFAULTS.maskId());
        EncodedItem item = new ItemEncoder(TOKENIZER, huge).encode(item("title", "Hello world", "brand", "Acme"));
        assertArrayEquals(concat(TOKENIZER.encode("title"), TOKENIZER.encode("Hello world"), TOKENIZER.encode("brand"),
                TOKENIZER.encode("Acme")), item.ids());
        String megabyteTitle = "Borealis".repeat(1 << 17);
        EncodedItem cut = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> new ItemEncoder(TOKENIZER, DEFAULTS).encode(item("title", megabyteTitle)));
        assertEquals(DEFAULTS.maxAttrLength(), cut.ids().length);
        assertArrayEquals(Arrays.copyOf(concat(TOKENIZER.encode("title"), TOKENIZER.encode("Borealis".repeat(200))),
                DEFAULTS.maxAttrLength()), cut.ids());
    }
}
