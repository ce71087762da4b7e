package org.recformer.testing;

import org.recformer.model.ModelInput;
import org.recformer.model.PretrainInput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.nn.Module;

import java.util.Arrays;
import java.util.Random;

/** Random pretraining batches and a model's weights in one array, for tests that run training steps. */
public final class PretrainBatches {
    private PretrainBatches() {}

    /**
     * Views a ({@code seqA} tokens a row) and b ({@code seqB}) of {@code batch} rows, each row padded after a
     * random real length of at least half the row (so each batch has new masks); 15% MLM labels.
     */
    public static PretrainInput random(RecformerConfig config, int batch, int seqA, int seqB, Random r) {
        ModelInput a = view(config, batch, seqA, r), b = view(config, batch, seqB, r);
        return new PretrainInput(a, b, a.inputIds(), labels(a, r), b.inputIds(), labels(b, r));
    }

    private static ModelInput view(RecformerConfig config, int batch, int seq, Random r) {
        int n = batch * seq;
        int[] ids = new int[n], mask = new int[n], global = new int[n], types = new int[n], items = new int[n];
        for (int row = 0; row < batch; row++) {
            int real = seq / 2 + r.nextInt(seq - seq / 2 + 1);
            for (int t = 0; t < seq; t++) {
                int i = row * seq + t;
                boolean pad = t >= real;
                ids[i] = pad ? config.padTokenId() : t == 0 ? 0 : 3 + r.nextInt(config.vocabSize() - 3);
                mask[i] = pad ? 0 : 1;
                global[i] = t == 0 ? 1 : 0;
                types[i] = pad ? 0 : t == 0 ? 0 : 1 + r.nextInt(config.tokenTypeSize() - 1);
                items[i] = Math.min(config.maxItemEmbeddings() - 1, t / 4);
            }
        }
        return new ModelInput(batch, seq, ids, mask, global, types, items);
    }

    private static int[] labels(ModelInput in, Random r) {
        int[] labels = new int[in.inputIds().length];
        for (int i = 0; i < labels.length; i++) {
            boolean real = in.attentionMask()[i] == 1 && i % in.seq() != 0;
            labels[i] = real && r.nextDouble() < 0.15 ? in.inputIds()[i] : RecformerForPretraining.IGNORE_INDEX;
        }
        labels[1] = in.inputIds()[1]; // at least one labelled token
        return labels;
    }

    /** All parameters of {@code model} in order, one array. */
    public static float[] weights(Module model) {
        float[][] each = model.namedParameters().values().stream().map(p -> p.tensor().toArray()).toArray(float[][]::new);
        float[] all = new float[Arrays.stream(each).mapToInt(a -> a.length).sum()];
        for (int i = 0, at = 0; i < each.length; at += each[i].length, i++) System.arraycopy(each[i], 0, all, at, each[i].length);
        return all;
    }
}
