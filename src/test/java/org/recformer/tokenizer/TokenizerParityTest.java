package org.recformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.recformer.testing.SharedFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Ids of HuggingFace's RobertaTokenizer (cases.json) against ours, and the bundled GPT-2 files. */
class TokenizerParityTest {

    private static final Path TOKENIZER_CASES = Path.of("test-fixtures/parity/tokenizer/cases.json");

    private record Case(String text, int[] ids) {
    }

    private static List<Case> cases() throws IOException {
        JsonNode root = new ObjectMapper().readTree(casesFile().toFile());
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : root) {
            int[] ids = new int[c.get("ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = c.get("ids").get(i).asInt();
            }
            cases.add(new Case(c.get("text").asText(), ids));
        }
        assertTrue(cases.size() >= 20, "expected the reference cases, found " + cases.size());
        return cases;
    }

    /** test-fixtures/parity/tokenizer/cases.json; skips the test when absent. */
    private static Path casesFile() {
        assumeTrue(Files.isRegularFile(TOKENIZER_CASES),
                "skipped: " + TOKENIZER_CASES.toAbsolutePath() + " (HuggingFace tokenizer reference cases) is absent");
        return TOKENIZER_CASES;
    }

    @Test
    void robertaIdsEqualHuggingFaceOnEveryReferenceCase() throws IOException {
        Tokenizer roberta = SharedFiles.roberta();
        for (Case c : cases()) {
            assertArrayEquals(c.ids, roberta.encode(c.text), () -> "text '" + c.text + "'");
        }
    }

    @Test
    void robertaSpecialIdsComeFromItsVocabulary() {
        Tokenizer roberta = SharedFiles.roberta();
        assertEquals(new SpecialTokens(0, 1, 2, 3, 50264), roberta.specials());
        assertEquals(50265, roberta.vocabSize());
    }

    @Test
    void decodingTheReferenceIdsGivesBackTheText() throws IOException {
        Tokenizer roberta = SharedFiles.roberta();
        for (Case c : cases()) {
            assertEquals(c.text, roberta.decode(c.ids));
        }
    }

    /** The bundled GPT-2 merges equal RoBERTa's, so the token strings must equal HuggingFace's. */
    @Test
    void bundledTokenStringsEqualTheReferenceTokens() throws IOException {
        Tokenizer roberta = SharedFiles.roberta();
        Tokenizer bundled = Tokenizer.bundled();
        for (Case c : cases()) {
            List<String> expected = Arrays.stream(c.ids).mapToObj(roberta::token).toList();
            assertEquals(expected, bundled.tokenize(c.text), () -> "text '" + c.text + "'");
        }
    }
}
