package org.recformer.model;

import org.recformer.autograd.GradMode;
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
    // Per thread: buffers of the layers under no_grad, reused by the next layers and the next passes.
    private final ThreadLocal<BufferRecycler> recyclers;
    private final ModuleList<LongformerLayer> layers;

    public RecformerEncoder(RecformerConfig config, Backend backend, LongSupplier dropoutSeeds) {
        recyclers = ThreadLocal.withInitial(backend::recycler);
        List<LongformerLayer> list = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) list.add(new LongformerLayer(config, backend, i, dropoutSeeds));
        layers = registerModule("layer", new ModuleList<>(list));
    }

    /**
     * Runs every layer on the packed rows {@code hidden} [R, C] of {@code packing}.
     *
     * @param states when not null, receives each layer's output (packed) in order
     * @return the last layer's output [R, C]
     */
    Tensor forward(Tensor hidden, TokenPacking packing, List<Tensor> states) {
        BufferRecycler recycler = BufferRecycler.NONE;
        if (GradMode.isEnabled()) recyclers.remove(); // training: the graph keeps every layer's intermediates
        else recycler = recyclers.get();
        for (LongformerLayer layer : layers.asList()) {
            Tensor in = hidden;
            hidden = recycler.step(() -> layer.forward(in, packing));
            if (states != null) states.add(hidden);
        }
        recycler.endPass();
        return hidden;
    }
}
