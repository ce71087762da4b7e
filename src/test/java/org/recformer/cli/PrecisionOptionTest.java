package org.recformer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.recformer.backend.cuda.CudaBackend;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Precision;
import org.recformer.testing.CommandRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code --precision} on every command that builds a model: fp32 by default, the CPU refuses the others before any file is touched. */
class PrecisionOptionTest {
    private static final String[][] COMMANDS = {{"train"}, {"evaluate"}, {"recommend"}, {"pretrain"}, {"bench", "train-step"}, {"bench", "encode"}};

    @TempDir
    Path tmp;

    /** Each command with arguments that would otherwise get past option parsing (files that do not exist, an output folder to create). */
    private String[] command(String name, String... extra) {
        String out = tmp.resolve("out").toString();
        String missing = tmp.resolve("missing").toString();
        String[] base = switch (name) {
            case "train" -> new String[] {"train", "--output", out};
            case "evaluate" -> new String[] {"evaluate", "--model", missing, "--data", missing};
            case "recommend" -> new String[] {"recommend", "--model", missing, "--input", missing};
            case "pretrain" -> new String[] {"pretrain", "--data", missing, "--output", out};
            case "bench-train-step" -> new String[] {"bench", "train-step", "--steps", "1"};
            case "bench-encode" -> new String[] {"bench", "encode", "--steps", "1"};
            default -> throw new IllegalArgumentException(name);
        };
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "evaluate", "recommend", "pretrain", "bench-train-step", "bench-encode"})
    void bf16OnTheCpuIsOneLineNamingTheOptionAndStatus2(String name) {
        for (String precision : new String[] {"bf16", "tf32"}) {
            CommandRun r = CommandRun.of(command(name, "--device", "cpu", "--precision", precision));
            assertEquals(2, r.status(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("--precision " + precision + ": the cpu device computes in fp32 only"), r.err());
            assertFalse(Files.exists(tmp.resolve("out")), "nothing written before the precision is checked");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "bench-encode"})
    void anUnknownPrecisionListsTheKnownOnes(String name) {
        CommandRun r = CommandRun.of(command(name, "--device", "cuda-emu", "--precision", "fp16"));
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("--precision fp16: unknown precision (expected one of: fp32, tf32, bf16)"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written before the precision is checked");
    }

    @Test
    void theCudaBackendIsBuiltAtTheChosenPrecision() {
        DeviceOption device = new DeviceOption();
        device.device = "cuda-emu";
        PrecisionOption option = new PrecisionOption();
        for (Precision precision : Precision.values()) {
            option.precision = precision.name().toLowerCase(java.util.Locale.ROOT);
            Backend backend;
            try {
                backend = option.backend(device);
            } catch (IllegalArgumentException e) { // this build has no emulator
                assumeTrue(false, e.getMessage());
                return;
            }
            assertEquals(precision, ((CudaBackend) backend).precision());
        }
    }

    @Test
    void everyModelCommandHasTheOptionWithFp32ByDefault() {
        for (String[] path : COMMANDS) {
            var spec = Main.commandLine().getSubcommands().get(path[0]);
            if (path.length > 1) spec = spec.getSubcommands().get(path[1]);
            var option = spec.getCommandSpec().findOption("--precision");
            assertNotNull(option, String.join(" ", path) + " has --precision");
            assertEquals("fp32", option.defaultValue(), String.join(" ", path));
            assertEquals("fp32|tf32|bf16", option.paramLabel(), String.join(" ", path));
        }
    }
}
