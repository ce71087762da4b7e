package org.recformer.data.batch;

/** Encoder inputs of B histories and the item id each should predict ({@code labels} [B]). */
public record LabeledBatch(Batch inputs, int[] labels) {
}
