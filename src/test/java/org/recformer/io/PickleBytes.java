package org.recformer.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-written pickle programs for tests (protocol 2 opcodes, as torch.save emits them). */
final class PickleBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static PickleBytes proto2() {
        return new PickleBytes().op(0x80, 2);
    }

    PickleBytes op(int... bytes) {
        for (int b : bytes) out.write(b);
        return this;
    }

    PickleBytes global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X', b.length & 0xff, (b.length >>> 8) & 0xff, (b.length >>> 16) & 0xff, b.length >>> 24);
        out.writeBytes(b);
        return this;
    }

    PickleBytes int1(int v) {
        return op('K', v);
    }

    PickleBytes mark() {
        return op('(');
    }

    PickleBytes tuple() {
        return op('t');
    }

    PickleBytes reduce() {
        return op('R');
    }

    PickleBytes stop() {
        return op('.');
    }

    /** {@code OrderedDict()} on the stack. */
    PickleBytes orderedDict() {
        return global("collections", "OrderedDict").op(')').reduce();
    }

    /** A 1-D float tensor of {@code size} elements (stride 1) on storage {@code key} of {@code numel} floats. */
    PickleBytes tensor(String key, int numel, int offset, int size) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().str("storage").global("torch", "FloatStorage").str(key).str("cpu").int1(numel).tuple().op('Q');
        int1(offset).int1(size).op(0x85).int1(1).op(0x85).op(0x89).orderedDict();
        return tuple().reduce();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
