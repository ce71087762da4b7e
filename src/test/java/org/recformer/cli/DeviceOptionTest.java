package org.recformer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.recformer.backend.cuda.CudaBackend;
import org.recformer.testing.CommandRun;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** {@code --device} on every command that runs a model: one option, one error path (exit 2, one line naming --device). */
class DeviceOptionTest {
    @TempDir
    Path tmp;

    /** Each command with arguments that would otherwise get past option parsing; the device is checked before any file is read or written. */
    private String[] command(String name, String device) {
        String out = tmp.resolve("out").toString();
        String missing = tmp.resolve("missing").toString();
        return switch (name) {
            case "train" -> new String[] {"train", "--output", out, "--device", device};
            case "evaluate" -> new String[] {"evaluate", "--model", missing, "--data", missing, "--device", device};
            case "recommend" -> new String[] {"recommend", "--model", missing, "--input", missing, "--device", device};
            case "pretrain" -> new String[] {"pretrain", "--data", missing, "--output", out, "--device", device};
            case "bench" -> new String[] {"bench", "train-step", "--steps", "1", "--device", device};
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "evaluate", "recommend", "pretrain", "bench"})
    void unknownDeviceIsOneLineNamingTheOptionAndStatus2(String name) {
        CommandRun r = CommandRun.of(command(name, "tpu"));
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("--device tpu") && r.err().contains("cuda"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written before the device is chosen");
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "evaluate", "recommend", "pretrain", "bench"})
    void cudaWithoutADriverSaysSoAndIsStatus2(String name) {
        assumeFalse(CudaBackend.isAvailable(), "a GPU is present");
        CommandRun r = CommandRun.of(command(name, "cuda"));
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("--device cuda: CUDA backend: "), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written before the device is chosen");
    }

    @Test
    void parityNamesTheOptionToo() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        CommandRun r;
        try {
            r = CommandRun.of("parity", "--fixtures", "test-fixtures/parity/dev-tiny", "--device", "tpu");
        } finally {
            System.setErr(saved);
        }
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, r.status(), message);
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.contains("--device tpu"), message);
    }

    @Test
    void everyModelCommandHasTheSameOption() {
        for (String[] path : new String[][] {{"train"}, {"evaluate"}, {"recommend"}, {"pretrain"}, {"parity"}, {"bench", "train-step"}}) {
            var spec = Main.commandLine().getSubcommands().get(path[0]);
            if (path.length > 1) spec = spec.getSubcommands().get(path[1]);
            var option = spec.getCommandSpec().findOption("--device");
            assertTrue(option != null, String.join(" ", path) + " has --device");
            assertEquals("cpu", option.defaultValue(), String.join(" ", path));
            assertEquals("cpu|cuda|cuda-emu", option.paramLabel(), String.join(" ", path));
        }
    }
}
