package org.recformer.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where a training run stands, as {@code trainer_state.json} of a checkpoint: optimizer steps taken,
 * epochs completed, stage, best validation metric and the epoch it came from, evaluations without
 * improvement, the run's seed, and the per-epoch history (for the plots). All of a run's randomness
 * derives from {@code (seed, epoch)} through {@link #epochRandom}, so a run resumed at an epoch
 * boundary continues exactly as the uninterrupted run would have. The optimizer moments live
 * beside it in {@code optimizer.safetensors}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class TrainerState {
    public static final String FILE_NAME = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Optimizer steps taken. */
    public int step;
    /** Epochs completed (over all stages). */
    public int epoch;
    /** 1 or 2 (finetuning stages), or 0 for single-stage jobs such as pretraining. */
    public int stage;
    /** The epoch count at which stage 2 began (0 while in stage 1). */
    public int stage2StartEpoch;
    /** Best validation metric so far ({@code -Infinity} before the first evaluation). */
    public double bestMetric = Double.NEGATIVE_INFINITY;
    /** The epoch count when the best metric was reached (0: none yet). */
    public int bestEpoch;
    /** Evaluations in the current stage without improvement. */
    public int evaluationsWithoutImprovement;
    /** The run's seed. */
    public long seed;
    /** Mean training loss of each completed epoch. */
    public List<Double> trainLoss = new ArrayList<>();
    /** Validation metric of each evaluation, with the epoch count it followed. */
    public List<Evaluation> validation = new ArrayList<>();

    /** One validation result: after {@code epoch} epochs, {@code metric}. */
    public record Evaluation(int epoch, double metric) {
    }

    /** A fresh state for a run with {@code seed}. */
    public static TrainerState start(long seed, int stage) {
        TrainerState s = new TrainerState();
        s.seed = seed;
        s.stage = stage;
        return s;
    }

    /**
     * The random stream of epoch {@code epoch} (0-based) for {@code purpose} (different streams
     * for, e.g., sampling and dropout): a pure function of (seed, epoch, purpose).
     */
    public SplittableRandom epochRandom(int epoch, int purpose) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + (epoch + 1) * 0xBF58476D1CE4E5B9L + purpose * 0x94D049BB133111EBL);
    }

    /** Records a validation result; returns whether it is a new best (strictly greater). */
    public boolean recordEvaluation(double metric) {
        validation.add(new Evaluation(epoch, metric));
        if (metric > bestMetric) {
            bestMetric = metric;
            bestEpoch = epoch;
            evaluationsWithoutImprovement = 0;
            return true;
        }
        evaluationsWithoutImprovement++;
        return false;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code trainer_state.json}; a malformed file is an IllegalArgumentException naming it. */
    public static TrainerState read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": trainer state file is missing");
        try {
            return JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), TrainerState.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not a valid trainer state: " + e.getOriginalMessage(), e);
        }
    }
}
