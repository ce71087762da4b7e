package org.recformer.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuOptimizer}'s loops on the incubating Vector API, used only when {@link CpuMatmul#VECTOR}
 * says the module is there (this class is never loaded otherwise). Each computes exactly what the
 * plain loop does, bit for bit: the same float operations in the same order per element, the
 * double steps on doubles widened from the floats by vector conversions.
 *
 * <p>Floats use the preferred species, as the matmul and attention kernels do, each vector widened
 * in two halves (parts 0 and 1) and narrowed back into one (parts 0 and -1, blended). A first version
 * used 256-bit floats, whose lanes match the 512-bit doubles': alone it ran as fast, but inside a
 * training step C2 compiled its float operations as calls that box every vector (JFR: about 5 GB of
 * garbage per base step, collections taking a quarter of the step); an isolated run reproduced it
 * once 512-bit float stores had run elsewhere first. {@code OneVectorShapeTest} keeps every species preferred.
 */
final class CpuOptimizerVector {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** The upper half of a float vector: the lanes a narrowing with part -1 fills. */
    private static final VectorMask<Float> UPPER = F.indexInRange(-L / 2, L / 2); // lanes i with 0 <= i - L/2 < L/2

    private CpuOptimizerVector() {}

    /** {@link CpuOptimizer#adamwStep}'s update of elements [from, to); returns the first element left to the plain loop. */
    static int adamw(float[] p, float[] g, float[] m, float[] v, int from, int to, float clip, float beta1, float beta2,
                     float eps, float stepSize, float decay, double bc2Sqrt) {
        FloatVector clipV = FloatVector.broadcast(F, clip), beta1V = FloatVector.broadcast(F, beta1);
        FloatVector beta2V = FloatVector.broadcast(F, beta2), oneMinusBeta1 = FloatVector.broadcast(F, 1 - beta1);
        FloatVector oneMinusBeta2 = FloatVector.broadcast(F, 1 - beta2), epsV = FloatVector.broadcast(F, eps);
        FloatVector stepSizeV = FloatVector.broadcast(F, stepSize), decayV = FloatVector.broadcast(F, decay);
        DoubleVector bc2SqrtV = DoubleVector.broadcast(D, bc2Sqrt);
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector gi = FloatVector.fromArray(F, g, i).mul(clipV);
            FloatVector mi = FloatVector.fromArray(F, m, i).mul(beta1V).add(gi.mul(oneMinusBeta1));
            FloatVector vi = FloatVector.fromArray(F, v, i).mul(beta2V).add(gi.mul(oneMinusBeta2).mul(gi));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            // (float) (sqrt(v) / bc2Sqrt) in double, per half
            DoubleVector low = ((DoubleVector) vi.convertShape(VectorOperators.F2D, D, 0)).sqrt().div(bc2SqrtV);
            DoubleVector high = ((DoubleVector) vi.convertShape(VectorOperators.F2D, D, 1)).sqrt().div(bc2SqrtV);
            FloatVector root = ((FloatVector) low.convertShape(VectorOperators.D2F, F, 0))
                    .blend((FloatVector) high.convertShape(VectorOperators.D2F, F, -1), UPPER);
            FloatVector denom = root.add(epsV);
            FloatVector.fromArray(F, p, i).mul(decayV).sub(mi.mul(stepSizeV).div(denom)).intoArray(p, i);
        }
        return i;
    }
}
