package org.recformer.eval;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RankingMetricsTest {

    @Test
    void rankCountsStrictlyHigherScoresAndHalfTheTies() {
        float[] scores = {0.5f, 0.9f, 0.5f, 0.1f, 0.7f};
        assertEquals(2.5, RankingMetrics.rank(scores, 0)); // 0.9 and 0.7 are higher, the other 0.5 counts one half
        assertEquals(0, RankingMetrics.rank(scores, 1));
        assertEquals(4, RankingMetrics.rank(scores, 3));
        float[] distinct = {0.5f, 0.9f, 0.4f, 0.1f, 0.7f}; // no tie: the public code's count of strictly higher scores
        assertEquals(2, RankingMetrics.rank(distinct, 0));
    }

    @Test
    void scoresThatAllTieAreNoBetterThanChance() {
        int items = 1000;
        RankingMetrics m = new RankingMetrics(items);
        m.add(new float[items], 17);
        Map<String, Double> avg = m.averages();
        assertEquals(0.0, avg.get("NDCG@10"));
        assertEquals(0.0, avg.get("Recall@50"));
        assertEquals(0.5005, avg.get("AUC"), 1e-12); // rank 499.5 of 1000
        assertEquals(1 / 500.5, avg.get("MRR"), 1e-12);
    }

    @Test
    void metricsFollowTheSpecFormulas() {
        RankingMetrics m = new RankingMetrics(100);
        m.add(0);   // top
        m.add(9);   // last inside @10
        m.add(10);  // outside @10, inside @50
        m.add(60);  // outside both
        Map<String, Double> avg = m.averages();
        double log2 = Math.log(2);
        assertEquals((1 + log2 / Math.log(11)) / 4, avg.get("NDCG@10"), 1e-12);
        assertEquals(0.5, avg.get("Recall@10"), 1e-12);
        assertEquals((1 + log2 / Math.log(11) + log2 / Math.log(12)) / 4, avg.get("NDCG@50"), 1e-12);
        assertEquals(0.75, avg.get("Recall@50"), 1e-12);
        assertEquals((1 + 1.0 / 10 + 1.0 / 11 + 1.0 / 61) / 4, avg.get("MRR"), 1e-12);
        assertEquals((1 + 0.91 + 0.90 + 0.40) / 4, avg.get("AUC"), 1e-12);
    }

    @Test
    void badInputIsRejected() {
        RankingMetrics m = new RankingMetrics(3);
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[] {1, 2}, 0));
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[] {1, 2, 3}, 3));
        assertThrows(IllegalArgumentException.class, () -> RankingMetrics.rank(new float[] {Float.NaN}, 0));
        assertThrows(IllegalArgumentException.class, () -> RankingMetrics.rank(new float[] {1, Float.NaN}, 0));
        assertThrows(IllegalArgumentException.class, () -> RankingMetrics.rank(new float[] {1, Float.POSITIVE_INFINITY}, 0));
    }
}
