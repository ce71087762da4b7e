package org.recformer.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Reference files: the HuggingFace cases are committed under test-fixtures/; the roberta-base
 * vocabulary stays outside the repository in the shared folder, {@code ../shared} from the project
 * root unless the system property {@code recformer.shared} names another folder.
 */
public final class SharedFiles {

    static final Path SHARED = Path.of(System.getProperty("recformer.shared", "../shared"));
    static final Path ROBERTA_VOCAB = SHARED.resolve("vocab/roberta-base");
    static final Path TOKENIZER_CASES = Path.of("test-fixtures/parity/tokenizer/cases.json");

    private static Tokenizer roberta;

    private SharedFiles() {
    }

    /** The RoBERTa tokenizer of the shared roberta-base folder; skips the test when absent. */
    public static Tokenizer roberta() {
        assumeTrue(Files.isRegularFile(ROBERTA_VOCAB.resolve("vocab.json")),
                "skipped: " + ROBERTA_VOCAB.toAbsolutePath().normalize()
                        + " (HuggingFace roberta-base vocab.json + merges.txt) is absent;"
                        + " set -Drecformer.shared=DIR to the shared folder");
        synchronized (SharedFiles.class) {
            if (roberta == null) {
                roberta = Tokenizer.load(ROBERTA_VOCAB);
            }
            return roberta;
        }
    }

    /** The shared roberta-base folder; skips the test when absent. */
    public static Path robertaDir() {
        roberta();
        return ROBERTA_VOCAB;
    }

    /** test-fixtures/parity/tokenizer/cases.json; skips the test when absent. */
    static Path cases() {
        assumeTrue(Files.isRegularFile(TOKENIZER_CASES),
                "skipped: " + TOKENIZER_CASES.toAbsolutePath() + " (HuggingFace tokenizer reference cases) is absent");
        return TOKENIZER_CASES;
    }
}
