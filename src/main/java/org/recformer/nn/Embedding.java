package org.recformer.nn;

import org.recformer.ops.Indexing;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

/**
 * A lookup table of {@code rows} vectors, as {@code torch.nn.Embedding}; the row {@code paddingIdx}
 * (when >= 0) never receives a gradient. Ids are checked against the table first, and an error names
 * the input field they came from.
 */
public final class Embedding extends Module {
    private final Parameter weight;
    private final int rows;
    private final int paddingIdx;

    /** The table starts at zero on {@code backend}; load or initialise it (see {@link Init}). */
    public Embedding(Backend backend, int rows, int dim, int paddingIdx) {
        if (paddingIdx >= rows) throw new IllegalArgumentException("padding index " + paddingIdx + " outside a table of " + rows + " rows");
        weight = registerParameter("weight", Tensor.zeros(backend, rows, dim));
        this.rows = rows;
        this.paddingIdx = paddingIdx;
    }

    /**
     * Looks up {@code ids} (shape {@code idsShape}) -> idsShape + [dim].
     *
     * @param field the input the ids came from, for the error message when one is outside [0, rows)
     */
    public Tensor forward(int[] ids, int[] idsShape, String field) {
        checkIds(ids, field);
        return Indexing.embedding(weight.tensor(), ids, idsShape, paddingIdx);
    }

    /** Fails with the field and index of the first id outside [0, rows). */
    public void checkIds(int[] ids, String field) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= rows) {
                throw new IllegalArgumentException(field + "[" + i + "] = " + ids[i] + " is outside the table of " + rows + " rows");
            }
        }
    }

    public Parameter weight() {
        return weight;
    }

    public int rows() {
        return rows;
    }

    public int paddingIdx() {
        return paddingIdx;
    }
}
