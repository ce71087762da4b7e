package org.recformer.data.prepare;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The output folder of a {@code prepare} run. Files are written under temporary names in the
 * folder and renamed to their final names only by {@link #commit()}, so a failed run never
 * leaves a half-written file under a final name; {@link #close()} deletes what was not committed.
 */
final class OutputFolder implements AutoCloseable {

    /** Writes one file's content. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private final Path directory;
    private final Map<Path, Path> pending = new LinkedHashMap<>(); // temporary file -> final file

    OutputFolder(Path directory) throws IOException {
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new PrepareInputException(directory, "output exists and is not a directory");
        }
        Files.createDirectories(directory);
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    /** Writes {@code name} under a temporary name; it appears under {@code name} at {@link #commit()}. */
    void write(String name, Content content) throws IOException {
        Path temporary = directory.resolve("." + name + "." + ProcessHandle.current().pid() + ".tmp");
        pending.put(temporary, directory.resolve(name));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temporary,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), 1 << 16)) {
            content.writeTo(out);
        } catch (IOException e) {
            throw new IOException(temporary + ": cannot write: " + e.getMessage(), e);
        }
    }

    /** Renames every written file to its final name. */
    void commit() throws IOException {
        for (Map.Entry<Path, Path> file : pending.entrySet()) {
            try {
                Files.move(file.getKey(), file.getValue(), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(file.getKey(), file.getValue(), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        pending.clear();
    }

    /** Deletes the temporary files of an uncommitted run. */
    @Override
    public void close() throws IOException {
        for (Path temporary : pending.keySet()) {
            Files.deleteIfExists(temporary);
        }
        pending.clear();
    }
}
