package org.recformer.convert;

import org.recformer.model.RecformerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Finds the {@code config.json} that goes with a checkpoint. */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * Reads {@code explicit} (a config.json, or a folder holding one) if given; otherwise the
     * config.json of the checkpoint folder, or beside the checkpoint file.
     */
    public static RecformerConfig read(Path checkpoint, Path explicit) throws IOException {
        Path file;
        if (explicit != null) {
            file = Files.isDirectory(explicit) ? explicit.resolve(ModelFolder.CONFIG_NAME) : explicit;
        } else {
            Path dir = Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent();
            file = dir.resolve(ModelFolder.CONFIG_NAME);
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null,
                    "no model configuration here" + (explicit == null ? " (pass --config FILE for a checkpoint without a config.json beside it)" : ""));
        }
        return RecformerConfig.read(file);
    }
}
