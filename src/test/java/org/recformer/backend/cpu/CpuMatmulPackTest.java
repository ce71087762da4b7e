package org.recformer.backend.cpu;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The matmul's vector packing routines against their definitions, element by element, on panels
 * poisoned beforehand: every element they promise is written with the right value, nothing outside
 * it is (except the floats a group's step spills into its own next step), and a group
 * whose vectors would read past the end of A is left to the caller. {@link CpuMatmulTest} checks
 * the products they feed.
 */
class CpuMatmulPackTest {
    private static final int MR = CpuMatmulVector.MR, NR = CpuMatmulVector.NR, L = NR / 2;
    private static final float POISON = Float.NaN;

    @BeforeAll
    static void vectorApi() {
        Assertions.assertTrue(CpuMatmul.VECTOR, "tests should run with jdk.incubator.vector");
    }

    private static float[] random(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) random.nextDouble(-1, 1);
        return x;
    }

    private static float[] poisoned(int n) {
        float[] x = new float[n];
        Arrays.fill(x, POISON);
        return x;
    }

    @ParameterizedTest(name = "kc={0} groups={1} depthStride={2}")
    @CsvSource({"1, 3, 50", "2, 1, 14", "5, 3, 45", "12, 3, 43", "17, 4, 61", "384, 2, 768", "512, 3, 1024"})
    void transposedGroupsHoldTheirRowsButTheLastStep(int kc, int groups, int depthStride) {
        int src = 7, dst = 5;
        float[] a = random(src + kc * depthStride, kc);
        float[] panels = poisoned(dst + groups * kc * MR + 3);
        int copied = CpuMatmulVector.packGroupsTransposed(a, src, depthStride, kc, panels, dst, groups);
        Assertions.assertEquals(kc < 2 ? 0 : groups, copied, "groups copied");
        for (int i = 0; i < panels.length; i++) {
            int e = i - dst, g = Math.floorDiv(e, kc * MR), p = Math.floorMod(e, kc * MR) / MR, r = Math.floorMod(e, MR);
            boolean promised = e >= 0 && g < copied && p < kc - 1;
            boolean spill = e >= 0 && g < copied && p == kc - 1 && r < L - MR;
            if (promised) {
                Assertions.assertEquals(a[src + p * depthStride + g * MR + r], panels[i], "group " + g + " step " + p + " row " + r);
            } else if (!spill) {
                Assertions.assertTrue(Float.isNaN(panels[i]), "element " + i + " (group " + g + ", step " + p + ") is not the routine's to write");
            }
        }
    }

    @ParameterizedTest(name = "rows={0} step={1} kc={2} rowStride={3}")
    @CsvSource({"14, 14, 1, 5", "14, 14, 16, 16", "14, 14, 17, 20", "14, 14, 31, 40", "14, 14, 32, 32", "14, 14, 33, 1024",
            "14, 14, 256, 256", "14, 14, 384, 768", "14, 14, 768, 3072", "14, 14, 700, 3088",
            "16, 32, 16, 16", "16, 32, 17, 17", "16, 32, 40, 1024", "16, 32, 768, 3072", "15, 20, 50, 60"})
    void rowsHoldTheirStepsButTheLast(int rows, int step, int kc, int rowStride) {
        int src = 7, dst = 5;
        float[] a = random(src + (rows - 1) * rowStride + kc, kc + rowStride); // ends with the last row's last step
        float[] panels = poisoned(dst + kc * step + 2 * L);
        int packed = CpuMatmulVector.packRows(a, src, rowStride, rows, kc, panels, dst, step);
        Assertions.assertEquals(MR == 14 && kc > 16 ? kc - 1 : 0, packed, "steps packed");
        for (int i = 0; i < panels.length; i++) {
            int e = i - dst, p = Math.floorDiv(e, step), r = Math.floorMod(e, step);
            boolean spill = e >= 0 && p == packed && packed > 0 && r < L - step; // the floats past the last packed step
            if (e >= 0 && p < packed && r < rows) {
                Assertions.assertEquals(a[src + r * rowStride + p], panels[i], "step " + p + " row " + r);
            } else if (!spill && !(e >= 0 && p < packed && r < L)) {
                Assertions.assertTrue(Float.isNaN(panels[i]), "element " + i + " (step " + p + ") is not the routine's to write");
            }
        }
    }

    @Test
    void aGroupWhoseVectorsWouldPassTheEndOfAIsLeftToTheCaller() {
        int kc = 6, depthStride = 3 * MR, src = 0, groups = 3;
        int lastStep = src + (kc - 2) * depthStride;
        // the third group's last copied step would read L floats from lastStep + 2 * MR: one short
        float[] a = random(lastStep + 2 * MR + L - 1, 3);
        float[] panels = poisoned(groups * kc * MR);
        Assertions.assertEquals(2, CpuMatmulVector.packGroupsTransposed(a, src, depthStride, kc, panels, 0, groups));
        for (int i = 2 * kc * MR; i < panels.length; i++) Assertions.assertTrue(Float.isNaN(panels[i]), "third group untouched at " + i);
        float[] longer = random(a.length + 1, 3);
        Assertions.assertEquals(3, CpuMatmulVector.packGroupsTransposed(longer, src, depthStride, kc, poisoned(panels.length), 0, groups),
                "one more float and the third group fits");
    }

    @ParameterizedTest(name = "kc={0} count={1} rowStride={2} steps [{3}, {4})")
    @CsvSource({"1, 1, 32, 0, 1", "3, 2, 70, 0, 3", "7, 0, 40, 0, 7", "384, 16, 512, 0, 384", "5, 3, 101, 0, 5",
            "384, 4, 512, 192, 384", "7, 2, 40, 1, 4", "5, 3, 101, 4, 5"})
    void panelRowsHoldTheirColumns(int kc, int count, int rowStride, int pFrom, int pTo) {
        int src = 3, dst = 9;
        float[] b = random(src + kc * rowStride + count * NR, kc + count);
        float[] panels = poisoned(dst + (count + 1) * kc * NR);
        CpuMatmulVector.packPanelRows(b, src, rowStride, pFrom, pTo, kc, panels, dst, count);
        for (int i = 0; i < panels.length; i++) {
            int e = i - dst, q = Math.floorDiv(e, kc * NR), p = Math.floorMod(e, kc * NR) / NR, j = Math.floorMod(e, NR);
            if (e >= 0 && q < count && p >= pFrom && p < pTo) {
                Assertions.assertEquals(b[src + p * rowStride + q * NR + j], panels[i], "panel " + q + " step " + p + " column " + j);
            } else {
                Assertions.assertTrue(Float.isNaN(panels[i]), "element " + i + " is not the routine's to write");
            }
        }
    }
}
