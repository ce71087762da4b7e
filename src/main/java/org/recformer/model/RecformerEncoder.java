package org.recformer.model;

import org.recformer.nn.Module;
import org.recformer.nn.ModuleList;
import org.recformer.tensor.Backend;
import org.recformer.tensor.BufferRecycler;
import org.recformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** The stack of Longformer layers ({@code layer.0}, {@code layer.1}, ...), each with its own window. */
public final class RecformerEncoder extends Module {
    private final ModuleList<LongformerLayer> layers;

    public RecformerEncoder(RecformerConfig config, Backend backend, LongSupplier dropoutSeeds) {
        List<LongformerLayer> list = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) list.add(new LongformerLayer(config, backend, i, dropoutSeeds));
        layers = registerModule("layer", new ModuleList<>(list));
    }

    /**
     * Runs every layer on the packed rows {@code hidden} [R, C] of {@code packing}, its attention and its
     * feed-forward block each as a step of {@code recycler} (so that the feed-forward block's buffers are the
     * attention's, handed on). Each block's input goes back to the recycler once the block has run, as nothing
     * reads it again: the attention's output always, each layer's input ({@code hidden} included) without
     * {@code states}.
     *
     * @param states when not null, receives each layer's output (packed) in order
     * @return the last layer's output [R, C]
     */
    Tensor forward(Tensor hidden, TokenPacking packing, List<Tensor> states, BufferRecycler recycler) {
        for (LongformerLayer layer : layers.asList()) {
            Tensor in = hidden;
            Tensor attended = recycler.step(() -> layer.attend(in, packing));
            if (states == null) release(recycler, in, attended);
            hidden = recycler.step(() -> layer.feedForward(attended));
            release(recycler, attended, hidden);
            if (states != null) states.add(hidden);
        }
        return hidden;
    }

    /** Hands {@code input}'s buffer back to {@code recycler} unless {@code output} shares it. */
    private static void release(BufferRecycler recycler, Tensor input, Tensor output) {
        if (output.buffer() != input.buffer()) recycler.release(input.buffer());
    }
}
