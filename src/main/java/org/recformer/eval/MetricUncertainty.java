package org.recformer.eval;

import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.inference.TTest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How sure a test metric is, from the per-user values of a model and of a baseline (popularity)
 * on the same users:
 * <ul>
 *   <li>a 95% percentile bootstrap interval of each one's mean: {@code resamples} times, draw as
 *       many users as there are, with replacement (seeded), and take the 2.5% and 97.5% quantiles
 *       of the resampled means (linear interpolation, numpy's default);</li>
 *   <li>a two-sided paired t-test of model against baseline over the per-user differences. The
 *       metrics are means over users, and the t-test tests exactly that mean difference; with
 *       thousands of users the mean is close to normal even though per-user values are skewed or
 *       0/1 (Recall). A signed-rank test would test a median shift instead, and most users score 0
 *       on both sides at k = 10 (Commons Math's Wilcoxon also counts those zero differences).</li>
 * </ul>
 * When every difference is the same the test is undefined and its p-value is NaN.
 */
public final class MetricUncertainty {
    /** Bootstrap resamples of the users. */
    public static final int RESAMPLES = 1000;
    /** The interval's coverage. */
    public static final double LEVEL = 0.95;

    private MetricUncertainty() {
    }

    /** One metric: the model's and the baseline's intervals, the mean difference and the paired test's p-value. */
    public record Row(double modelLow, double modelHigh, double baselineLow, double baselineHigh, double difference, double pValue) {
    }

    /** Every metric of {@code model} against {@code baseline}, in report order; both must rank the same users. */
    public static Map<String, Row> of(UserRanks model, UserRanks baseline, int resamples, long seed) {
        if (model.users() != baseline.users()) {
            throw new IllegalArgumentException(model.users() + " users ranked by the model but " + baseline.users() + " by the baseline");
        }
        if (model.users() < 2) throw new IllegalArgumentException("at least 2 users are needed for an interval, got " + model.users());
        Map<String, double[]> modelValues = model.perUser();
        Map<String, double[]> baselineValues = baseline.perUser();
        String[] metrics = modelValues.keySet().toArray(new String[0]);
        double[][] values = new double[2 * metrics.length][];
        for (int k = 0; k < metrics.length; k++) {
            values[2 * k] = modelValues.get(metrics[k]);
            values[2 * k + 1] = baselineValues.get(metrics[k]);
        }
        double[][] intervals = intervals(values, resamples, seed);
        Map<String, Row> rows = new LinkedHashMap<>();
        for (int k = 0; k < metrics.length; k++) {
            double[] m = values[2 * k];
            double[] b = values[2 * k + 1];
            rows.put(metrics[k], new Row(intervals[2 * k][0], intervals[2 * k][1], intervals[2 * k + 1][0], intervals[2 * k + 1][1],
                    mean(m) - mean(b), pairedPValue(m, b)));
        }
        return rows;
    }

    /**
     * The percentile interval {low, high} of the mean of each row of {@code values} (one value per
     * user), every row resampled with the same {@code resamples} draws of users.
     */
    static double[][] intervals(double[][] values, int resamples, long seed) {
        int users = values[0].length;
        SplittableRandom random = new SplittableRandom(seed);
        double[][] means = new double[values.length][resamples];
        for (int r = 0; r < resamples; r++) {
            double[] sums = new double[values.length];
            for (int i = 0; i < users; i++) {
                int u = random.nextInt(users);
                for (int v = 0; v < values.length; v++) sums[v] += values[v][u];
            }
            for (int v = 0; v < values.length; v++) means[v][r] = sums[v] / users;
        }
        double tail = (1 - LEVEL) / 2 * 100;
        double[][] out = new double[values.length][];
        for (int v = 0; v < values.length; v++) {
            Percentile quantile = new Percentile().withEstimationType(Percentile.EstimationType.R_7);
            quantile.setData(means[v]);
            out[v] = new double[] {quantile.evaluate(tail), quantile.evaluate(100 - tail)};
        }
        return out;
    }

    static double pairedPValue(double[] model, double[] baseline) {
        double first = model[0] - baseline[0];
        boolean constant = true;
        for (int u = 1; u < model.length && constant; u++) constant = model[u] - baseline[u] == first;
        return constant ? Double.NaN : new TTest().pairedTTest(model, baseline);
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) sum += v;
        return sum / values.length;
    }
}
