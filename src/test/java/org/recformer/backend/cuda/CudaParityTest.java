package org.recformer.backend.cuda;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.recformer.model.parity.ParityResult;
import org.recformer.model.parity.ParityRow;
import org.recformer.model.parity.ParityRunner;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HuggingFace parity fixtures (as model.ParityTest) with every tensor on the GPU, or on the emulator without one. */
class CudaParityTest {

    @ParameterizedTest(name = "{0} from {1} on cuda or cuda-emu")
    @CsvSource({"dev-tiny, model.safetensors", "dev-small, model.safetensors"})
    void matchesHuggingFaceOnGpu(String config, String weights) throws Exception {
        CudaBackend cuda = CudaUnderTest.backend();
        Path dir = Path.of("test-fixtures/parity", config);
        ParityResult result = ParityRunner.run(dir, dir.resolve(weights), cuda);
        System.out.println(config + " / " + weights + " on " + cuda.device() + "\n" + result.table());
        for (ParityRow row : result.rows()) {
            assertTrue(row.pass(), row.output() + ": max abs diff " + row.maxAbsDiff() + " > " + row.tolerance());
        }
    }
}
