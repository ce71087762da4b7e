package org.recformer.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.recformer.backend.Backends;
import org.recformer.tensor.Tensor;
import org.recformer.testing.GradCheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Cosine similarity matrix (PyTorch 1.13: rows divided by max(norm, eps)) against a double reference. */
class SimilarityTest {

    /** cos[i, j] = (a_i / max(|a_i|, eps)) . (b_j / max(|b_j|, eps)) in double. */
    static GradCheck.Reference ref(int n, int m, int d, double eps) {
        return cosines(n, m, d, eps, false);
    }

    /** The same with row i's own candidates b[i, j] (b is [n, m, d]) when {@code perRow}. */
    private static GradCheck.Reference cosines(int n, int m, int d, double eps, boolean perRow) {
        return x -> {
            double[] out = new double[n * m];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    int bRow = perRow ? i * m + j : j;
                    double dot = 0, na = 0, nb = 0;
                    for (int c = 0; c < d; c++) {
                        double a = x[0][i * d + c], b = x[1][bRow * d + c];
                        dot += a * b;
                        na += a * a;
                        nb += b * b;
                    }
                    out[i * m + j] = dot / Math.max(Math.sqrt(na), eps) / Math.max(Math.sqrt(nb), eps);
                }
            }
            return out;
        };
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 1", "3, 5, 7", "4, 4, 2", "2, 11, 13"})
    void matchesReference(int n, int m, int d) {
        GradCheck.check("cosineSimilarityMatrix", t -> Similarity.cosineSimilarityMatrix(t[0], t[1], 1e-8f), ref(n, m, d, 1e-8),
                new int[] {n, d}, new int[] {m, d});
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 1", "3, 5, 7", "2, 4, 13", "4, 1, 3"})
    void perRowMatchesReference(int n, int k, int d) {
        GradCheck.check("cosineSimilarityPerRow", t -> Similarity.cosineSimilarityPerRow(t[0], t[1], 1e-8f), cosines(n, k, d, 1e-8, true),
                new int[] {n, d}, new int[] {n, k, d});
    }

    @Test
    void clampActsOnSmallRows() {
        // row 0 of a has norm 0.05 < eps = 0.1: it is divided by eps and gets no norm gradient
        double[][] x = {{0.03, 0.04, 0.6, -0.8}, {1, 2, -0.5, 0.25, 3, 1}};
        GradCheck.checkAt("cosine clamp", t -> Similarity.cosineSimilarityMatrix(t[0], t[1], 0.1f), ref(2, 3, 2, 0.1),
                GradCheck.options(), x, new int[] {2, 2}, new int[] {3, 2});
    }

    @Test
    void zeroRowGivesZeroSimilarityAndFiniteGradient() {
        Tensor a = Tensor.of(Backends.cpu(), new float[] {0, 0, 1, 0}, 2, 2).requiresGrad(true);
        Tensor b = Tensor.of(Backends.cpu(), new float[] {3, 4}, 1, 2).requiresGrad(true);
        Tensor s = Similarity.cosineSimilarityMatrix(a, b, 1e-8f);
        assertArrayEquals(new float[] {0, 0.6f}, s.toArray(), 1e-6f);
        s.backward(Tensor.of(Backends.cpu(), new float[] {1, 1}, 2, 1));
        for (float g : a.grad().toArray()) assertFalse(Float.isNaN(g));
        for (float g : b.grad().toArray()) assertFalse(Float.isNaN(g));
    }
}
