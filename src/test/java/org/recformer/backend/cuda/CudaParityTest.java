package org.recformer.backend.cuda;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.recformer.model.parity.ParityResult;
import org.recformer.model.parity.ParityRow;
import org.recformer.model.parity.ParityRunner;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The HuggingFace parity fixtures (as model.ParityTest) with every tensor on the GPU. Skipped without a GPU. */
class CudaParityTest {

    /** Per test (not @BeforeAll), so that without a GPU every test is reported as skipped, not as none run. */
    @BeforeEach
    void requireGpu() {
        String why = CudaBackend.unavailableReason();
        assumeTrue(why == null, why);
    }

    @ParameterizedTest(name = "{0} from {1} on cuda")
    @CsvSource({"dev-tiny, model.safetensors", "dev-small, model.safetensors"})
    void matchesHuggingFaceOnGpu(String config, String weights) throws Exception {
        Path dir = Path.of("test-fixtures/parity", config);
        ParityResult result = ParityRunner.run(dir, dir.resolve(weights), CudaBackend.instance());
        System.out.println(config + " / " + weights + " on cuda\n" + result.table());
        for (ParityRow row : result.rows()) {
            assertTrue(row.pass(), row.output() + ": max abs diff " + row.maxAbsDiff() + " > " + row.tolerance());
        }
    }
}
