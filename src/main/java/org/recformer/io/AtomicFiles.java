package org.recformer.io;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a file atomically: into a temporary file in the same folder, flushed to disk, then
 * renamed over the target, so readers see either the old file or the complete new one. The
 * temporary file is created like any other file (its mode follows the umask, unlike
 * {@link Files#createTempFile}), and one still open when the JVM shuts down (Ctrl-C) is deleted.
 * The project's one implementation of an atomic file write.
 */
public final class AtomicFiles {
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path tmp : IN_FLIGHT) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // shutting down: a file that cannot be deleted stays, under its hidden temporary name
                }
            }
        }, "atomic-files-cleanup"));
    }

    private AtomicFiles() {
    }

    /** What writes the file's content. */
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** What writes the file itself, given the temporary path (for libraries that write to a file, not a stream). */
    public interface FileBody {
        void writeTo(Path file) throws IOException;
    }

    /** Writes {@code target} from a stream. */
    public static void write(Path target, Body body) throws IOException {
        writeFile(target, tmp -> {
            try (FileOutputStream file = new FileOutputStream(tmp.toFile());
                 OutputStream out = new BufferedOutputStream(file, 1 << 16)) {
                body.writeTo(out);
                out.flush();
                file.getChannel().force(true);
            }
        });
    }

    /** Writes {@code target} through a temporary file that {@code body} fills. */
    public static void writeFile(Path target, FileBody body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + absolute.getFileName() + "." + ProcessHandle.current().pid() + "."
                + COUNTER.incrementAndGet() + ".tmp");
        IN_FLIGHT.add(tmp);
        boolean done = false;
        try {
            body.writeTo(tmp);
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } catch (IOException e) {
            throw new IOException(absolute + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (!done) Files.deleteIfExists(tmp);
            IN_FLIGHT.remove(tmp);
        }
    }
}
