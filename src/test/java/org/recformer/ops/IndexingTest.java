package org.recformer.ops;

import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IndexingTest {

    private static double[] random(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }

    /**
     * Row lookup in double. The padding row is read from a frozen copy of the starting table, so
     * perturbing it does not move the output: its numeric gradient is 0, as torch padding_idx.
     */
    private static GradCheck.Reference lookup(int[] ids, int cols, int paddingIdx, double[] startTable) {
        return x -> {
            double[] y = new double[ids.length * cols];
            for (int i = 0; i < ids.length; i++) {
                double[] source = ids[i] == paddingIdx ? startTable : x[0];
                for (int c = 0; c < cols; c++) y[i * cols + c] = source[ids[i] * cols + c];
            }
            return y;
        };
    }

    @Test
    void embeddingWithRepeatsAndPadding() {
        int rows = 7, cols = 5, pad = 1;
        int[] ids = {3, 1, 0, 3, 6, 1, 3, 2, 1, 6, 0, 4}; // repeats, and the padding row twice
        int[] idsShape = {2, 2, 3};
        double[] table = random(rows * cols, 1);
        GradCheck.checkAt("embedding", t -> Indexing.embedding(t[0], ids, idsShape, pad), lookup(ids, cols, pad, table.clone()),
                GradCheck.options(), new double[][] {table}, new int[] {rows, cols});
        assertArrayEquals(new int[] {2, 2, 3, cols}, Indexing.embedding(Tensor.zeros(Backends.cpu(), rows, cols), ids, idsShape, pad).shape());
    }

    @Test
    void embeddingShapesFromScalarToRank3() {
        int rows = 1, cols = 3;
        double[] table = random(rows * cols, 2);
        int[][] idsShapes = {{}, {1}, {2, 1, 2}, {0}, {3, 0}};
        for (int[] idsShape : idsShapes) {
            int n = 1;
            for (int s : idsShape) n *= s;
            int[] ids = new int[n]; // all row 0
            GradCheck.checkAt("embedding " + java.util.Arrays.toString(idsShape), t -> Indexing.embedding(t[0], ids, idsShape, -1),
                    lookup(ids, cols, -1, table), GradCheck.options(), new double[][] {table.clone()}, new int[] {rows, cols});
        }
    }

    @Test
    void indexSelect() {
        int rows = 11, cols = 13;
        int[] select = {10, 0, 5, 5, 7};
        double[] table = random(rows * cols, 3);
        GradCheck.checkAt("indexSelect", t -> Indexing.indexSelect(t[0], select), lookup(select, cols, -1, table),
                GradCheck.options(), new double[][] {table.clone()}, new int[] {rows, cols});
    }

    @Test
    void scatterRowsPlacesRowsAmongZeros() {
        int n = 4, cols = 6, outRows = 9;
        int[] rows = {7, 0, 3, 8};
        GradCheck.Reference place = x -> {
            double[] y = new double[outRows * cols];
            for (int i = 0; i < n; i++) System.arraycopy(x[0], i * cols, y, rows[i] * cols, cols);
            return y;
        };
        GradCheck.check("scatterRows", t -> Indexing.scatterRows(t[0], rows, outRows), place, new int[] {n, cols});
        Tensor src = Tensor.zeros(Backends.cpu(), 2, 3);
        assertThrows(IllegalArgumentException.class, () -> Indexing.scatterRows(src, new int[] {1, 1}, 4), "repeated row");
        assertThrows(IllegalArgumentException.class, () -> Indexing.scatterRows(src, new int[] {0, 4}, 4), "row outside");
        assertThrows(IllegalArgumentException.class, () -> Indexing.scatterRows(src, new int[] {0}, 4), "one row for two");
    }

    @Test
    void largeScatterRowsWritesEveryRowOnce() {
        // rows in shuffled order, many more than one thread's share, out poisoned by the tests
        int n = 2000, cols = 37, outRows = 3001;
        SplittableRandom rng = new SplittableRandom(8);
        int[] all = new int[outRows];
        for (int i = 0; i < outRows; i++) all[i] = i;
        for (int i = outRows - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1), t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] rows = java.util.Arrays.copyOf(all, n);
        float[] src = GradCheck.toFloat(random(n * cols, 9));
        float[] expected = new float[outRows * cols];
        for (int i = 0; i < n; i++) System.arraycopy(src, i * cols, expected, rows[i] * cols, cols);
        Tensor out = Indexing.scatterRows(Tensor.of(Backends.cpu(), src, n, cols), rows, outRows);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, out.toArray());
    }

    @Test
    void largeScatterAddSplitsColumnsAcrossThreads() {
        // enough ids x columns for several column blocks; duplicates make a racy split visible
        int rows = 97, cols = 769, n = 1031;
        SplittableRandom rng = new SplittableRandom(4);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rng.nextInt(rows);
        int pad = ids[0];
        double[] table = random(rows * cols, 5);
        double[] r = random(n * cols, 6);
        Tensor t = Tensor.of(Backends.cpu(), GradCheck.toFloat(table), rows, cols).requiresGrad(true);
        Tensor y = Indexing.embedding(t, ids, new int[] {n}, pad);
        GradCheck.assertClose("large lookup", lookup(ids, cols, pad, table).apply(new double[][] {table}), y.toArray(), 0, 0);
        y.backward(Tensor.of(Backends.cpu(), GradCheck.toFloat(r), n, cols));
        double[] expected = new double[rows * cols]; // d sum(r * y) / d table, in double
        for (int i = 0; i < n; i++) {
            if (ids[i] == pad) continue;
            for (int c = 0; c < cols; c++) expected[ids[i] * cols + c] += r[i * cols + c];
        }
        GradCheck.assertClose("large scatter-add", expected, t.grad().toArray(), 1e-6, 1e-5);
    }

    @Test
    void anIdOutsideTheTableIsNamed() {
        Tensor table = Tensor.zeros(Backends.cpu(), 4, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Indexing.embedding(table, new int[] {0, 2, 4, 1}, new int[] {4}, -1));
        assertTrue(e.getMessage().contains("id 4") && e.getMessage().contains("position 2") && e.getMessage().contains("4 rows"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Indexing.indexSelect(table, new int[] {-1}));
    }

    @Test
    void badArgumentsAreRejected() {
        Tensor table = Tensor.zeros(Backends.cpu(), 4, 3);
        assertThrows(IllegalArgumentException.class, () -> Indexing.embedding(table, new int[] {0, 1}, new int[] {3}, -1));
        assertThrows(IllegalArgumentException.class, () -> Indexing.embedding(table, new int[] {0}, new int[] {1}, 4));
        assertThrows(IllegalArgumentException.class, () -> Indexing.embedding(Tensor.zeros(Backends.cpu(), 12), new int[] {0}, new int[] {1}, -1));
    }
}
