package org.recformer.cli;

import org.recformer.backend.Devices;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Precision;
import picocli.CommandLine.Option;

import java.util.Locale;

/**
 * {@code --precision}: the operand format of the model's matrix products on the chosen {@code --device}
 * (a picocli mixin beside {@link DeviceOption}). FP32 by default on every device, as PyTorch computes
 * unless autocast or TF32 is asked for (docs/cuda.md).
 */
final class PrecisionOption {

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|tf32|bf16",
            description = "Operands of matrix products and attention: fp32, tf32 or bf16 (rounded inputs, FP32 accumulation; "
                    + "weights, optimizer, layer norm, softmax and loss stay FP32). tf32 and bf16 need --device cuda or cuda-emu. "
                    + "Default: ${DEFAULT-VALUE}.")
    String precision;

    /**
     * The backend of {@code device} at this precision. An unknown value, or one the device does not
     * have, is an IllegalArgumentException whose one-line message names {@code --precision} (exit
     * status 2), raised before the device is touched.
     */
    Backend backend(DeviceOption device) {
        Precision chosen = parse();
        try {
            Devices.checkPrecision(device.device, chosen);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--precision " + precision + ": " + e.getMessage(), e);
        }
        return device.backend(chosen);
    }

    private Precision parse() {
        for (Precision p : Precision.values()) {
            if (p.name().toLowerCase(Locale.ROOT).equals(precision)) return p;
        }
        throw new IllegalArgumentException("--precision " + precision + ": unknown precision (expected one of: fp32, tf32, bf16)");
    }
}
