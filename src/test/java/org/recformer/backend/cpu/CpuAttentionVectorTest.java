package org.recformer.backend.cpu;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attention's Vector API exp against {@link Math#exp} in double rounded to float: within one
 * float step of it down to the underflow limit, 0 below it and at -infinity, NaN for NaN; the sum it
 * returns is the sum of the true values to float precision; only [from, to) is written, all of it,
 * whatever the length's remainder to the lane count. The dropout stream's random bits on long lanes
 * equal the scalar SplitMix64 bit for bit, and decide as {@link CpuAttention#dropoutMultiplier} does. A softmax
 * row's maximum is the largest element of its range and nothing outside it.
 */
class CpuAttentionVectorTest {
    @BeforeAll
    static void vectorApi() {
        Assertions.assertTrue(CpuMatmul.vectorAvailable(), "tests should run with jdk.incubator.vector");
    }

    @Test
    void withinOneFloatStepOfMathExpDownToTheUnderflowLimit() {
        int n = 2_000_001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -90f + i * (95f / (n - 1)); // [-90, 5]: shifted by 2 below
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 100_000; i++) x[random.nextInt(n)] = (float) (-random.nextDouble() * 87);
        float[] e = x.clone();
        CpuAttentionVector.expShifted(e, 0, n, 2f, new float[CpuPackedProduct.NR]);
        for (int i = 0; i < n; i++) {
            float t = x[i] - 2f;
            float want = (float) Math.exp(t), got = e[i];
            if (t >= CpuAttentionVector.UNDERFLOW) {
                assertTrue(Math.abs(got - want) <= Math.ulp(want), () -> "exp(" + t + ") = " + got + ", Math.exp gives " + want);
            } else {
                assertTrue(got == 0f && want < 1.7e-38f, () -> "exp(" + t + ") = " + got + " below the underflow limit");
            }
        }
    }

    @Test
    void infinitiesAndNaN() {
        float[] x = new float[32];
        Arrays.fill(x, -1f);
        x[3] = Float.NEGATIVE_INFINITY;
        x[7] = Float.NaN;
        x[20] = -Float.MAX_VALUE;
        CpuAttentionVector.expShifted(x, 0, 32, 0f, new float[CpuPackedProduct.NR]);
        assertEquals(0f, x[3], "exp(-inf)");
        assertTrue(Float.isNaN(x[7]), "exp(NaN)");
        assertEquals(0f, x[20], "exp(-max float)");
        assertEquals((float) Math.exp(-1), x[0], Math.ulp((float) Math.exp(-1)));
    }

    @Test
    void writesExactlyTheRangeAndReturnsItsSum() {
        SplittableRandom random = new SplittableRandom(9);
        for (int from : new int[] {0, 1, 5}) {
            for (int len = 0; len <= 70; len++) {
                float[] x = new float[from + len + 7];
                Arrays.fill(x, Float.NaN);
                double want = 0;
                for (int i = from; i < from + len; i++) {
                    x[i] = (float) (-random.nextDouble() * 20);
                    want += Math.exp(x[i] - 0.5f);
                }
                float sum = CpuAttentionVector.expShifted(x, from, from + len, 0.5f, new float[CpuPackedProduct.NR]);
                for (int i = 0; i < x.length; i++) {
                    boolean inside = i >= from && i < from + len;
                    int at = i, l = len;
                    assertEquals(inside, !Float.isNaN(x[i]), () -> "element " + at + " of from " + from + ", length " + l);
                }
                assertEquals(want, sum, 1e-6 * Math.max(want, 1e-30), "sum over length " + len);
            }
        }
    }

    /** Every length and offset around the lane count, the largest anywhere in the range (NaN elsewhere), -infinity among the values. */
    @Test
    void maxIsTheLargestOfTheRangeOnly() {
        SplittableRandom random = new SplittableRandom(13);
        for (int from : new int[] {0, 1, 5}) {
            for (int len = 1; len <= 70; len++) {
                for (int top = 0; top < len; top++) {
                    float[] x = new float[from + len + 7];
                    Arrays.fill(x, Float.NaN);
                    for (int i = from; i < from + len; i++) x[i] = random.nextInt(4) == 0 ? Float.NEGATIVE_INFINITY : (float) -random.nextDouble(1, 30);
                    x[from + top] = -0.5f;
                    int at = top, l = len;
                    assertEquals(-0.5f, CpuAttentionVector.max(x, from, from + len), () -> "largest at " + at + " of length " + l + " from " + from);
                }
            }
        }
        assertEquals(Float.NEGATIVE_INFINITY, CpuAttentionVector.max(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 0, 2));
        assertEquals(Float.NEGATIVE_INFINITY, CpuAttentionVector.max(new float[4], 2, 2), "empty range");
    }

    @Test
    void randomBitsEqualTheScalarStream() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 200; trial++) {
            long seed = random.nextLong(), counter = trial < 100 ? random.nextInt(1 << 30) : random.nextLong() >>> 1;
            int n = random.nextInt(40);
            long[] bits = new long[n + 3];
            Arrays.fill(bits, -1L);
            CpuAttentionVector.randomBits(seed, counter, n, bits);
            for (int c = 0; c < n; c++) assertEquals(CounterRandom.bits(seed, counter + c), bits[c], "bits " + c + " of " + n);
            for (int c = n; c < bits.length; c++) assertEquals(-1L, bits[c], "past the run");
        }
    }

    @Test
    void theThresholdDecidesAsTheUniformDoes() {
        SplittableRandom random = new SplittableRandom(12);
        for (int trial = 0; trial < 100_000; trial++) {
            float p = trial % 3 == 0 ? (float) random.nextDouble() : random.nextInt(1 << 24) * 0x1.0p-24f;
            long bits = trial % 2 == 0 ? random.nextLong(1 << 24) : CounterRandom.keepThreshold(p) - 1 + random.nextInt(3);
            boolean keep = bits * 0x1.0p-24f >= p;
            assertEquals(keep, bits >= CounterRandom.keepThreshold(p), "bits " + bits + ", p " + p);
        }
    }
}
