package org.recformer.ops;

import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cross-entropy with mean reduction and an ignore index, against a double reference. */
class LossesTest {
    private static final int IGNORE = -100;

    /** -mean over non-ignored rows of log softmax(x)[label], 0 when all are ignored. */
    static GradCheck.Reference ref(int rows, int cols, int[] labels) {
        return x -> {
            double sum = 0;
            int count = 0;
            for (int r = 0; r < rows; r++) {
                if (labels[r] == IGNORE) continue;
                double max = Double.NEGATIVE_INFINITY, s = 0;
                for (int c = 0; c < cols; c++) max = Math.max(max, x[0][r * cols + c]);
                for (int c = 0; c < cols; c++) s += Math.exp(x[0][r * cols + c] - max);
                sum -= x[0][r * cols + labels[r]] - max - Math.log(s);
                count++;
            }
            return new double[] {count == 0 ? 0 : sum / count};
        };
    }

    @Test
    void allRowsCounted() {
        int[] labels = {0, 4, 2, 3, 1, 4, 0};
        GradCheck.check("crossEntropy", t -> Losses.crossEntropy(t[0], labels, IGNORE), ref(7, 5, labels),
                GradCheck.options().range(-3, 3), new int[] {7, 5});
    }

    @Test
    void ignoredRowsDoNotCountAndGetNoGradient() {
        int[] labels = {2, IGNORE, 0, IGNORE, 10};
        GradCheck.check("crossEntropy ignore", t -> Losses.crossEntropy(t[0], labels, IGNORE), ref(5, 11, labels),
                GradCheck.options().range(-3, 3), new int[] {5, 11});
        Tensor logits = Tensor.of(Backends.cpu(), new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Losses.crossEntropy(logits, new int[] {IGNORE, 1}, IGNORE).backward();
        float[] g = logits.grad().toArray();
        assertArrayEquals(new float[] {0, 0, 0}, new float[] {g[0], g[1], g[2]});
    }

    @Test
    void allRowsIgnoredGivesZeroLossAndGradient() {
        Tensor logits = Tensor.of(Backends.cpu(), new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor loss = Losses.crossEntropy(logits, new int[] {IGNORE, IGNORE}, IGNORE);
        assertEquals(0, loss.rank());
        assertEquals(0f, loss.item());
        loss.backward();
        assertArrayEquals(new float[6], logits.grad().toArray());
    }

    @Test
    void largeLogitsStayFinite() {
        int[] labels = {1, 0};
        int[] shape = {2, 3};
        double[][] x = {{1000, -1000, 999, 500, 501, 502}};
        GradCheck.checkAt("crossEntropy large", t -> Losses.crossEntropy(t[0], labels, IGNORE), ref(2, 3, labels),
                GradCheck.options(), x, shape);
    }

    @Test
    void badLabelNamesRowAndLabel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(Tensor.zeros(Backends.cpu(), 3, 4), new int[] {0, 1, 4}, IGNORE));
        assertTrue(e.getMessage().contains("label 4") && e.getMessage().contains("row 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(Tensor.zeros(Backends.cpu(), 3, 4), new int[] {0, -1, 2}, IGNORE));
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(Tensor.zeros(Backends.cpu(), 3, 4), new int[] {0, 1}, IGNORE));
    }
}
