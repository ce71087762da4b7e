package org.recformer.model;

import org.recformer.tensor.Tensor;

import java.util.List;

/**
 * What {@link RecformerModel#forward} returns: the last hidden state [B, T, C] (padding positions
 * included, window padding removed), the pooled output [B, C], and when asked the hidden states
 * (embedding output, then each layer's output, each [B, T, C]; otherwise an empty list).
 */
public record RecformerModelOutput(Tensor lastHiddenState, Tensor pooledOutput, List<Tensor> hiddenStates) {
}
