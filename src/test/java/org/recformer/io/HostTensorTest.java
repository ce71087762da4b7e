package org.recformer.io;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostTensorTest {
    /** IEEE binary16 decoded from its definition in double precision. */
    private static double halfByDefinition(int bits) {
        int sign = (bits >>> 15) == 1 ? -1 : 1;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) return mantissa == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        if (exponent == 0) return sign * Math.scalb(mantissa / 1024.0, -14);
        return sign * Math.scalb(1 + mantissa / 1024.0, exponent - 15);
    }

    @Test
    void everyHalfBitPatternConvertsExactly() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float got = HalfFloats.halfToFloat((short) bits);
            double want = halfByDefinition(bits);
            if (Double.isNaN(want)) {
                assertTrue(Float.isNaN(got), Integer.toHexString(bits));
            } else {
                assertEquals(want, got, 0.0, Integer.toHexString(bits));
                assertEquals(bits >>> 15 == 1, (Float.floatToRawIntBits(got) >>> 31) == 1, "sign of " + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void bfloat16IsTheUpperHalfOfFloat32() {
        assertEquals(1f, HalfFloats.bfloat16ToFloat((short) 0x3f80));
        assertEquals(-2.5f, HalfFloats.bfloat16ToFloat((short) 0xc020));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.bfloat16ToFloat((short) 0xff80));
    }

    @Test
    void convertsIntegerDtypes() {
        byte[] raw = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-3).putInt(1 << 30).array();
        HostTensor t = new HostTensor(DType.I32, new long[] {2}, raw);
        assertArrayEquals(new long[] {-3, 1 << 30}, t.toLongArray());
        assertArrayEquals(new float[] {-3f, 1 << 30}, t.toFloatArray());
        assertArrayEquals(new long[] {255, 1}, new HostTensor(DType.U8, new long[] {2}, new byte[] {-1, 1}).toLongArray());
        assertArrayEquals(new long[] {-1, 1}, new HostTensor(DType.I8, new long[] {2}, new byte[] {-1, 1}).toLongArray());
        assertThrows(IllegalStateException.class, () -> HostTensor.ofFloats(new float[] {1}, 1).toLongArray());
    }

    @Test
    void refusesDataThatDoesNotFitTheShape() {
        assertThrows(IllegalArgumentException.class, () -> HostTensor.ofFloats(new float[3], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new HostTensor(DType.F32, new long[] {-1}, new byte[0]));
        assertArrayEquals(new int[] {2, 3}, HostTensor.ofFloats(new float[6], 2, 3).intShape());
    }
}
