package org.recformer.data.prepare;

import org.recformer.testing.CommandRun;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Runs {@code recformer} commands in-process and writes small input files for the prepare tests. */
final class PrepareTesting {

    private PrepareTesting() {
    }

    static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    static Path writeLines(Path file, String... lines) throws IOException {
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    static Path writeGzipLines(Path file, String... lines) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }
}
