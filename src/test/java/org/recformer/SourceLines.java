package org.recformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The code lines of the Java sources under a folder, for tests that check the sources themselves. */
public final class SourceLines {
    /** One stripped line of {@code file} (numbered from 1) that is not a comment line. */
    public record Line(Path file, int number, String code) {
        @Override
        public String toString() {
            return file + ":" + number + ": " + code;
        }
    }

    private SourceLines() {}

    /** Every line under {@code root} (relative to the repository root, where tests run) not starting a comment, files in order. */
    public static List<Line> under(Path root) throws IOException {
        assertTrue(Files.isDirectory(root), root.toAbsolutePath() + ": missing (tests run from the repository root)");
        List<Line> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String code = lines.get(i).strip();
                    if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")) continue;
                    out.add(new Line(file, i + 1, code));
                }
            }
        }
        return out;
    }
}
