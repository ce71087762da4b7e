package org.recformer.backend;

import org.recformer.backend.cuda.CudaBackend;
import org.recformer.tensor.Backend;

/** Chooses a backend by the name a user gives ({@code --device cpu|cuda|cuda-emu}). */
public final class Devices {
    private Devices() {}

    /** The names {@link #select} accepts. */
    public static final String NAMES = "cpu, cuda, cuda-emu";

    /**
     * The backend called {@code name}. The CUDA backend (and its native libraries) is only touched
     * when asked for.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws org.recformer.backend.cuda.CudaUnavailableException when cuda or cuda-emu is asked for and cannot run
     *         here, saying why
     */
    public static Backend select(String name) {
        return switch (name) {
            case "cpu" -> Backends.cpu();
            case "cuda" -> CudaBackend.instance();
            case "cuda-emu" -> CudaBackend.emulated();
            default -> throw new IllegalArgumentException("unknown device '" + name + "' (expected one of: " + NAMES + ")");
        };
    }
}
