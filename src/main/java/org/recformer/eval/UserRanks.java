package org.recformer.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rank of each user's label (a tie counts one half, so it may end in .5) among {@code numItems} scored items (see {@link RankingMetrics}),
 * one entry per evaluated user in a fixed user order, so that two rankers evaluated on the same
 * examples can be compared user by user.
 */
public record UserRanks(double[] ranks, int numItems) {

    public UserRanks {
        ranks = ranks.clone();
    }

    public int users() {
        return ranks.length;
    }

    /** The metrics averaged over users, in report order (as {@link RankingMetrics#averages()}). */
    public Map<String, Double> averages() {
        RankingMetrics metrics = new RankingMetrics(numItems);
        for (double rank : ranks) metrics.add(rank);
        return metrics.averages();
    }

    /** Each metric's value for every user (in the order of {@link #ranks()}), metrics in report order. */
    public Map<String, double[]> perUser() {
        Map<String, double[]> values = new LinkedHashMap<>();
        for (int u = 0; u < ranks.length; u++) {
            RankingMetrics one = new RankingMetrics(numItems);
            one.add(ranks[u]);
            for (Map.Entry<String, Double> e : one.averages().entrySet()) {
                values.computeIfAbsent(e.getKey(), k -> new double[ranks.length])[u] = e.getValue();
            }
        }
        return values;
    }
}
