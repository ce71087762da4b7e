package org.recformer.io;

import org.recformer.nn.Module;
import org.recformer.nn.Parameter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** Reading a checkpoint of either format, and taking a model's parameters as a state dict. */
public final class StateDicts {
    /** File names looked for in a HuggingFace model folder, preferred first. */
    public static final String SAFETENSORS_NAME = "model.safetensors";
    public static final String PYTORCH_NAME = "pytorch_model.bin";

    private StateDicts() {
    }

    /**
     * Reads a checkpoint: a safetensors file, a {@code torch.save} zip file (told apart by their
     * first bytes), or a model folder holding {@code model.safetensors} or {@code pytorch_model.bin}.
     */
    public static StateDict read(Path path) throws IOException {
        if (Files.isDirectory(path)) return read(weightsFile(path));
        byte[] head = new byte[2];
        try (InputStream in = Files.newInputStream(path)) {
            if (in.readNBytes(head, 0, 2) == 2 && head[0] == 'P' && head[1] == 'K') return TorchCheckpoint.read(path);
        }
        return SafeTensors.read(path);
    }

    /** The weights file of a model folder: {@code model.safetensors}, else {@code pytorch_model.bin}. */
    public static Path weightsFile(Path folder) throws NoSuchFileException {
        for (String name : new String[] {SAFETENSORS_NAME, PYTORCH_NAME}) {
            if (Files.isRegularFile(folder.resolve(name))) return folder.resolve(name);
        }
        throw new NoSuchFileException(folder.toString(), null, "no " + SAFETENSORS_NAME + " or " + PYTORCH_NAME + " in this folder");
    }

    /** The model's parameters as float32 tensors under the model's own names, in registration order. */
    public static StateDict fromModel(Module model) {
        StateDict out = new StateDict("model " + model.getClass().getSimpleName());
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            out.put(e.getKey(), HostTensor.ofFloats(e.getValue().tensor().toArray(), e.getValue().shape()));
        }
        return out;
    }
}
