package org.recformer.data.batch;

/** One pretraining batch (SPEC section 4): view a (history before the target) and view b (the target item). */
public record PretrainBatch(MlmBatch a, MlmBatch b) {
}
