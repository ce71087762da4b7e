package org.recformer.io.pickle;

import org.junit.jupiter.api.Test;
import org.recformer.io.CheckpointFormatException;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnpicklerTest {
    /**
     * Python 3.11: {@code x = [7]; o = {'a': [1, -2, 300, 70000, 2**40, -2**70, 1.5, None, True,
     * False, 'héllo', (1,), (1,2), (1,2,3), (1,2,3,4), []], 'b': {}, 'c': x, 'd': x}},
     * {@code pickle.dumps(o, protocol=2).hex()}.
     */
    private static final String PROTOCOL_2 = "80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101008a0600000000"
            + "00018a090000000000000000c0473ff80000000000004e8889580600000068c3a96c6c6f71034b018571044b014b028671054b014b"
            + "024b03877106284b014b024b034b047471075d71086558010000006271097d710a580100000063710b5d710c4b0761580100000064"
            + "710d680c752e";
    /** The same with {@code o['e'] = b'\x00\x01'} and protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE, SHORT_BINBYTES). */
    private static final String PROTOCOL_4 = "80049581000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101008a06"
            + "0000000000018a090000000000000000c0473ff80000000000004e88898c0668c3a96c6c6f944b0185944b014b0286944b014b024b"
            + "038794284b014b024b034b0474945d94658c0162947d948c0163945d944b07618c016494680c8c0165944302000194752e";

    private static Object load(byte[] pickle) throws CheckpointFormatException {
        return new Unpickler(pickle, "test.pkl", (m, n) -> null, (pid, where) -> pid, 100_000).load();
    }

    @SuppressWarnings("unchecked")
    private static void checkValues(Map<Object, Object> o) {
        List<Object> a = (List<Object>) o.get("a");
        assertEquals(List.of(1L, -2L, 300L, 70000L, 1L << 40), a.subList(0, 5));
        assertEquals(BigInteger.TWO.pow(70).negate(), a.get(5));
        assertEquals(1.5, a.get(6));
        assertNull(a.get(7));
        assertEquals(true, a.get(8));
        assertEquals(false, a.get(9));
        assertEquals("h\u00e9llo", a.get(10));
        for (int n = 1; n <= 4; n++) {
            PickleTuple t = (PickleTuple) a.get(10 + n);
            assertEquals(n, t.size());
            for (int i = 0; i < n; i++) assertEquals((long) i + 1, t.get(i));
        }
        assertEquals(List.of(), a.get(15));
        assertEquals(Map.of(), o.get("b"));
        assertEquals(List.of(7L), o.get("c"));
        assertSame(o.get("c"), o.get("d"), "memo keeps identity");
    }

    @SuppressWarnings("unchecked")
    @Test
    void readsPythonsProtocol2And4Output() throws CheckpointFormatException {
        checkValues((Map<Object, Object>) load(HexFormat.of().parseHex(PROTOCOL_2)));
        Map<Object, Object> o4 = (Map<Object, Object>) load(HexFormat.of().parseHex(PROTOCOL_4));
        checkValues(o4);
        assertArrayEquals(new byte[] {0, 1}, (byte[]) o4.get("e"));
    }

    private static void fails(byte[] pickle, String fragment) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(pickle));
        assertTrue(e.getMessage().startsWith("test.pkl: ") && e.getMessage().contains(fragment), e.getMessage());
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    @Test
    void refusesMalformedPrograms() {
        fails(bytes(0x80, 2, 'a', '.'), "stack underflow (pickle byte 2)");
        fails(bytes(0x80, 2, 'h', 5, '.'), "memo key 5 was never stored");
        fails(bytes(0x80, 2, 'N'), "pickle ends without STOP");
        fails(bytes(0x80, 2, 'N', 'N', '.'), "STOP with 2 values");
        fails(bytes(0x80, 9), "unsupported pickle protocol 9");
        fails(bytes(0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, 'a', '.'), "length 2147483647 exceeds the 2 bytes available");
        fails(bytes(0x80, 2, 'J', 1, 2), "needs 4 bytes");
        fails(bytes(0x80, 2, 'u', '.'), "no MARK");
        fails(bytes(0x80, 2, 'N', 'K', 1, 'a', '.'), "APPEND on None, not a list");
        fails(bytes(0x80, 2, '}', ']', 'N', 's', '.'), "a dict key that is a list is not supported");
        fails(bytes(0x80, 2, '}', '(', 'N', 'u', '.'), "odd number of items");
        fails(bytes(0x80, 2, 'N', ')', 'R', '.'), "REDUCE on None, which is not callable");
        fails(bytes(0x80, 2, ']', '}', 'b', '.'), "BUILD on a list");
        fails(bytes(0x80, 2, 'X', 2, 0, 0, 0, 0xc3, 0x28, '.'), "not valid UTF-8");
        fails(bytes(0x80, 2, 'c', 'o', 's'), "GLOBAL argument is not a line");
        fails(bytes(0x80, 2, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', '.'), "refusing global 'os.system'");
        fails(bytes(0x80, 2, 0x81, '.'), "unsupported pickle opcode 0x81");
    }

    @Test
    void aCyclicListDoesNotHang() throws CheckpointFormatException {
        // l = []; l.append(l): EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, STOP
        Object l = load(bytes(0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'));
        assertSame(l, ((List<?>) l).get(0));
        assertEquals("a list", Unpickler.describe(l));
    }
}
