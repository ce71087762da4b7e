package org.recformer.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Paths of the shared reference files (outside the repository), with skip messages. */
final class SharedFiles {

    static final Path ROBERTA_VOCAB = Path.of("../shared/vocab/roberta-base");
    static final Path TOKENIZER_CASES = Path.of("../shared/parity/tokenizer/cases.json");

    private SharedFiles() {
    }

    /** The RoBERTa tokenizer of ../shared/vocab/roberta-base; skips the test when absent. */
    static Tokenizer roberta() {
        assumeTrue(Files.isRegularFile(ROBERTA_VOCAB.resolve("vocab.json")),
                "skipped: " + ROBERTA_VOCAB.toAbsolutePath() + " (HuggingFace roberta-base vocab.json + merges.txt) is absent");
        return Tokenizer.load(ROBERTA_VOCAB);
    }

    /** ../shared/parity/tokenizer/cases.json; skips the test when absent. */
    static Path cases() {
        assumeTrue(Files.isRegularFile(TOKENIZER_CASES),
                "skipped: " + TOKENIZER_CASES.toAbsolutePath() + " (HuggingFace tokenizer reference cases) is absent");
        return TOKENIZER_CASES;
    }
}
