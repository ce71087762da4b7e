package org.recformer.backend;

import org.recformer.backend.cuda.CudaBackend;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Precision;

/** Chooses a backend by the name a user gives ({@code --device cpu|cuda|cuda-emu}) and its {@code --precision}. */
public final class Devices {
    private Devices() {}

    /** The names {@link #select} accepts. */
    public static final String NAMES = "cpu, cuda, cuda-emu";

    /** The FP32 backend called {@code name} (see {@link #select(String, Precision)}). */
    public static Backend select(String name) {
        return select(name, Precision.FP32);
    }

    /**
     * The backend called {@code name} whose matrix products run at {@code precision}. The CUDA
     * backend (and its native libraries) is only touched when asked for.
     *
     * @throws IllegalArgumentException for an unknown name, or a precision the device does not have
     *         (the CPU computes in FP32 only)
     * @throws org.recformer.backend.cuda.CudaUnavailableException when cuda or cuda-emu is asked for and cannot run
     *         here, saying why
     */
    public static Backend select(String name, Precision precision) {
        checkPrecision(name, precision);
        return switch (name) {
            case "cpu" -> Backends.cpu();
            case "cuda" -> CudaBackend.instance().withPrecision(precision);
            case "cuda-emu" -> CudaBackend.emulated().withPrecision(precision);
            default -> throw new IllegalArgumentException("unknown device '" + name + "' (expected one of: " + NAMES + ")");
        };
    }

    /**
     * Refuses a precision the device {@code name} does not have: the CPU computes in FP32 only; the
     * CUDA devices (and names {@link #select} rejects) pass.
     *
     * @throws IllegalArgumentException saying so
     */
    public static void checkPrecision(String name, Precision precision) {
        if (name.equals("cpu") && precision != Precision.FP32) {
            throw new IllegalArgumentException("the cpu device computes in fp32 only (" + precision.name().toLowerCase(java.util.Locale.ROOT)
                    + " needs cuda or cuda-emu)");
        }
    }
}
