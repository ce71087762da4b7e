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
 * in double, rounded back to float; the approximations differ (see {@link #compute}), but each is
 * within 1e-10 relative, far below a float's rounding (6e-8), so results equal the plain loops' to
 * within one float rounding. The two ranges of |z| (up to 4 and beyond) are computed lane-wise and
 * blended (the range beyond 4 only when a lane of the vector is there). exp(-z^2) is taken as it is,
 * where the scalar erfc splits z^2 to keep it exact to double rounding; the error that leaves (about
 * |z|^2 x 1e-16 relative, |z| &lt; 27 where the result is not 0) is far below a float's rounding too.
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
     * <p>Phi(x) = erfc(z) / 2 with z = -x / sqrt 2 and y = |z|, by approximations of erfc / exp(-y^2):
     * for y &lt;= 4 our own ratio of two polynomials of degree 5 ({@link #ERFCX_NUM}, within 7.7e-11
     * relative on the whole of [0, 4], so no lane needs erf's own approximation near 0 as
     * {@link Erf} has it), beyond 4 {@link Erf}'s; their polynomials evaluated by Horner's rule with
     * fused multiply-adds; erfc(z) = 2 - erfc(y) for z &lt; 0. The ratios of the lanes' ranges are
     * blended before the one division. (Until 2026-12-06 the first range used Cody's ratio of degree 8,
     * 1e-12 accurate, and exp a Taylor series to r^9: on a core without 512-bit vectors GELU took 12.0 ns
     * per element, now 8.7, for accuracy no float can show; docs/results-bench.md.)
     *
     * <p>exp(-y^2): the Vector API's EXP runs as plain Java on JDK 17 unless an experimental JVM flag
     * is set, so it is computed here: t = -y^2 (0 below -708, far below any float),
     * t = k ln 2 + r with k = round(t / ln 2) and |r| &lt;= ln 2 / 2, exp(r) by a fitted polynomial of
     * degree 7 ({@link #EXP_POLY}, relative error below 4.7e-11 there; the Taylor series to r^9 before),
     * times 2^k built in the exponent bits. The exponentials of the whole range are computed in a first pass
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
            DoubleVector e = DoubleVector.broadcast(D, EXP_POLY[EXP_POLY.length - 1]);
            for (int i = EXP_POLY.length - 2; i >= 0; i--) e = e.fma(r, DoubleVector.broadcast(D, EXP_POLY[i]));
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
            // erfc(y) = e num(y) / den(y) for y <= 4
            int top = ERFCX_NUM.length - 1;
            DoubleVector num = DoubleVector.broadcast(D, ERFCX_NUM[top]), den = DoubleVector.broadcast(D, ERFCX_DEN[top]);
            for (int i = top - 1; i >= 0; i--) {
                num = num.fma(y, DoubleVector.broadcast(D, ERFCX_NUM[i]));
                den = den.fma(y, DoubleVector.broadcast(D, ERFCX_DEN[i]));
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

    /**
     * erfc(y) exp(y^2) on [0, 4] as ERFCX_NUM(y) / ERFCX_DEN(y), lowest power first, both with constant
     * term 1 (so erfc(0) is 1 exactly, as the plain loops have it: otherwise GELU of the smallest
     * denormals lands just off the exact tie x / 2 and rounds away from it); fitted by
     * tools/fit_gelu_approximations.py, within 7.7e-11 relative of it (against 40-digit values on a grid of 20,001 points).
     */
    private static final double[] ERFCX_NUM = {1.0, 1.0751273436235604, 0.5752598627397668, 0.15902398089249858,
        0.019423866808937457, -5.816517544277033e-07};
    private static final double[] ERFCX_DEN = {1.0, 2.2035065175169954, 2.06165052637099, 1.0340955054101701,
        0.2822104891995969, 0.03440022278977392};

    private static final double[] BEYOND_NUM = numerator(Erf.P), BEYOND_DEN = denominator(Erf.Q);

    private static final double MIN_EXPONENT = -708;
    private static final double LOG2_E = 1.4426950408889634;
    /** 1.5 x 2^52: adding it rounds to an integer, which then sits in the low mantissa bits. */
    private static final double ROUND_SHIFT = 6755399441055744.0;
    private static final long ROUND_SHIFT_BITS = Double.doubleToRawLongBits(ROUND_SHIFT);
    /** ln 2 split so that k ln2_high is exact for |k| &lt; 2^11. */
    private static final double LN2_HIGH = 0.693145751953125;
    private static final double LN2_LOW = 1.4286068202862268e-06;
    /**
     * exp(r) on |r| &lt;= ln 2 / 2 as a polynomial, lowest power first, constant term 1 (exp(0) is 1
     * exactly); fitted by tools/fit_gelu_approximations.py, within 4.7e-11 relative.
     */
    private static final double[] EXP_POLY = {1.0, 1.0000000002085963, 0.5000000077146352, 0.1666666516379715,
        0.04166627255121966, 0.008333568898438712, 0.0013945897783977446, 0.00019767671846569485};
}
