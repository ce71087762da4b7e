package org.recformer.backend.cpu;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The Vector API GELU against the plain loops' formula (Phi from {@link Erf} in double, rounded
 * once to float): every result within one float rounding of it, at the edges of Erf's three ranges,
 * over the whole line (where erfc underflows, infinities, NaN, signed zeros) and on random inputs;
 * only [from, to) written, all of it, whatever the length's remainder to the lane count and the
 * 512-element passes.
 */
class CpuGeluVectorTest {
    private static final double SQRT2 = Math.sqrt(2);

    @BeforeAll
    static void vectorApi() {
        Assertions.assertTrue(CpuMatmul.vectorAvailable(), "tests should run with jdk.incubator.vector");
    }

    /** The plain loops' x Phi(x). */
    private static float reference(float x) {
        return (float) (x * (0.5 * Erf.erfc(-x * CpuElementwise.SQRT1_2)));
    }

    /** The plain loops' g (Phi(x) + x phi(x)). */
    private static float referenceGradient(float x, float g) {
        double pdf = CpuElementwise.INV_SQRT_2PI * Math.exp(-0.5 * x * x);
        return (float) (g * (0.5 * Erf.erfc(-x * CpuElementwise.SQRT1_2) + x * pdf));
    }

    /** Inputs at and around every boundary the vector code treats apart, and across the line. */
    private static float[] inputs() {
        double[] edges = {0, Erf.SMALL_LIMIT * SQRT2, Erf.MIDDLE_LIMIT * SQRT2, 26.543 * SQRT2, Math.sqrt(2 * 708.0), 40, 1e4, 1e30};
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-20f, -1e-20f};
        float[] out = new float[edges.length * 2 * 41 + special.length + 20001 + 4096];
        int at = 0;
        for (double e : edges) {
            for (int sign = -1; sign <= 1; sign += 2) {
                float f = (float) (sign * e);
                for (int u = -20; u <= 20; u++) out[at++] = step(f, u);
            }
        }
        for (float s : special) out[at++] = s;
        for (int i = 0; i <= 20000; i++) out[at++] = -50f + i * 0.005f;
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 4096; i++) out[at++] = (float) (random.nextGaussian() * 3);
        return out;
    }

    /** f moved u float steps (u < 0: down). */
    private static float step(float f, int u) {
        for (int i = 0; i < Math.abs(u); i++) f = Math.nextAfter(f, u < 0 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        return f;
    }

    private static void assertWithinOneRounding(String what, float x, float expected, float actual) {
        assertWithinOneRounding(what, x, expected, actual, true);
    }

    /**
     * {@code zeroSign}: a zero must have the expected sign. The gradient's need not: where exp(-x^2 / 2)
     * underflows, the plain loops add +0 and -0 or a denormal, the vector code two tiny doubles.
     */
    private static void assertWithinOneRounding(String what, float x, float expected, float actual, boolean zeroSign) {
        if (Float.isNaN(expected)) {
            Assertions.assertTrue(Float.isNaN(actual), () -> what + "(" + x + "): expected NaN, got " + actual);
            return;
        }
        // ordered integer images of the floats: one step apart at most, same sign of zero
        int e = Float.floatToIntBits(expected), a = Float.floatToIntBits(actual);
        long ordered = (e < 0 ? Integer.MIN_VALUE - (long) e : e) - (long) (a < 0 ? Integer.MIN_VALUE - (long) a : a);
        Assertions.assertTrue(expected == 0 && !zeroSign ? actual == 0 : Math.abs(ordered) <= 1 && (expected != 0 || e == a),
                () -> what + "(" + x + "): expected " + expected + ", got " + actual);
    }

    @Test
    void forwardIsThePlainLoopsFunctionToOneRounding() {
        float[] x = inputs();
        float[] out = new float[x.length];
        CpuGeluVector.forward(x, out, 0, x.length);
        for (int i = 0; i < x.length; i++) assertWithinOneRounding("gelu", x[i], reference(x[i]), out[i]);
    }

    @Test
    void backwardIsThePlainLoopsGradientToOneRounding() {
        float[] x = inputs();
        float[] g = new float[x.length];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < g.length; i++) g[i] = (float) (random.nextDouble(-2, 2));
        g[0] = Float.NaN;
        g[1] = Float.POSITIVE_INFINITY;
        float[] out = new float[x.length];
        CpuGeluVector.backward(x, g, out, 0, x.length);
        for (int i = 0; i < x.length; i++) assertWithinOneRounding("gelu'", x[i], referenceGradient(x[i], g[i]), out[i], false);
    }

    @ParameterizedTest(name = "[{0}, {1})")
    @CsvSource({"0, 1", "3, 4", "0, 7", "1, 9", "5, 37", "0, 512", "0, 513", "7, 1031", "100, 1700"})
    void writesExactlyItsRange(int from, int to) {
        float[] x = inputs();
        float[] out = new float[to + 5];
        float[] grad = new float[to + 5];
        Arrays.fill(out, Float.NaN);
        Arrays.fill(grad, Float.NaN);
        float[] g = new float[x.length];
        Arrays.fill(g, 0.5f);
        float[] in = Arrays.copyOfRange(x, 2000, 2000 + to + 5); // finite inputs
        CpuGeluVector.forward(in, out, from, to);
        CpuGeluVector.backward(in, g, grad, from, to);
        for (int i = 0; i < out.length; i++) {
            boolean inside = i >= from && i < to;
            Assertions.assertEquals(inside, !Float.isNaN(out[i]), "forward element " + i + " written");
            Assertions.assertEquals(inside, !Float.isNaN(grad[i]), "backward element " + i + " written");
            if (inside) {
                assertWithinOneRounding("gelu", in[i], reference(in[i]), out[i]);
                assertWithinOneRounding("gelu'", in[i], referenceGradient(in[i], 0.5f), grad[i], false);
            }
        }
    }

    @Test
    void inPlace() {
        float[] x = inputs();
        float[] expected = new float[x.length];
        for (int i = 0; i < x.length; i++) expected[i] = reference(x[i]);
        float[] y = x.clone();
        CpuGeluVector.forward(y, y, 0, y.length);
        for (int i = 0; i < x.length; i++) assertWithinOneRounding("gelu in place", x[i], expected[i], y[i]);
    }
}
