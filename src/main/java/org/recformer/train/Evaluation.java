package org.recformer.train;

import org.recformer.autograd.GradMode;
import org.recformer.data.Dataset;
import org.recformer.data.batch.EvalExample;
import org.recformer.data.batch.LabeledBatch;
import org.recformer.data.batch.SequenceBatcher;
import org.recformer.eval.RankingMetrics;
import org.recformer.eval.UserRanks;
import org.recformer.model.RecformerForSeqRec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Full-ranking evaluation (docs/spec.md §5) of a finetuned model and of the popularity baseline on
 * the validation or test split: every item is scored, history items included.
 */
public final class Evaluation {
    private Evaluation() {
    }

    /** The split evaluated. */
    public enum Split {
        VALIDATION, TEST;

        /** The split named {@code validation} or {@code test} (case-insensitive). */
        public static Split parse(String name) {
            for (Split s : values()) if (s.name().equalsIgnoreCase(name)) return s;
            throw new IllegalArgumentException("unknown split '" + name + "': expected validation or test");
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The examples of the first {@code users} users that have a validation/test item; none is an
     * IllegalArgumentException (metrics of no user would read as 0, not as "nothing evaluated").
     */
    public static List<EvalExample> examples(Dataset data, int users, Split split) {
        List<EvalExample> out = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            if (data.validation(u).length == 0) continue;
            out.add(split == Split.VALIDATION ? EvalExample.validation(data.train(u), data.validation(u)[0])
                    : EvalExample.test(data.train(u), data.validation(u)[0], data.test(u)[0]));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(data.directory() + ": none of the " + users + " users used has a " + split.key()
                    + " item (" + Dataset.VALIDATION_FILE + ", " + Dataset.TEST_FILE + "); nothing to evaluate");
        }
        return out;
    }

    /**
     * Metrics of the model (its current item table E) on {@code examples}: NDCG@10, Recall@10,
     * NDCG@50, Recall@50, MRR, AUC. Leaves the model in evaluation mode.
     */
    public static Map<String, Double> model(RecformerForSeqRec model, SequenceBatcher batcher, List<EvalExample> examples,
                                            int batchSize, boolean showProgress) {
        return modelRanks(model, batcher, examples, batchSize, showProgress).averages();
    }

    /** The rank of each example's label under the model, in the order of {@code examples}. Leaves the model in evaluation mode. */
    public static UserRanks modelRanks(RecformerForSeqRec model, SequenceBatcher batcher, List<EvalExample> examples,
                                       int batchSize, boolean showProgress) {
        model.eval();
        int items = model.config().itemNum();
        Integer[] byLength = new Integer[examples.size()]; // similar lengths batch with less padding
        for (int i = 0; i < byLength.length; i++) byLength[i] = i;
        Arrays.sort(byLength, Comparator.comparingInt(i -> examples.get(i).history().length));
        double[] ranks = new double[examples.size()];
        try (GradMode.Scope s = GradMode.noGrad(); Progress progress = Progress.start("evaluate", byLength.length, "users", showProgress)) {
            for (int from = 0; from < byLength.length; from += batchSize) {
                int to = Math.min(byLength.length, from + batchSize);
                List<EvalExample> chunk = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) chunk.add(examples.get(byLength[i]));
                LabeledBatch batch = batcher.evaluate(chunk);
                float[] scores = model.scores(model.encode(batch.inputs().toModelInput(), batch.inputs().itemIds())).toArray(); // [B, items]
                float[] row = new float[items];
                for (int b = 0; b < chunk.size(); b++) {
                    System.arraycopy(scores, b * items, row, 0, items);
                    ranks[byLength[from + b]] = RankingMetrics.rank(row, batch.labels()[b]);
                }
                progress.step(chunk.size(), null);
            }
        }
        return new UserRanks(ranks, items);
    }

    /** Metrics of the popularity baseline: every user gets the items ranked by training frequency. */
    public static Map<String, Double> popularity(int[] trainItemCounts, List<EvalExample> examples) {
        return popularityRanks(trainItemCounts, examples).averages();
    }

    /** The rank of each example's label under the popularity baseline, in the order of {@code examples}. */
    public static UserRanks popularityRanks(int[] trainItemCounts, List<EvalExample> examples) {
        float[] scores = new float[trainItemCounts.length];
        for (int i = 0; i < scores.length; i++) scores[i] = trainItemCounts[i];
        double[] ranks = new double[examples.size()];
        for (int i = 0; i < ranks.length; i++) ranks[i] = RankingMetrics.rank(scores, examples.get(i).label());
        return new UserRanks(ranks, trainItemCounts.length);
    }
}
