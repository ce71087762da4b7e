package org.recformer.eval;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricUncertaintyTest {

    @Test
    void bootstrapIntervalOfAProportionMatchesTheNormalApproximation() {
        // 2000 users, 10% hits: the mean's standard error is sqrt(0.1 * 0.9 / 2000) = 0.00671, so the
        // 95% interval is 0.1 -+ 1.96 * 0.00671; 1000 resamples estimate its ends to about 0.0006.
        double[] hits = new double[2000];
        for (int u = 0; u < hits.length; u += 10) hits[u] = 1;
        double[] interval = MetricUncertainty.intervals(new double[][] {hits}, 1000, 7)[0];
        double halfWidth = 1.959964 * Math.sqrt(0.1 * 0.9 / hits.length);
        assertEquals(0.1 - halfWidth, interval[0], 0.002);
        assertEquals(0.1 + halfWidth, interval[1], 0.002);
    }

    @Test
    void bootstrapIsSeeded() {
        double[][] values = {{0.1, 0.5, 0.0, 1.0, 0.3, 0.0, 0.0, 0.7}};
        assertArrayEquals(MetricUncertainty.intervals(values, 200, 1)[0], MetricUncertainty.intervals(values, 200, 1)[0]);
        assertFalse(MetricUncertainty.intervals(values, 200, 1)[0][0] == MetricUncertainty.intervals(values, 200, 2)[0][0]
                && MetricUncertainty.intervals(values, 200, 1)[0][1] == MetricUncertainty.intervals(values, 200, 2)[0][1]);
    }

    @Test
    void pairedTestMatchesScipy() {
        double[] model = {0.5, 1.0, 0.0, 0.3, 0.0, 1.0, 0.2, 0.0, 0.63, 0.0};
        double[] baseline = {0.0, 0.5, 0.0, 0.3, 0.1, 0.0, 0.0, 0.0, 0.5, 0.0};
        // scipy.stats.ttest_rel(model, baseline).pvalue (scipy 1.17.1)
        assertEquals(0.07112211553980881, MetricUncertainty.pairedPValue(model, baseline), 1e-12);
        assertTrue(Double.isNaN(MetricUncertainty.pairedPValue(new double[] {1, 0, 0.5}, new double[] {0.5, -0.5, 0})));
    }

    @Test
    void rowsCoverEveryMetricAndContainTheMeans() {
        double[] modelRanks = new double[300];
        double[] popularityRanks = new double[300];
        for (int u = 0; u < 300; u++) {
            modelRanks[u] = (u * 7) % 40;
            popularityRanks[u] = (u * 13) % 90;
        }
        UserRanks model = new UserRanks(modelRanks, 100);
        UserRanks popularity = new UserRanks(popularityRanks, 100);
        Map<String, MetricUncertainty.Row> rows = MetricUncertainty.of(model, popularity, 500, 42);
        Map<String, Double> modelMeans = model.averages();
        Map<String, Double> popularityMeans = popularity.averages();
        assertEquals(modelMeans.keySet(), rows.keySet());
        for (String metric : rows.keySet()) {
            MetricUncertainty.Row row = rows.get(metric);
            double m = modelMeans.get(metric);
            double p = popularityMeans.get(metric);
            assertTrue(row.modelLow() <= m && m <= row.modelHigh(), metric + " " + row);
            assertTrue(row.baselineLow() <= p && p <= row.baselineHigh(), metric + " " + row);
            assertEquals(m - p, row.difference(), 1e-12, metric);
            assertTrue(row.pValue() < 1e-3, metric + " " + row); // the model ranks labels far higher here
        }
        assertThrows(IllegalArgumentException.class, () -> MetricUncertainty.of(model, new UserRanks(new double[] {1, 2}, 100), 10, 1));
    }

    @Test
    void perUserValuesAverageToTheReportedMetrics() {
        UserRanks ranks = new UserRanks(new double[] {0, 9, 10, 60, 3.5}, 100);
        Map<String, double[]> perUser = ranks.perUser();
        Map<String, Double> averages = ranks.averages();
        assertEquals(averages.keySet(), perUser.keySet());
        RankingMetrics direct = new RankingMetrics(100);
        for (double rank : ranks.ranks()) direct.add(rank);
        assertEquals(direct.averages(), averages);
        for (String metric : averages.keySet()) {
            double sum = 0;
            for (double v : perUser.get(metric)) sum += v;
            assertEquals(averages.get(metric), sum / 5, 1e-15, metric);
        }
        assertEquals(1.0, perUser.get("Recall@10")[1]);
        assertEquals(0.0, perUser.get("Recall@10")[2]);
    }
}
