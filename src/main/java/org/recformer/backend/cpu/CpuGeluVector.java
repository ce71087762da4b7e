package org.recformer.backend.cpu;

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
    /** Longs of the same shape: the lanes of a double vector's bits. */
    private static final VectorSpecies<Long> LONGS = D.withLanes(long.class);
    /** Floats in the preferred species: twice the double lanes (the same bit size), widened in two halves. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LF = F.length();
    /** The upper half of a float vector: the lanes a narrowing with part -1 fills. */
    private static final VectorMask<Float> UPPER = F.indexInRange(-LF / 2, LF / 2); // lanes i with 0 <= i - LF/2 < LF/2
    /** Elements per chunk: a multiple of every float lane count, small enough for the doubles of a chunk to stay in L1. */
    private static final int CHUNK = 512;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** One thread's doubles of a chunk between {@link #compute}'s passes, and its last float vector when the chunk ends inside one. */
    private static final class Scratch {
        final double[] x = new double[CHUNK];        // the inputs
        final double[] y = new double[CHUNK];        // |x| / sqrt 2
        final double[] reduced = new double[CHUNK];  // r of exp(-y^2) = exp(r) 2^k, then erfc(y) / exp(-y^2)
        final double[] scale = new double[CHUNK];    // 2^k, 0 where exp(-y^2) underflows
        final double[] exps = new double[CHUNK];     // exp(-y^2)
        final float[] tailIn = new float[LF], tailGrad = new float[LF], tailOut = new float[LF];
    }

    private CpuGeluVector() {}

    /** out[i] = x Phi(x) for x = in[i], i in [from, to). */
    static void forward(float[] in, float[] out, int from, int to) {
        Scratch scratch = SCRATCH.get();
        for (int c = from; c < to; c += CHUNK) compute(in, null, out, c, Math.min(CHUNK, to - c), scratch);
    }

    /** gradIn[i] = gradOut[i] (Phi(x) + x phi(x)) for x = in[i], i in [from, to). */
    static void backward(float[] in, float[] gradOut, float[] gradIn, int from, int to) {
        Scratch scratch = SCRATCH.get();
        for (int c = from; c < to; c += CHUNK) compute(in, gradOut, gradIn, c, Math.min(CHUNK, to - c), scratch);
    }

    /**
     * out[at .. at + n) = GELU(in[..]), or with {@code gradOut}: gradOut[..] GELU'(in[..]); n at most {@link #CHUNK}.
     * One method, so that no vector crosses a call (C2 would box it). Whole float vectors are read and written in
     * place; a last part shorter than one goes through the tail vectors of {@code s}.
     *
     * <p>Phi(x) = erfc(z) / 2 with z = -x / sqrt 2 and y = |z|, by approximations of erfc / exp(-y^2):
     * for y &lt;= 4 our own ratio of two polynomials of degree 5 ({@link #ERFCX_NUM}, within 7.7e-11
     * relative on the whole of [0, 4], so no lane needs erf's own approximation near 0 as
     * {@link Erf} has it), beyond 4 {@link Erf}'s; their polynomials evaluated by Horner's rule with
     * fused multiply-adds; erfc(z) = 2 - erfc(y) for z &lt; 0. The ratios of the lanes' ranges are
     * blended before the one division. (Until 2026-12-06 the first range used Cody's ratio of degree 8,
     * 1e-12 accurate, and exp a Taylor series to r^9: on a core without 512-bit vectors GELU took 12.0 ns
     * per element, then 8.7 (one JMH run each; the next session's runs put the latter at 9.3), for accuracy
     * no float can show; docs/results-bench.md.)
     *
     * <p>exp(-y^2): the Vector API's EXP runs as plain Java on JDK 17 unless an experimental JVM flag
     * is set, so it is computed here: t = -y^2 (0 below -708, far below any float),
     * t = k ln 2 + r with k = round(t / ln 2) and |r| &lt;= ln 2 / 2, exp(r) by a fitted polynomial of
     * degree 7 ({@link #EXP_POLY}, relative error below 4.7e-11 there; the Taylor series to r^9 before),
     * times 2^k built in the exponent bits.
     *
     * <p>The work runs in four passes over the chunk, each a short loop whose chains of dependent operations
     * the core overlaps across consecutive vectors: the floats widened with the range reduction, exp's
     * polynomial, the ratio of erfc's, then erfc, Phi and the result narrowed to floats. Each pass keeps
     * what the next needs in {@code s}'s doubles (in L1). On a core without 512-bit vectors, per element:
     * these four passes 7.8 ns (backward 8.6), the two before them (exp, then the rest, between a widening
     * and a narrowing pass) 9.3 (10.6) in the same runs, one pass for all of it slower still (docs/results-bench.md,
     * "GELU in four passes"). Each pass broadcasts its constants once, before its loop: with the broadcasts written
     * inside, C2 (JDK 17) repeated them on every step (forward 7.8-8.2 ns an element against 7.3-7.7).
     */
    private static void compute(float[] in, float[] gradOut, float[] out, int at, int n, Scratch s) {
        int whole = n / LF * LF, padded = (n + LF - 1) / LF * LF;
        if (whole < n) { // the lanes past n hold what they held: their results are not written
            System.arraycopy(in, at + whole, s.tailIn, 0, n - whole);
            if (gradOut != null) System.arraycopy(gradOut, at + whole, s.tailGrad, 0, n - whole);
        }
        // 1: x widened; y; t = -y^2 = k ln 2 + r (t held at -708 below it); 2^k
        DoubleVector negSqrtHalf = DoubleVector.broadcast(D, -CpuElementwise.SQRT1_2), minExponent = DoubleVector.broadcast(D, MIN_EXPONENT);
        DoubleVector log2e = DoubleVector.broadcast(D, LOG2_E), roundShift = DoubleVector.broadcast(D, ROUND_SHIFT);
        DoubleVector negLn2High = DoubleVector.broadcast(D, -LN2_HIGH), ln2Low = DoubleVector.broadcast(D, LN2_LOW), zero = DoubleVector.zero(D);
        LongVector exponentBias = LongVector.broadcast(LONGS, 1023 - ROUND_SHIFT_BITS); // k's bits in shifted to k + 1023
        for (int jf = 0; jf < padded; jf += LF) {
            FloatVector f = FloatVector.fromArray(F, jf < whole ? in : s.tailIn, jf < whole ? at + jf : 0);
            for (int part = 0; part < 2; part++) {
                int j = jf + part * L;
                DoubleVector v = (DoubleVector) f.convertShape(VectorOperators.F2D, D, part);
                DoubleVector y = v.mul(negSqrtHalf).abs();
                DoubleVector t = y.mul(y).neg();
                VectorMask<Double> underflow = t.compare(VectorOperators.LT, minExponent);
                t = t.blend(minExponent, underflow);
                DoubleVector shifted = t.fma(log2e, roundShift);
                DoubleVector k = shifted.sub(roundShift); // round(t / ln 2); its bits are in shifted's low mantissa
                DoubleVector r = k.fma(negLn2High, t).sub(k.mul(ln2Low));
                LongVector kBits = (LongVector) shifted.viewAsIntegralLanes();
                DoubleVector scale = ((DoubleVector) kBits.add(exponentBias).lanewise(VectorOperators.LSHL, 52)
                        .viewAsFloatingLanes()).blend(zero, underflow);
                v.intoArray(s.x, j);
                y.intoArray(s.y, j);
                r.intoArray(s.reduced, j);
                scale.intoArray(s.scale, j);
            }
        }
        // 2: exp(-y^2) = exp(r) 2^k
        DoubleVector p0 = DoubleVector.broadcast(D, EXP_POLY[0]), p1 = DoubleVector.broadcast(D, EXP_POLY[1]);
        DoubleVector p2 = DoubleVector.broadcast(D, EXP_POLY[2]), p3 = DoubleVector.broadcast(D, EXP_POLY[3]);
        DoubleVector p4 = DoubleVector.broadcast(D, EXP_POLY[4]), p5 = DoubleVector.broadcast(D, EXP_POLY[5]);
        DoubleVector p6 = DoubleVector.broadcast(D, EXP_POLY[6]), p7 = DoubleVector.broadcast(D, EXP_POLY[7]);
        for (int j = 0; j < padded; j += L) {
            DoubleVector r = DoubleVector.fromArray(D, s.reduced, j);
            DoubleVector e = p7.fma(r, p6).fma(r, p5).fma(r, p4).fma(r, p3).fma(r, p2).fma(r, p1).fma(r, p0);
            e.mul(DoubleVector.fromArray(D, s.scale, j)).intoArray(s.exps, j);
        }
        // 3: erfc(y) / exp(-y^2) = num(y) / den(y) for y <= 4, (1 / sqrt(pi) - u n(u) / d(u)) / y with u = 1 / y^2 beyond
        DoubleVector n0 = DoubleVector.broadcast(D, ERFCX_NUM[0]), n1 = DoubleVector.broadcast(D, ERFCX_NUM[1]);
        DoubleVector n2 = DoubleVector.broadcast(D, ERFCX_NUM[2]), n3 = DoubleVector.broadcast(D, ERFCX_NUM[3]);
        DoubleVector n4 = DoubleVector.broadcast(D, ERFCX_NUM[4]), n5 = DoubleVector.broadcast(D, ERFCX_NUM[5]);
        DoubleVector d0 = DoubleVector.broadcast(D, ERFCX_DEN[0]), d1 = DoubleVector.broadcast(D, ERFCX_DEN[1]);
        DoubleVector d2 = DoubleVector.broadcast(D, ERFCX_DEN[2]), d3 = DoubleVector.broadcast(D, ERFCX_DEN[3]);
        DoubleVector d4 = DoubleVector.broadcast(D, ERFCX_DEN[4]), d5 = DoubleVector.broadcast(D, ERFCX_DEN[5]);
        DoubleVector middleLimit = DoubleVector.broadcast(D, Erf.MIDDLE_LIMIT);
        for (int j = 0; j < padded; j += L) {
            DoubleVector y = DoubleVector.fromArray(D, s.y, j);
            DoubleVector num = n5.fma(y, n4).fma(y, n3).fma(y, n2).fma(y, n1).fma(y, n0);
            DoubleVector den = d5.fma(y, d4).fma(y, d3).fma(y, d2).fma(y, d1).fma(y, d0);
            VectorMask<Double> beyond = y.compare(VectorOperators.GT, middleLimit);
            if (beyond.anyTrue()) {
                DoubleVector u = DoubleVector.broadcast(D, 1.0).div(y.mul(y));
                DoubleVector bn = DoubleVector.broadcast(D, BEYOND_NUM[0]), bd = DoubleVector.broadcast(D, BEYOND_DEN[0]);
                for (int i = 1; i < BEYOND_NUM.length; i++) {
                    bn = bn.fma(u, DoubleVector.broadcast(D, BEYOND_NUM[i]));
                    bd = bd.fma(u, DoubleVector.broadcast(D, BEYOND_DEN[i]));
                }
                num = num.blend(bd.mul(Erf.ONE_OVER_SQRT_PI).sub(u.mul(bn)), beyond);
                den = den.blend(bd.mul(y), beyond);
            }
            num.div(den).intoArray(s.reduced, j);
        }
        // 4: erfc(z) (2 - erfc(y) where z < 0, that is x > 0), Phi, the result or gradient, narrowed
        boolean forward = gradOut == null;
        DoubleVector two = DoubleVector.broadcast(D, 2), half = DoubleVector.broadcast(D, 0.5);
        DoubleVector invSqrt2Pi = DoubleVector.broadcast(D, CpuElementwise.INV_SQRT_2PI);
        for (int jf = 0; jf < padded; jf += LF) {
            DoubleVector v0 = DoubleVector.fromArray(D, s.x, jf), e0 = DoubleVector.fromArray(D, s.exps, jf);
            DoubleVector erfc0 = DoubleVector.fromArray(D, s.reduced, jf).mul(e0);
            DoubleVector cdf0 = erfc0.blend(two.sub(erfc0), v0.compare(VectorOperators.GT, zero)).mul(half);
            DoubleVector low = forward ? v0.mul(cdf0) : cdf0.add(v0.mul(e0).mul(invSqrt2Pi));
            DoubleVector v1 = DoubleVector.fromArray(D, s.x, jf + L), e1 = DoubleVector.fromArray(D, s.exps, jf + L);
            DoubleVector erfc1 = DoubleVector.fromArray(D, s.reduced, jf + L).mul(e1);
            DoubleVector cdf1 = erfc1.blend(two.sub(erfc1), v1.compare(VectorOperators.GT, zero)).mul(half);
            DoubleVector high = forward ? v1.mul(cdf1) : cdf1.add(v1.mul(e1).mul(invSqrt2Pi));
            if (!forward) {
                FloatVector g = FloatVector.fromArray(F, jf < whole ? gradOut : s.tailGrad, jf < whole ? at + jf : 0);
                low = ((DoubleVector) g.convertShape(VectorOperators.F2D, D, 0)).mul(low);
                high = ((DoubleVector) g.convertShape(VectorOperators.F2D, D, 1)).mul(high);
            }
            FloatVector narrowed = ((FloatVector) low.convertShape(VectorOperators.D2F, F, 0))
                    .blend((FloatVector) high.convertShape(VectorOperators.D2F, F, -1), UPPER);
            narrowed.intoArray(jf < whole ? out : s.tailOut, jf < whole ? at + jf : 0);
        }
        if (whole < n) System.arraycopy(s.tailOut, 0, out, at + whole, n - whole);
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
