package org.recformer.convert;

import java.nio.charset.StandardCharsets;

/**
 * Reads the protobuf wire format field by field (varint, 64-bit, length-delimited, 32-bit): just
 * enough to walk an ONNX model's messages. A malformed message is an {@link IllegalArgumentException}
 * naming {@code what} and the byte offset.
 */
final class ProtobufReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] bytes;
    private final String what;
    private int at;
    private final int end;
    private int tag;

    ProtobufReader(byte[] bytes, int from, int to, String what) {
        this.bytes = bytes;
        this.at = from;
        this.end = to;
        this.what = what;
    }

    /** Moves to the next field; false at the end of the message. */
    boolean next() {
        if (at >= end) return false;
        long key = varint();
        tag = (int) key;
        if (field() == 0) throw malformed("field number 0");
        return true;
    }

    int field() {
        return tag >>> 3;
    }

    int wireType() {
        return tag & 7;
    }

    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at >= end) throw malformed("varint runs past the end");
            byte b = bytes[at++];
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) return value;
        }
        throw malformed("varint longer than 10 bytes");
    }

    /** The [from, to) byte range of a length-delimited field's payload; moves past it. */
    int[] span() {
        if (wireType() != LENGTH_DELIMITED) throw malformed("field " + field() + " has wire type " + wireType() + ", expected 2 (bytes)");
        long length = varint();
        if (length < 0 || length > end - at) throw malformed("field " + field() + " of " + length + " bytes runs past the end");
        int from = at;
        at += (int) length;
        return new int[] {from, at};
    }

    ProtobufReader message() {
        int[] s = span();
        return new ProtobufReader(bytes, s[0], s[1], what);
    }

    String string() {
        int[] s = span();
        return new String(bytes, s[0], s[1] - s[0], StandardCharsets.UTF_8);
    }

    /** Skips the current field's value. */
    void skip() {
        switch (wireType()) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> span();
            case FIXED32 -> advance(4);
            default -> throw malformed("unsupported wire type " + wireType() + " of field " + field());
        }
    }

    /** Appends the int64 values of a repeated field, packed or not. */
    void int64s(LongList out) {
        if (wireType() == LENGTH_DELIMITED) {
            int[] s = span();
            ProtobufReader packed = new ProtobufReader(bytes, s[0], s[1], what);
            while (packed.at < packed.end) out.add(packed.varint());
        } else {
            out.add(varint());
        }
    }

    /** The value of a 32-bit field as a little-endian float. */
    float float32() {
        if (wireType() != FIXED32) throw malformed("field " + field() + " has wire type " + wireType() + ", expected 5 (32-bit)");
        advance(4);
        return Float.intBitsToFloat((bytes[at - 4] & 0xff) | (bytes[at - 3] & 0xff) << 8 | (bytes[at - 2] & 0xff) << 16 | (bytes[at - 1] & 0xff) << 24);
    }

    byte[] bytes() {
        return bytes;
    }

    private void advance(int n) {
        if (n > end - at) throw malformed("fixed-size field runs past the end");
        at += n;
    }

    IllegalArgumentException malformed(String why) {
        return new IllegalArgumentException(what + ": not a valid ONNX (protobuf) file at byte " + at + ": " + why);
    }

    /** A growable long array. */
    static final class LongList {
        private long[] values = new long[4];
        private int size;

        void add(long v) {
            if (size == values.length) values = java.util.Arrays.copyOf(values, size * 2);
            values[size++] = v;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
