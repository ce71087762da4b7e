package org.recformer.ops;

import org.recformer.tensor.Tensor;

import java.util.Arrays;

/** Row lookups in a [rows, cols] table (embeddings); their gradient is a scatter-add. */
public final class Indexing {
    private Indexing() {}

    /**
     * Embedding lookup: out[..., :] = table[ids[...], :], shape idsShape + [C]. Row paddingIdx
     * (-1 for none) is looked up normally but never receives a gradient, like torch padding_idx.
     */
    public static Tensor embedding(Tensor table, int[] ids, int[] idsShape, int paddingIdx) {
        int[] tableShape = table.shape();
        if (tableShape.length != 2) throw new IllegalArgumentException("embedding table must be [rows, cols], got " + Arrays.toString(tableShape));
        if (paddingIdx < -1 || paddingIdx >= tableShape[0]) {
            throw new IllegalArgumentException("paddingIdx " + paddingIdx + " outside the table of " + tableShape[0] + " rows (use -1 for none)");
        }
        long n = 1;
        for (int s : idsShape) n *= s;
        if (n != ids.length) {
            throw new IllegalArgumentException(ids.length + " ids for ids shape " + Arrays.toString(idsShape));
        }
        int rows = tableShape[0], cols = tableShape[1];
        int[] outShape = Arrays.copyOf(idsShape, idsShape.length + 1);
        outShape[idsShape.length] = cols;
        int[] idsCopy = ids.clone(); // backward reads the ids later; the caller may reuse its array
        Tensor out = Tensor.empty(table.backend(), outShape);
        table.backend().gatherRows(table.buffer(), rows, cols, idsCopy, out.buffer());
        return out.record("embedding", new Tensor[] {table}, g -> {
            Tensor gt = Tensor.zeros(table.backend(), tableShape);
            table.backend().scatterAddRows(g.buffer(), cols, idsCopy, gt.buffer(), paddingIdx);
            table.accumulateFreshGrad(gt);
        });
    }

    /**
     * The rows of src [n, cols] placed at {@code rows} of a zero [outRows, cols] tensor:
     * out[rows[i], :] = src[i, :] (rows must be distinct, in [0, outRows)); the gradient of src is
     * the gradient gathered back from those rows. The inverse of {@link #indexSelect} on the chosen rows.
     */
    public static Tensor scatterRows(Tensor src, int[] rows, int outRows) {
        int[] srcShape = src.shape();
        if (srcShape.length != 2 || srcShape[0] != rows.length) {
            throw new IllegalArgumentException("scatterRows: source " + Arrays.toString(srcShape) + " for " + rows.length
                    + " rows (expected [" + rows.length + ", cols])");
        }
        boolean[] taken = new boolean[outRows];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= outRows || taken[rows[i]]) {
                throw new IllegalArgumentException("scatterRows: row " + rows[i] + " at position " + i
                        + " is repeated or outside [0, " + outRows + ")");
            }
            taken[rows[i]] = true;
        }
        int cols = srcShape[1];
        int[] rowsCopy = rows.clone(); // backward reads the rows later; the caller may reuse its array
        Tensor out = Tensor.empty(src.backend(), outRows, cols);
        src.backend().scatterRows(src.buffer(), cols, rowsCopy, out.buffer(), outRows);
        return out.record("scatterRows", new Tensor[] {src}, g -> {
            Tensor gs = Tensor.empty(src.backend(), srcShape);
            src.backend().gatherRows(g.buffer(), outRows, cols, rowsCopy, gs.buffer());
            src.accumulateGrad(gs);
        });
    }

    /** The given rows of a [rows, cols] table: shape [rows.length, cols]. */
    public static Tensor indexSelect(Tensor table, int[] rows) {
        return embedding(table, rows, new int[] {rows.length}, -1);
    }
}
