package org.recformer.baseline;

import org.recformer.backend.Backends;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.autograd.GradMode;
import org.recformer.data.Dataset;
import org.recformer.train.Evaluation;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SASRec: causal and padding masks hold, batches line inputs up with next items, and it learns an easy next-item rule. */
class SasRecTest {
    private static final SasRec.Shape SMALL = new SasRec.Shape(16, 2, 2, 8, 0.0);

    @Test
    void laterItemsAndLeftPaddingDoNotChangeEarlierStates() {
        SasRec model = new SasRec(Backends.cpu(), 10, SMALL, 3);
        model.eval();
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            float[] a = model.forward(new int[] {0, 0, 4, 7, 2, 9}, 1).toArray();
            float[] b = model.forward(new int[] {0, 0, 4, 7, 2, 5}, 1).toArray();
            float[] shorter = model.forward(new int[] {4, 7, 2, 9}, 1).toArray();
            int c = 16;
            for (int i = 0; i < 5 * c; i++) assertEquals(a[i], b[i], 0f, "position " + i / c + " saw a later item");
            for (int i = 0; i < 4 * c; i++) assertEquals(a[2 * c + i], shorter[i], 1e-5f, "left padding changed position " + i / c);
            boolean lastDiffers = false;
            for (int i = 5 * c; i < 6 * c; i++) lastDiffers |= a[i] != b[i];
            assertTrue(lastDiffers, "the last position must see its own item");
        }
    }

    @Test
    void trainingBatchPairsEachItemWithTheNextRightAligned() {
        int[][] batch = SasRecTraining.trainingBatch(List.of(new int[] {5, 6, 7}, new int[] {1, 2, 3, 4, 8}), 3);
        assertArrayEquals(new int[] {0, 6, 7, 3, 4, 5}, batch[0]); // rows = item + 1, last 3 inputs of the longer one
        assertArrayEquals(new int[] {SasRec.IGNORE, 6, 7, 3, 4, 8}, batch[1]);
    }

    @Test
    void learnsAFixedSuccessorRuleFarBeyondItsUntrainedSelf(@TempDir Path dir) throws IOException {
        int items = 40;
        int users = 120;
        StringBuilder umap = new StringBuilder("{");
        StringBuilder smap = new StringBuilder("{");
        StringBuilder meta = new StringBuilder("{");
        StringBuilder train = new StringBuilder("{");
        StringBuilder val = new StringBuilder("{");
        StringBuilder test = new StringBuilder("{");
        for (int i = 0; i < items; i++) {
            String sep = i == 0 ? "" : ", ";
            smap.append(sep).append("\"i").append(i).append("\": ").append(i);
            meta.append(sep).append("\"i").append(i).append("\": {\"title\": \"item ").append(i).append("\"}");
        }
        for (int u = 0; u < users; u++) {
            String sep = u == 0 ? "" : ", ";
            umap.append(sep).append("\"u").append(u).append("\": ").append(u);
            int start = (u * 7) % items;
            train.append(sep).append('"').append(u).append("\": [");
            for (int k = 0; k < 6; k++) train.append(k == 0 ? "" : ", ").append((start + 3 * k) % items);
            train.append(']');
            val.append(sep).append('"').append(u).append("\": [").append((start + 18) % items).append(']');
            test.append(sep).append('"').append(u).append("\": [").append((start + 21) % items).append(']');
        }
        Files.writeString(dir.resolve("umap.json"), umap + "}");
        Files.writeString(dir.resolve("smap.json"), smap + "}");
        Files.writeString(dir.resolve("meta_data.json"), meta + "}");
        Files.writeString(dir.resolve("train.json"), train + "}");
        Files.writeString(dir.resolve("val.json"), val + "}");
        Files.writeString(dir.resolve("test.json"), test + "}");
        Dataset data = Dataset.load(dir);

        SasRec model = new SasRec(Backends.cpu(), items, new SasRec.Shape(32, 1, 1, 8, 0.0), 5);
        Map<String, Double> untrained = SasRecTraining.evaluate(model, Evaluation.examples(data, users, Evaluation.Split.TEST), 64);
        SasRecTraining.Result result = SasRecTraining.run(model, data, new SasRecTraining.Settings(40, 40, 32, 0.01f, 0f, 5),
                new PrintWriter(new StringWriter()));
        assertTrue(untrained.get("NDCG@10") < 0.5, "untrained " + untrained);
        assertTrue(result.test().get("NDCG@10") > 0.9, "SASRec test NDCG@10 " + result.test());
        assertEquals(result.validation(), SasRecTraining.evaluate(model, Evaluation.examples(data, users, Evaluation.Split.VALIDATION), 7),
                "the best epoch's weights are restored, and batching does not change the scores");
    }
}
