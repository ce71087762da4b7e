package org.recformer.backend.cpu;

/**
 * The error function and its complement in double precision, from W. J. Cody's rational
 * Chebyshev approximations ("Rational Chebyshev approximations for the error function",
 * Math. Comp. 23, 1969; netlib specfun CALERF). Relative error is near double rounding over the
 * whole line, far below what a float result needs. Java has no erf; CUDA has erff / erfcf.
 */
final class Erf {
    private Erf() {}

    static final double ONE_OVER_SQRT_PI = 5.6418958354775628695e-1;
    /** erf's approximation covers |x| up to this, erfc's first one up to {@link #MIDDLE_LIMIT}, its second one beyond. */
    static final double SMALL_LIMIT = 0.46875;
    static final double MIDDLE_LIMIT = 4;
    /** Beyond this, erfc(x) underflows double. */
    private static final double ERFC_UNDERFLOW = 26.543;

    // erf on |x| <= 0.46875
    private static final double[] A = {3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2,
            3.20937758913846947e3, 1.85777706184603153e-1};
    private static final double[] B = {2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3,
            2.84423683343917062e3};
    // erfc on 0.46875 < |x| <= 4
    static final double[] C = {5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1,
            2.98635138197400131e2, 8.81952221241769090e2, 1.71204761263407058e3, 2.05107837782607147e3,
            1.23033935479799725e3, 2.15311535474403846e-8};
    static final double[] D = {1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2,
            1.62138957456669019e3, 3.29079923573345963e3, 4.36261909014324716e3, 3.43936767414372164e3,
            1.23033935480374942e3};
    // erfc on |x| > 4
    static final double[] P = {3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
            1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2};
    static final double[] Q = {2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1,
            6.05183413124413191e-2, 2.33520497626869185e-3};

    static double erf(double x) {
        double y = Math.abs(x);
        if (y <= SMALL_LIMIT) return erfSmall(x);
        double r = erfcPositive(y);
        return x < 0 ? r - 1 : 1 - r;
    }

    static double erfc(double x) {
        double y = Math.abs(x);
        if (y <= SMALL_LIMIT) return 1 - erfSmall(x);
        double r = erfcPositive(y);
        return x < 0 ? 2 - r : r;
    }

    /** erf(x) for |x| <= SMALL_LIMIT. */
    private static double erfSmall(double x) {
        double ysq = x * x;
        double num = A[4] * ysq, den = ysq;
        for (int i = 0; i < 3; i++) {
            num = (num + A[i]) * ysq;
            den = (den + B[i]) * ysq;
        }
        return x * (num + A[3]) / (den + B[3]);
    }

    /** erfc(y) for y > SMALL_LIMIT. */
    private static double erfcPositive(double y) {
        double r;
        if (y <= MIDDLE_LIMIT) {
            double num = C[8] * y, den = y;
            for (int i = 0; i < 7; i++) {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            r = (num + C[7]) / (den + D[7]);
        } else {
            if (y >= ERFC_UNDERFLOW) return 0;
            double ysq = 1 / (y * y);
            double num = P[5] * ysq, den = ysq;
            for (int i = 0; i < 4; i++) {
                num = (num + P[i]) * ysq;
                den = (den + Q[i]) * ysq;
            }
            r = ysq * (num + P[4]) / (den + Q[4]);
            r = (ONE_OVER_SQRT_PI - r) / y;
        }
        // exp(-y^2) split as exp(-ys^2) * exp(-(y-ys)(y+ys)) with ys = y rounded down to 1/16,
        // so the large exponent is computed exactly
        double ys = Math.floor(y * 16) / 16;
        double del = (y - ys) * (y + ys);
        return Math.exp(-ys * ys) * Math.exp(-del) * r;
    }
}
