package org.recformer.io.pickle;

import org.recformer.io.CheckpointFormatException;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small pickle virtual machine for the opcodes of protocols 2 to 5 that data (not code) needs:
 * numbers, strings, bytes, tuples, lists, dicts, the memo, persistent ids, and REDUCE / BUILD on
 * globals from an allow-list. Python values become Java values: None -> null, bool -> Boolean,
 * int -> Long (BigInteger beyond 64 bits), float -> Double, str -> String, bytes -> byte[],
 * tuple -> {@link PickleTuple}, list -> ArrayList, dict -> LinkedHashMap (string, number, bool or
 * None keys only). Every read is bounds-checked; any problem is a {@link CheckpointFormatException}
 * naming the source and the byte offset.
 */
public final class Unpickler {
    private final byte[] data;
    private final String source;
    private final PickleGlobals globals;
    private final PersistentLoader persistentLoader;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final long maxOpcodes;
    private int pos;
    private int opcodeStart;
    private long opcodes;

    /**
     * @param maxOpcodes the most opcodes the pickle may run. Every value, container element, memo
     *     entry and MARK costs at least one opcode, so this bounds all that the pickle can build
     *     (a state dict needs a few dozen per tensor); a pickle past it is refused, not run on.
     */
    public Unpickler(byte[] data, String source, PickleGlobals globals, PersistentLoader persistentLoader, long maxOpcodes) {
        this.data = data;
        this.source = source;
        this.globals = globals;
        this.persistentLoader = persistentLoader;
        this.maxOpcodes = maxOpcodes;
    }

    /** Runs the pickle to its STOP and returns the value it built. */
    public Object load() throws CheckpointFormatException {
        while (pos < data.length) {
            opcodeStart = pos;
            if (++opcodes > maxOpcodes) {
                throw error("the pickle runs more than " + maxOpcodes + " opcodes, far more than the tensors of this file"
                        + " need; refusing it");
            }
            int op = data[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int version = u8();
                    if (version < 2 || version > 5) throw error("unsupported pickle protocol " + version);
                }
                case 0x95 -> bytes(8); // FRAME: its length is not needed, the whole pickle is in memory
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) throw error("STOP with " + stack.size() + " values on the stack");
                    return stack.get(0);
                }
                case '(' -> marks.push(stack.size()); // MARK
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'J' -> push((long) le(4).getInt()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (le(2).getShort() & 0xffff)); // BININT2
                case 0x8a -> push(longOfBytes(u8())); // LONG1
                case 0x8b -> push(longOfBytes(length(le(4).getInt() & 0xffffffffL, 1 << 16))); // LONG4
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).getDouble()); // BINFLOAT (big-endian)
                case 'X' -> push(utf8(bytes(length(le(4).getInt() & 0xffffffffL, remaining())))); // BINUNICODE
                case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(bytes(length(le(8).getLong(), remaining())))); // BINUNICODE8
                case 'T' -> push(latin1(bytes(length(le(4).getInt(), remaining())))); // BINSTRING
                case 'U' -> push(latin1(bytes(u8()))); // SHORT_BINSTRING
                case 'B' -> push(bytes(length(le(4).getInt() & 0xffffffffL, remaining()))); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e -> push(bytes(length(le(8).getLong(), remaining()))); // BINBYTES8
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ')' -> push(new PickleTuple()); // EMPTY_TUPLE
                case 't' -> push(new PickleTuple(popMark().toArray())); // TUPLE
                case 0x85 -> push(new PickleTuple(pop())); // TUPLE1
                case 0x86 -> { Object b = pop(); Object a = pop(); push(new PickleTuple(a, b)); } // TUPLE2
                case 0x87 -> { Object c = pop(); Object b = pop(); Object a = pop(); push(new PickleTuple(a, b, c)); } // TUPLE3
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 'd' -> { Map<Object, Object> d = new LinkedHashMap<>(); putPairs(d, popMark()); push(d); } // DICT
                case 'a' -> { Object v = pop(); list(peek(), "APPEND").add(v); } // APPEND
                case 'e' -> { List<Object> items = popMark(); list(peek(), "APPENDS").addAll(items); } // APPENDS
                case 's' -> { Object v = pop(); Object k = pop(); put(dict(peek(), "SETITEM"), k, v); } // SETITEM
                case 'u' -> { List<Object> items = popMark(); putPairs(dict(peek(), "SETITEMS"), items); } // SETITEMS
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { Object name = pop(); Object module = pop(); push(global(string(module), string(name))); } // STACK_GLOBAL
                case 'R' -> reduce(); // REDUCE
                case 'b' -> build(); // BUILD
                case 'Q' -> push(persistentLoader.load(pop(), where())); // BINPERSID
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put(le(4).getInt() & 0xffffffffL, peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(le(4).getInt() & 0xffffffffL)); // LONG_BINGET
                default -> throw error(String.format("unsupported pickle opcode 0x%02x", op));
            }
        }
        throw error("pickle ends without STOP");
    }

    // ---------------------------------------------------------------- stack

    private void push(Object o) {
        stack.add(o);
    }

    /** Pops the top value; values below the last MARK are out of reach, as in Python. */
    private Object pop() throws CheckpointFormatException {
        checkNotEmpty();
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws CheckpointFormatException {
        checkNotEmpty();
        return stack.get(stack.size() - 1);
    }

    private void checkNotEmpty() throws CheckpointFormatException {
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (stack.size() <= floor) throw error("stack underflow");
    }

    /** Removes and returns everything above the last MARK. */
    private List<Object> popMark() throws CheckpointFormatException {
        if (marks.isEmpty()) throw error("no MARK on the stack");
        int mark = marks.pop();
        List<Object> top = stack.subList(mark, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private Object memoGet(long key) throws CheckpointFormatException {
        if (!memo.containsKey(key)) throw error("memo key " + key + " was never stored");
        return memo.get(key);
    }

    // ---------------------------------------------------------------- reading bytes

    private int remaining() {
        return data.length - pos;
    }

    private void need(int n, String what) throws CheckpointFormatException {
        if (n > remaining()) throw error(what + " needs " + n + " bytes but the pickle ends after " + remaining());
    }

    private int u8() throws CheckpointFormatException {
        need(1, "argument");
        return data[pos++] & 0xff;
    }

    private ByteBuffer le(int n) throws CheckpointFormatException {
        return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private byte[] bytes(int n) throws CheckpointFormatException {
        need(n, "argument");
        byte[] out = new byte[n];
        System.arraycopy(data, pos, out, 0, n);
        pos += n;
        return out;
    }

    /** A length argument, checked against {@code max} before anything is allocated. */
    private int length(long n, int max) throws CheckpointFormatException {
        if (n < 0 || n > max) throw error("length " + n + " exceeds the " + max + " bytes available");
        return (int) n;
    }

    /** A newline-terminated ASCII line (GLOBAL's arguments). */
    private String line() throws CheckpointFormatException {
        int start = pos;
        while (pos < data.length && pos - start < 256 && data[pos] != '\n') pos++;
        if (pos >= data.length || data[pos] != '\n') throw error("GLOBAL argument is not a line of at most 256 bytes");
        String s = utf8(Arrays.copyOfRange(data, start, pos));
        pos++;
        return s;
    }

    private String utf8(byte[] b) throws CheckpointFormatException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw error("string is not valid UTF-8");
        }
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Two's-complement little-endian integer of n bytes. */
    private Object longOfBytes(int n) throws CheckpointFormatException {
        byte[] le = bytes(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    // ---------------------------------------------------------------- containers

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String op) throws CheckpointFormatException {
        if (!(o instanceof ArrayList)) throw error(op + " on " + describe(o) + ", not a list");
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, String op) throws CheckpointFormatException {
        if (!(o instanceof LinkedHashMap)) throw error(op + " on " + describe(o) + ", not a dict");
        return (Map<Object, Object>) o;
    }

    private void putPairs(Map<Object, Object> d, List<Object> items) throws CheckpointFormatException {
        if (items.size() % 2 != 0) throw error("odd number of items for a dict");
        for (int i = 0; i < items.size(); i += 2) put(d, items.get(i), items.get(i + 1));
    }

    private void put(Map<Object, Object> d, Object key, Object value) throws CheckpointFormatException {
        boolean plain = key == null || key instanceof String || key instanceof Long || key instanceof BigInteger
                || key instanceof Double || key instanceof Boolean;
        if (!plain) throw error("a dict key that is " + describe(key) + " is not supported");
        d.put(key, value);
    }

    private String string(Object o) throws CheckpointFormatException {
        if (!(o instanceof String s)) throw error("expected a str, found " + describe(o));
        return s;
    }

    // ---------------------------------------------------------------- globals

    private Object global(String module, String name) throws CheckpointFormatException {
        Object g = globals.resolve(module, name);
        if (g == null) {
            throw error("refusing global '" + module + "." + name + "': not a tensor or state-dict type, and a checkpoint must never run code");
        }
        return g;
    }

    private void reduce() throws CheckpointFormatException {
        Object args = pop();
        Object callable = pop();
        if (!(callable instanceof PickleCallable c)) throw error("REDUCE on " + describe(callable) + ", which is not callable");
        if (!(args instanceof PickleTuple t)) throw error("REDUCE arguments are " + describe(args) + ", not a tuple");
        push(c.call(t, where()));
    }

    /**
     * BUILD sets an object's state. Only dicts (an OrderedDict's attributes such as a state
     * dict's {@code _metadata}) are accepted, and the state is dropped: it holds no tensors.
     */
    private void build() throws CheckpointFormatException {
        Object state = pop();
        Object target = peek();
        if (!(target instanceof LinkedHashMap)) throw error("BUILD on " + describe(target) + " is not supported");
        boolean attributes = state == null || state instanceof LinkedHashMap
                || (state instanceof PickleTuple t && t.size() == 2);
        if (!attributes) throw error("BUILD of a dict with " + describe(state) + " state is not supported");
    }

    // ---------------------------------------------------------------- errors

    /** "byte N" of this pickle, for messages. */
    private String where() {
        return "byte " + opcodeStart;
    }

    private CheckpointFormatException error(String message) {
        return new CheckpointFormatException(source, message + " (pickle byte " + opcodeStart + ")");
    }

    /** The Python type of a value with its article ("an int", "a dict"), never the value: it may be huge or cyclic. */
    public static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof String) return "a str";
        if (o instanceof Long || o instanceof BigInteger) return "an int";
        if (o instanceof Double) return "a float";
        if (o instanceof Boolean) return "a bool";
        if (o instanceof byte[]) return "bytes";
        if (o instanceof PickleTuple) return "a tuple";
        if (o instanceof List) return "a list";
        if (o instanceof Map) return "a dict";
        return "a " + o.getClass().getSimpleName();
    }
}
