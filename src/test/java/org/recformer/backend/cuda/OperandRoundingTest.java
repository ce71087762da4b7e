package org.recformer.backend.cuda;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.recformer.tensor.Precision;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Java rounding helpers against bit patterns worked out by hand (the kernels are checked against these in CudaPrecisionTest). */
class OperandRoundingTest {

    private static void assertBits(long expected, float actual, String what) {
        assertEquals(String.format("0x%08x", expected), String.format("0x%08x", Float.floatToRawIntBits(actual)), what);
    }

    /**
     * TF32 keeps 10 of the 23 mantissa bits (half of the dropped 13 bits is 0x1000), ties away from
     * zero; BF16 keeps the upper 16 bits, 7 mantissa bits (half of the dropped part is 0x8000), ties
     * to the even kept value.
     */
    @ParameterizedTest(name = "{0} {3}: {1} -> {2}")
    @CsvSource({
            "TF32, 0x3f800000, 0x3f800000, 1.0 exact",
            "TF32, 0x3f800fff, 0x3f800000, just below the tie: down",
            "TF32, 0x3f801000, 0x3f802000, tie with an even kept bit: away from zero (nearest-even would go down)",
            "TF32, 0x3f803000, 0x3f804000, tie with an odd kept bit: away from zero",
            "TF32, 0xbf801000, 0xbf802000, negative tie: away from zero (more negative)",
            "TF32, 0x3f801001, 0x3f802000, just above the tie: up",
            "TF32, 0x3fffffff, 0x40000000, carry into the exponent: 2 - 2^-23 -> 2",
            "TF32, 0x00001000, 0x00002000, subnormal tie: away from zero",
            "TF32, 0x00000fff, 0x00000000, subnormal below the tie: +0",
            "TF32, 0x80000fff, 0x80000000, negative subnormal below the tie: -0",
            "TF32, 0x007ff000, 0x00800000, largest subnormals round up to the smallest normal",
            "TF32, 0x7f7fefff, 0x7f7fe000, below the largest TF32's tie: largest TF32",
            "TF32, 0x7f7fffff, 0x7f800000, FLT_MAX: past the largest TF32's tie: infinity",
            "TF32, 0x7f800000, 0x7f800000, +infinity stays",
            "TF32, 0xff800000, 0xff800000, -infinity stays",
            "TF32, 0x7f800001, 0x7fc00000, signalling NaN with only low payload bits: quiet NaN (not infinity)",
            "TF32, 0xffc00123, 0xffc00000, negative NaN: quiet NaN of its sign",
            "BF16, 0x3f800000, 0x3f800000, 1.0 exact",
            "BF16, 0x3f807fff, 0x3f800000, just below the tie: down",
            "BF16, 0x3f808000, 0x3f800000, tie with an even kept bit: stays (ties-away would go up)",
            "BF16, 0x3f818000, 0x3f820000, tie with an odd kept bit: up to even",
            "BF16, 0xbf818000, 0xbf820000, negative tie with an odd kept bit: to even (more negative)",
            "BF16, 0x3f808001, 0x3f810000, just above the tie: up",
            "BF16, 0x3fff8000, 0x40000000, tie carrying into the exponent: 2",
            "BF16, 0x00008000, 0x00000000, subnormal tie with an even kept bit: +0",
            "BF16, 0x00018000, 0x00020000, subnormal tie with an odd kept bit: up",
            "BF16, 0x0000ffff, 0x00010000, subnormal above the tie: up",
            "BF16, 0x7f7f7fff, 0x7f7f0000, below the largest BF16's tie: largest BF16",
            "BF16, 0x7f7f8000, 0x7f800000, tie at the largest BF16 (odd): infinity",
            "BF16, 0x7f800000, 0x7f800000, +infinity stays",
            "BF16, 0xff800000, 0xff800000, -infinity stays",
            "BF16, 0x7f800001, 0x7fc00000, signalling NaN with only low payload bits: quiet NaN (not infinity)",
            "BF16, 0xff80ffff, 0xffc00000, negative NaN: quiet NaN of its sign",
    })
    void rounds(Precision precision, String in, String out, String what) {
        assertBits(Long.decode(out), OperandRounding.round(Float.intBitsToFloat(Long.decode(in).intValue()), precision), what);
    }
}
