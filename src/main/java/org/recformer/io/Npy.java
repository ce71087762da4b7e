package org.recformer.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The numpy {@code .npy} format: magic {@code \x93NUMPY}, version, header length, a Python dict
 * literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }} padded with spaces
 * and a newline to a multiple of 64 bytes, then the C-order data. Reads little-endian float32,
 * float64, int64, int32 and bool arrays (versions 1.0 to 3.0); writes float32 and int64 (1.0).
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {
    }

    /** Reads an array; its dtype is the file's. */
    public static HostTensor read(Path file) throws IOException {
        String source = file.toString();
        long fileSize = Files.size(file);
        if (fileSize > HostTensor.MAX_BYTES + 65536) {
            throw new CheckpointFormatException(source, "file of " + fileSize + " bytes is larger than one array may be");
        }
        return parse(Files.readAllBytes(file), source);
    }

    static HostTensor parse(byte[] bytes, String source) throws CheckpointFormatException {
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new CheckpointFormatException(source, "not a .npy file (missing the \\x93NUMPY magic)");
        }
        int major = bytes[6];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = b.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) throw new CheckpointFormatException(source, "truncated .npy preamble");
            headerLength = b.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new CheckpointFormatException(source, "unsupported .npy version " + major + "." + bytes[7]);
        }
        if (headerStart + headerLength > bytes.length) {
            throw new CheckpointFormatException(source, "header length " + headerLength + " runs past the end of the file (" + bytes.length + " bytes)");
        }
        String header = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader h = NpyHeader.parse(header, source);
        DType dtype = switch (h.descr()) {
            case "<f4" -> DType.F32;
            case "<f8" -> DType.F64;
            case "<i8" -> DType.I64;
            case "<i4" -> DType.I32;
            case "|b1" -> DType.BOOL;
            default -> throw new CheckpointFormatException(source, "unsupported dtype '" + h.descr() + "' (expected <f4, <f8, <i8, <i4 or |b1)");
        };
        if (h.fortranOrder()) {
            throw new CheckpointFormatException(source, "Fortran-order arrays are not supported (save with C order)");
        }
        long numel = HostTensor.numelOf(h.shape());
        int dataStart = headerStart + (int) headerLength;
        long available = bytes.length - dataStart;
        if (numel < 0 || numel > available / dtype.byteSize() || numel * dtype.byteSize() != available) {
            throw new CheckpointFormatException(source, "shape " + Arrays.toString(h.shape()) + " of " + h.descr() + " needs "
                    + (numel < 0 ? "more than 2^63" : "" + numel * dtype.byteSize()) + " data bytes but the file holds " + available);
        }
        return new HostTensor(dtype, h.shape(), Arrays.copyOfRange(bytes, dataStart, bytes.length));
    }

    /** Writes a float32 or int64 array (format version 1.0), atomically. */
    public static void write(Path file, HostTensor tensor) throws IOException {
        String descr = switch (tensor.dtype()) {
            case F32 -> "<f4";
            case I64 -> "<i8";
            default -> throw new IllegalArgumentException(file + ": .npy writing supports F32 and I64, not " + tensor.dtype());
        };
        long[] shape = tensor.shape();
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) dims.append(i > 0 ? ", " : "").append(shape[i]);
        if (shape.length == 1) dims.append(',');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = MAGIC.length + 4 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        if (header.length() > 0xffff) throw new IllegalArgumentException(file + ": shape too long for a .npy 1.0 header");
        AtomicFiles.write(file, out -> {
            out.write(MAGIC);
            out.write(new byte[] {1, 0, (byte) header.length(), (byte) (header.length() >>> 8)});
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            out.write(tensor.rawBytes());
        });
    }

    /** The parsed header dict. */
    record NpyHeader(String descr, boolean fortranOrder, long[] shape) {
        /** Parses the dict literal numpy writes (keys in any order, optional trailing comma). */
        static NpyHeader parse(String header, String source) throws CheckpointFormatException {
            String s = header.strip();
            if (!s.startsWith("{") || !s.endsWith("}")) {
                throw new CheckpointFormatException(source, "header is not a dict literal: " + abbreviate(s));
            }
            String descr = null;
            Boolean fortran = null;
            long[] shape = null;
            Tokens t = new Tokens(s.substring(1, s.length() - 1), source);
            while (t.skipSpaces()) {
                String key = t.quoted();
                t.expect(':');
                switch (key) {
                    case "descr" -> descr = t.quoted();
                    case "fortran_order" -> fortran = t.bool();
                    case "shape" -> shape = t.tuple();
                    default -> throw new CheckpointFormatException(source, "unexpected header key '" + key + "'");
                }
                if (t.skipSpaces()) t.expect(',');
            }
            if (descr == null || fortran == null || shape == null) {
                throw new CheckpointFormatException(source, "header lacks descr, fortran_order or shape: " + abbreviate(s));
            }
            return new NpyHeader(descr, fortran, shape);
        }

        private static String abbreviate(String s) {
            return s.length() > 120 ? s.substring(0, 120) + "..." : s;
        }
    }

    /** A cursor over the header dict's body. */
    private static final class Tokens {
        private final String s;
        private final String source;
        private int pos;

        Tokens(String s, String source) {
            this.s = s;
            this.source = source;
        }

        /** Skips blanks; true if anything is left. */
        boolean skipSpaces() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
            return pos < s.length();
        }

        void expect(char c) throws CheckpointFormatException {
            skipSpaces();
            if (pos >= s.length() || s.charAt(pos) != c) throw error("expected '" + c + "'");
            pos++;
        }

        String quoted() throws CheckpointFormatException {
            skipSpaces();
            if (pos >= s.length() || (s.charAt(pos) != '\'' && s.charAt(pos) != '"')) throw error("expected a quoted string");
            char q = s.charAt(pos);
            int end = s.indexOf(q, pos + 1);
            if (end < 0) throw error("unterminated string");
            String out = s.substring(pos + 1, end);
            pos = end + 1;
            return out;
        }

        boolean bool() throws CheckpointFormatException {
            skipSpaces();
            if (s.startsWith("True", pos)) {
                pos += 4;
                return true;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return false;
            }
            throw error("expected True or False");
        }

        long[] tuple() throws CheckpointFormatException {
            expect('(');
            List<Long> dims = new ArrayList<>();
            while (true) {
                skipSpaces();
                if (pos < s.length() && s.charAt(pos) == ')') break;
                int start = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                if (start == pos || pos - start > 18) throw error("expected a dimension");
                dims.add(Long.parseLong(s.substring(start, pos)));
                skipSpaces();
                if (pos < s.length() && s.charAt(pos) == ',') pos++;
            }
            pos++;
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private CheckpointFormatException error(String what) {
            return new CheckpointFormatException(source, "bad .npy header at character " + pos + ": " + what);
        }
    }
}
