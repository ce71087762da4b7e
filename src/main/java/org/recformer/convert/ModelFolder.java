package org.recformer.convert;

import org.recformer.io.FileTrees;
import org.recformer.io.SafeTensors;
import org.recformer.io.StateDict;
import org.recformer.io.StateDicts;
import org.recformer.model.RecformerConfig;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A HuggingFace model folder ({@code config.json} + {@code model.safetensors}), written atomically:
 * both files go into a temporary folder beside the target, which is then renamed to it, so the
 * target is either absent or complete. An existing target must be an empty folder.
 */
public final class ModelFolder {
    public static final String CONFIG_NAME = "config.json";

    private ModelFolder() {
    }

    /** More files of the folder (a tokenizer), written into it before it is moved into place. */
    public interface ExtraFiles {
        void writeInto(Path folder) throws IOException;
    }

    /** Writes {@code config} and {@code stateDict} as the folder {@code dir}. */
    public static void write(Path dir, RecformerConfig config, StateDict stateDict) throws IOException {
        write(dir, config, stateDict, folder -> { });
    }

    /** Writes {@code config}, {@code stateDict} and {@code extra} as the folder {@code dir}. */
    public static void write(Path dir, RecformerConfig config, StateDict stateDict, ExtraFiles extra) throws IOException {
        Path target = dir.toAbsolutePath();
        checkWritable(target);
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp");
        boolean done = false;
        try {
            config.write(tmp.resolve(CONFIG_NAME));
            SafeTensors.write(tmp.resolve(StateDicts.SAFETENSORS_NAME), stateDict);
            extra.writeInto(tmp);
            if (Files.isDirectory(target)) Files.delete(target); // empty, checked above
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            done = true;
        } finally {
            if (!done) FileTrees.deleteTree(tmp);
        }
    }

    private static void checkWritable(Path target) throws IOException {
        if (!Files.exists(target)) return;
        if (!Files.isDirectory(target)) throw new FileAlreadyExistsException(target.toString(), null, "output exists and is not a folder");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
            if (entries.iterator().hasNext()) {
                throw new FileAlreadyExistsException(target.toString(), null, "output folder exists and is not empty (choose a new folder)");
            }
        }
    }
}
