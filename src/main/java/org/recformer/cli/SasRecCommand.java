package org.recformer.cli;

import org.recformer.baseline.SasRec;
import org.recformer.baseline.SasRecTraining;
import org.recformer.data.Dataset;
import org.recformer.tensor.Backend;
import org.recformer.train.Evaluation;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code recformer sasrec}: the ID-based SASRec baseline on a dataset folder, the same split, metrics
 * and evaluation examples as {@code train} and {@code evaluate}; prints validation and test metrics
 * beside popularity.
 */
@Command(name = "sasrec", mixinStandardHelpOptions = true,
        description = "Train and evaluate the ID-based SASRec baseline (causal self-attention over item ids, full softmax) on a "
                + "dataset folder: same split, evaluation examples and metrics as train; prints test metrics beside popularity.")
final class SasRecCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Dataset folder.")
    Path data;
    @Option(names = "--hidden", defaultValue = "64", description = "Hidden size (default: ${DEFAULT-VALUE}).")
    int hidden;
    @Option(names = "--layers", defaultValue = "2", description = "Blocks (default: ${DEFAULT-VALUE}).")
    int layers;
    @Option(names = "--heads", defaultValue = "1", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;
    @Option(names = "--max-length", defaultValue = "50", description = "Items of history seen (default: ${DEFAULT-VALUE}).")
    int maxLength;
    @Option(names = "--dropout", defaultValue = "0.2", description = "Dropout (default: ${DEFAULT-VALUE}).")
    double dropout;
    @Option(names = "--lr", defaultValue = "0.001", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;
    @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;
    @Option(names = "--batch-size", defaultValue = "128", description = "Users per step (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--epochs", defaultValue = "200", description = "Most epochs (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--patience", defaultValue = "20", description = "Stop after this many epochs without a better validation NDCG@10 (default: ${DEFAULT-VALUE}).")
    int patience;
    @Mixin
    DeviceOption device;
    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Dataset dataset;
        Backend backend;
        try {
            backend = device.backend();
            dataset = Dataset.load(data);
        } catch (IOException | IllegalArgumentException e) {
            spec.commandLine().getErr().println(spec.qualifiedName() + ": " + e.getMessage());
            return 2;
        }
        SasRec model = new SasRec(backend, dataset.itemCount(), new SasRec.Shape(hidden, layers, heads, maxLength, dropout), seed);
        SasRecTraining.Result result = SasRecTraining.run(model, dataset,
                new SasRecTraining.Settings(epochs, patience, batchSize, learningRate, weightDecay, seed), out);
        Map<String, Double> popularity = Evaluation.popularity(dataset.trainItemCounts(),
                Evaluation.examples(dataset, dataset.userCount(), Evaluation.Split.TEST));
        out.printf("SASRec on %s, best epoch %d (validation NDCG@10 %.4f); test split%n", data, result.bestEpoch(), result.validation().get("NDCG@10"));
        out.printf("%-10s | %10s %10s%n", "metric", "SASRec", "popularity");
        for (String m : List.of("NDCG@10", "Recall@10", "NDCG@50", "Recall@50", "MRR", "AUC")) {
            out.printf("%-10s | %10.4f %10.4f%n", m, result.test().get(m), popularity.get(m));
        }
        out.flush();
        return 0;
    }
}
