package org.recformer.train;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** What a job prints: to its console stream and, when a log file is open, appended to it too. */
public final class RunLog implements Closeable {
    private final PrintWriter console;
    private BufferedWriter file;
    private Path filePath;

    public RunLog(PrintWriter console) {
        this.console = console;
    }

    /** Also appends every later line to {@code logFile} (created if needed). */
    public void openFile(Path logFile) throws IOException {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        file = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        filePath = logFile;
    }

    public void println(String line) {
        console.println(line);
        console.flush();
        fileOnly(line);
    }

    /** Appends {@code line} to the log file only (while a progress bar holds the console); nothing without a file. */
    public void fileOnly(String line) {
        if (file == null) return;
        try {
            file.write(line);
            file.newLine();
            file.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(filePath + ": cannot write the log file: " + e.getMessage(), e);
        }
    }

    public void printf(String format, Object... args) {
        println(String.format(java.util.Locale.ROOT, format, args));
    }

    @Override
    public void close() throws IOException {
        if (file != null) file.close();
        file = null;
    }
}
