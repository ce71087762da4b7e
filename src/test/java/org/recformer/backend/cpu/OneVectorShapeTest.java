package org.recformer.backend.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Vector API species in the code is a preferred one (one vector shape in the whole program).
 * Measured on JDK 17: once a 256-bit float vector ran beside the 512-bit matmul kernels (a GELU that
 * widened 8 floats to 8 doubles), C2 compiled the kernel's operations as calls that box every
 * vector, depending on which code the JIT saw first: the demo's training went from 50 to 190 s and
 * one base step from 5 to 103 s. Widen and narrow in halves of a preferred vector instead
 * ({@link CpuOptimizerVector}).
 */
class OneVectorShapeTest {
    private static final Path MAIN = Path.of("src/main/java");
    /** A species or shape named by size, or built from a shape. */
    private static final Pattern OTHER_SHAPE = Pattern.compile("SPECIES_(64|128|256|512|MAX)\\b|VectorShape\\.|VectorSpecies\\.of\\(");

    @Test
    void onlyPreferredSpecies() throws IOException {
        assertTrue(Files.isDirectory(MAIN), MAIN.toAbsolutePath() + ": missing (tests run from the repository root)");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String code = lines.get(i).strip();
                    if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")) continue;
                    if (OTHER_SHAPE.matcher(code).find()) found.add(file + ":" + (i + 1) + ": " + code);
                }
            }
        }
        assertEquals(List.of(), found, "species other than SPECIES_PREFERRED");
    }
}
