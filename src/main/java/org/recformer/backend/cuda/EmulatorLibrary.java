package org.recformer.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The CUDA emulator's native library: kernels/*.cu compiled by the host C++ compiler against
 * kernels/emu/cuda_emu.h (kernels/emu/build.sh, run by the Maven build), packed in the jar at
 * {@value #RESOURCE} and loaded on first use. {@code -Drecformer.cuda.emulator.library=FILE} loads
 * another build instead (tests load builds of deliberately broken kernels). Device memory is host
 * memory: addresses travel as longs.
 */
final class EmulatorLibrary {
    /** Classpath location of the library. */
    static final String RESOURCE = "/kernels/libcudaemu.so";
    private static final String LIBRARY_PROPERTY = "recformer.cuda.emulator.library";

    private static boolean loaded;
    private static CudaUnavailableException failure;

    private EmulatorLibrary() {}

    /**
     * Loads the library once.
     *
     * @throws CudaUnavailableException saying why it cannot be loaded
     */
    static synchronized void load() {
        if (loaded) return;
        if (failure != null) throw failure;
        try {
            String explicit = System.getProperty(LIBRARY_PROPERTY);
            System.load(explicit != null ? Path.of(explicit).toAbsolutePath().toString() : extract().toString());
            String unsupported = unsupported();
            if (unsupported != null) {
                failure = new CudaUnavailableException("CUDA emulator: " + unsupported, null);
                throw failure;
            }
            loaded = true;
        } catch (IOException | UnsatisfiedLinkError e) {
            failure = new CudaUnavailableException("CUDA emulator: the library could not be loaded (" + e.getMessage() + ")", e);
            throw failure;
        }
    }

    private static Path extract() throws IOException {
        try (InputStream in = EmulatorLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                failure = new CudaUnavailableException("CUDA emulator: this build has no emulator (" + RESOURCE
                        + " is missing: no C++ compiler was found when the jar was built; see docs/cuda.md)", null);
                throw failure;
            }
            Path file = Files.createTempFile("recformer-cudaemu", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }

    /** Why this CPU cannot run the loaded library, or null. */
    private static native String unsupported();

    /** Data address of a new allocation of {@code bytes} bytes between guard zones (filled with NaN), 0 when out of memory. */
    static native long allocate(long bytes);

    static native void free(long address);

    static native void copyFloatsIn(long address, float[] src);

    static native void copyIntsIn(long address, int[] src);

    static native void copyFloatsOut(long address, float[] dst);

    /** Most dynamic shared memory a block may use (an H100's opt-in size). */
    static native int sharedOptIn();

    /**
     * Runs a kernel to completion on {@code workers} OS threads. geometry: grid x, y, z, block x, y, z;
     * params: each argument's bytes from a multiple of 8; sizes: each argument's size.
     *
     * @return null, or the error, naming the kernel
     */
    static native String launch(String kernel, int[] geometry, int sharedBytes, byte[] params, int[] sizes, int workers);
}
