package org.recformer.testing;

import org.recformer.tensor.Shape;

/** Small double-precision helpers for writing reference implementations in tests. */
public final class Ref {
    private Ref() {}

    /** Index into a row-major array of shape {@code shape} read with broadcasting to {@code outShape}. */
    public static int broadcastIndex(int flatOut, int[] outShape, int[] shape) {
        int[] padded = Shape.leftPad(shape, outShape.length);
        int[] strides = Shape.strides(padded);
        int rem = flatOut, idx = 0;
        for (int d = outShape.length - 1; d >= 0; d--) {
            int i = rem % outShape[d];
            rem /= outShape[d];
            if (padded[d] != 1) idx += i * strides[d];
        }
        return idx;
    }

    /** The multi-index of a flat row-major position in shape. */
    public static int[] multiIndex(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    /** The flat row-major position of a multi-index in shape. */
    public static int flatIndex(int[] idx, int[] shape) {
        int flat = 0;
        for (int d = 0; d < shape.length; d++) flat = flat * shape[d] + idx[d];
        return flat;
    }

    /** Below this |x| erf uses its Taylor series, above it erfc uses its continued fraction. */
    private static final double ERF_SERIES_LIMIT = 2.5;

    /**
     * erf(x) to about 1e-13: the Maclaurin series 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)) for
     * small |x|, 1 - erfc(|x|) from the continued fraction otherwise.
     */
    public static double erf(double x) {
        if (Math.abs(x) < ERF_SERIES_LIMIT) return erfSeries(x);
        return Math.signum(x) * (1 - erfcContinuedFraction(Math.abs(x)));
    }

    /** erfc(x) to about 1e-13 relative (continued fraction for x &gt;= 2.5, so tails keep their precision). */
    public static double erfc(double x) {
        if (x >= ERF_SERIES_LIMIT) return erfcContinuedFraction(x);
        return 1 - erf(x);
    }

    public static double erfSeries(double x) {
        double term = x, sum = x; // term = (-1)^n x^(2n+1) / n!
        for (int n = 1; n < 200; n++) {
            term *= -x * x / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    /** erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) for x &gt; 0, evaluated bottom-up. */
    public static double erfcContinuedFraction(double x) {
        double f = x;
        for (int k = 400; k >= 1; k--) f = x + (k / 2.0) / f;
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    /** Exact GELU: x Phi(x). */
    public static double gelu(double x) {
        return 0.5 * x * erfc(-x / Math.sqrt(2));
    }
}
