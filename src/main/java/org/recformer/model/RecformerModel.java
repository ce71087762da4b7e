package org.recformer.model;

import org.recformer.autograd.GradMode;
import org.recformer.nn.Module;
import org.recformer.nn.SeedSource;
import org.recformer.ops.Indexing;
import org.recformer.tensor.Backend;
import org.recformer.tensor.BufferRecycler;
import org.recformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The Recformer encoder (HuggingFace {@code RecformerModel}): embeddings, Longformer layers, pooler.
 * Parameter names have no prefix ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.0...});
 * the task models hold it as {@code longformer}. Inputs of any length and batches of rows with
 * different lengths are accepted, with HuggingFace's outputs at every position. The token-wise work
 * runs on the real tokens only (plus one row per distinct padding token, see {@link TokenPacking});
 * the attention sees the batch padded to a multiple of the largest window, as HuggingFace pads it.
 */
public final class RecformerModel extends Module {
    private final RecformerConfig config;
    private final Backend backend;
    private final SeedSource dropoutSeeds;
    private final RecformerEmbeddings embeddings;
    private final RecformerEncoder encoder;
    // Per thread, under no_grad: the buffers of the embeddings and the layers, reused by the later steps and passes.
    private final ThreadLocal<BufferRecycler> recyclers;

    /**
     * A model with zero weights on {@code backend} (load a checkpoint, or call {@link ModelInit#initialize});
     * dropout seeds from {@code seed}.
     */
    public RecformerModel(RecformerConfig config, Backend backend, long seed) {
        this.config = config;
        this.backend = backend;
        this.dropoutSeeds = new SeedSource(seed);
        embeddings = registerModule("embeddings", new RecformerEmbeddings(config, backend, dropoutSeeds));
        encoder = registerModule("encoder", new RecformerEncoder(config, backend, dropoutSeeds));
        recyclers = ThreadLocal.withInitial(backend::recycler);
    }

    public RecformerModelOutput forward(ModelInput in) {
        return forward(in, null, false);
    }

    /** Encodes a batch; with {@code hiddenStates} the output also lists the embedding and every layer output. */
    public RecformerModelOutput forward(ModelInput in, boolean hiddenStates) {
        return forward(in, null, hiddenStates);
    }

    /**
     * Encodes a batch whose history-item tokens also get their item's learned ID vector in the
     * embeddings ({@code itemIds}; null: text only, as {@link #forward(ModelInput)}).
     */
    public RecformerModelOutput forward(ModelInput in, ItemIdInput itemIds, boolean hiddenStates) {
        checkSequenceLength(in);
        int[] positions = embeddings.positionIds(in);
        return forward(in, itemIds, hiddenStates, positions, pack(in, positions));
    }

    /** The public forward of a checked batch with its token position ids and its packing. */
    private RecformerModelOutput forward(ModelInput in, ItemIdInput itemIds, boolean hiddenStates, int[] positions,
                                         TokenPacking packing) {
        List<Tensor> states = hiddenStates ? new ArrayList<>() : null;
        BufferRecycler recycler = recycler();
        Tensor hidden = recycler.step(() -> embeddings.forward(in, positions, packing, itemIds));
        if (states != null) states.add(hidden);
        Tensor encoded = encoder.forward(hidden, packing, states, recycler);
        Tensor last = packing.unpack(encoded);
        if (states == null && last.buffer() != encoded.buffer()) recycler.release(encoded.buffer());
        recycler.endPass();
        List<Tensor> unpacked = new ArrayList<>();
        if (states != null) for (Tensor s : states) unpacked.add(packing.unpack(s));
        return new RecformerModelOutput(last, Pooler.pool(config.poolerType(), last, in), List.copyOf(unpacked));
    }

    /** The pooled sequence vectors [B, C] of {@link #forward(ModelInput)}'s output. */
    public Tensor encode(ModelInput in) {
        return encode(in, null);
    }

    /**
     * The pooled sequence vectors [B, C] of {@link #forward(ModelInput, ItemIdInput, boolean)}'s
     * output. With the {@code cls} pooler, and the first token of every row a global token (as
     * Recformer's batches have it), nothing reads the last layer's other rows, so only the global
     * tokens' rows of the last layer are computed (docs/spec.md §3: a global token's attention output is
     * its global attention alone). The values are those of the full pass up to float rounding.
     */
    public Tensor encode(ModelInput in, ItemIdInput itemIds) {
        checkSequenceLength(in);
        int[] positions = embeddings.positionIds(in);
        TokenPacking packing = pack(in, positions);
        int[] firstTokens = config.poolerType().equals("cls") ? packing.firstTokensAmongGlobals() : null;
        if (firstTokens == null || config.numHiddenLayers() == 0) return forward(in, itemIds, false, positions, packing).pooledOutput();
        BufferRecycler recycler = recycler();
        Tensor hidden = recycler.step(() -> embeddings.forward(in, positions, packing, itemIds));
        Tensor globals = encoder.forwardToGlobalRows(hidden, packing, recycler); // [G, C]
        recycler.endPass();
        return Indexing.indexSelect(globals, firstTokens);
    }

    /** The packing of {@code in} (token position ids {@code positions}) with the attention's window padding. */
    private TokenPacking pack(ModelInput in, int[] positions) {
        ModelInput padded = WindowPadding.pad(in, config.maxAttentionWindow(), config.padTokenId(), config.maxItemEmbeddings());
        return TokenPacking.of(in, positions, padded);
    }

    /** This thread's recycler under no_grad; none in training, where the graph keeps every layer's intermediates. */
    private BufferRecycler recycler() {
        if (!GradMode.isEnabled()) return recyclers.get();
        recyclers.remove();
        return BufferRecycler.NONE;
    }

    /** The number of non-pad tokens of a row must fit the token position table (see {@link RecformerConfig#maxTokenPositions()}). */
    private void checkSequenceLength(ModelInput in) {
        int limit = config.maxTokenPositions();
        for (int b = 0; b < in.batch(); b++) {
            int count = 0;
            for (int t = 0; t < in.seq(); t++) if (in.inputIds()[b * in.seq() + t] != config.padTokenId()) count++;
            if (count > limit) {
                throw new IllegalArgumentException("input_ids row " + b + " has " + count + " non-pad tokens; max_position_embeddings "
                        + config.maxPositionEmbeddings() + " allows at most " + limit);
            }
        }
    }

    /** Restarts the dropout seed stream (training runs are reproducible from it). */
    public void setDropoutSeed(long seed) {
        dropoutSeeds.reset(seed);
    }

    /** The backend every parameter lives on (inputs are placed there too). */
    public Backend backend() {
        return backend;
    }

    public RecformerConfig config() {
        return config;
    }

    public RecformerEmbeddings embeddings() {
        return embeddings;
    }
}
