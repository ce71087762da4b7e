package org.recformer.testing;

import org.recformer.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Reference files kept outside the repository, in the shared folder beside the project:
 * {@code ../shared} from the project root unless the system property {@code recformer.shared}
 * names another folder. Tests that need a file that is absent (a fresh clone) are skipped with a
 * message naming it.
 */
public final class SharedFiles {

    public static final Path SHARED = Path.of(System.getProperty("recformer.shared", "../shared"));
    /** HuggingFace roberta-base vocab.json + merges.txt. */
    public static final Path ROBERTA_VOCAB = SHARED.resolve("vocab/roberta-base");

    private static Tokenizer roberta;

    private SharedFiles() {
    }

    /** {@code <shared>/data/<name>}, or a skipped test when that folder is absent. */
    public static Path dataFolder(String name) {
        Path folder = SHARED.resolve("data").resolve(name);
        assumeTrue(Files.isDirectory(folder), "shared data folder " + folder.toAbsolutePath().normalize()
                + " is absent (a fresh clone?): skipping; see ../shared/data/README.md");
        return folder;
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
}
