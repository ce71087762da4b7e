package org.recformer.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.recformer.backend.Backends;
import org.recformer.model.parity.ParityResult;
import org.recformer.model.parity.ParityRow;
import org.recformer.model.parity.ParityRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model against the HuggingFace reference outputs of both fixture configurations, with weights
 * from both checkpoint formats: every reference {@code .npy} of the folder must be computed and meet
 * 2e-5 absolute (values) or 1e-4 relative to the largest entry (gradients).
 */
class ParityTest {

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({
            "dev-tiny, model.safetensors",
            "dev-tiny, pytorch_model.bin",
            "dev-small, model.safetensors",
            "dev-small, pytorch_model.bin",
    })
    void matchesHuggingFace(String config, String weights) throws IOException {
        Path dir = Path.of("test-fixtures/parity", config);
        ParityResult result = ParityRunner.run(dir, dir.resolve(weights), Backends.cpu());
        System.out.println(config + " / " + weights + "\n" + result.table());

        Set<String> compared = result.rows().stream().map(ParityRow::output).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(referenceOutputs(dir), compared, "every reference output is computed and compared");
        for (ParityRow row : result.rows()) {
            assertTrue(row.pass(), row.output() + ": max abs diff " + row.maxAbsDiff() + " > " + row.tolerance() + " (" + row.note() + ")");
        }
        assertTrue(result.allPass());
        float[] wordGrad = result.computed().get("grad_word_embeddings").toFloatArray();
        int hidden = result.computed().get("grad_word_embeddings").intShape()[1];
        for (int c = 0; c < hidden; c++) assertEquals(0f, wordGrad[hidden + c], "padding_idx row 1 gets no gradient");
    }

    private static Set<String> referenceOutputs(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".npy"))
                    .map(n -> n.substring(0, n.length() - 4)).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
