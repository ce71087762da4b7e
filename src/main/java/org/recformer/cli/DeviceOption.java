package org.recformer.cli;

import org.recformer.backend.Devices;
import org.recformer.backend.cuda.CudaUnavailableException;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Precision;
import picocli.CommandLine.Option;

/** {@code --device}: where a command's model runs (a picocli mixin, so every command spells it the same). */
final class DeviceOption {

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda|cuda-emu",
            description = "Where the model runs: cpu, cuda (an NVIDIA GPU through its driver) or cuda-emu (the CUDA backend on an emulated device). "
                    + "Default: ${DEFAULT-VALUE}.")
    String device;

    /** The chosen backend at FP32 (see {@link #backend(Precision)}). */
    Backend backend() {
        return backend(Precision.FP32);
    }

    /**
     * The chosen backend with products at {@code precision} ({@link PrecisionOption} has checked that the
     * device has it). An unknown name, or a device that cannot run here (no driver, no GPU), is an
     * IllegalArgumentException whose one-line message names {@code --device} (exit status 2).
     */
    Backend backend(Precision precision) {
        try {
            return Devices.select(device, precision);
        } catch (IllegalArgumentException | CudaUnavailableException e) {
            throw new IllegalArgumentException("--device " + device + ": " + e.getMessage(), e);
        }
    }
}
