package org.recformer.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.backend.Backends;
import org.recformer.nn.Parameter;
import org.recformer.tensor.Tensor;
import org.recformer.tokenizer.Tokenizer;
import org.recformer.train.AdamW;
import org.recformer.train.Checkpoint;
import org.recformer.train.ModelFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learned item-ID table of {@link RecformerForSeqRec} (UniSRec's text+ID): loss and gradient, cold items, saving, off = before. */
class ItemIdEmbeddingTest {
    private static final int ITEMS = 6;
    private static final int C = 16;
    private static final boolean[] TRAINED = {true, false, true, true, false, true};

    static RecformerConfig config(boolean itemIds) {
        return RecformerModelTest.tiny("avg").with("item_num", ITEMS).with(RecformerConfig.ITEM_ID_EMBEDDING, itemIds);
    }

    static float[] gaussians(SplittableRandom r, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (r.nextGaussian() * scale);
        return out;
    }

    static Parameter idTable(RecformerForSeqRec model) {
        return model.namedParameters().get(RecformerForSeqRec.ITEM_ID_TABLE);
    }

    /** mean over rows b of cross-entropy(cos(p_b, E_j + m_j I_j) / temp, label_b), in double. */
    static double referenceLoss(float[] pooled, float[] e, double[] ids, boolean[] trained, int[] labels, double temp) {
        return referenceLoss(pooled, e, ids, null, trained, labels, temp);
    }

    /**
     * mean over rows b of cross-entropy(cos(p_b, E_j + m_j I_j) / temp + m_j b_j, label_b), in double
     * (m_j: item j is trained; {@code ids} or {@code offsets} null: none).
     */
    static double referenceLoss(float[] pooled, float[] e, double[] ids, double[] offsets, boolean[] trained, int[] labels, double temp) {
        double total = 0;
        for (int b = 0; b < labels.length; b++) {
            double[] s = new double[ITEMS];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < ITEMS; j++) {
                double dot = 0, np = 0, nv = 0;
                for (int c = 0; c < C; c++) {
                    double p = pooled[b * C + c];
                    double v = e[j * C + c] + (trained[j] && ids != null ? ids[j * C + c] : 0);
                    dot += p * v;
                    np += p * p;
                    nv += v * v;
                }
                s[j] = dot / Math.max(Math.sqrt(np), 1e-8) / Math.max(Math.sqrt(nv), 1e-8) / temp + (trained[j] && offsets != null ? offsets[j] : 0);
                max = Math.max(max, s[j]);
            }
            double sum = 0;
            for (double v : s) sum += Math.exp(v - max);
            total += max + Math.log(sum) - s[labels[b]];
        }
        return total / labels.length;
    }

    @Test
    void lossAndIdTableGradientMatchADoubleReferenceAndUntrainedRowsGetNone() {
        RecformerForSeqRec model = new RecformerForSeqRec(config(true), Backends.cpu(), 1);
        SplittableRandom r = new SplittableRandom(5);
        float[] e = gaussians(r, ITEMS * C, 1);
        float[] ids = gaussians(r, ITEMS * C, 0.5);
        float[] pooled = gaussians(r, 3 * C, 1);
        int[] labels = {0, 4, 3}; // item 4 is not trained: its score still counts, through E alone
        model.setItemEmbeddings(Tensor.of(Backends.cpu(), e, ITEMS, C));
        idTable(model).tensor().copyFrom(ids);
        model.setTrainedItems(TRAINED);

        Tensor loss = model.loss(Tensor.of(Backends.cpu(), pooled, 3, C), labels, new SplittableRandom(1));
        loss.backward();
        float[] grad = idTable(model).tensor().grad().toArray();

        double temp = model.config().temp();
        double[] at = new double[ids.length];
        for (int i = 0; i < ids.length; i++) at[i] = ids[i];
        assertEquals(referenceLoss(pooled, e, at, TRAINED, labels, temp), loss.item(), 1e-5);
        double h = 1e-6;
        for (int i = 0; i < ids.length; i++) {
            if (!TRAINED[i / C]) {
                assertEquals(0f, Math.abs(grad[i]), "row " + i / C + " is not trained"); // -0 from the 0 mask is 0
                continue;
            }
            double[] plus = at.clone();
            double[] minus = at.clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (referenceLoss(pooled, e, plus, TRAINED, labels, temp) - referenceLoss(pooled, e, minus, TRAINED, labels, temp)) / (2 * h);
            assertEquals(numeric, grad[i], 1e-4 + 1e-3 * Math.abs(numeric), "d loss / d I[" + i / C + ", " + i % C + "]");
        }
    }

    @Test
    void coldItemsKeepTheirTextVectorThroughTraining() {
        RecformerForSeqRec model = new RecformerForSeqRec(config(true), Backends.cpu(), 1);
        ModelInit.initialize(model, model.config(), 7);
        SplittableRandom r = new SplittableRandom(9);
        float[] e = gaussians(r, ITEMS * C, 1);
        model.setItemEmbeddings(Tensor.of(Backends.cpu(), e, ITEMS, C));
        model.setTrainedItems(TRAINED);
        AdamW adam = new AdamW(Map.of(RecformerForSeqRec.ITEM_ID_TABLE, idTable(model)), 0.1f);
        for (int step = 0; step < 3; step++) {
            model.zeroGrad();
            model.loss(Tensor.of(Backends.cpu(), gaussians(r, 4 * C, 1), 4, C), new int[] {1, 4, 2, 0}, r).backward();
            adam.step(1e-2f, AdamW.unclipped(Backends.cpu()));
        }
        float[] ids = idTable(model).tensor().toArray();
        float[] vectors = model.itemVectors().toArray();
        for (int j = 0; j < ITEMS; j++) {
            float[] idRow = Arrays.copyOfRange(ids, j * C, (j + 1) * C);
            float[] vector = Arrays.copyOfRange(vectors, j * C, (j + 1) * C);
            if (TRAINED[j]) {
                assertFalse(Arrays.equals(new float[C], idRow), "trained item " + j + " learned an ID vector");
                assertFalse(Arrays.equals(Arrays.copyOfRange(e, j * C, (j + 1) * C), vector), "item " + j);
            } else {
                assertArrayEquals(new float[C], idRow, "cold item " + j + " (a label in training, weight decay 0.1)");
                assertArrayEquals(Arrays.copyOfRange(e, j * C, (j + 1) * C), vector, "cold item " + j + " scores from its text alone");
            }
        }
    }

    @Test
    void savedTableLoadsBackForItsCatalogueAndStaysOutOfAnother(@TempDir Path tmp) throws Exception {
        ModelFactory models = new ModelFactory(Backends.cpu());
        RecformerForSeqRec model = models.freshSeqRec(config(true), 3);
        SplittableRandom r = new SplittableRandom(11);
        model.setItemEmbeddings(Tensor.of(Backends.cpu(), gaussians(r, ITEMS * C, 1), ITEMS, C));
        idTable(model).tensor().copyFrom(gaussians(r, ITEMS * C, 0.5));
        Path dir = tmp.resolve("model");
        Checkpoint.save(dir, model.config(), model, Tokenizer.bundled(), null, null, null);
        assertTrue(Files.readString(dir.resolve(Checkpoint.CONFIG_FILE)).contains("\"" + RecformerConfig.ITEM_ID_EMBEDDING + "\" : true"));

        ModelFactory.LoadedSeqRec same = models.seqRecFromFolder(dir, ITEMS, UnaryOperator.identity());
        assertTrue(same.hasItemTable());
        assertArrayEquals(idTable(model).tensor().toArray(), idTable(same.model()).tensor().toArray());
        Tensor pooled = Tensor.of(Backends.cpu(), gaussians(r, 2 * C, 1), 2, C);
        model.eval();
        same.model().eval();
        assertArrayEquals(model.scores(pooled).toArray(), same.model().scores(pooled).toArray());

        ModelFactory.LoadedSeqRec other = models.seqRecFromFolder(dir, ITEMS + 1, UnaryOperator.identity());
        assertFalse(other.hasItemTable());
        assertArrayEquals(new float[(ITEMS + 1) * C], idTable(other.model()).tensor().toArray(), "another catalogue: all items cold");
    }

    @Test
    void withoutTheOptionTheModelIsTheOneBefore() {
        ModelFactory models = new ModelFactory(Backends.cpu());
        RecformerForSeqRec off = models.freshSeqRec(config(false), 3);
        RecformerForSeqRec on = models.freshSeqRec(config(true), 3);
        assertNull(idTable(off));
        assertFalse(config(false).toJson().has(RecformerConfig.ITEM_ID_EMBEDDING), "config.json of a model without it is unchanged");
        assertEquals(off.namedParameters().size() + 1, on.namedParameters().size());
        off.namedParameters().forEach((name, p) -> assertArrayEquals(p.tensor().toArray(), on.namedParameters().get(name).tensor().toArray(), name));
        assertArrayEquals(new float[ITEMS * C], idTable(on).tensor().toArray(), "a fresh table is zero");

        SplittableRandom r = new SplittableRandom(13);
        Tensor table = Tensor.of(Backends.cpu(), gaussians(r, ITEMS * C, 1), ITEMS, C);
        off.setItemEmbeddings(table);
        on.setItemEmbeddings(table);
        Tensor pooled = Tensor.of(Backends.cpu(), gaussians(r, 2 * C, 1), 2, C);
        assertArrayEquals(off.scores(pooled).toArray(), on.scores(pooled).toArray(), "a zero table scores as text alone");
        idTable(on).tensor().copyFrom(gaussians(r, ITEMS * C, 0.5));
        assertNotEquals(Arrays.toString(off.scores(pooled).toArray()), Arrays.toString(on.scores(pooled).toArray()));
    }
}
