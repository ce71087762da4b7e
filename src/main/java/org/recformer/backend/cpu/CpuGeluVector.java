package org.recformer.backend.cpu;

import java.util.Arrays;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact (erf) GELU and its gradient on the incubating Vector API, used by {@link CpuElementwise}
 * only when {@link CpuMatmul#VECTOR} says the module is there (this class is never loaded
 * otherwise). Same function as the plain loops: floats widened to doubles, Phi(x) = erfc(-x / sqrt 2) / 2
 * from {@link Erf}'s rational approximations, rounded back to float. The two ranges of |z| (up to 4
 * and beyond) are computed lane-wise and blended (the range beyond 4 only when a lane of the vector
 * is there). Two differences: below 0.46875 the first range's approximation is used too (see
 * {@link #compute}), and exp(-z^2) is taken as it is, where the scalar erfc splits z^2 to keep it
 * exact to double rounding; the error that leaves (about |z|^2 x 1e-16 relative, |z| &lt; 27 where
 * the result is not 0) is far below a float's rounding, so results equal the plain loops' to within
 * one float rounding.
 * The backward pass reuses that exponential for the density: exp(-z^2) = exp(-x^2 / 2).
 */
final class CpuGeluVector {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int L = D.length();
    /** Floats in the preferred species: twice the double lanes (the same bit size), widened in two halves. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LF = F.length();
    /** The upper half of a float vector: the lanes a narrowing with part -1 fills. */
    private static final VectorMask<Float> UPPER = F.indexInRange(-LF / 2, LF / 2); // lanes i with 0 <= i - LF/2 < LF/2
    /**
     * Elements widened to double per pass (a multiple of every lane count). Whole float vectors are
     * widened and narrowed by vector conversions (parts 0 and 1 into two double vectors, parts 0 and
     * -1 back, blended), as {@link CpuOptimizerVector} does; the last {@code n mod LF} elements of a
     * range by plain casts (the same roundings).
     */
    private static final int CHUNK = 512;
    /** Per thread: the inputs (then results), the output gradients, the exponentials of one pass. */
    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[3][CHUNK]);

    private CpuGeluVector() {}

    /** out[i] = x Phi(x) for x = in[i], i in [from, to). */
    static void forward(float[] in, float[] out, int from, int to) {
        double[][] scratch = SCRATCH.get();
        double[] x = scratch[0], e = scratch[2];
        for (int c = from; c < to; c += CHUNK) {
            int n = Math.min(CHUNK, to - c), padded = (n + L - 1) / L * L;
            widen(in, c, x, n);
            compute(x, null, e, padded);
            narrow(x, out, c, n);
        }
    }

    /** gradIn[i] = gradOut[i] (Phi(x) + x phi(x)) for x = in[i], i in [from, to). */
    static void backward(float[] in, float[] gradOut, float[] gradIn, int from, int to) {
        double[][] scratch = SCRATCH.get();
        double[] x = scratch[0], g = scratch[1], e = scratch[2];
        for (int c = from; c < to; c += CHUNK) {
            int n = Math.min(CHUNK, to - c), padded = (n + L - 1) / L * L;
            widen(in, c, x, n);
            widen(gradOut, c, g, n);
            compute(x, g, e, padded);
            narrow(g, gradIn, c, n);
        }
    }

    /** to[0 .. n) = from[at .. at + n) as doubles, then zeros up to the next multiple of the double lanes. */
    private static void widen(float[] from, int at, double[] to, int n) {
        int j = 0;
        for (; j + LF <= n; j += LF) {
            FloatVector v = FloatVector.fromArray(F, from, at + j);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).intoArray(to, j);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).intoArray(to, j + L);
        }
        for (; j < n; j++) to[j] = from[at + j];
        Arrays.fill(to, n, (n + L - 1) / L * L, 0);
    }

    /** to[at .. at + n) = from[0 .. n) rounded to float. */
    private static void narrow(double[] from, float[] to, int at, int n) {
        int j = 0;
        for (; j + LF <= n; j += LF) {
            FloatVector low = (FloatVector) DoubleVector.fromArray(D, from, j).convertShape(VectorOperators.D2F, F, 0);
            FloatVector high = (FloatVector) DoubleVector.fromArray(D, from, j + L).convertShape(VectorOperators.D2F, F, -1);
            low.blend(high, UPPER).intoArray(to, at + j);
        }
        for (; j < n; j++) to[at + j] = (float) from[j];
    }

    /**
     * x[j] = GELU(x[j]) for j in [0, n), or with {@code grad}: grad[j] = grad[j] GELU'(x[j]); n is a
     * multiple of the lane count; {@code exps} [n] is scratch. One method, so that no vector crosses a call (C2 would box it).
     *
     * <p>Phi(x) = erfc(z) / 2 with z = -x / sqrt 2 and y = |z|, by {@link Erf}'s approximations of
     * erfc / exp(-y^2) for y &lt;= 4 and beyond 4, their polynomials evaluated by Horner's rule with
     * fused multiply-adds; erfc(z) = 2 - erfc(y) for z &lt; 0. Each is a ratio; the ratios of the lanes'
     * ranges are blended before the one division. Unlike {@link Erf}, the approximation Cody fitted
     * on 0.46875 &lt; y &lt;= 4 also serves y &lt;= 0.46875 (instead of erf's own there, which nearly every
     * vector has lanes in): with the numerator's constant term below it is within 3.5e-12 of erfc
     * relative there and 2.2e-12 on (0.46875, 4] (a grid of 200,001 points each, against the C
     * library's erfc), four orders of magnitude below a float's rounding.
     *
     * <p>exp(-y^2): the Vector API's EXP runs as plain Java on JDK 17 unless an experimental JVM flag
     * is set, so it is computed here: t = -y^2 (0 below -708, far below any float),
     * t = k ln 2 + r with k = round(t / ln 2) and |r| &lt;= ln 2 / 2, exp(r) by its Taylor series to
     * r^9 (relative error below 1e-11 there, three orders of magnitude below a float's rounding), times
     * 2^k built in the exponent bits. The exponentials of the whole range are computed in a first pass
     * and kept in {@code exps}, the rest in a second: each pass's chain of dependent operations is
     * short enough for the core to overlap consecutive vectors (one pass: 2.85 ns per element on one
     * core, two: 2.57; with the shorter series 2.36, docs/results-bench.md).
     */
    private static void compute(double[] x, double[] grad, double[] exps, int n) {
        for (int j = 0; j < n; j += L) {
            DoubleVector y = DoubleVector.fromArray(D, x, j).mul(-CpuElementwise.SQRT1_2).abs();
            DoubleVector t = y.mul(y).neg();
            VectorMask<Double> underflow = t.compare(VectorOperators.LT, MIN_EXPONENT);
            t = t.blend(MIN_EXPONENT, underflow);
            DoubleVector shifted = t.fma(DoubleVector.broadcast(D, LOG2_E), DoubleVector.broadcast(D, ROUND_SHIFT));
            DoubleVector k = shifted.sub(ROUND_SHIFT); // round(t / ln 2); its bits are in shifted's low mantissa
            DoubleVector r = k.fma(DoubleVector.broadcast(D, -LN2_HIGH), t).sub(k.mul(LN2_LOW));
            DoubleVector e = DoubleVector.broadcast(D, EXP_TAYLOR[0]);
            for (int i = 1; i < EXP_TAYLOR.length; i++) e = e.fma(r, DoubleVector.broadcast(D, EXP_TAYLOR[i]));
            LongVector kBits = (LongVector) shifted.viewAsIntegralLanes();
            e = e.mul((DoubleVector) kBits.sub(ROUND_SHIFT_BITS).add(1023).lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes())
                    .blend(0, underflow);

            e.intoArray(exps, j);
        }
        // erfc, Phi and the result (or gradient) from the exponentials
        for (int j = 0; j < n; j += L) {
            DoubleVector v = DoubleVector.fromArray(D, x, j);
            DoubleVector z = v.mul(-CpuElementwise.SQRT1_2), y = z.abs();
            DoubleVector e = DoubleVector.fromArray(D, exps, j);
            // erfc(y) = e num(y) / den(y) for y <= 4 (see the method comment for y <= 0.46875)
            DoubleVector num = DoubleVector.broadcast(D, MIDDLE_NUM[0]), den = DoubleVector.broadcast(D, MIDDLE_DEN[0]);
            for (int i = 1; i < MIDDLE_NUM.length; i++) {
                num = num.fma(y, DoubleVector.broadcast(D, MIDDLE_NUM[i]));
                den = den.fma(y, DoubleVector.broadcast(D, MIDDLE_DEN[i]));
            }
            VectorMask<Double> beyond = y.compare(VectorOperators.GT, Erf.MIDDLE_LIMIT);
            if (beyond.anyTrue()) {
                // erfc(y) = e (1 / sqrt(pi) - s n(s) / d(s)) / y with s = 1 / y^2
                DoubleVector s = DoubleVector.broadcast(D, 1.0).div(y.mul(y));
                DoubleVector bn = DoubleVector.broadcast(D, BEYOND_NUM[0]), bd = DoubleVector.broadcast(D, BEYOND_DEN[0]);
                for (int i = 1; i < BEYOND_NUM.length; i++) {
                    bn = bn.fma(s, DoubleVector.broadcast(D, BEYOND_NUM[i]));
                    bd = bd.fma(s, DoubleVector.broadcast(D, BEYOND_DEN[i]));
                }
                num = num.blend(bd.mul(Erf.ONE_OVER_SQRT_PI).sub(s.mul(bn)), beyond);
                den = den.blend(bd.mul(y), beyond);
            }
            num = num.mul(e);
            DoubleVector erfc = num.div(den);
            // erfc(z) = 2 - erfc(y) where z < 0
            erfc = erfc.blend(erfc.neg().add(2), z.compare(VectorOperators.LT, 0));
            DoubleVector cdf = erfc.mul(0.5);

            if (grad == null) v.mul(cdf).intoArray(x, j);
            else DoubleVector.fromArray(D, grad, j).mul(cdf.add(v.mul(e).mul(CpuElementwise.INV_SQRT_2PI))).intoArray(grad, j);
        }
    }

    /**
     * {@link Erf}'s numerator coefficients as a polynomial, highest power first: its loop
     * n = c[last] u, n = (n + c[i]) u, ..., n + c[last - 1] is c[last] u^m + c[0] u^(m-1) + ... + c[last - 1].
     */
    private static double[] numerator(double[] c) {
        double[] p = new double[c.length];
        p[0] = c[c.length - 1];
        System.arraycopy(c, 0, p, 1, c.length - 1);
        return p;
    }

    /** {@link Erf}'s denominator coefficients (its loop starts from u, a leading 1), highest power first. */
    private static double[] denominator(double[] d) {
        double[] p = new double[d.length + 1];
        p[0] = 1;
        System.arraycopy(d, 0, p, 1, d.length);
        return p;
    }

    private static final double[] MIDDLE_DEN = denominator(Erf.D);
    /**
     * Cody's numerator with its constant term set to the denominator's (they differ by 4.7e-12
     * relative), so that erfc(0) = 1 exactly, as {@link Erf}'s own formula below 0.46875 has it:
     * otherwise GELU(x) of the smallest denormals lands just off the exact tie x / 2 and rounds away
     * from zero where the plain loops round to it. Cody's ratio alone is within 4.7e-12 of erfc on
     * [0, 0.46875] (largest at 0) and 1.6e-15 on (0.46875, 4]; with this term, 3.5e-12 and 2.2e-12.
     */
    private static final double[] MIDDLE_NUM = withConstantTerm(numerator(Erf.C), MIDDLE_DEN[MIDDLE_DEN.length - 1]);

    private static double[] withConstantTerm(double[] p, double constant) {
        p[p.length - 1] = constant;
        return p;
    }

    private static final double[] BEYOND_NUM = numerator(Erf.P), BEYOND_DEN = denominator(Erf.Q);

    private static final double MIN_EXPONENT = -708;
    private static final double LOG2_E = 1.4426950408889634;
    /** 1.5 x 2^52: adding it rounds to an integer, which then sits in the low mantissa bits. */
    private static final double ROUND_SHIFT = 6755399441055744.0;
    private static final long ROUND_SHIFT_BITS = Double.doubleToRawLongBits(ROUND_SHIFT);
    /** ln 2 split so that k ln2_high is exact for |k| &lt; 2^11. */
    private static final double LN2_HIGH = 0.693145751953125;
    private static final double LN2_LOW = 1.4286068202862268e-06;
    /** 1 / i! for i = 9 down to 0 (Horner's order). */
    private static final double[] EXP_TAYLOR = taylor(9);

    private static double[] taylor(int degree) {
        double[] c = new double[degree + 1];
        c[degree] = 1;
        for (int i = 1; i <= degree; i++) c[degree - i] = c[degree - i + 1] / i;
        return c;
    }
}
