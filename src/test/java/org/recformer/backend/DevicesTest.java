package org.recformer.backend;

import org.junit.jupiter.api.Test;
import org.recformer.backend.cuda.CudaBackend;
import org.recformer.backend.cuda.CudaUnavailableException;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class DevicesTest {

    @Test
    void selectsCpuAndRejectsUnknownNames() {
        assertSame(Backends.cpu(), Devices.select("cpu"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.select("tpu"));
        assertTrue(e.getMessage().contains("tpu") && e.getMessage().contains("cuda"), e.getMessage());
    }

    @Test
    void cudaWithoutGpuFailsFastWithTheReason() {
        long start = System.nanoTime();
        assumeFalse(CudaBackend.isAvailable(), "a GPU is present");
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> Devices.select("cuda"));
        System.out.println("cuda unavailable: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("CUDA backend: "), e.getMessage());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "the check takes under 10 s");
    }
}
