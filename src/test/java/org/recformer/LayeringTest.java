package org.recformer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Models, training and modules take the backend they run on from their caller ({@code tensor.Backend}):
 * nothing under {@code model/}, {@code train/} or {@code nn/} names a concrete backend or the
 * {@code org.recformer.backend} package that holds them (a source scan, comments included).
 */
class LayeringTest {
    private static final Path SOURCES = Path.of("src/main/java/org/recformer");
    private static final List<String> BACKEND_FREE = List.of("model", "train", "nn");
    private static final List<String> FORBIDDEN = List.of("org.recformer.backend", "CpuBackend", "CudaBackend", "Backends.", "Devices.");

    @Test
    void modelTrainAndNnNameNoConcreteBackend() throws IOException {
        List<String> found = new ArrayList<>();
        int files = 0;
        for (String pkg : BACKEND_FREE) {
            try (Stream<Path> tree = Files.walk(SOURCES.resolve(pkg))) {
                for (Path file : tree.filter(f -> f.toString().endsWith(".java")).toList()) {
                    files++;
                    found.addAll(violations(file));
                }
            }
        }
        assertTrue(files > 50, "scanned " + files + " files under " + SOURCES.toAbsolutePath() + " " + BACKEND_FREE);
        assertEquals(List.of(), found);
    }

    private static List<String> violations(Path file) {
        List<String> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                for (String word : FORBIDDEN) {
                    if (lines.get(i).contains(word)) out.add(file + ":" + (i + 1) + " names " + word + ": " + lines.get(i).strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
