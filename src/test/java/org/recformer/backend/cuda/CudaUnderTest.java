package org.recformer.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA backend the CUDA tests run: the GPU when one is present, else the emulator (which every
 * build with a C++ compiler has), so that the same tests run everywhere and skip only where neither is.
 */
final class CudaUnderTest {
    private CudaUnderTest() {}

    /** The backend under test; skips the calling test (with both reasons) when there is none. */
    static CudaBackend backend() {
        if (CudaBackend.isAvailable()) return CudaBackend.instance();
        try {
            return CudaBackend.emulated();
        } catch (CudaUnavailableException e) {
            assumeTrue(false, CudaBackend.unavailableReason() + "; " + e.getMessage());
            throw e;
        }
    }
}
