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
 * {@code LayerNorm}.
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

    /** in [B, T] -> [B, T, C]. */
    public Tensor forward(ModelInput in) {
        int[] shape = in.shape();
        int[] positions = positionIds(in.inputIds(), in.batch(), in.seq(), padId, positionPad);
        Tensor x = wordEmbeddings.forward(in.inputIds(), shape, "input_ids");
        x = Arithmetic.add(x, positionEmbeddings.forward(positions, shape, "token position ids (from input_ids)"));
        x = Arithmetic.add(x, tokenTypeEmbeddings.forward(in.tokenTypeIds(), shape, "token_type_ids"));
        x = Arithmetic.add(x, itemPositionEmbeddings.forward(in.itemPositionIds(), shape, "item_position_ids"));
        return dropout.forward(layerNorm.forward(x));
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
