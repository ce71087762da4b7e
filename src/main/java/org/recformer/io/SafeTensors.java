package org.recformer.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, padded
 * with spaces), then the data area. The reader validates the whole header against the file size
 * before reading any data, with the rules of the reference implementation: known dtypes,
 * offsets that tile the data area in order without gaps or overlaps, and byte ranges equal to
 * numel x dtype size.
 */
public final class SafeTensors {
    /** The reference implementation's limit on the header size. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SafeTensors() {
    }

    /** One tensor's header entry, validated. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    /** Reads every tensor of a safetensors file. */
    public static StateDict read(Path file) throws IOException {
        String source = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) {
                throw new CheckpointFormatException(source, "file of " + fileSize + " bytes is shorter than the 8-byte safetensors header length");
            }
            long headerLength = readFully(ch, 0, 8, source).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 0 || headerLength > fileSize - 8) {
                throw new CheckpointFormatException(source, "header length " + Long.toUnsignedString(headerLength)
                        + " exceeds the file size of " + fileSize + " bytes (truncated file or not safetensors)");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new CheckpointFormatException(source, "header length " + headerLength + " exceeds the limit of " + MAX_HEADER_BYTES);
            }
            long dataStart = 8 + headerLength;
            long dataLength = fileSize - dataStart;
            String header = decodeUtf8(readFully(ch, 8, (int) headerLength, source), source);
            StateDict out = new StateDict(source);
            List<Entry> entries = parseHeader(header, dataLength, source, out);
            for (Entry e : entries) {
                byte[] bytes = readFully(ch, dataStart + e.begin, (int) (e.end - e.begin), source).array();
                out.put(e.name, new HostTensor(e.dtype, e.shape, bytes));
            }
            return out;
        }
    }

    private static String decodeUtf8(ByteBuffer bytes, String source) throws CheckpointFormatException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(source, "header is not valid UTF-8");
        }
    }

    /** Validates the JSON header; fills the metadata of {@code out}; returns the entries in header order. */
    private static List<Entry> parseHeader(String header, long dataLength, String source, StateDict out)
            throws CheckpointFormatException {
        if (!header.startsWith("{")) {
            throw new CheckpointFormatException(source, "header does not start with '{' (not a safetensors file)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(source, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(source, "header is not a JSON object");
        }
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(field.getValue(), source, out);
            } else {
                entries.add(parseEntry(field.getKey(), field.getValue(), source));
            }
        }
        checkTiling(entries, dataLength, source);
        return entries;
    }

    private static void readMetadata(JsonNode node, String source, StateDict out) throws CheckpointFormatException {
        if (!node.isObject()) throw new CheckpointFormatException(source, "__metadata__ is not a JSON object");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new CheckpointFormatException(source, "__metadata__ value of '" + m.getKey() + "' is not a string");
            }
            out.putMetadata(m.getKey(), m.getValue().asText());
        }
    }

    private static Entry parseEntry(String name, JsonNode node, String source) throws CheckpointFormatException {
        String where = "tensor '" + name + "': ";
        if (!node.isObject()) throw new CheckpointFormatException(source, where + "header entry is not a JSON object");
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointFormatException(source, where + "missing or non-string 'dtype'");
        }
        DType dtype = DType.fromSafetensorsName(dtypeNode.asText());
        if (dtype == null) {
            throw new CheckpointFormatException(source, where + "unknown dtype '" + dtypeNode.asText() + "'");
        }
        long[] shape = nonNegativeLongs(node.get("shape"), "shape", -1, where, source);
        long[] offsets = nonNegativeLongs(node.get("data_offsets"), "data_offsets", 2, where, source);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new CheckpointFormatException(source, where + "data_offsets [" + begin + ", " + end + "] end before begin");
        }
        long numel = HostTensor.numelOf(shape);
        long expectedBytes = numel < 0 ? -1 : multiplyOrMinusOne(numel, dtype.byteSize());
        if (expectedBytes != end - begin) {
            throw new CheckpointFormatException(source, where + "shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + (expectedBytes < 0 ? "more than 2^63" : String.valueOf(expectedBytes))
                    + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        if (expectedBytes > HostTensor.MAX_BYTES) {
            throw new CheckpointFormatException(source, where + expectedBytes + " bytes exceed the limit of " + HostTensor.MAX_BYTES + " per tensor");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long multiplyOrMinusOne(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** A JSON array of non-negative integers (of {@code length} elements unless it is -1). */
    private static long[] nonNegativeLongs(JsonNode node, String field, int length, String where, String source)
            throws CheckpointFormatException {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw new CheckpointFormatException(source, where + "'" + field + "' is missing or not an array"
                    + (length >= 0 ? " of " + length + " integers" : " of integers"));
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new CheckpointFormatException(source, where + "'" + field + "' holds " + v + ", not a non-negative integer");
            }
            out[i] = v.asLong();
        }
        return out;
    }

    /** The byte ranges, sorted by begin, must cover [0, dataLength) exactly, one after the other. */
    private static void checkTiling(List<Entry> entries, long dataLength, String source) throws CheckpointFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long position = 0;
        for (Entry e : sorted) {
            if (e.begin != position) {
                throw new CheckpointFormatException(source, "tensor '" + e.name + "': data_offsets [" + e.begin + ", " + e.end + "] "
                        + (e.begin < position ? "overlap the previous tensor, which ends at " : "leave a gap after offset ") + position);
            }
            if (e.end > dataLength) {
                throw new CheckpointFormatException(source, "tensor '" + e.name + "': data_offsets [" + e.begin + ", " + e.end
                        + "] run past the end of the data area (" + dataLength + " bytes; truncated file?)");
            }
            position = e.end;
        }
        if (position != dataLength) {
            throw new CheckpointFormatException(source, "the tensors cover " + position + " bytes of a data area of " + dataLength
                    + " bytes (truncated or padded file)");
        }
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int length, String source) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) throw new CheckpointFormatException(source, "unexpected end of file at byte " + (position + buf.position()));
        }
        return buf.flip();
    }

    /**
     * Writes a safetensors file atomically, tensors in the state dict's order, header padded with
     * spaces to a multiple of 8 bytes; the metadata gets {@code "format": "pt"} unless it has a
     * format (HuggingFace refuses files without it).
     */
    public static void write(Path file, StateDict stateDict) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode metadata = header.putObject(METADATA_KEY);
        metadata.put("format", "pt");
        stateDict.metadata().forEach(metadata::put);
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : stateDict.tensors().entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) throw new IllegalArgumentException("a tensor may not be named " + METADATA_KEY);
            HostTensor t = e.getValue();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            entry.putArray("data_offsets").add(offset).add(offset + t.byteSize());
            offset += t.byteSize();
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padding = (8 - json.length % 8) % 8;
        byte[] padded = Arrays.copyOf(json, json.length + padding);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length).array());
            out.write(padded);
            for (HostTensor t : stateDict.tensors().values()) out.write(t.rawBytes());
        });
    }
}
