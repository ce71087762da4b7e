package org.recformer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.recformer.autograd.GradMode;
import org.recformer.backend.Backends;
import org.recformer.ops.Arithmetic;
import org.recformer.ops.Indexing;
import org.recformer.ops.Losses;
import org.recformer.ops.Reductions;
import org.recformer.ops.Shapes;
import org.recformer.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour beyond the parity fixtures: names, padding, batching, bad input, dropout, pooling, losses. */
class RecformerModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static RecformerConfig tiny(String pooler) {
        try {
            return RecformerConfig.fromJson(JSON.readTree("{\"vocab_size\": 50, \"hidden_size\": 16, \"num_hidden_layers\": 2,"
                    + " \"num_attention_heads\": 2, \"intermediate_size\": 32, \"attention_window\": [4, 8],"
                    + " \"max_position_embeddings\": 64, \"max_item_embeddings\": 8, \"layer_norm_eps\": 1e-5,"
                    + " \"pooler_type\": \"" + pooler + "\"}"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static RecformerModel model(RecformerConfig config) {
        RecformerModel m = new RecformerModel(config, Backends.cpu(), 1);
        ModelInit.initialize(m, config, 42);
        m.eval();
        return m;
    }

    /** One row: {@code <s>} then items of the given token counts (token types 1/2, item positions 1, 2, ...). */
    static int[][] row(SplittableRandom r, int... itemLengths) {
        List<int[]> cols = new ArrayList<>();
        cols.add(new int[] {0, 1, 1, 0, 0});
        for (int item = 0; item < itemLengths.length; item++) {
            for (int t = 0; t < itemLengths[item]; t++) cols.add(new int[] {3 + r.nextInt(46), 1, 0, 1 + r.nextInt(2), item + 1});
        }
        int[][] out = new int[5][cols.size()];
        for (int t = 0; t < cols.size(); t++) for (int f = 0; f < 5; f++) out[f][t] = cols.get(t)[f];
        return out;
    }

    /** Rows padded to {@code length} as the tokenizer pads: pad id, mask 0, token type 3, item position max-1. */
    static ModelInput batch(int length, int[][]... rows) {
        int[][][] fields = new int[5][rows.length][length];
        int[] padValue = {1, 0, 0, 3, 7};
        for (int b = 0; b < rows.length; b++) {
            for (int f = 0; f < 5; f++) {
                Arrays.fill(fields[f][b], padValue[f]);
                System.arraycopy(rows[b][f], 0, fields[f][b], 0, rows[b][f].length);
            }
        }
        return ModelInput.of(fields[0], fields[1], fields[2], fields[3], fields[4]);
    }

    @Test
    void parameterNamesAreHuggingFaces() throws Exception {
        JsonNode manifest = JSON.readTree(Path.of("test-fixtures/parity/manifest.json").toFile());
        List<String> expected = new ArrayList<>();
        for (JsonNode k : manifest.get("configs").get("dev-tiny").get("state_dict_keys")) expected.add(k.asText());
        // the position_ids buffer is not a parameter; lm_head.decoder.bias is the same tensor as lm_head.bias
        expected.remove("longformer.embeddings.position_ids");
        expected.remove("lm_head.decoder.bias");
        RecformerConfig config = RecformerConfig.read(Path.of("test-fixtures/parity/dev-tiny/config.json"));
        List<String> names = new ArrayList<>(new RecformerForPretraining(config, Backends.cpu(), 0).namedParameters().keySet());
        assertEquals(expected, names);
    }

    @Test
    void realPositionsDoNotDependOnPaddingOrBatchmates() {
        RecformerConfig config = tiny("cls");
        RecformerModel m = model(config);
        SplittableRandom r = new SplittableRandom(3);
        int[][] a = row(r, 3, 5, 2); // 11 tokens, not a multiple of 8
        int[][] b = row(r, 4, 2, 7, 3);
        try (GradMode.Scope s = GradMode.noGrad()) {
            float[] alone = m.forward(batch(11, a)).lastHiddenState().toArray();
            float[] padded = m.forward(batch(21, a)).lastHiddenState().toArray();
            float[] together = m.forward(batch(17, b, a)).lastHiddenState().toArray();
            int c = config.hiddenSize();
            for (int i = 0; i < 11 * c; i++) {
                assertEquals(alone[i], padded[i], 1e-5, "extra padding changed position " + i / c);
                assertEquals(alone[i], together[17 * c + i], 1e-5, "a batchmate changed position " + i / c);
            }
        }
    }

    @Test
    void eachPaddingPositionHoldsTheStateOfItsOwnTokens() {
        // padding tokens with different token types and item positions: a padding token attends to
        // nothing, so its state is that of the same token encoded alone
        RecformerConfig config = tiny("cls");
        RecformerModel m = model(config);
        ModelInput in = batch(14, row(new SplittableRandom(7), 3, 4)); // 8 real tokens, 6 padding
        int[] types = in.tokenTypeIds().clone(), items = in.itemPositionIds().clone();
        types[9] = 0;
        items[9] = 2;
        types[11] = 2;
        types[13] = 0;
        items[13] = 2;
        ModelInput mixed = new ModelInput(1, 14, in.inputIds(), in.attentionMask(), in.globalAttentionMask(), types, items);
        int c = config.hiddenSize();
        try (GradMode.Scope s = GradMode.noGrad()) {
            float[] batched = m.forward(mixed).lastHiddenState().toArray();
            for (int t = 8; t < 14; t++) {
                ModelInput alone = new ModelInput(1, 1, new int[] {1}, new int[] {0}, new int[] {0}, new int[] {types[t]}, new int[] {items[t]});
                float[] expected = m.forward(alone).lastHiddenState().toArray();
                for (int i = 0; i < c; i++) assertEquals(expected[i], batched[t * c + i], 1e-5, "padding position " + t);
            }
        }
    }

    @Test
    void outOfRangeIdsAreNamed() {
        RecformerConfig config = tiny("cls");
        RecformerModel m = model(config);
        int[][] a = row(new SplittableRandom(1), 3, 3);
        int[][][] cases = {copyWith(a, 0, 2, 50), copyWith(a, 3, 2, 4), copyWith(a, 4, 2, 8), copyWith(a, 0, 2, -1)};
        String[] fields = {"input_ids", "token_type_ids", "item_position_ids", "input_ids"};
        for (int i = 0; i < cases.length; i++) {
            ModelInput in = batch(7, cases[i]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(in));
            assertTrue(e.getMessage().contains(fields[i]), e.getMessage());
        }
        int[][] long_ = row(new SplittableRandom(1), 30, 30, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(batch(71, long_)));
        assertTrue(e.getMessage().contains("max_position_embeddings"), e.getMessage());
        IllegalArgumentException mask = assertThrows(IllegalArgumentException.class,
                () -> batch(7, copyWith(a, 1, 2, 2)));
        assertTrue(mask.getMessage().contains("attention_mask"), mask.getMessage());
    }

    private static int[][] copyWith(int[][] row, int field, int t, int value) {
        int[][] out = new int[row.length][];
        for (int f = 0; f < row.length; f++) out[f] = row[f].clone();
        out[field][t] = value;
        return out;
    }

    @Test
    void dropoutOnlyInTrainingAndReproducibleFromTheSeed() {
        RecformerConfig config = tiny("cls");
        RecformerModel m = model(config);
        ModelInput in = batch(9, row(new SplittableRandom(5), 4, 4));
        try (GradMode.Scope s = GradMode.noGrad()) {
            float[] eval1 = m.forward(in).lastHiddenState().toArray();
            float[] eval2 = m.forward(in).lastHiddenState().toArray();
            assertTrue(Arrays.equals(eval1, eval2));
            m.train(true);
            m.setDropoutSeed(7);
            float[] train1 = m.forward(in).lastHiddenState().toArray();
            m.setDropoutSeed(7);
            float[] train2 = m.forward(in).lastHiddenState().toArray();
            float[] train3 = m.forward(in).lastHiddenState().toArray();
            assertTrue(Arrays.equals(train1, train2), "same seed, same dropout");
            assertFalse(Arrays.equals(train1, eval1), "dropout active in training");
            assertFalse(Arrays.equals(train2, train3), "a new seed per call");
        }
    }

    /**
     * {@link RecformerModel#encode} computes only the global tokens' rows of the last layer: its pooled
     * vectors and their gradients are the full pass's (a row with a second global token, padding, a row of
     * {@code <s>} alone), and the last layer's local projections take no part (no gradient reaches them).
     */
    @Test
    void encodeComputesOnlyTheGlobalRowsOfTheLastLayerWithTheFullPassesValues() {
        RecformerConfig config = tiny("cls");
        RecformerModel m = model(config);
        SplittableRandom r = new SplittableRandom(12);
        ModelInput in = batch(19, row(r, 3, 5, 2), copyWith(row(r, 4, 2, 7, 3), 2, 5, 1), row(r));
        try (GradMode.Scope s = GradMode.noGrad()) {
            assertClose(m.forward(in).pooledOutput().toArray(), m.encode(in).toArray(), 1e-6, "pooled under no_grad");
        }
        Tensor weights = Tensor.of(Backends.cpu(), randomFloats(r, 3 * config.hiddenSize()), 3, config.hiddenSize());
        Map<String, float[]> full = gradients(m, () -> m.forward(in).pooledOutput(), weights);
        Map<String, float[]> shortcut = gradients(m, () -> m.encode(in), weights);
        String lastQuery = "encoder.layer.1.attention.self.query.weight";
        assertNull(shortcut.get(lastQuery), "the last layer's local query projection was computed");
        m.namedParameters().forEach((name, p) -> assertClose(orZeros(full.get(name), p.tensor().numel()),
                orZeros(shortcut.get(name), p.tensor().numel()), 1e-5, name));
    }

    /** The gradients of sum(pooled * weights) for every parameter (null for those that get none). */
    private static Map<String, float[]> gradients(RecformerModel m, java.util.function.Supplier<Tensor> pooled, Tensor weights) {
        m.zeroGrad();
        Reductions.sum(Arithmetic.mul(pooled.get(), weights)).backward();
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        m.namedParameters().forEach((name, p) -> out.put(name, p.tensor().grad() == null ? null : p.tensor().grad().toArray()));
        m.zeroGrad();
        return out;
    }

    private static float[] orZeros(float[] gradient, long n) {
        return gradient == null ? new float[(int) n] : gradient;
    }

    private static float[] randomFloats(SplittableRandom r, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) r.nextDouble(-1, 1);
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], tolerance, what + " [" + i + "]");
    }

    @Test
    void avgPoolingWeightsTheMergedMask() {
        RecformerConfig config = tiny("avg");
        RecformerModel m = model(config);
        SplittableRandom r = new SplittableRandom(8);
        ModelInput in = batch(10, row(r, 2, 3), row(r, 4, 5));
        try (GradMode.Scope s = GradMode.noGrad()) {
            RecformerModelOutput out = m.forward(in);
            float[] h = out.lastHiddenState().toArray();
            float[] pooled = out.pooledOutput().toArray();
            int c = config.hiddenSize();
            for (int b = 0; b < 2; b++) {
                for (int k = 0; k < c; k++) {
                    double sum = 0;
                    double weight = 0;
                    for (int t = 0; t < 10; t++) {
                        int i = b * 10 + t;
                        double w = in.attentionMask()[i] * (in.globalAttentionMask()[i] + 1);
                        sum += w * h[i * c + k];
                        weight += w;
                    }
                    assertEquals(sum / weight, pooled[b * c + k], 1e-5);
                }
            }
        }
    }

    @Test
    void avgNewestPoolingAddsTheMeanOfTheNewestItemsTokens() {
        RecformerConfig config = tiny("avg_newest");
        RecformerModel m = model(config);
        SplittableRandom r = new SplittableRandom(9);
        // the newest item (item position 1) first, as the sequence encoder writes it; a row of <s> alone has no newest item
        ModelInput in = batch(10, row(r, 2, 3), row(r, 4, 5), row(r));
        try (GradMode.Scope s = GradMode.noGrad()) {
            RecformerModelOutput out = m.forward(in);
            float[] h = out.lastHiddenState().toArray();
            float[] pooled = out.pooledOutput().toArray();
            int c = config.hiddenSize();
            int[] newestTokens = {2, 4, 0};
            for (int b = 0; b < 3; b++) {
                int counted = 0;
                for (int k = 0; k < c; k++) {
                    double sum = 0, weight = 0, newest = 0;
                    counted = 0;
                    for (int t = 0; t < 10; t++) {
                        int i = b * 10 + t;
                        double w = in.attentionMask()[i] * (in.globalAttentionMask()[i] + 1);
                        sum += w * h[i * c + k];
                        weight += w;
                        if (in.attentionMask()[i] == 1 && in.itemPositionIds()[i] == 1) {
                            newest += h[i * c + k];
                            counted++;
                        }
                    }
                    double expected = sum / weight + (counted == 0 ? 0 : newest / counted);
                    assertEquals(expected, pooled[b * c + k], 1e-5, "row " + b + ", column " + k);
                }
                assertEquals(newestTokens[b], counted, "row " + b);
            }
        }
    }

    @Test
    void sampledSoftmaxIsCrossEntropyOverLabelAndNegatives() {
        RecformerConfig config = tiny("cls").with("item_num", 6).with("finetune_negative_sample_size", 3);
        RecformerModel encoder = model(config);
        RecformerForSeqRec seqRec = new RecformerForSeqRec(config, encoder);
        seqRec.eval();
        SplittableRandom r = new SplittableRandom(11);
        int[][][] items = new int[6][][];
        for (int i = 0; i < 6; i++) items[i] = row(r, 2 + i % 3);
        try (GradMode.Scope s = GradMode.noGrad()) {
            seqRec.setItemEmbeddings(seqRec.encodeItems(batch(5, items)));
            Tensor pooled = seqRec.encode(batch(12, row(r, 3, 4, 2), row(r, 5, 2)));
            int[] labels = {4, 1};
            float[] all = seqRec.scores(pooled).toArray();
            float loss = seqRec.loss(pooled, labels, new SplittableRandom(99)).item();
            // the same draws: label first, then k uniform ids per row
            SplittableRandom draws = new SplittableRandom(99);
            double expected = 0;
            for (int b = 0; b < 2; b++) {
                int[] cand = {labels[b], draws.nextInt(6), draws.nextInt(6), draws.nextInt(6)};
                double max = Double.NEGATIVE_INFINITY;
                for (int c : cand) max = Math.max(max, all[b * 6 + c]);
                double z = 0;
                for (int c : cand) z += Math.exp(all[b * 6 + c] - max);
                expected += max + Math.log(z) - all[b * 6 + labels[b]];
            }
            assertEquals(expected / 2, loss, 1e-5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> seqRec.loss(pooled, new int[] {6, 0}, new SplittableRandom(1)));
            assertTrue(e.getMessage().contains("labels"), e.getMessage());
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                    () -> seqRec.candidateScores(pooled, new int[][] {{0, 1}, {2, -1}}));
            assertTrue(c.getMessage().contains("candidates"), c.getMessage());
        }
    }

    /**
     * With item IDs the candidates are scored against E + I, as in {@link RecformerForSeqRec#scores}, and I gets the same
     * gradient; with score offsets each candidate gets its own b[j], and b the same gradient.
     */
    @ParameterizedTest
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void candidateScoresEqualTheGatheredFullScoresWithTheSameGradient(boolean itemIds, boolean offsets) {
        RecformerConfig config = tiny("cls").with("item_num", 9).with(RecformerConfig.ITEM_ID_EMBEDDING, itemIds)
                .with(RecformerConfig.ITEM_ID_BIAS, offsets);
        RecformerForSeqRec seqRec = new RecformerForSeqRec(config, model(config));
        SplittableRandom r = new SplittableRandom(13);
        float[] table = new float[9 * config.hiddenSize()];
        for (int i = 0; i < table.length; i++) table[i] = (float) r.nextGaussian();
        seqRec.setItemEmbeddings(Tensor.of(Backends.cpu(), table, 9, config.hiddenSize()));
        Tensor idTable = itemIds ? seqRec.namedParameters().get(RecformerForSeqRec.ITEM_ID_TABLE).tensor() : null;
        if (itemIds) {
            float[] ids = new float[9 * config.hiddenSize()];
            for (int i = 0; i < ids.length; i++) ids[i] = (float) r.nextGaussian();
            idTable.copyFrom(ids);
        }
        Tensor bias = offsets ? seqRec.namedParameters().get(RecformerForSeqRec.ITEM_ID_BIAS).tensor() : null;
        if (offsets) {
            float[] b = new float[9];
            for (int i = 0; i < b.length; i++) b[i] = (float) (3 * r.nextGaussian());
            bias.copyFrom(b);
        }
        float[] start = new float[3 * config.hiddenSize()];
        for (int i = 0; i < start.length; i++) start[i] = (float) r.nextGaussian();
        int[][] candidates = {{4, 0, 4, 8}, {1, 2, 3, 5}, {7, 7, 6, 0}};
        int[] labels = {0, 2, 1};

        Tensor sampledPooled = Tensor.of(Backends.cpu(), start, 3, config.hiddenSize()).requiresGrad(true);
        Tensor sampled = seqRec.candidateScores(sampledPooled, candidates);
        Losses.crossEntropy(sampled, labels, -100).backward();
        float[] sampledIdGrad = itemIds ? idTable.grad().toArray() : null;
        if (itemIds) idTable.zeroGrad();
        float[] sampledBiasGrad = offsets ? bias.grad().toArray() : null;
        if (offsets) bias.zeroGrad();

        // reference: the full [B, item_num] score matrix, then the candidates' entries
        Tensor fullPooled = Tensor.of(Backends.cpu(), start, 3, config.hiddenSize()).requiresGrad(true);
        int[] flat = new int[12];
        for (int b = 0; b < 3; b++) for (int j = 0; j < 4; j++) flat[b * 4 + j] = b * 9 + candidates[b][j];
        Tensor all = Shapes.reshape(seqRec.scores(fullPooled), 27, 1);
        Tensor gathered = Shapes.reshape(Indexing.indexSelect(all, flat), 3, 4);
        Losses.crossEntropy(gathered, labels, -100).backward();

        float[] expected = gathered.toArray(), actual = sampled.toArray();
        for (int i = 0; i < 12; i++) assertEquals(expected[i], actual[i], 2e-5, "score " + i);
        float[] expectedGrad = fullPooled.grad().toArray(), actualGrad = sampledPooled.grad().toArray();
        for (int i = 0; i < expectedGrad.length; i++) assertEquals(expectedGrad[i], actualGrad[i], 1e-6, "gradient " + i);
        assertEquals(null, seqRec.itemEmbeddings().grad(), "the item table is frozen");
        if (itemIds) {
            float[] expectedIdGrad = idTable.grad().toArray();
            for (int i = 0; i < expectedIdGrad.length; i++) assertEquals(expectedIdGrad[i], sampledIdGrad[i], 1e-6, "item-ID gradient " + i);
        }
        if (offsets) {
            float[] expectedBiasGrad = bias.grad().toArray();
            for (int i = 0; i < 9; i++) assertEquals(expectedBiasGrad[i], sampledBiasGrad[i], 1e-6, "score offset gradient " + i);
            assertTrue(Arrays.stream(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}).anyMatch(i -> expectedBiasGrad[i] != 0), "offsets learn");
        }
    }

    @Test
    void mlmLabelsOutsideTheVocabularyAreNamed() {
        RecformerConfig config = tiny("cls");
        RecformerForPretraining m = new RecformerForPretraining(config, Backends.cpu(), 1);
        ModelInit.initialize(m, config, 5);
        m.eval();
        SplittableRandom r = new SplittableRandom(2);
        ModelInput a = batch(8, row(r, 3, 4));
        ModelInput b = batch(8, row(r, 5));
        int[] labels = new int[8];
        Arrays.fill(labels, RecformerForPretraining.IGNORE_INDEX);
        int[] bad = labels.clone();
        bad[3] = 50;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.forward(new PretrainInput(a, b, a.inputIds(), bad, b.inputIds(), labels)));
        assertTrue(e.getMessage().contains("mlm_labels_a"), e.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new PretrainInput(a, b, a.inputIds(), new int[3], null, null));
        assertTrue(shape.getMessage().contains("mlm_labels_a"), shape.getMessage());
    }
}
