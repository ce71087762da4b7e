package org.recformer.model;

import org.recformer.nn.Dropout;
import org.recformer.nn.Embedding;
import org.recformer.nn.LayerNorm;
import org.recformer.nn.Module;
import org.recformer.ops.Arithmetic;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.function.LongSupplier;

/**
 * Token embeddings: word + token position + token type + item position, then LayerNorm and dropout
 * (docs/spec.md §3). Token positions follow RoBERTa: non-pad tokens are numbered p+1, p+2, ... in
 * order, pad tokens get position p, where p is the configuration's
 * {@link RecformerConfig#positionPaddingIdx()} (pad_token_id in HuggingFace checkpoints, 0 in fresh models). HuggingFace names: {@code word_embeddings},
 * {@code position_embeddings}, {@code token_type_embeddings}, {@code item_position_embeddings},
 * {@code LayerNorm}. The finetuning model may add a fifth term, its learned item-ID vector of the item
 * each token belongs to ({@link RecformerForSeqRec}; docs/spec.md §4), before the LayerNorm.
 */
public final class RecformerEmbeddings extends Module {
    private final Embedding wordEmbeddings;
    private final Embedding positionEmbeddings;
    private final Embedding tokenTypeEmbeddings;
    private final Embedding itemPositionEmbeddings;
    private final LayerNorm layerNorm;
    private final Dropout dropout;
    private final int padId;
    private final int positionPad;

    public RecformerEmbeddings(RecformerConfig config, Backend backend, LongSupplier dropoutSeeds) {
        int c = config.hiddenSize();
        padId = config.padTokenId();
        positionPad = config.positionPaddingIdx();
        wordEmbeddings = registerModule("word_embeddings", new Embedding(backend, config.vocabSize(), c, padId));
        positionEmbeddings = registerModule("position_embeddings", new Embedding(backend, config.maxPositionEmbeddings(), c, positionPad));
        tokenTypeEmbeddings = registerModule("token_type_embeddings", new Embedding(backend, config.tokenTypeSize(), c, -1));
        itemPositionEmbeddings = registerModule("item_position_embeddings", new Embedding(backend, config.maxItemEmbeddings(), c, -1));
        layerNorm = registerModule("LayerNorm", new LayerNorm(backend, c, config.layerNormEps()));
        dropout = registerModule("dropout", new Dropout(config.hiddenDropoutProb(), dropoutSeeds));
    }

    /**
     * The embeddings of the packed rows of {@code in} ([B, T]) -> [R, C]; {@code positions} are its
     * {@link #positionIds} (ids are checked on the whole batch, so an error names the batch position).
     * With {@code itemIds} (null: none) each token of a history item also gets that item's learned
     * ID vector added before the LayerNorm ({@link ItemIdInput#addTo}).
     */
    Tensor forward(ModelInput in, int[] positions, TokenPacking packing, ItemIdInput itemIds) {
        String positionField = "token position ids (from input_ids)";
        wordEmbeddings.checkIds(in.inputIds(), "input_ids");
        positionEmbeddings.checkIds(positions, positionField);
        tokenTypeEmbeddings.checkIds(in.tokenTypeIds(), "token_type_ids");
        itemPositionEmbeddings.checkIds(in.itemPositionIds(), "item_position_ids");
        int[] shape = {packing.rows()};
        Tensor x = wordEmbeddings.forward(packing.select(in.inputIds()), shape, "input_ids");
        x = Arithmetic.add(x, positionEmbeddings.forward(packing.select(positions), shape, positionField));
        x = Arithmetic.add(x, tokenTypeEmbeddings.forward(packing.select(in.tokenTypeIds()), shape, "token_type_ids"));
        x = Arithmetic.add(x, itemPositionEmbeddings.forward(packing.select(in.itemPositionIds()), shape, "item_position_ids"));
        if (itemIds != null) x = itemIds.addTo(x, in, packing);
        return dropout.forward(layerNorm.forward(x));
    }

    /** The RoBERTa token position ids of {@code in} (see {@link #positionIds(int[], int, int, int, int)}), [B*T]. */
    int[] positionIds(ModelInput in) {
        return positionIds(in.inputIds(), in.batch(), in.seq(), padId, positionPad);
    }

    /**
     * RoBERTa position ids: positionPad + (number of non-pad tokens up to and including t) for non-pad
     * tokens, positionPad for pad tokens.
     */
    static int[] positionIds(int[] inputIds, int batch, int seq, int padId, int positionPad) {
        int[] out = new int[inputIds.length];
        for (int b = 0; b < batch; b++) {
            int count = 0;
            for (int t = 0; t < seq; t++) {
                int i = b * seq + t;
                if (inputIds[i] != padId) {
                    count++;
                    out[i] = positionPad + count;
                } else {
                    out[i] = positionPad;
                }
            }
        }
        return out;
    }

    public Embedding wordEmbeddings() {
        return wordEmbeddings;
    }
}
