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
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learned per-item score offsets b of {@link RecformerForSeqRec}: loss and gradient, cold items, saving, off = before. */
class ItemIdBiasTest {
    private static final int ITEMS = 6;
    private static final int C = 16;
    private static final boolean[] TRAINED = {true, false, true, true, false, true};

    static RecformerConfig config(boolean offsets) {
        return RecformerModelTest.tiny("avg").with("item_num", ITEMS).with(RecformerConfig.ITEM_ID_BIAS, offsets);
    }

    static Parameter offsets(RecformerForSeqRec model) {
        return model.namedParameters().get(RecformerForSeqRec.ITEM_ID_BIAS);
    }

    /** mean over rows b of cross-entropy(cos(p_b, E_j) / temp + m_j b_j, label_b), in double. */
    static double referenceLoss(float[] pooled, float[] e, double[] bias, int[] labels, double temp) {
        return ItemIdEmbeddingTest.referenceLoss(pooled, e, null, bias, TRAINED, labels, temp);
    }

    @Test
    void lossAndOffsetGradientMatchADoubleReferenceAndUntrainedItemsGetNone() {
        RecformerForSeqRec model = new RecformerForSeqRec(config(true), Backends.cpu(), 1);
        SplittableRandom r = new SplittableRandom(5);
        float[] e = ItemIdEmbeddingTest.gaussians(r, ITEMS * C, 1);
        float[] bias = ItemIdEmbeddingTest.gaussians(r, ITEMS, 2);
        float[] pooled = ItemIdEmbeddingTest.gaussians(r, 3 * C, 1);
        int[] labels = {0, 4, 3}; // item 4 is not trained: its score still counts, without an offset
        model.setItemEmbeddings(Tensor.of(Backends.cpu(), e, ITEMS, C));
        offsets(model).tensor().copyFrom(bias);
        model.setTrainedItems(TRAINED);

        Tensor loss = model.loss(Tensor.of(Backends.cpu(), pooled, 3, C), labels, new SplittableRandom(1));
        loss.backward();
        float[] grad = offsets(model).tensor().grad().toArray();

        double temp = model.config().temp();
        double[] at = new double[ITEMS];
        for (int i = 0; i < ITEMS; i++) at[i] = bias[i];
        assertEquals(referenceLoss(pooled, e, at, labels, temp), loss.item(), 1e-5);
        double h = 1e-6;
        for (int j = 0; j < ITEMS; j++) {
            if (!TRAINED[j]) {
                assertEquals(0f, Math.abs(grad[j]), "item " + j + " is not trained");
                continue;
            }
            double[] plus = at.clone();
            double[] minus = at.clone();
            plus[j] += h;
            minus[j] -= h;
            double numeric = (referenceLoss(pooled, e, plus, labels, temp) - referenceLoss(pooled, e, minus, labels, temp)) / (2 * h);
            assertEquals(numeric, grad[j], 1e-5 + 1e-3 * Math.abs(numeric), "d loss / d b[" + j + "]");
        }
        float[] counted = model.itemBiases().toArray();
        for (int j = 0; j < ITEMS; j++) assertEquals(TRAINED[j] ? bias[j] : 0f, counted[j], "offset of item " + j + " as it counts");
    }

    @Test
    void savedOffsetsLoadBackForTheirCatalogueAndStayOutOfAnother(@TempDir Path tmp) throws Exception {
        ModelFactory models = new ModelFactory(Backends.cpu());
        RecformerForSeqRec model = models.freshSeqRec(config(true), 3);
        SplittableRandom r = new SplittableRandom(11);
        model.setItemEmbeddings(Tensor.of(Backends.cpu(), ItemIdEmbeddingTest.gaussians(r, ITEMS * C, 1), ITEMS, C));
        float[] bias = ItemIdEmbeddingTest.gaussians(r, ITEMS, 2);
        model.setItemBiases(bias);
        Path dir = tmp.resolve("model");
        Checkpoint.save(dir, model.config(), model, Tokenizer.bundled(), null, null, null);
        assertTrue(Files.readString(dir.resolve(Checkpoint.CONFIG_FILE)).contains("\"" + RecformerConfig.ITEM_ID_BIAS + "\" : true"));

        ModelFactory.LoadedSeqRec same = models.seqRecFromFolder(dir, ITEMS, UnaryOperator.identity());
        assertTrue(same.hasItemTable());
        assertArrayEquals(bias, offsets(same.model()).tensor().toArray());
        Tensor pooled = Tensor.of(Backends.cpu(), ItemIdEmbeddingTest.gaussians(r, 2 * C, 1), 2, C);
        model.eval();
        same.model().eval();
        assertArrayEquals(model.scores(pooled).toArray(), same.model().scores(pooled).toArray());

        ModelFactory.LoadedSeqRec other = models.seqRecFromFolder(dir, ITEMS + 1, UnaryOperator.identity());
        assertFalse(other.hasItemTable());
        assertArrayEquals(new float[ITEMS + 1], offsets(other.model()).tensor().toArray(), "another catalogue: all items cold");
        same.model().clearItemIds();
        assertArrayEquals(new float[ITEMS], offsets(same.model()).tensor().toArray(), "cleared with the item IDs");
    }

    @Test
    void withoutTheOptionTheModelIsTheOneBeforeAndZeroOffsetsScoreAsText() {
        ModelFactory models = new ModelFactory(Backends.cpu());
        RecformerForSeqRec off = models.freshSeqRec(config(false), 3);
        RecformerForSeqRec on = models.freshSeqRec(config(true), 3);
        assertNull(offsets(off));
        assertNull(off.itemBiases());
        assertFalse(config(false).toJson().has(RecformerConfig.ITEM_ID_BIAS), "config.json of a model without it is unchanged");
        assertEquals(off.namedParameters().size() + 1, on.namedParameters().size());
        off.namedParameters().forEach((name, p) -> assertArrayEquals(p.tensor().toArray(), on.namedParameters().get(name).tensor().toArray(), name));
        assertArrayEquals(new float[ITEMS], offsets(on).tensor().toArray(), "fresh offsets are zero");

        SplittableRandom r = new SplittableRandom(13);
        Tensor table = Tensor.of(Backends.cpu(), ItemIdEmbeddingTest.gaussians(r, ITEMS * C, 1), ITEMS, C);
        off.setItemEmbeddings(table);
        on.setItemEmbeddings(table);
        Tensor pooled = Tensor.of(Backends.cpu(), ItemIdEmbeddingTest.gaussians(r, 2 * C, 1), 2, C);
        float[] text = off.scores(pooled).toArray();
        assertArrayEquals(text, on.scores(pooled).toArray(), "zero offsets score as text alone");
        float[] bias = ItemIdEmbeddingTest.gaussians(r, ITEMS, 2);
        on.setItemBiases(bias);
        float[] shifted = on.scores(pooled).toArray();
        for (int i = 0; i < shifted.length; i++) assertEquals(text[i] + bias[i % ITEMS], shifted[i], 1e-5, "score " + i);
    }
}
