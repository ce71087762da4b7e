package org.recformer.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row add of {@link CpuIndexing#scatterAddRows} on the incubating Vector API, used only when
 * {@link CpuMatmul#VECTOR} says the module is there (this class is never loaded otherwise). C2 on
 * JDK 17 leaves {@code dst[t + c] += src[g + c]} scalar (two offsets into two arrays); the sums are
 * the same single float additions, so results equal the scalar loop's bit for bit.
 */
final class CpuIndexingVector {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private CpuIndexingVector() {}

    /** dst[dstAt + c] += src[srcAt + c] for c in [0, n). */
    static void add(float[] src, int srcAt, float[] dst, int dstAt, int n) {
        int c = 0;
        for (int end = S.loopBound(n); c < end; c += S.length()) {
            FloatVector.fromArray(S, dst, dstAt + c).add(FloatVector.fromArray(S, src, srcAt + c)).intoArray(dst, dstAt + c);
        }
        for (; c < n; c++) dst[dstAt + c] += src[srcAt + c];
    }
}
