package org.recformer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The public data beside the project ({@code ../shared/data}, relative to the project root; the
 * system property {@code recformer.shared} names another place for {@code ../shared}). Tests that
 * need it are skipped with a message where it is absent (a fresh clone).
 */
public final class SharedData {

    private SharedData() {
    }

    /** {@code ../shared/data/<name>}, or a skipped test when that folder is absent. */
    public static Path folder(String name) {
        Path folder = Paths.get(System.getProperty("recformer.shared", "../shared"), "data", name);
        assumeTrue(Files.isDirectory(folder), "shared data folder " + folder.toAbsolutePath().normalize()
                + " is absent (a fresh clone?): skipping; see ../shared/data/README.md");
        return folder;
    }
}
