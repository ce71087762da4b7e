package org.recformer.cli;

import org.recformer.model.parity.ParityResult;
import org.recformer.model.parity.ParityRunner;
import org.recformer.tensor.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code recformer parity}: checks the engine against a HuggingFace parity fixtures folder. */
@Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Run a parity fixtures folder (config.json, inputs, reference .npy outputs) and compare every output "
                + "with the HuggingFace reference. Exit code 0 only if all pass, 1 if one fails, 2 on unreadable input.")
public final class ParityCommand implements Callable<Integer> {

    @Option(names = "--fixtures", required = true, paramLabel = "DIR", description = "The fixtures folder.")
    Path fixtures;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "Checkpoint to load (.safetensors or PyTorch .bin); default: DIR/model.safetensors.")
    Path weights;

    @Option(names = "--dump", paramLabel = "OUT", description = "Write each computed tensor to OUT/<name>.npy (float32).")
    Path dump;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() throws Exception {
        Backend backend;
        try {
            backend = device.backend();
        } catch (IllegalArgumentException e) {
            System.err.println("parity: " + e.getMessage());
            return 2;
        }
        if (!Files.isDirectory(fixtures)) throw new IllegalArgumentException("--fixtures " + fixtures + " is not a directory");
        if (weights != null && !Files.isRegularFile(weights)) throw new IllegalArgumentException("--weights " + weights + " is not a file");
        ParityResult result;
        try {
            result = ParityRunner.run(fixtures, weights, backend);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("parity: " + e.getMessage());
            return 2;
        }
        System.out.println(result.table());
        if (dump != null) {
            ParityRunner.dump(result, dump);
            System.out.println("computed tensors written to " + dump);
        }
        return result.allPass() ? 0 : 1;
    }
}
