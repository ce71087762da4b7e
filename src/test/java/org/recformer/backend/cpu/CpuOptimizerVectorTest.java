package org.recformer.backend.cpu;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The optimizer's Vector API loops against its plain loops, bit for bit: the AdamW update of every
 * element of a range (and none outside it), whatever the range's remainder to the lane count, and
 * the sum of squares in the same order; the sum also against an exact one.
 */
class CpuOptimizerVectorTest {
    @BeforeAll
    static void vectorApi() {
        Assertions.assertTrue(CpuMatmul.vectorAvailable(), "tests should run with jdk.incubator.vector");
    }

    /** Gradients over many magnitudes, with zeros, one infinity and one NaN. */
    private static float[] values(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-8, 3)));
        for (int i = 0; i < n; i += 13) x[i] = 0f;
        if (n > 40) {
            x[17] = Float.POSITIVE_INFINITY;
            x[40] = Float.NaN;
        }
        return x;
    }

    @ParameterizedTest(name = "[{0}, {1})")
    @CsvSource({"0, 0", "0, 1", "0, 7", "3, 20", "1, 64", "5, 1000", "0, 4099"})
    void adamwIsThePlainLoopBitForBit(int from, int to) {
        int n = to + 9;
        float[] g = values(n, 1), p = values(n, 2), m = values(n, 3), v = values(n, 4);
        for (int i = 0; i < n; i++) v[i] = Math.abs(v[i]); // second moments are never negative
        float[] pv = p.clone(), mv = m.clone(), vv = v.clone(), pp = p.clone(), mp = m.clone(), vp = v.clone();
        for (int step = 1; step <= 3; step++) {
            double bc2Sqrt = Math.sqrt(1 - Math.pow(0.999, step));
            float stepSize = (float) (1e-3 / (1 - Math.pow(0.9, step)));
            CpuOptimizer.adamw(pv, g, mv, vv, from, to, 0.7f, 0.9f, 0.999f, 1e-8f, stepSize, 0.99f, bc2Sqrt, true);
            CpuOptimizer.adamw(pp, g, mp, vp, from, to, 0.7f, 0.9f, 0.999f, 1e-8f, stepSize, 0.99f, bc2Sqrt, false);
        }
        for (int i = 0; i < n; i++) {
            if (i < from || i >= to) { // untouched outside the range
                Assertions.assertEquals(Float.floatToIntBits(p[i]), Float.floatToIntBits(pv[i]), "p[" + i + "] outside");
                Assertions.assertEquals(Float.floatToIntBits(v[i]), Float.floatToIntBits(vv[i]), "v[" + i + "] outside");
            }
            Assertions.assertEquals(Float.floatToIntBits(pp[i]), Float.floatToIntBits(pv[i]), "p[" + i + "]");
            Assertions.assertEquals(Float.floatToIntBits(mp[i]), Float.floatToIntBits(mv[i]), "m[" + i + "]");
            Assertions.assertEquals(Float.floatToIntBits(vp[i]), Float.floatToIntBits(vv[i]), "v[" + i + "]");
        }
    }

    @ParameterizedTest(name = "[{0}, {1})")
    @CsvSource({"0, 0", "0, 1", "0, 7", "0, 8", "0, 9", "3, 20", "5, 1000", "0, 65536", "11, 100003"})
    void sumOfSquaresIsThePlainLoopBitForBitAndCloseToExact(int from, int to) {
        float[] x = values(to + 3, 5);
        x[Math.min(17, x.length - 1)] = 1.5f; // finite values only here
        x[Math.min(40, x.length - 1)] = -2f;
        double vector = CpuOptimizer.sumOfSquares(x, from, to, true);
        double plain = CpuOptimizer.sumOfSquares(x, from, to, false);
        Assertions.assertEquals(Double.doubleToLongBits(plain), Double.doubleToLongBits(vector));
        BigDecimal exact = BigDecimal.ZERO;
        for (int i = from; i < to; i++) exact = exact.add(new BigDecimal((double) x[i] * x[i]));
        // each term exact in double; a sum of n terms in double is within n ulps of the exact sum
        double bound = Math.max(1, to - from) * Math.ulp(exact.doubleValue());
        Assertions.assertEquals(exact.round(MathContext.DECIMAL64).doubleValue(), plain, bound);
        // the elements outside the range are not read
        float[] poisoned = Arrays.copyOf(x, x.length);
        Arrays.fill(poisoned, 0, from, Float.NaN);
        Arrays.fill(poisoned, to, poisoned.length, Float.NaN);
        Assertions.assertEquals(Double.doubleToLongBits(vector), Double.doubleToLongBits(CpuOptimizer.sumOfSquares(poisoned, from, to, true)));
    }
}
