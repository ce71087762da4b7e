package org.recformer.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuNorm}'s layer-norm loops and the gradient norm's sum of squares
 * ({@link CpuOptimizer#sumOfSquares}) on the incubating Vector API, used only when
 * {@link CpuMatmul#VECTOR} says the module is there and {@link #LANES_MATCH} (this class is never
 * loaded otherwise). Each computes exactly what the plain loop does, bit for bit: float steps as the
 * same float operations in the same order per element, double sums in {@link LaneSums}' order (one
 * vector lane per partial sum) on doubles widened from the floats, each float vector in two halves
 * (parts 0 and 1). With 512-bit vectors a double vector holds the 8 partial sums: part 0 (elements
 * c .. c + 7) then part 1 (c + 8 .. c + 15) go to the same accumulator, so each lane adds its
 * elements in element order. With 256-bit vectors ({@link #HALVES}) a float vector is the 8
 * elements of one round: part 0 goes to an accumulator of partial sums 0 .. 3, part 1 to one of
 * 4 .. 7. Each method handles the whole vectors from the start of its range and returns the first
 * element it left to the plain loop.
 */
final class CpuNormVector {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int DL = D.length();
    /** Whether a double vector holds half of the {@link LaneSums#LANES} partial sums (256-bit vectors): two accumulators. */
    private static final boolean HALVES = 2 * DL == LaneSums.LANES;
    /** Whether one double vector, or two ({@link #HALVES}), hold the partial sums and a float vector widens into two double vectors. */
    static final boolean LANES_MATCH = (DL == LaneSums.LANES || HALVES) && L == 2 * DL;

    private CpuNormVector() {}

    /** sums[j] = sum of x[off + c] over the whole vectors' c with c mod LANES = j. */
    static int sums(float[] x, int off, int n, double[] sums) {
        DoubleVector acc = DoubleVector.zero(D), accHigh = DoubleVector.zero(D);
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + c);
            DoubleVector low = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector high = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
            if (HALVES) {
                acc = acc.add(low);
                accHigh = accHigh.add(high);
            } else {
                acc = acc.add(low).add(high);
            }
        }
        acc.intoArray(sums, 0);
        if (HALVES) accHigh.intoArray(sums, DL);
        return c;
    }

    /** sums[j] = sum of (x[off + c] - mu)^2 (product and sum each rounded) over the whole vectors' c with c mod LANES = j. */
    static int squaredDeviations(float[] x, int off, int n, double mu, double[] sums) {
        DoubleVector acc = DoubleVector.zero(D), accHigh = DoubleVector.zero(D);
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + c);
            DoubleVector low = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).sub(mu);
            DoubleVector high = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).sub(mu);
            if (HALVES) {
                acc = acc.add(low.mul(low));
                accHigh = accHigh.add(high.mul(high));
            } else {
                acc = acc.add(low.mul(low)).add(high.mul(high));
            }
        }
        acc.intoArray(sums, 0);
        if (HALVES) accHigh.intoArray(sums, DL);
        return c;
    }

    /** out[off + c] = (in[off + c] - mean) * rstd * weight[c] + bias[c]. */
    static int normalize(float[] in, int off, int n, float mean, float rstd, float[] weight, float[] bias, float[] out) {
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector.fromArray(F, in, off + c).sub(mean).mul(rstd).mul(FloatVector.fromArray(F, weight, c))
                    .add(FloatVector.fromArray(F, bias, c)).intoArray(out, off + c);
        }
        return c;
    }

    /**
     * With dxhat = gradOut * weight (float) and xhat = (in - mean) * rstd (float): sumDxhat[j] and
     * sumDxhatXhat[j] = the sums of dxhat and dxhat * xhat (in double) over the whole vectors' c with
     * c mod LANES = j.
     */
    static int backwardSums(float[] gradOut, float[] in, float[] weight, int off, int n, float mean, float rstd,
                            double[] sumDxhat, double[] sumDxhatXhat) {
        DoubleVector accD = DoubleVector.zero(D), accDX = DoubleVector.zero(D);
        DoubleVector accDHigh = DoubleVector.zero(D), accDXHigh = DoubleVector.zero(D);
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector dxhat = FloatVector.fromArray(F, gradOut, off + c).mul(FloatVector.fromArray(F, weight, c));
            FloatVector xhat = FloatVector.fromArray(F, in, off + c).sub(mean).mul(rstd);
            DoubleVector dLow = (DoubleVector) dxhat.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector dHigh = (DoubleVector) dxhat.convertShape(VectorOperators.F2D, D, 1);
            DoubleVector xLow = (DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector xHigh = (DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 1);
            if (HALVES) {
                accD = accD.add(dLow);
                accDHigh = accDHigh.add(dHigh);
                accDX = accDX.add(dLow.mul(xLow));
                accDXHigh = accDXHigh.add(dHigh.mul(xHigh));
            } else {
                accD = accD.add(dLow).add(dHigh);
                accDX = accDX.add(dLow.mul(xLow)).add(dHigh.mul(xHigh));
            }
        }
        accD.intoArray(sumDxhat, 0);
        accDX.intoArray(sumDxhatXhat, 0);
        if (HALVES) {
            accDHigh.intoArray(sumDxhat, DL);
            accDXHigh.intoArray(sumDxhatXhat, DL);
        }
        return c;
    }

    /** gradIn[off + c] = rstd * (gradOut * weight - meanDxhat - xhat * meanDxhatXhat), xhat = (in - mean) * rstd. */
    static int inputGradient(float[] gradOut, float[] in, float[] weight, int off, int n, float mean, float rstd,
                             float meanDxhat, float meanDxhatXhat, float[] gradIn) {
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector xhat = FloatVector.fromArray(F, in, off + c).sub(mean).mul(rstd);
            FloatVector.fromArray(F, gradOut, off + c).mul(FloatVector.fromArray(F, weight, c)).sub(meanDxhat)
                    .sub(xhat.mul(meanDxhatXhat)).mul(rstd).intoArray(gradIn, off + c);
        }
        return c;
    }

    /**
     * For columns c in [from, to) of one row at off: sumW[c - from] += gradOut * xhat (the float
     * product, added in double) and sumB[c - from] += gradOut; returns the first column left.
     */
    static int addColumnSums(float[] gradOut, float[] in, int off, int from, int to, float mean, float rstd,
                             double[] sumW, double[] sumB) {
        int c = from;
        for (; c + L <= to; c += L) {
            FloatVector g = FloatVector.fromArray(F, gradOut, off + c);
            FloatVector gx = g.mul(FloatVector.fromArray(F, in, off + c).sub(mean).mul(rstd));
            int at = c - from, half = L / 2;
            DoubleVector.fromArray(D, sumW, at).add(gx.convertShape(VectorOperators.F2D, D, 0)).intoArray(sumW, at);
            DoubleVector.fromArray(D, sumW, at + half).add(gx.convertShape(VectorOperators.F2D, D, 1)).intoArray(sumW, at + half);
            DoubleVector.fromArray(D, sumB, at).add(g.convertShape(VectorOperators.F2D, D, 0)).intoArray(sumB, at);
            DoubleVector.fromArray(D, sumB, at + half).add(g.convertShape(VectorOperators.F2D, D, 1)).intoArray(sumB, at + half);
        }
        return c;
    }

    /**
     * The {@link LaneSums#LANES} interleaved sums of x[i]^2 (in double) over the
     * whole vectors of [from, to), one lane each, into {@code sums}; returns the first element not added.
     */
    static int sumsOfSquares(float[] x, int from, int to, double[] sums) {
        DoubleVector acc = DoubleVector.zero(D), accHigh = DoubleVector.zero(D);
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector xi = FloatVector.fromArray(F, x, i);
            DoubleVector low = (DoubleVector) xi.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector high = (DoubleVector) xi.convertShape(VectorOperators.F2D, D, 1);
            acc = low.fma(low, acc); // x^2 is exact in double, so this is the plain loop's s + x * x
            if (HALVES) accHigh = high.fma(high, accHigh); // elements i + 4 .. i + 7 into partial sums 4 .. 7
            else acc = high.fma(high, acc); // elements i + 8 .. i + 15 after i .. i + 7, lane by lane
        }
        acc.intoArray(sums, 0);
        if (HALVES) accHigh.intoArray(sums, DL);
        return i;
    }
}
