package org.recformer.backend;

import org.junit.jupiter.api.Test;
import org.recformer.backend.cuda.CudaBackend;
import org.recformer.backend.cuda.CudaUnavailableException;
import org.recformer.tensor.Backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DevicesTest {

    @Test
    void selectsCpuAndRejectsUnknownNames() {
        assertSame(Backends.cpu(), Devices.select("cpu"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.select("tpu"));
        assertTrue(e.getMessage().contains("tpu") && e.getMessage().contains("cuda"), e.getMessage());
    }

    @Test
    void cudaEmuIsTheCudaBackendOnTheEmulator() {
        Backend emu;
        try {
            emu = Devices.select("cuda-emu");
        } catch (CudaUnavailableException e) {
            assertTrue(e.getMessage().startsWith("CUDA emulator: "), e.getMessage());
            assumeTrue(false, e.getMessage());
            return;
        }
        assertTrue(emu instanceof CudaBackend, emu.getClass().getName());
        assertEquals("cuda-emu", emu.name());
        assertSame(emu, Devices.select("cuda-emu"));
        assertArrayEquals(new float[] {1f, 2f}, emu.toArray(emu.fromArray(new float[] {1f, 2f})));
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
