package org.recformer.backend.cpu;

import java.util.Arrays;

/** Row gather (embedding lookup), its scatter-add gradient, and rows placed among zeros. */
final class CpuIndexing {
    private CpuIndexing() {}

    private static final int GRAIN = 1 << 14;
    /** Fewest columns one thread takes in a scatter-add (keeps the inner loop long). */
    private static final int MIN_COLUMNS = 64;

    /** out[i, :] = table[ids[i], :] for a table of rows x cols. */
    static void gatherRows(float[] table, int rows, int cols, int[] ids, float[] out) {
        checkIds(ids, rows);
        Parallel.forRange(ids.length, Math.max(1, GRAIN / Math.max(1, cols)), (from, to) -> {
            for (int i = from; i < to; i++) System.arraycopy(table, ids[i] * cols, out, i * cols, cols);
        });
    }

    /**
     * tableGrad[ids[i], :] += grad[i, :], skipping ids equal to skipId. Ids may repeat, so threads
     * split the columns, not the ids: each thread owns a column block of every row and walks the
     * ids in order (no races, same result for any thread count).
     */
    static void scatterAddRows(float[] grad, int cols, int[] ids, float[] tableGrad, int tableRows, int skipId) {
        if (cols == 0) return;
        checkIds(ids, tableRows);
        int grain = Math.max(MIN_COLUMNS, GRAIN / Math.max(1, ids.length));
        Parallel.forRange(cols, grain, (from, to) -> {
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] == skipId) continue;
                int g = i * cols, t = ids[i] * cols;
                for (int c = from; c < to; c++) tableGrad[t + c] += grad[g + c];
            }
        });
    }

    /**
     * out[rows[i], :] = src[i, :], zero in out's other rows; rows distinct. Each row of out is written
     * once (a copy or zeros), where zeros then a scatter-add would write the placed rows twice.
     */
    static void scatterRows(float[] src, int cols, int[] rows, float[] out, int outRows) {
        checkIds(rows, outRows);
        int[] source = new int[outRows]; // out row -> src row, or -1
        Arrays.fill(source, -1);
        for (int i = 0; i < rows.length; i++) source[rows[i]] = i;
        Parallel.forRange(outRows, Math.max(1, GRAIN / Math.max(1, cols)), (from, to) -> {
            for (int r = from; r < to; r++) {
                if (source[r] < 0) Arrays.fill(out, r * cols, (r + 1) * cols, 0f);
                else System.arraycopy(src, source[r] * cols, out, r * cols, cols);
            }
        });
    }

    private static void checkIds(int[] ids, int rows) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= rows) {
                throw new IllegalArgumentException("id " + ids[i] + " at position " + i
                        + " is outside the table of " + rows + " rows (expected 0 <= id < " + rows + ")");
            }
        }
    }
}
