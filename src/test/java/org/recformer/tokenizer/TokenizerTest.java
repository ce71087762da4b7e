package org.recformer.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.recformer.testing.SharedFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rules of the byte-level BPE tokenizer that hold without a reference implementation. */
class TokenizerTest {

    /** Our own hard cases: accents, CJK, emoji, digits, whitespace runs, contractions, long words. */
    static Stream<String> ownCases() {
        return Stream.of(
                "", " ", "  ", "\t", "\n\n", "a", "Ünïcödé àccents: Ångström, Øresund, façade",
                "中文字符测试 日本語のテキスト 한국어 텍스트", "emoji 👍🏽 👩‍👩‍👧 🇯🇵 ❤️",
                "0123456789 12345678901234567890 ٣٤٥ ¼ ²", "a  b   c    d", "   ", "x\u00a0y\u3000z",
                "it's It'S we'll they'd I'M", "'s's's", "don’t (curly)", "tab\tseparated\tvalues",
                "combining e\u0301 and precomposed é", "a".repeat(2000),
                "pneumonoultramicroscopicsilicovolcanoconiosis".repeat(20), "!!!???...,,,;;;",
                "mixed123abc456", "<s> <mask> </s> are plain text here", "trailing newline\n");
    }

    @ParameterizedTest
    @MethodSource("ownCases")
    void decodeInvertsEncodeForTheBundledTokenizer(String text) {
        Tokenizer t = Tokenizer.bundled();
        assertEquals(text, t.decode(t.encode(text)));
    }

    @ParameterizedTest
    @MethodSource("ownCases")
    void decodeInvertsEncodeForRoberta(String text) {
        Tokenizer t = SharedFiles.roberta();
        int[] ids = t.encode(text);
        assertEquals(text, t.decode(ids));
        for (int id : ids) {
            assertTrue(id != t.specials().unk(), "no byte-level text needs <unk>: " + text);
        }
    }

    @ParameterizedTest
    @MethodSource("ownCases")
    void idsAreTheVocabularyIdsOfTheTokenStrings(String text) {
        Tokenizer t = Tokenizer.bundled();
        List<String> tokens = t.tokenize(text);
        assertEquals(tokens, Arrays.stream(t.encode(text)).mapToObj(t::token).toList());
    }

    @Test
    void emptyTextHasNoTokens() {
        assertEquals(0, Tokenizer.bundled().encode("").length);
    }

    /** GPT-2's well-known ids (OpenAI's encoder.json): "Hello world" = 15496, 995. */
    @Test
    void bundledTokenizerHasGpt2IdsAndAppendedSpecials() {
        Tokenizer t = Tokenizer.bundled();
        assertArrayEquals(new int[] {15496, 995}, t.encode("Hello world"));
        assertEquals(new SpecialTokens(50257, 50258, 50259, 50260, 50261), t.specials());
        assertEquals(50262, t.vocabSize());
        assertEquals("<|endoftext|>", t.token(50256));
        assertEquals("<mask>", t.token(t.specials().mask()));
    }

    @Test
    void preTokenizerFollowsTheGpt2Pattern() {
        assertEquals(List.of("x", " ", " y", "  ", " z"), PreTokenizer.split("x  y   z"));
        assertEquals(List.of("it", "'s", " we", "'ll", " It", "'", "S"), PreTokenizer.split("it's we'll It'S"));
        assertEquals(List.of("  ", " leading"), PreTokenizer.split("   leading"));
        assertEquals(List.of("trailing", "   "), PreTokenizer.split("trailing   "));
        // A tab or a no-break space is whitespace but never the optional leading space.
        assertEquals(List.of("a", "\t", "b"), PreTokenizer.split("a\tb"));
        assertEquals(List.of("a", "\u00a0", "b"), PreTokenizer.split("a\u00a0b"));
        assertEquals(List.of("a", " ", "\u3000", "b"), PreTokenizer.split("a \u3000b"));
        assertEquals(List.of("x", "12", "!!!", " 3", ".", "5"), PreTokenizer.split("x12!!! 3.5"));
        assertEquals(List.of("東京タワー", " 모델"), PreTokenizer.split("東京タワー 모델"));
        assertEquals(List.of("Party", " 🎉🎉"), PreTokenizer.split("Party 🎉🎉"));
        assertEquals(List.of(), PreTokenizer.split(""));
    }

    @Test
    void byteTableIsABijectionThatMapsSpaceToGAndKeepsPrintableAscii() {
        boolean[] seen = new boolean[512];
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.charOf(b);
            assertTrue(!seen[c], "two bytes share character " + c);
            seen[c] = true;
            assertEquals(b, ByteLevel.byteOf(c));
        }
        assertEquals('Ġ', ByteLevel.charOf(' '));
        assertEquals('Ċ', ByteLevel.charOf('\n'));
        assertEquals('A', ByteLevel.charOf('A'));
        assertEquals('Ā', ByteLevel.charOf(0));
    }

    @Test
    void encodingFromManyThreadsGivesTheSameIds() {
        Tokenizer t = SharedFiles.roberta();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            texts.add("item " + i + " Brand" + (i % 97) + " héllo wörld " + Integer.toString(i * 7919, 36));
        }
        List<int[]> sequential = texts.stream().map(Tokenizer.load(SharedFiles.ROBERTA_VOCAB)::encode).toList();
        List<int[]> parallel = IntStream.range(0, texts.size()).parallel().mapToObj(i -> t.encode(texts.get(i))).toList();
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(sequential.get(i), parallel.get(i));
        }
    }

    private static Path tinyTokenizer(Path dir, String vocabJson, String merges) throws IOException {
        Files.writeString(dir.resolve("vocab.json"), vocabJson, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), merges, StandardCharsets.UTF_8);
        return dir;
    }

    @Test
    void mergesApplyByRankAndMissingTokensBecomeUnk(@TempDir Path dir) throws IOException {
        // Ranks: "b c" before "a b", so "abc" -> a + bc, never ab + c.
        Tokenizer t = Tokenizer.load(tinyTokenizer(dir,
                "{\"a\":0,\"b\":1,\"c\":2,\"ab\":3,\"bc\":4}", "#version: 0.2\nb c\na b\n"));
        assertEquals(List.of("a", "bc"), t.tokenize("abc"));
        assertArrayEquals(new int[] {0, 4}, t.encode("abc"));
        assertArrayEquals(new int[] {3, 3}, t.encode("abab"));
        // Specials missing from the vocabulary are appended in the documented order.
        assertEquals(new SpecialTokens(5, 6, 7, 8, 9), t.specials());
        assertArrayEquals(new int[] {0, 8}, t.encode("ad"));
    }

    @Test
    void badFilesAreReportedWithFileAndLine(@TempDir Path dir) throws IOException {
        IllegalArgumentException noFiles = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(noFiles.getMessage().contains("vocab.json + merges.txt"), noFiles.getMessage());

        tinyTokenizer(dir, "{\"a\":0,\"b\":1}", "#version: 0.2\na b\nabc\n");
        IllegalArgumentException badMerge = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(badMerge.getMessage().contains("merges.txt line 3"), badMerge.getMessage());

        tinyTokenizer(dir, "[\"a\"]", "#version: 0.2\n");
        IllegalArgumentException badVocab = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(badVocab.getMessage().contains("vocab.json"), badVocab.getMessage());

        tinyTokenizer(dir, "{\"a\":0,\"b\":0}", "#version: 0.2\n");
        IllegalArgumentException sharedId = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(sharedId.getMessage().contains("id 0"), sharedId.getMessage());
    }

    @Test
    void decodeRejectsUnknownIds() {
        Tokenizer t = Tokenizer.bundled();
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {t.vocabSize()}));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
    }

    /** HuggingFace's slow byte-pair loop, on byte-character strings, as the reference for the heap-based one. */
    private static List<String> slowMerge(String word, java.util.Map<String, Integer> ranks) {
        List<String> parts = new ArrayList<>();
        for (byte b : word.getBytes(StandardCharsets.UTF_8)) parts.add(String.valueOf(ByteLevel.charOf(b & 0xFF)));
        while (parts.size() > 1) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) best = Math.min(best, ranks.getOrDefault(parts.get(i) + " " + parts.get(i + 1), Integer.MAX_VALUE));
            if (best == Integer.MAX_VALUE) break;
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < parts.size(); ) {
                if (i + 1 < parts.size() && ranks.getOrDefault(parts.get(i) + " " + parts.get(i + 1), -1) == best) {
                    merged.add(parts.get(i) + parts.get(i + 1));
                    i += 2;
                } else {
                    merged.add(parts.get(i++));
                }
            }
            parts = merged;
        }
        return parts;
    }

    @Test
    void heapMergeLoopEqualsTheSlowLoopOnLongAndRepetitiveWords() throws IOException {
        java.util.Map<String, Integer> ranks = new java.util.HashMap<>();
        try (var in = Tokenizer.class.getResourceAsStream("/tokenizer/gpt3-encoder/vocab.bpe")) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            for (int i = 1; i < lines.size(); i++) ranks.put(lines.get(i), i - 1);
        }
        Tokenizer t = Tokenizer.bundled();
        java.util.Random random = new java.util.Random(7);
        List<String> words = new ArrayList<>(List.of("a".repeat(777), "ab".repeat(500), "aaab".repeat(300),
                "pneumonoultramicroscopicsilicovolcanoconiosis".repeat(30), "1234567890".repeat(100)));
        for (int w = 0; w < 20; w++) {
            StringBuilder word = new StringBuilder();
            int letters = 1 + random.nextInt(26);
            for (int i = 0, n = 1 + random.nextInt(1500); i < n; i++) word.append((char) ('a' + random.nextInt(letters)));
            words.add(word.toString());
        }
        for (String word : words) assertEquals(slowMerge(word, ranks), t.tokenize(word), word);
    }

    @Test
    void aLongUnbrokenWordTakesNearLinearTime() {
        // 100,000 random letters: the pass-per-rank loop needs a pass for nearly every merge (over 2 minutes)
        java.util.Random random = new java.util.Random(7);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < 100_000; i++) word.append((char) ('a' + random.nextInt(26)));
        int[] ids = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> Tokenizer.bundled().encode(word.toString()));
        assertEquals(word.toString(), Tokenizer.bundled().decode(ids));
    }

    @Test
    void aBoundedEncodingGivesTheFirstIdsWithWorkBoundedByTheCount() {
        Tokenizer t = Tokenizer.bundled();
        String words = "Borealis precision beaker, 250 ml; borosilicate glass. ".repeat(2000);
        assertArrayEquals(Arrays.copyOf(t.encode(words), 32), Arrays.copyOf(t.encode(words, 32), 32));
        String megabyteWord = "x".repeat(1 << 20);
        int[] first = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> t.encode(megabyteWord, 32));
        assertTrue(first.length >= 32 && first.length < 10_000, "a bounded number of ids, got " + first.length);
        assertArrayEquals(Arrays.copyOf(t.encode("x".repeat(4000)), 32), Arrays.copyOf(first, 32));
    }
}
