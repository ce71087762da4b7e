package org.recformer.train;

import org.jfree.chart.JFreeChart;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run folder's PNG plots: training loss per epoch ({@code loss.png}), validation NDCG@10 with the
 * popularity baseline as a reference line ({@code validation-ndcg10.png}), both with the best epoch
 * marked, and the two side by side ({@code report.png}).
 */
public final class TrainingPlots {
    public static final String LOSS_FILE = "loss.png";
    public static final String VALIDATION_FILE = "validation-ndcg10.png";
    public static final String REPORT_FILE = "report.png";

    private TrainingPlots() {
    }

    /** Writes the three plots for the epochs in {@code state}; {@code popularityNdcg10} is the baseline's validation NDCG@10. */
    public static void write(Path runDir, TrainerState state, double popularityNdcg10) throws IOException {
        int epochs = state.trainLoss.size();
        List<Double> epochNumbers = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) epochNumbers.add((double) e);
        JFreeChart loss = Plots.chart("Training loss", "epoch", "mean loss", epochNumbers, state.trainLoss);
        List<Double> evalEpochs = new ArrayList<>();
        List<Double> metric = new ArrayList<>();
        for (TrainerState.Evaluation e : state.validation) {
            evalEpochs.add((double) e.epoch());
            metric.add(e.metric());
        }
        JFreeChart validation = Plots.chart("Validation NDCG@10", "epoch", "Recformer", evalEpochs, metric);
        validation.getXYPlot().getRangeAxis().setLabel("NDCG@10");
        Plots.reference(validation, String.format(Locale.ROOT, "popularity baseline (%.4f)", popularityNdcg10), popularityNdcg10, 1, Math.max(1, epochs));
        for (JFreeChart chart : List.of(loss, validation)) {
            Plots.xRange(chart, 0.5, epochs + 0.5);
            if (state.bestEpoch > 0) {
                Plots.markX(chart, state.bestEpoch, String.format(Locale.ROOT, " best: epoch %d (%.4f) ", state.bestEpoch, state.bestMetric));
            }
        }
        Plots.save(runDir.resolve(LOSS_FILE), loss);
        Plots.save(runDir.resolve(VALIDATION_FILE), validation);
        Plots.saveSideBySide(runDir.resolve(REPORT_FILE), List.of(loss, validation));
    }
}
