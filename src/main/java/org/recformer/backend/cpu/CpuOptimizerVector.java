package org.recformer.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuOptimizer}'s loops on the incubating Vector API, used only when {@link CpuMatmul#VECTOR}
 * says the module is there (this class is never loaded otherwise). Each computes exactly what the
 * plain loop does, bit for bit: the same float operations in the same order per element, the
 * double steps on doubles widened from the floats by one conversion per vector.
 */
final class CpuOptimizerVector {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int L = D.length();
    /** Floats as many as D's lanes. */
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    /** Whether the sum of squares runs here: its order is {@link CpuOptimizer#SUM_LANES} interleaved sums, one vector of them. */
    static final boolean SUM_OF_SQUARES = L == CpuOptimizer.SUM_LANES;

    private CpuOptimizerVector() {}

    /** {@link CpuOptimizer#adamwStep}'s update of elements [from, to); returns the first element left to the plain loop. */
    static int adamw(float[] p, float[] g, float[] m, float[] v, int from, int to, float clip, float beta1, float beta2,
                     float eps, float stepSize, float decay, double bc2Sqrt) {
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector gi = FloatVector.fromArray(F, g, i).mul(clip);
            FloatVector mi = FloatVector.fromArray(F, m, i).mul(beta1).add(gi.mul(1 - beta1));
            FloatVector vi = FloatVector.fromArray(F, v, i).mul(beta2).add(gi.mul(1 - beta2).mul(gi));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            DoubleVector root = ((DoubleVector) vi.convertShape(VectorOperators.F2D, D, 0)).lanewise(VectorOperators.SQRT);
            FloatVector denom = ((FloatVector) root.div(bc2Sqrt).convertShape(VectorOperators.D2F, F, 0)).add(eps);
            FloatVector.fromArray(F, p, i).mul(decay).sub(mi.mul(stepSize).div(denom)).intoArray(p, i);
        }
        return i;
    }

    /**
     * The {@link CpuOptimizer#SUM_LANES} interleaved sums of x[i]^2 (in double) over the whole
     * groups of [from, to), one lane each, into {@code sums}; returns the first element not added.
     */
    static int sumsOfSquares(float[] x, int from, int to, double[] sums) {
        DoubleVector acc = DoubleVector.zero(D);
        int i = from;
        for (; i + L <= to; i += L) {
            DoubleVector xi = (DoubleVector) FloatVector.fromArray(F, x, i).convertShape(VectorOperators.F2D, D, 0);
            acc = xi.fma(xi, acc); // x^2 is exact in double, so this is the plain loop's s + x * x
        }
        acc.intoArray(sums, 0);
        return i;
    }
}
