package org.recformer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileTreesTest {

    @Test
    void deletesTheTreeButNeverFollowsALinkOutOfIt(@TempDir Path dir) throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path kept = Files.writeString(outside.resolve("kept.txt"), "keep");
        Path root = Files.createDirectories(dir.resolve("root/a/b"));
        Files.writeString(root.resolve("f.txt"), "x");
        Files.createSymbolicLink(dir.resolve("root/a/link"), outside);
        FileTrees.deleteTree(dir.resolve("root"));
        assertFalse(Files.exists(dir.resolve("root")));
        assertTrue(Files.exists(kept));
        assertEquals("keep", Files.readString(kept));
        FileTrees.deleteTree(dir.resolve("root")); // absent: nothing to do
    }
}
