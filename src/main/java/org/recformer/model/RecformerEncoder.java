package org.recformer.model;

import org.recformer.nn.Module;
import org.recformer.nn.ModuleList;
import org.recformer.tensor.Backend;
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
     * Runs every layer on the packed rows {@code hidden} [R, C] of {@code packing}.
     *
     * @param states when not null, receives each layer's output (packed) in order
     * @return the last layer's output [R, C]
     */
    Tensor forward(Tensor hidden, TokenPacking packing, List<Tensor> states) {
        for (LongformerLayer layer : layers.asList()) {
            hidden = layer.forward(hidden, packing);
            if (states != null) states.add(hidden);
        }
        return hidden;
    }
}
