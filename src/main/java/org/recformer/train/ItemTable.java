package org.recformer.train;

import org.recformer.data.batch.SequenceBatcher;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.tensor.Tensor;

/**
 * The item table E of finetuning (docs/spec.md §5): every item encoded alone ({@code <s>} + item)
 * by the current encoder, in evaluation mode and without a graph, in batches of single-item
 * sequences. Row i is item i.
 */
public final class ItemTable {
    private ItemTable() {
    }

    /** E [itemCount, hidden]; leaves the model in evaluation mode. */
    public static Tensor encode(RecformerForSeqRec model, SequenceBatcher batcher, int itemCount, int batchSize, boolean showProgress) {
        model.eval();
        int hidden = model.config().hiddenSize();
        float[] table = new float[itemCount * hidden];
        try (Progress progress = Progress.start("items", itemCount, "items", showProgress)) {
            for (int from = 0; from < itemCount; from += batchSize) {
                int to = Math.min(itemCount, from + batchSize);
                Tensor pooled = model.encodeItems(batcher.singleItems(from, to).toModelInput()); // [to - from, hidden]
                System.arraycopy(pooled.toArray(), 0, table, from * hidden, (to - from) * hidden);
                progress.step(to - from, null);
            }
        }
        return Tensor.of(model.backend(), table, itemCount, hidden);
    }
}
