package org.recformer.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.backend.Backends;
import org.recformer.nn.Parameter;
import org.recformer.tensor.Tensor;
import org.recformer.tokenizer.Tokenizer;
import org.recformer.train.Checkpoint;
import org.recformer.train.ModelFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learned input-side item-ID table J of {@link RecformerForSeqRec} (SASRec's input side): its
 * gradient, cold items, {@code <s>} and padding, saving, off = before.
 */
class ItemIdInputTest {
    private static final int ITEMS = 6;
    private static final int C = 16;
    private static final boolean[] TRAINED = {true, false, true, true, false, true};
    private static final int LENGTH = 14;
    /** Each row's history, newest first (item position k holds HISTORIES[b][k - 1]); items 1 and 4 are cold. */
    private static final int[][] HISTORIES = {{2, 1, 0}, {4, 5}, {3, 0, 1}};

    static RecformerConfig config(boolean itemIdInput) {
        return ItemIdEmbeddingTest.config(true).with(RecformerConfig.ITEM_ID_INPUT_EMBEDDING, itemIdInput);
    }

    static Parameter inputTable(RecformerForSeqRec model) {
        return model.namedParameters().get(RecformerForSeqRec.ITEM_ID_INPUT_TABLE);
    }

    /** Three rows of {@code <s>} + items of 2 to 4 tokens, padded to {@link #LENGTH}. */
    static ModelInput input() {
        SplittableRandom r = new SplittableRandom(3);
        return RecformerModelTest.batch(LENGTH, RecformerModelTest.row(r, 3, 2, 4), RecformerModelTest.row(r, 4, 3),
                RecformerModelTest.row(r, 2, 2, 3));
    }

    /** The item id of every token of {@code in}: HISTORIES[b][k - 1] at item position k >= 1, -1 on {@code <s>} and padding. */
    static int[] tokenItemIds(ModelInput in) {
        int[] out = new int[in.batch() * in.seq()];
        for (int i = 0; i < out.length; i++) {
            int k = in.itemPositionIds()[i];
            out[i] = in.attentionMask()[i] == 1 && k > 0 ? HISTORIES[i / in.seq()][k - 1] : -1;
        }
        return out;
    }

    /** A fresh model (dropout off) with a random item table E and the given J. */
    static RecformerForSeqRec model(RecformerConfig config, float[] j) {
        RecformerForSeqRec model = new ModelFactory(Backends.cpu()).freshSeqRec(config, 3);
        model.setItemEmbeddings(Tensor.of(Backends.cpu(), ItemIdEmbeddingTest.gaussians(new SplittableRandom(8), ITEMS * C, 1), ITEMS, C));
        if (j != null) inputTable(model).tensor().copyFrom(j);
        model.eval();
        return model;
    }

    static float loss(RecformerForSeqRec model, ModelInput in, int[] labels) {
        return model.loss(model.encode(in, tokenItemIds(in)), labels, new SplittableRandom(1)).item();
    }

    @Test
    void inputTableGradientMatchesFiniteDifferencesAndColdRowsGetNone() {
        float[] j = ItemIdEmbeddingTest.gaussians(new SplittableRandom(5), ITEMS * C, 0.5);
        RecformerForSeqRec model = model(config(true), j);
        model.setTrainedItems(TRAINED);
        ModelInput in = input();
        int[] labels = {3, 0, 5};
        model.loss(model.encode(in, tokenItemIds(in)), labels, new SplittableRandom(1)).backward();
        float[] grad = inputTable(model).tensor().grad().toArray();

        float h = 1e-2f; // central differences of the float32 loss: rounding noise ~1e-5, truncation ~h^2
        for (int i = 0; i < j.length; i++) {
            float[] plus = j.clone();
            float[] minus = j.clone();
            plus[i] += h;
            minus[i] -= h;
            inputTable(model).tensor().copyFrom(plus);
            float up = loss(model, in, labels);
            inputTable(model).tensor().copyFrom(minus);
            float down = loss(model, in, labels);
            double numeric = (up - down) / (2.0 * h);
            if (!TRAINED[i / C]) {
                assertEquals(0f, Math.abs(grad[i]), "row " + i / C + " is cold: no gradient"); // -0 from the 0 mask is 0
                assertEquals(0.0, numeric, "row " + i / C + " is cold: its history tokens read their text only");
            } else {
                assertEquals(numeric, grad[i], 2e-4 + 2e-2 * Math.abs(numeric), "d loss / d J[" + i / C + ", " + i % C + "]");
            }
        }
        long learning = 0;
        for (int i = 0; i < j.length; i++) if (TRAINED[i / C] && grad[i] != 0) learning++;
        assertTrue(learning > ITEMS * C / 2, "the seen rows get a gradient: " + learning);
    }

    @Test
    void withoutTheOptionTheModelIsTheOneBefore() {
        RecformerForSeqRec off = model(config(false), null);
        RecformerForSeqRec on = model(config(true), null);
        assertNull(inputTable(off));
        assertFalse(config(false).toJson().has(RecformerConfig.ITEM_ID_INPUT_EMBEDDING), "config.json of a model without it is unchanged");
        assertEquals(off.namedParameters().size() + 1, on.namedParameters().size());
        off.namedParameters().forEach((name, p) -> assertArrayEquals(p.tensor().toArray(), on.namedParameters().get(name).tensor().toArray(), name));
        assertArrayEquals(new float[ITEMS * C], inputTable(on).tensor().toArray(), "a fresh table is zero");

        ModelInput in = input();
        float[] before = off.encode(in).toArray();
        assertArrayEquals(before, off.encode(in, tokenItemIds(in)).toArray(), "without J the item ids are not read");
        assertArrayEquals(before, on.encode(in, tokenItemIds(in)).toArray(), "a zero J leaves the text as it is");
        inputTable(on).tensor().copyFrom(ItemIdEmbeddingTest.gaussians(new SplittableRandom(6), ITEMS * C, 0.5));
        assertNotEquals(Arrays.toString(before), Arrays.toString(on.encode(in, tokenItemIds(in)).toArray()));
        assertArrayEquals(before, on.encode(in).toArray(), "no item ids: text only");
        assertArrayEquals(off.encodeItems(in).toArray(), on.encodeItems(in).toArray(), "items encoded alone (the table E) stay text only");
    }

    @Test
    void startAndPaddingTokensCarryNoItemId() {
        RecformerForSeqRec model = model(config(true), ItemIdEmbeddingTest.gaussians(new SplittableRandom(6), ITEMS * C, 0.5));
        ModelInput in = input();
        int[] onStart = tokenItemIds(in);
        onStart[LENGTH] = 2; // row 1, <s>
        IllegalArgumentException start = assertThrows(IllegalArgumentException.class, () -> model.encode(in, onStart));
        assertEquals("item_ids[" + LENGTH + "] = 2 on a padding or global token, expected -1 there", start.getMessage());
        int[] onPadding = tokenItemIds(in);
        onPadding[LENGTH - 1] = 0; // row 0 has 10 real tokens
        assertThrows(IllegalArgumentException.class, () -> model.encode(in, onPadding));
        int[] outside = tokenItemIds(in);
        outside[1] = ITEMS;
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> model.encode(in, outside));
        assertEquals("item_ids[1] = 6, expected -1 or an item id in [0, item_num 6)", range.getMessage());
    }

    @Test
    void savedTableLoadsBackForItsCatalogueAndStaysOutOfAnother(@TempDir Path tmp) throws Exception {
        float[] j = ItemIdEmbeddingTest.gaussians(new SplittableRandom(7), ITEMS * C, 0.5);
        RecformerForSeqRec model = model(config(true), j);
        Path dir = tmp.resolve("model");
        Checkpoint.save(dir, model.config(), model, Tokenizer.bundled(), null, null, null);
        assertTrue(Files.readString(dir.resolve(Checkpoint.CONFIG_FILE)).contains("\"" + RecformerConfig.ITEM_ID_INPUT_EMBEDDING + "\" : true"));

        ModelFactory models = new ModelFactory(Backends.cpu());
        ModelFactory.LoadedSeqRec same = models.seqRecFromFolder(dir, ITEMS, UnaryOperator.identity());
        assertTrue(same.hasItemTable());
        assertArrayEquals(j, inputTable(same.model()).tensor().toArray());
        same.model().eval();
        ModelInput in = input();
        assertArrayEquals(model.scores(model.encode(in, tokenItemIds(in))).toArray(),
                same.model().scores(same.model().encode(in, tokenItemIds(in))).toArray());

        ModelFactory.LoadedSeqRec other = models.seqRecFromFolder(dir, ITEMS + 1, UnaryOperator.identity());
        assertFalse(other.hasItemTable());
        assertArrayEquals(new float[(ITEMS + 1) * C], inputTable(other.model()).tensor().toArray(), "another catalogue: all items cold");
    }
}
