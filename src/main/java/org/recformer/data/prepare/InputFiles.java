package org.recformer.data.prepare;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens input text files, gzip-compressed or plain (told apart by the gzip magic bytes, not the name). */
final class InputFiles {

    private static final int BUFFER_BYTES = 1 << 16;

    private InputFiles() {
    }

    /** Fails with a clear message when the file is missing or not a regular file. */
    static void requireFile(Path file) {
        if (!Files.exists(file)) {
            throw new PrepareInputException(file, "file not found");
        }
        if (!Files.isRegularFile(file)) {
            throw new PrepareInputException(file, "not a regular file");
        }
    }

    /** A UTF-8 reader over the file's text, decompressing gzip files. */
    static BufferedReader open(Path file) throws IOException {
        requireFile(file);
        InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER_BYTES);
        try {
            in.mark(2);
            int first = in.read();
            int second = in.read();
            in.reset();
            if (first == 0x1f && second == 0x8b) {
                in = new GZIPInputStream(in, BUFFER_BYTES);
            }
        } catch (IOException e) {
            in.close();
            throw e;
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), BUFFER_BYTES);
    }
}
