package org.recformer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {

    @Test
    void aWrittenFileHasTheModeOfAnyNewFileNotTheTempFileMode(@TempDir Path dir) throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x"); // mode from the umask
        Path atomic = dir.resolve("model.safetensors");
        AtomicFiles.write(atomic, out -> out.write('x'));
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(plain)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(atomic)));
    }

    @Test
    void aFailedWriteNamesThePathAndLeavesNothingBehind(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("metrics.json");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write('x');
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().startsWith(target.toAbsolutePath() + ": cannot write: No space left on device"), e.getMessage());
        assertFalse(Files.exists(target));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }
}
