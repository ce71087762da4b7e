package org.recformer.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheReferenceFileOfTheParityFixtures() throws IOException {
        StateDict sd = SafeTensors.read(IoFixtures.PARITY.resolve("dev-tiny/model.safetensors"));
        assertEquals("pt", sd.metadata().get("format"));
        HostTensor positions = sd.get("longformer.embeddings.position_ids");
        assertEquals(DType.I64, positions.dtype());
        assertArrayEquals(new long[] {1, 140}, positions.shape());
        long[] ids = positions.toLongArray();
        for (int i = 0; i < ids.length; i++) assertEquals(i, ids[i]);
        HostTensor words = sd.get("longformer.embeddings.word_embeddings.weight");
        assertEquals(DType.F32, words.dtype());
        assertArrayEquals(new long[] {800, 48}, words.shape());
        assertArrayEquals(sd.get("lm_head.bias").toFloatArray(), sd.get("lm_head.decoder.bias").toFloatArray());
    }

    @Test
    void readsHalfBfloatDoubleIntAndBoolTensors() throws IOException {
        StateDict sd = SafeTensors.read(IoFixtures.IO.resolve("f16_bf16.safetensors"));
        assertEquals(DType.F16, sd.get("half").dtype());
        assertEquals(DType.BF16, sd.get("bfloat16").dtype());
        IoFixtures.assertMatchesExpected(sd, IoFixtures.IO.resolve("f16_bf16.expected.json"));
        assertArrayEquals(new long[] {7, -8, 9, Integer.MAX_VALUE}, sd.get("int").toLongArray());
        assertArrayEquals(new long[] {1, 0}, sd.get("bool").toLongArray());
    }

    @Test
    void writeThenReadGivesTheSameTensorsInOrderWithAPaddedHeader() throws IOException {
        StateDict sd = new StateDict("test");
        sd.put("z.weight", HostTensor.ofFloats(new float[] {1, -2, 3.5f, Float.MIN_VALUE, -0f, 7}, 2, 3));
        sd.put("a.position_ids", HostTensor.ofLongs(new long[] {0, 1, Long.MAX_VALUE}, 1, 3));
        sd.put("scalar", HostTensor.ofFloats(new float[] {42}));
        sd.put("empty", HostTensor.ofFloats(new float[0], 0, 4));
        Path file = tmp.resolve("out/model.safetensors");
        SafeTensors.write(file, sd);

        StateDict back = SafeTensors.read(file);
        assertEquals(List.copyOf(sd.names()), List.copyOf(back.names()));
        for (String name : sd.names()) assertTrue(sd.get(name).sameAs(back.get(name)), name);
        assertEquals("pt", back.metadata().get("format"));

        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header length is a multiple of 8");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.stripTrailing().endsWith("}"), header);
        assertTrue(header.substring(header.lastIndexOf('}') + 1).isBlank(), "padding is spaces");
        assertEquals(8 + n + 6 * 4 + 3 * 8 + 4, bytes.length);
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file.getFileName()), files.map(Path::getFileName).toList(), "no temporary file left");
        }
    }

    @Test
    void writingReplacesAnExistingFile() throws IOException {
        Path file = tmp.resolve("m.safetensors");
        Files.writeString(file, "old content");
        StateDict sd = new StateDict("test");
        sd.put("w", HostTensor.ofFloats(new float[] {1, 2}, 2));
        SafeTensors.write(file, sd);
        assertArrayEquals(new float[] {1, 2}, SafeTensors.read(file).get("w").toFloatArray());
    }

    @Test
    void rewritingTheReferenceFileKeepsEveryTensor() throws IOException {
        StateDict sd = SafeTensors.read(IoFixtures.PARITY.resolve("dev-small/model.safetensors"));
        Path file = tmp.resolve("copy.safetensors");
        SafeTensors.write(file, sd);
        StateDict back = SafeTensors.read(file);
        assertEquals(sd.size(), back.size());
        for (String name : sd.names()) assertTrue(sd.get(name).sameAs(back.get(name)), name);
    }

    // ---------------------------------------------------------------- bad input

    /** A file with this header JSON (padded) and {@code dataBytes} zero bytes of data. */
    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return IoFixtures.write(tmp, "bad.safetensors", b.array());
    }

    private CheckpointFormatException fails(Path file, String... fragments) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        return e;
    }

    @Test
    void refusesAFileShorterThanTheLengthField() throws IOException {
        fails(IoFixtures.write(tmp, "short.safetensors", new byte[] {1, 2, 3}), "shorter than the 8-byte");
    }

    @Test
    void refusesAHeaderLengthBeyondTheFile() throws IOException {
        byte[] bytes = Files.readAllBytes(IoFixtures.IO.resolve("f16_bf16.safetensors"));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
        fails(IoFixtures.write(tmp, "lie.safetensors", bytes), "header length", "exceeds the file size");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5);
        fails(IoFixtures.write(tmp, "negative.safetensors", bytes), "header length 18446744073709551611");
    }

    @Test
    void refusesATruncatedFile() throws IOException {
        byte[] bytes = Files.readAllBytes(IoFixtures.IO.resolve("f16_bf16.safetensors"));
        fails(IoFixtures.write(tmp, "cut.safetensors", Arrays.copyOf(bytes, bytes.length - 1)), "tensor 'bool'", "run past the end");
    }

    @Test
    void refusesInvalidJsonAndNonObjects() throws IOException {
        fails(file("{\"a\": ", 0), "not valid JSON");
        fails(file("[1, 2]", 0), "does not start with '{'");
        fails(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": 1}", 4), "not valid JSON", "Duplicate");
        fails(file("{\"a\": 5}", 0), "tensor 'a'", "not a JSON object");
    }

    @Test
    void refusesUnknownDtypesAndBadFields() throws IOException {
        fails(file("{\"w\": {\"dtype\": \"F8_E4M3\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1), "tensor 'w'", "unknown dtype 'F8_E4M3'");
        fails(file("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4), "tensor 'w'", "dtype");
        fails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4), "tensor 'w'", "'shape' holds -1");
        fails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4), "tensor 'w'", "'shape'");
        fails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4), "tensor 'w'", "data_offsets");
        fails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", 4), "tensor 'w'", "end before begin");
        fails(file("{\"__metadata__\": {\"format\": 1}}", 0), "__metadata__");
    }

    @Test
    void refusesOffsetsThatDisagreeWithTheShape() throws IOException {
        fails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 20]}}", 20),
                "tensor 'w'", "needs 24 bytes", "hold 20");
        fails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 4]}}", 4),
                "tensor 'w'", "more than 2^63");
    }

    @Test
    void refusesOffsetsBeyondTheFileOverlapsAndGaps() throws IOException {
        fails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4), "tensor 'w'", "run past the end");
        fails(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12), "tensor 'b'", "overlap");
        fails(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8), "tensor 'a'", "gap");
        fails(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 12), "cover 4 bytes of a data area of 12");
    }

    @Test
    void acceptsTensorsListedOutOfOffsetOrder() throws IOException {
        Path f = file("{\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]},"
                + " \"a\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 8);
        StateDict sd = SafeTensors.read(f);
        assertEquals(List.of("b", "a"), List.copyOf(sd.names()));
    }
}
