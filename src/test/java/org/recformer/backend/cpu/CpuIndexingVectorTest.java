package org.recformer.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vector row add is the scalar loop bit for bit and touches exactly its range. */
class CpuIndexingVectorTest {

    @Test
    void addsExactlyTheRangeAsTheScalarLoopDoes() {
        SplittableRandom r = new SplittableRandom(4);
        for (int n = 0; n <= 70; n++) {
            for (int srcAt : new int[] {0, 3}) {
                for (int dstAt : new int[] {0, 5, 17}) {
                    float[] src = new float[srcAt + n + 9], dst = new float[dstAt + n + 11];
                    for (int i = 0; i < src.length; i++) src[i] = (float) (r.nextDouble() * 200 - 100);
                    for (int i = 0; i < dst.length; i++) dst[i] = (float) (r.nextDouble() * 2e-3 - 1e-3);
                    float[] expected = dst.clone();
                    for (int c = 0; c < n; c++) expected[dstAt + c] += src[srcAt + c];
                    CpuIndexingVector.add(src, srcAt, dst, dstAt, n);
                    for (int i = 0; i < dst.length; i++) {
                        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(dst[i]),
                                "n " + n + ", src at " + srcAt + ", dst at " + dstAt + ", element " + i);
                    }
                }
            }
        }
    }
}
