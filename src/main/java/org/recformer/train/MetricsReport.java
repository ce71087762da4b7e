package org.recformer.train;

import org.recformer.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.recformer.data.Dataset;
import org.recformer.data.batch.EvalExample;
import org.recformer.data.batch.SequenceBatcher;
import org.recformer.eval.MetricUncertainty;
import org.recformer.eval.UserRanks;
import org.recformer.model.RecformerForSeqRec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The final metrics of a run: a text table (model beside the popularity baseline, validation and
 * test, the test metric's 95% bootstrap interval and the paired test against popularity) and
 * {@code metrics.json}: {@code {"test": {...}, "validation": {...}, "popularity": {"test": {...},
 * "validation": {...}}, "test_uncertainty": {...}}} (see {@link MetricUncertainty}).
 *
 * @param testUncertainty per test metric, the intervals and the paired test
 * @param users           the users of the test split
 * @param seed            the bootstrap's seed
 */
public record MetricsReport(Map<String, Double> validation, Map<String, Double> test,
                            Map<String, Double> popularityValidation, Map<String, Double> popularityTest,
                            Map<String, MetricUncertainty.Row> testUncertainty, int users, long seed) {
    public static final String FILE_NAME = "metrics.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Evaluates the model and the popularity baseline on both splits of the first {@code users} users; the bootstrap uses {@code seed}. */
    public static MetricsReport evaluate(RecformerForSeqRec model, SequenceBatcher batcher, Dataset dataset, int users, int batchSize,
                                         long seed) {
        List<EvalExample> validation = Evaluation.examples(dataset, users, Evaluation.Split.VALIDATION);
        List<EvalExample> test = Evaluation.examples(dataset, users, Evaluation.Split.TEST);
        int[] counts = dataset.trainItemCounts();
        UserRanks modelTest = Evaluation.modelRanks(model, batcher, test, batchSize, false);
        UserRanks popularityTest = Evaluation.popularityRanks(counts, test);
        return new MetricsReport(Evaluation.model(model, batcher, validation, batchSize, false), modelTest.averages(),
                Evaluation.popularity(counts, validation), popularityTest.averages(),
                MetricUncertainty.of(modelTest, popularityTest, MetricUncertainty.RESAMPLES, seed), test.size(), seed);
    }

    /** The table, one metric per row: model / popularity for validation and test, the test interval and p-value. */
    public List<String> table() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-10s | %10s %10s | %10s %10s | %-18s | %s", "metric", "val model", "val pop",
                "test model", "test pop", "test model 95% CI", "p vs pop"));
        lines.add("-".repeat(10) + "-+-" + "-".repeat(21) + "-+-" + "-".repeat(21) + "-+-" + "-".repeat(18) + "-+-" + "-".repeat(8));
        for (String metric : test.keySet()) {
            MetricUncertainty.Row u = testUncertainty.get(metric);
            lines.add(String.format(Locale.ROOT, "%-10s | %10.4f %10.4f | %10.4f %10.4f | [%.4f, %.4f]   | %s", metric,
                    validation.get(metric), popularityValidation.get(metric), test.get(metric), popularityTest.get(metric),
                    u.modelLow(), u.modelHigh(), pValue(u.pValue())));
        }
        lines.add(String.format(Locale.ROOT, "test: %d users; 95%% CI: percentile bootstrap over users (%d resamples, seed %d); "
                + "p: two-sided paired t-test of the per-user values against popularity", users, MetricUncertainty.RESAMPLES, seed));
        return lines;
    }

    private static String pValue(double p) {
        if (Double.isNaN(p)) return "n/a";
        return p < 1e-4 ? "< 1e-4" : String.format(Locale.ROOT, "%.4f", p);
    }

    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.set("test", JSON.valueToTree(test));
        root.set("validation", JSON.valueToTree(validation));
        ObjectNode popularity = root.putObject("popularity");
        popularity.set("test", JSON.valueToTree(popularityTest));
        popularity.set("validation", JSON.valueToTree(popularityValidation));
        ObjectNode uncertainty = root.putObject("test_uncertainty");
        uncertainty.put("users", users);
        uncertainty.put("interval", "95% percentile bootstrap over users");
        uncertainty.put("bootstrap_resamples", MetricUncertainty.RESAMPLES);
        uncertainty.put("bootstrap_seed", seed);
        uncertainty.put("test_vs_popularity", "two-sided paired t-test over users");
        ObjectNode metrics = uncertainty.putObject("metrics");
        testUncertainty.forEach((metric, u) -> {
            ObjectNode m = metrics.putObject(metric);
            m.putArray("ci95").add(u.modelLow()).add(u.modelHigh());
            m.putArray("popularity_ci95").add(u.baselineLow()).add(u.baselineHigh());
            m.put("difference", u.difference());
            if (Double.isNaN(u.pValue())) m.putNull("p_value");
            else m.put("p_value", u.pValue());
        });
        return root;
    }

    /** Writes {@code metrics.json} into {@code dir} (atomically). */
    public Path write(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        byte[] json = JSON.writeValueAsBytes(toJson());
        AtomicFiles.write(file, out -> out.write(json));
        return file;
    }
}
