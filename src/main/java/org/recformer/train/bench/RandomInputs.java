package org.recformer.train.bench;

import org.recformer.data.encode.TokenTypes;
import org.recformer.model.ModelInput;
import org.recformer.model.RecformerConfig;
import org.recformer.tokenizer.SpecialTokens;

import java.util.SplittableRandom;

/**
 * Random encoder inputs laid out like real Recformer batches (docs/spec.md §2): per row {@code <s>}
 * (the one global token), then items of 8 to 40 tokens (the first quarter key tokens, the rest value
 * tokens, item positions 1, 2, ... up to 50), token ids drawn uniformly among the non-special ids.
 * Row 0 fills the whole length (a batch is padded to its longest row); the other rows are
 * {@code realTokens} of it long on average, uniformly over the widest range of lengths in [1, seq]
 * with that mean (0.875: 3/4 to all of it; 0.25: 1 token to half of it), and padded as the batcher
 * pads (pad id, token type 3, item position max_item_embeddings - 1, masks 0).
 */
final class RandomInputs {
    private final RecformerConfig config;
    private final SpecialTokens specials;
    private final SplittableRandom rng;
    private final double realTokens;

    RandomInputs(RecformerConfig config, SpecialTokens specials, long seed, double realTokens) {
        this.config = config;
        this.specials = specials;
        this.rng = new SplittableRandom(seed);
        this.realTokens = realTokens;
    }

    /** The real length of a row after the first: uniform in [seq - width, seq] or [1, top], of mean realTokens x seq. */
    private int rowLength(int seq) {
        if (realTokens >= 0.5) return seq - rng.nextInt((int) ((2 - 2 * realTokens) * seq) + 1);
        int top = Math.max(1, (int) (2 * realTokens * seq));
        return top - rng.nextInt(top);
    }

    /** A batch of {@code batch} user sequences padded to {@code seq} tokens. */
    ModelInput sequences(int batch, int seq) {
        int n = batch * seq;
        int[] ids = new int[n];
        int[] mask = new int[n];
        int[] global = new int[n];
        int[] types = new int[n];
        int[] itemPositions = new int[n];
        int padPosition = config.maxItemEmbeddings() - 1;
        for (int b = 0; b < batch; b++) {
            int length = b == 0 ? seq : rowLength(seq);
            int start = b * seq;
            ids[start] = specials.bos();
            mask[start] = 1;
            global[start] = 1;
            types[start] = TokenTypes.BOS;
            int item = 0;
            int left = 0;
            int itemLength = 0;
            for (int t = 1; t < seq; t++) {
                int i = start + t;
                if (t >= length) {
                    ids[i] = specials.pad();
                    types[i] = TokenTypes.PAD;
                    itemPositions[i] = padPosition;
                    continue;
                }
                if (left == 0) {
                    item = Math.min(item + 1, padPosition - 1);
                    itemLength = 8 + rng.nextInt(33);
                    left = itemLength;
                }
                ids[i] = randomToken();
                mask[i] = 1;
                types[i] = itemLength - left < itemLength / 4 ? TokenTypes.KEY : TokenTypes.VALUE;
                itemPositions[i] = item;
                left--;
            }
        }
        return new ModelInput(batch, seq, ids, mask, global, types, itemPositions);
    }

    /** Token ids with about 15% of the real non-{@code <s>} tokens replaced by {@code <mask>}; labels (-100 elsewhere) in {@code labels}. */
    int[] masked(ModelInput in, int[] labels) {
        int[] ids = in.inputIds().clone();
        java.util.Arrays.fill(labels, -100);
        for (int i = 0; i < ids.length; i++) {
            if (in.attentionMask()[i] == 1 && in.globalAttentionMask()[i] == 0 && rng.nextDouble() < 0.15) {
                labels[i] = ids[i];
                ids[i] = specials.mask();
            }
        }
        return ids;
    }

    /** Uniform ids in {@code [0, n)}. */
    int[] ints(int count, int n) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = rng.nextInt(n);
        return out;
    }

    float[] gaussians(int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) out[i] = (float) rng.nextGaussian();
        return out;
    }

    private int randomToken() {
        while (true) {
            int id = rng.nextInt(config.vocabSize());
            if (!specials.contains(id)) return id;
        }
    }
}
