package org.recformer.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The run folder's PNG plots: training loss per epoch ({@code loss.png}) and validation NDCG@10 ({@code validation-ndcg10.png}). */
public final class TrainingPlots {
    public static final String LOSS_FILE = "loss.png";
    public static final String VALIDATION_FILE = "validation-ndcg10.png";

    private TrainingPlots() {
    }

    public static void write(Path runDir, TrainerState state) throws IOException {
        List<Double> epochs = new ArrayList<>();
        for (int e = 1; e <= state.trainLoss.size(); e++) epochs.add((double) e);
        Plots.line(runDir.resolve(LOSS_FILE), "Training loss", "epoch", "mean loss", epochs, state.trainLoss);
        List<Double> evalEpochs = new ArrayList<>();
        List<Double> metric = new ArrayList<>();
        for (TrainerState.Evaluation e : state.validation) {
            evalEpochs.add((double) e.epoch());
            metric.add(e.metric());
        }
        Plots.line(runDir.resolve(VALIDATION_FILE), "Validation NDCG@10", "epoch", "NDCG@10", evalEpochs, metric);
    }
}
