package org.recformer.model;

import org.recformer.nn.Module;
import org.recformer.nn.ModuleList;
import org.recformer.tensor.Backend;
import org.recformer.tensor.BufferRecycler;
import org.recformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

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
            hidden = runLayer(layer, in -> layer.attend(in, packing), hidden, states == null, recycler);
            if (states != null) states.add(hidden);
        }
        return hidden;
    }

    /**
     * As {@link #forward} without states, but the last layer computes only the global tokens' rows:
     * [R, C] -> [G, C] (G: the global tokens of {@code packing}), for when nothing else of its output
     * is read. The other rows of the last layer are a twelfth of the base model's work.
     */
    Tensor forwardToGlobalRows(Tensor hidden, TokenPacking packing, BufferRecycler recycler) {
        List<LongformerLayer> all = layers.asList();
        for (LongformerLayer layer : all.subList(0, all.size() - 1)) {
            hidden = runLayer(layer, in -> layer.attend(in, packing), hidden, true, recycler);
        }
        LongformerLayer last = all.get(all.size() - 1);
        return runLayer(last, in -> last.attendGlobalRows(in, packing), hidden, true, recycler);
    }

    /** {@code attend} then the layer's feed-forward block, each a step of {@code recycler}; the input goes back with {@code releaseInput}. */
    private static Tensor runLayer(LongformerLayer layer, UnaryOperator<Tensor> attend, Tensor input, boolean releaseInput,
                                   BufferRecycler recycler) {
        Tensor attended = recycler.step(() -> attend.apply(input));
        if (releaseInput) release(recycler, input, attended);
        Tensor output = recycler.step(() -> layer.feedForward(attended));
        release(recycler, attended, output);
        return output;
    }

    /** Hands {@code input}'s buffer back to {@code recycler} unless {@code output} shares it. */
    private static void release(BufferRecycler recycler, Tensor input, Tensor output) {
        if (output.buffer() != input.buffer()) recycler.release(input.buffer());
    }
}
