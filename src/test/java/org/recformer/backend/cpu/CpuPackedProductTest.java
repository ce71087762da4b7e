package org.recformer.backend.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Products on operands packed in {@link CpuPackedProduct}'s layout, by the kernel in use and by the
 * plain loops, against the same product in double over the unpacked matrices: every element of the
 * mc x nc block written (the target is NaN-poisoned first) or added to, nothing outside it touched,
 * whatever the sizes' remainders to the row group and column panel; garbage in the packed rows and
 * columns past mc and nc does not leak in.
 */
class CpuPackedProductTest {
    @ParameterizedTest(name = "{0} x {1} x {2}")
    @CsvSource({"1, 1, 1", "3, 5, 7", "14, 32, 64", "28, 93, 64", "29, 97, 3", "5, 64, 0", "41, 17, 96", "40, 64, 28"})
    void matchesTheProductInDouble(int mc, int nc, int kc) {
        SplittableRandom random = new SplittableRandom(mc * 1000 + nc * 10 + kc);
        float[][] a = new float[mc][kc], b = new float[kc][nc];
        for (float[] row : a) for (int p = 0; p < kc; p++) row[p] = (float) random.nextGaussian();
        for (float[] row : b) for (int j = 0; j < nc; j++) row[j] = (float) random.nextGaussian();
        int mr = CpuPackedProduct.MR, nr = CpuPackedProduct.NR;
        int groups = (mc + mr - 1) / mr, panels = (nc + nr - 1) / nr;
        float[] packedA = new float[groups * mr * kc], packedB = new float[panels * nr * kc];
        Arrays.fill(packedA, Float.NaN); // rows past mc and columns past nc: never stored
        Arrays.fill(packedB, Float.NaN);
        for (int i = 0; i < mc; i++) for (int p = 0; p < kc; p++) packedA[(i / mr * kc + p) * mr + i % mr] = a[i][p];
        for (int p = 0; p < kc; p++) for (int j = 0; j < nc; j++) packedB[(j / nr * kc + p) * nr + j % nr] = b[p][j];
        int ldc = nc + 3, offC = 2;
        for (boolean plain : new boolean[] {false, true}) {
            for (boolean add : new boolean[] {false, true}) {
                float[] c = new float[offC + mc * ldc + 5];
                Arrays.fill(c, Float.NaN);
                for (int i = 0; i < mc; i++) for (int j = 0; j < nc; j++) c[offC + i * ldc + j] = add ? 1.5f : Float.NaN;
                if (plain) CpuPackedProduct.multiplyPlain(packedA, packedB, kc, c, offC, ldc, mc, nc, add);
                else CpuPackedProduct.multiply(packedA, packedB, kc, c, offC, ldc, mc, nc, add);
                for (int at = 0; at < c.length; at++) {
                    int i = (at - offC) / ldc, j = (at - offC) % ldc;
                    boolean inside = at >= offC && i < mc && j < nc;
                    if (!inside) {
                        int where = at;
                        assertTrue(Float.isNaN(c[at]), () -> "element " + where + " outside the block was written");
                        continue;
                    }
                    double want = add ? 1.5 : 0;
                    double scale = 1;
                    for (int p = 0; p < kc; p++) {
                        want += (double) a[i][p] * b[p][j];
                        scale += Math.abs((double) a[i][p] * b[p][j]);
                    }
                    assertEquals(want, c[at], 1e-6 * scale, (plain ? "plain" : "kernel") + (add ? ", adding" : "") + ": C[" + i + "][" + j + "]");
                }
            }
        }
    }
}
