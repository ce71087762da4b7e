package org.recformer.cli;

import org.recformer.data.Dataset;
import org.recformer.data.batch.EvalExample;
import org.recformer.train.Evaluation;
import org.recformer.train.ModelFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code recformer evaluate}: full-ranking metrics of a model folder on a dataset split, beside popularity. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Metrics (NDCG@10/50, Recall@10/50, MRR, AUC; docs/spec.md §5) of a model on a dataset split, beside the popularity baseline.")
final class EvaluateCommand extends JobCommand {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder (e.g. runs/train-.../best, or a pretrained one with --zero-shot).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Dataset folder.")
    Path data;

    @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "test", description = "validation or test (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--zero-shot", description = "Encode the items with the model's encoder (as at the start of finetuning) instead of using a finetuned item table.")
    boolean zeroShot;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer folder (default: the model folder's, else the bundled one).")
    Path tokenizer;

    @Option(names = "--max-users", paramLabel = "N", description = "Only the first N users.")
    Integer maxUsers;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "64", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    DeviceOption device;

    @Mixin
    PrecisionOption precision;

    @Override
    int runJob() throws IOException {
        ModelFactory models = new ModelFactory(precision.backend(device));
        Evaluation.Split which = Evaluation.Split.parse(split);
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        if (maxUsers != null && maxUsers < 1) throw new IllegalArgumentException("--max-users must be >= 1, got " + maxUsers);
        Dataset dataset = Dataset.load(data);
        ModelOnCatalogue m = ModelOnCatalogue.load(models, model, tokenizer, CatalogueItems.of(dataset), data, zeroShot, batchSize);
        int users = maxUsers == null ? dataset.userCount() : Math.min(maxUsers, dataset.userCount());
        List<EvalExample> examples = Evaluation.examples(dataset, users, which);
        Map<String, Double> scores;
        try {
            scores = Evaluation.model(m.model(), m.batcher(), examples, batchSize, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(model + ": " + e.getMessage(), e);
        }
        Map<String, Double> popularity = Evaluation.popularity(dataset.trainItemCounts(), examples);
        var out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s on %s, %s split, %d users; item table: %s%n", model, data, which.key(), examples.size(),
                m.finetunedTable() ? "the model's finetuned one" : "items encoded by the model (zero-shot)");
        out.printf(Locale.ROOT, "%-10s | %10s %10s%n", "metric", "model", "popularity");
        for (String k : scores.keySet()) out.printf(Locale.ROOT, "%-10s | %10.4f %10.4f%n", k, scores.get(k), popularity.get(k));
        out.flush();
        return 0;
    }
}
