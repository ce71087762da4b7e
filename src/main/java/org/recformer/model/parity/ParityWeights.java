package org.recformer.model.parity;

import org.recformer.io.SafeTensors;
import org.recformer.io.StateDict;
import org.recformer.io.StateDictLoader;
import org.recformer.io.TorchCheckpoint;
import org.recformer.nn.Module;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a checkpoint in either format the fixtures come in and loads it strictly by HuggingFace name. */
final class ParityWeights {
    private ParityWeights() {}

    static void load(Module model, Path file) throws IOException {
        StateDict weights = isZip(file) ? TorchCheckpoint.read(file) : SafeTensors.read(file);
        StateDictLoader.load(model, weights, true);
    }

    /** A PyTorch {@code torch.save} file is a zip archive (starts with "PK"); anything else is read as safetensors. */
    private static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 'P' && in.read() == 'K';
        }
    }
}
