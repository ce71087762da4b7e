package org.recformer.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Paths of the checkpoint fixtures and helpers to build and compare checkpoint files in tests. */
final class IoFixtures {
    static final Path IO = Path.of("test-fixtures/io");
    static final Path PARITY = Path.of("test-fixtures/parity");

    private IoFixtures() {
    }

    /** Compares tensors with {@code <name>.expected.json} (written by tools/make_io_fixtures.py with numpy). */
    static void assertMatchesExpected(StateDict sd, Path expectedJson) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(expectedJson.toFile());
        assertEquals(expected.size(), sd.size(), "tensor count");
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            HostTensor t = sd.get(e.getKey());
            assertNotNull(t, e.getKey());
            long[] shape = new long[e.getValue().get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = e.getValue().get("shape").get(i).asLong();
            assertArrayEquals(shape, t.shape(), e.getKey() + " shape");
            JsonNode values = e.getValue().get("values");
            float[] got = t.toFloatArray();
            assertEquals(values.size(), got.length, e.getKey() + " size");
            for (int i = 0; i < got.length; i++) {
                assertEquals((float) values.get(i).asDouble(), got[i], 0f, e.getKey() + "[" + i + "]");
            }
        }
    }

    /** The entries of a zip file, in order. */
    static Map<String, byte[]> unzip(Path zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
            for (var it = z.entries(); it.hasMoreElements(); ) {
                ZipEntry e = it.nextElement();
                out.put(e.getName(), z.getInputStream(e).readAllBytes());
            }
        }
        return out;
    }

    /** A zip of stored (uncompressed) entries, as torch.save writes. */
    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                entry.setCrc(crc.getValue());
                out.putNextEntry(entry);
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }
}
