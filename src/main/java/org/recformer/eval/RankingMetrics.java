package org.recformer.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Full-ranking metrics of docs/spec.md §5, averaged over users. For each user the label's rank is
 * the number of items scoring strictly higher than it plus half the number of other items scoring
 * exactly as high (its average 0-based position among the ties); then NDCG@k = 1/log2(rank+2) if
 * rank &lt; k, Recall@k = [rank &lt; k], MRR = 1/(rank+1), AUC = 1 - rank / numberOfItems (a tie
 * counts one half). Without ties this is the public code's rule; it counts ties for the label,
 * which makes a model whose scores all tie perfect (docs/evaluation.md).
 */
public final class RankingMetrics {
    /** The cut-offs reported: 10 and 50. */
    public static final int[] CUTOFFS = {10, 50};

    private final int numItems;
    private final double[] ndcg = new double[CUTOFFS.length];
    private final double[] recall = new double[CUTOFFS.length];
    private double mrr;
    private double auc;
    private int users;

    public RankingMetrics(int numItems) {
        if (numItems <= 0) throw new IllegalArgumentException("numItems must be positive, got " + numItems);
        this.numItems = numItems;
    }

    /**
     * The rank of {@code label} among {@code scores}: items scoring strictly higher, plus half the
     * other items scoring the same. Scores must be finite.
     */
    public static double rank(float[] scores, int label) {
        if (label < 0 || label >= scores.length) {
            throw new IllegalArgumentException("label " + label + " outside the " + scores.length + " scored items");
        }
        float target = scores[label];
        int higher = 0;
        int tied = 0;
        for (int i = 0; i < scores.length; i++) {
            float s = scores[i];
            if (!Float.isFinite(s)) throw new IllegalArgumentException("score of item " + i + " is " + s + ", not a finite number");
            if (s > target) higher++;
            else if (s == target) tied++;
        }
        return higher + (tied - 1) / 2.0;
    }

    /** Adds one user whose label scored at {@code rank}. */
    public void add(double rank) {
        if (!(rank >= 0 && rank < numItems)) throw new IllegalArgumentException("rank " + rank + " outside [0, " + numItems + ")");
        for (int c = 0; c < CUTOFFS.length; c++) {
            if (rank < CUTOFFS[c]) {
                ndcg[c] += 1.0 / (Math.log(rank + 2) / Math.log(2));
                recall[c] += 1;
            }
        }
        mrr += 1.0 / (rank + 1);
        auc += 1.0 - rank / numItems;
        users++;
    }

    /** Adds one user from the scores of all items. */
    public void add(float[] scores, int label) {
        if (scores.length != numItems) {
            throw new IllegalArgumentException(scores.length + " scores for " + numItems + " items");
        }
        add(rank(scores, label));
    }

    public int users() {
        return users;
    }

    /** Averages in report order: NDCG@10, Recall@10, NDCG@50, Recall@50, MRR, AUC. */
    public Map<String, Double> averages() {
        Map<String, Double> out = new LinkedHashMap<>();
        double n = Math.max(1, users);
        for (int c = 0; c < CUTOFFS.length; c++) {
            out.put("NDCG@" + CUTOFFS[c], ndcg[c] / n);
            out.put("Recall@" + CUTOFFS[c], recall[c] / n);
        }
        out.put("MRR", mrr / n);
        out.put("AUC", auc / n);
        return out;
    }
}
