package org.recformer.data.batch;

/** One pretraining batch (docs/spec.md §4): view a (history before the target) and view b (the target item). */
public record PretrainBatch(MlmBatch a, MlmBatch b) {
}
