package org.recformer.train.pretrain;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pretraining history kept in each checkpoint as {@code pretrain_state.json}: the settings that
 * must not change on {@code --resume}, the training loss of every logged step, every validation, and
 * the kept best checkpoints (at most k, by validation contrastive accuracy; earlier wins ties).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class PretrainProgress {
    public static final String FILE_NAME = "pretrain_state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The options a resumed run must share with the run it continues, as text. */
    public String settings;
    /** Mean training loss per logged interval, with the optimizer step it ended at. */
    public List<Point> trainLoss = new ArrayList<>();
    /** Every validation. */
    public List<Validation> validation = new ArrayList<>();
    /** The kept checkpoints, best first. */
    public List<Kept> kept = new ArrayList<>();

    public record Point(int step, double loss) {
    }

    public record Validation(int step, double loss, double accuracy) {
    }

    /** A kept checkpoint: its folder name (in the output folder), step and validation accuracy. */
    public record Kept(String folder, int step, double accuracy) {
    }

    static PretrainProgress start(String settings) {
        PretrainProgress p = new PretrainProgress();
        p.settings = settings;
        return p;
    }

    /**
     * Offers a validated checkpoint to the top k. Returns the folders to drop (the entry pushed out,
     * or the new one itself when it does not make the cut); the new one is kept when not in it.
     */
    List<String> offer(Kept candidate, int k) {
        kept.add(candidate);
        kept.sort(Comparator.comparingDouble(Kept::accuracy).reversed().thenComparingInt(Kept::step));
        List<String> dropped = new ArrayList<>();
        while (kept.size() > k) dropped.add(kept.remove(kept.size() - 1).folder());
        return dropped;
    }

    String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void write(Path folder) throws IOException {
        Files.writeString(folder.resolve(FILE_NAME), toJson(), StandardCharsets.UTF_8);
    }

    /** Reads {@code pretrain_state.json} of a checkpoint; a missing or malformed file is an IllegalArgumentException naming it. */
    static PretrainProgress read(Path folder) throws IOException {
        Path file = folder.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": file is missing (not a pretraining checkpoint?)");
        try {
            return JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), PretrainProgress.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not a valid pretraining state: " + e.getOriginalMessage(), e);
        }
    }
}
