package org.recformer.baseline;

import org.recformer.autograd.GradMode;
import org.recformer.data.Dataset;
import org.recformer.data.batch.EvalExample;
import org.recformer.eval.RankingMetrics;
import org.recformer.nn.Parameter;
import org.recformer.ops.Shapes;
import org.recformer.tensor.Tensor;
import org.recformer.train.AdamW;
import org.recformer.train.Evaluation;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains {@link SasRec} on a dataset's training split (every position of each user's training
 * sequence predicts the next item, full softmax over all items, AdamW), evaluates on the validation
 * split every epoch with the project's evaluation examples and metrics ({@link Evaluation#examples},
 * {@link RankingMetrics}), stops after {@code patience} epochs without a better validation NDCG@10,
 * and scores the test split with the best epoch's weights.
 */
public final class SasRecTraining {
    /** Optimisation settings. */
    public record Settings(int epochs, int patience, int batchSize, float learningRate, float weightDecay, long seed) {
    }

    /** What a run gives: the best epoch, its validation metrics and the test metrics of its weights. */
    public record Result(int bestEpoch, Map<String, Double> validation, Map<String, Double> test) {
    }

    private SasRecTraining() {
    }

    public static Result run(SasRec model, Dataset data, Settings settings, PrintWriter log) {
        int users = data.userCount();
        List<EvalExample> validation = Evaluation.examples(data, users, Evaluation.Split.VALIDATION);
        List<EvalExample> test = Evaluation.examples(data, users, Evaluation.Split.TEST);
        List<int[]> sequences = new ArrayList<>();
        for (int u = 0; u < users; u++) if (data.train(u).length >= 2) sequences.add(data.train(u));
        AdamW optimizer = new AdamW(model.namedParameters(), settings.weightDecay());
        Tensor unclipped = AdamW.unclipped(model.namedParameters().values().iterator().next().tensor().backend());
        Random random = new Random(settings.seed());
        Map<String, float[]> best = snapshot(model);
        Map<String, Double> bestValidation = null;
        int bestEpoch = 0;
        for (int epoch = 1; epoch <= settings.epochs() && epoch - bestEpoch <= settings.patience(); epoch++) {
            model.train(true);
            Collections.shuffle(sequences, random);
            double lossSum = 0;
            int batches = 0;
            for (int from = 0; from < sequences.size(); from += settings.batchSize()) {
                List<int[]> chunk = sequences.subList(from, Math.min(sequences.size(), from + settings.batchSize()));
                int[][] batch = trainingBatch(chunk, model.maxLength());
                model.zeroGrad();
                Tensor loss = model.loss(batch[0], batch[1], chunk.size());
                loss.backward();
                optimizer.step(settings.learningRate(), unclipped);
                lossSum += loss.toArray()[0];
                batches++;
            }
            Map<String, Double> metrics = evaluate(model, validation, 256);
            boolean better = bestValidation == null || metrics.get("NDCG@10") > bestValidation.get("NDCG@10");
            log.printf("epoch %d  loss %.4f  validation NDCG@10 %.4f%s%n", epoch, lossSum / batches, metrics.get("NDCG@10"), better ? "  (best)" : "");
            log.flush();
            if (better) {
                bestValidation = metrics;
                bestEpoch = epoch;
                best = snapshot(model);
            }
        }
        restore(model, best);
        return new Result(bestEpoch, bestValidation, evaluate(model, test, 256));
    }

    /** Metrics of the model's last-position scores for each example's history. */
    public static Map<String, Double> evaluate(SasRec model, List<EvalExample> examples, int batchSize) {
        model.eval();
        RankingMetrics metrics = new RankingMetrics(model.items());
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int from = 0; from < examples.size(); from += batchSize) {
                List<EvalExample> chunk = examples.subList(from, Math.min(examples.size(), from + batchSize));
                int t = 1;
                for (EvalExample e : chunk) t = Math.max(t, Math.min(e.history().length, model.maxLength()));
                int[] rows = new int[chunk.size() * t];
                for (int b = 0; b < chunk.size(); b++) fillRight(chunk.get(b).history(), rows, b * t, t);
                Tensor hidden = model.forward(rows, chunk.size());
                Tensor last = Shapes.slice(hidden, 1, t - 1, t);
                float[] scores = model.scores(last).toArray();
                float[] row = new float[model.items()];
                for (int b = 0; b < chunk.size(); b++) {
                    System.arraycopy(scores, b * row.length, row, 0, row.length);
                    metrics.add(row, chunk.get(b).label());
                }
            }
        }
        return metrics.averages();
    }

    /** [rows, labels]: each sequence's last max+1 items, inputs and next-item labels, right-aligned. */
    static int[][] trainingBatch(List<int[]> sequences, int maxLength) {
        int t = 1;
        for (int[] s : sequences) t = Math.max(t, Math.min(s.length - 1, maxLength));
        int[] rows = new int[sequences.size() * t];
        int[] labels = new int[sequences.size() * t];
        Arrays.fill(labels, SasRec.IGNORE);
        for (int b = 0; b < sequences.size(); b++) {
            int[] s = sequences.get(b);
            int n = Math.min(s.length - 1, t);
            for (int i = 0; i < n; i++) {
                int at = b * t + t - n + i;
                rows[at] = s[s.length - 1 - n + i] + 1;
                labels[at] = s[s.length - n + i];
            }
        }
        return new int[][] {rows, labels};
    }

    /** The last {@code t} items of {@code history} as table rows, right-aligned in rows[offset .. offset + t). */
    private static void fillRight(int[] history, int[] rows, int offset, int t) {
        int n = Math.min(history.length, t);
        for (int i = 0; i < n; i++) rows[offset + t - n + i] = history[history.length - n + i] + 1;
    }

    private static Map<String, float[]> snapshot(SasRec model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) out.put(e.getKey(), e.getValue().tensor().toArray());
        return out;
    }

    private static void restore(SasRec model, Map<String, float[]> values) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) e.getValue().tensor().copyFrom(values.get(e.getKey()));
    }
}
