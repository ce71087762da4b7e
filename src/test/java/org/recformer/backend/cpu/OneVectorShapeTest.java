package org.recformer.backend.cpu;

import org.junit.jupiter.api.Test;
import org.recformer.SourceLines;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every Vector API species in the code is a preferred one (one vector shape in the whole program).
 * Measured on JDK 17: once a 256-bit float vector ran beside the 512-bit matmul kernels (a GELU that
 * widened 8 floats to 8 doubles), C2 compiled the kernel's operations as calls that box every
 * vector, depending on which code the JIT saw first: the demo's training went from 50 to 190 s and
 * one base step from 5 to 103 s. Widen and narrow in halves of a preferred vector instead
 * ({@link CpuOptimizerVector}).
 */
class OneVectorShapeTest {
    /** A species or shape named by size, or built from a shape. */
    private static final Pattern OTHER_SHAPE = Pattern.compile("SPECIES_(64|128|256|512|MAX)\\b|VectorShape\\.|VectorSpecies\\.of\\(");

    @Test
    void onlyPreferredSpecies() throws IOException {
        List<SourceLines.Line> found = SourceLines.under(Path.of("src/main/java")).stream()
                .filter(line -> OTHER_SHAPE.matcher(line.code()).find()).toList();
        assertEquals(List.of(), found, "species other than SPECIES_PREFERRED");
    }
}
