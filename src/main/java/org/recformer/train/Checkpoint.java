package org.recformer.train;

import org.recformer.io.CheckpointFormatException;
import org.recformer.io.CheckpointMismatchException;
import org.recformer.io.FileTrees;
import org.recformer.io.HostTensor;
import org.recformer.io.LoadReport;
import org.recformer.io.SafeTensors;
import org.recformer.io.StateDict;
import org.recformer.io.StateDictLoader;
import org.recformer.io.StateDicts;
import org.recformer.model.RecformerConfig;
import org.recformer.model.TiedWeights;
import org.recformer.nn.Module;
import org.recformer.tensor.Tensor;
import org.recformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;

/**
 * A training checkpoint: a HuggingFace-style model folder ({@code config.json},
 * {@code model.safetensors} with the tied LM-head bias under both names, the tokenizer files) plus,
 * for resuming, {@code trainer_state.json} ({@link TrainerState}) and {@code optimizer.safetensors}
 * (the AdamW moments, step count in its metadata). A folder is written completely under a temporary
 * sibling name and then renamed into place, so a crash leaves either the old or the new checkpoint,
 * never a half-written one.
 */
public final class Checkpoint {
    public static final String CONFIG_FILE = "config.json";
    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    private static final String STEP_KEY = "step";
    private static final String BUNDLED_TOKENIZER = "/tokenizer/gpt3-encoder/";
    private static final String[][] TOKENIZER_LAYOUTS = {{"vocab.json", "merges.txt"}, {"encoder.json", "vocab.bpe"},
            {"vocab.txt", "tokenizer_config.json"}};

    private Checkpoint() {
    }

    /** Writes files of a job's own (e.g. the item ids) into the temporary folder before the rename. */
    public interface Extra {
        void writeInto(Path folder) throws IOException;
    }

    /**
     * Writes the checkpoint folder {@code dir} atomically (replacing an existing one).
     *
     * @param state     the trainer state, or null for a plain model folder
     * @param optimizer the optimizer whose moments to keep, or null
     * @param extra     more files, or null
     */
    public static void save(Path dir, RecformerConfig config, Module model, Tokenizer tokenizer, TrainerState state,
                            AdamW optimizer, Extra extra) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(target.getParent());
            Path tmp = sibling(target, "tmp");
            FileTrees.deleteTree(tmp);
            Files.createDirectories(tmp);
            config.write(tmp.resolve(CONFIG_FILE));
            SafeTensors.write(tmp.resolve(MODEL_FILE), TiedWeights.forSaving(StateDicts.fromModel(model)));
            writeTokenizerFiles(tokenizer, tmp);
            if (optimizer != null) SafeTensors.write(tmp.resolve(OPTIMIZER_FILE), optimizerState(optimizer));
            if (state != null) Files.writeString(tmp.resolve(TrainerState.FILE_NAME), state.toJson(), StandardCharsets.UTF_8);
            if (extra != null) extra.writeInto(tmp);
            Path old = sibling(target, "old");
            FileTrees.deleteTree(old);
            if (Files.exists(target)) move(target, old);
            move(tmp, target);
            FileTrees.deleteTree(old);
        } catch (IOException e) {
            throw new IOException(target + ": cannot write the checkpoint: " + e.getMessage(), e);
        }
    }

    /**
     * Makes {@code dir} usable after a crash inside {@link #save}: if the folder is absent but its
     * previous version was set aside, that version is put back. Returns whether {@code dir} exists.
     */
    public static boolean recover(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Path old = sibling(target, "old");
        if (!Files.exists(target) && Files.isDirectory(old)) move(old, target);
        return Files.isDirectory(target);
    }

    /** The configuration of a checkpoint folder; a missing or invalid file is an IllegalArgumentException naming it. */
    public static RecformerConfig readConfig(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": model folder is missing");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": file is missing (not a model folder?)");
        try {
            return RecformerConfig.read(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Loads the weights of a checkpoint folder (or file) into {@code model}; in strict mode every
     * model parameter must be present and no other tensor. A shape that differs from the model's
     * configuration, or a malformed file, is an IllegalArgumentException naming the file.
     */
    public static LoadReport loadWeights(Path dir, Module model, boolean strict) throws IOException {
        try {
            return StateDictLoader.load(model, TiedWeights.forLoading(StateDicts.read(dir)), strict);
        } catch (CheckpointMismatchException | CheckpointFormatException | java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Restores the optimizer moments and step count saved in {@code dir}. */
    public static void loadOptimizer(Path dir, AdamW optimizer) throws IOException {
        Path file = dir.resolve(OPTIMIZER_FILE);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": optimizer state is missing");
        StateDict saved;
        try {
            saved = SafeTensors.read(file);
        } catch (CheckpointFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Map<String, Tensor> live = optimizer.state();
        if (!saved.names().equals(live.keySet())) {
            throw new IllegalArgumentException(file + ": holds " + saved.size() + " tensors that do not match the model's "
                    + live.size() + " optimizer moments (another model?)");
        }
        for (Map.Entry<String, Tensor> e : live.entrySet()) {
            HostTensor t = saved.get(e.getKey());
            if (!Arrays.equals(t.intShape(), e.getValue().shape())) {
                throw new IllegalArgumentException(file + ": " + e.getKey() + " has shape " + Arrays.toString(t.intShape())
                        + ", the model needs " + Arrays.toString(e.getValue().shape()));
            }
        }
        for (Map.Entry<String, Tensor> e : live.entrySet()) e.getValue().copyFrom(saved.get(e.getKey()).toFloatArray());
        String step = saved.metadata().get(STEP_KEY);
        try {
            optimizer.setStepCount(Integer.parseInt(step));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": metadata '" + STEP_KEY + "' is " + step + ", expected an integer");
        }
    }

    /**
     * The tokenizer a job uses: the folder {@code explicit} names (a {@code --tokenizer} option) if
     * given, else the one stored in the model folder {@code modelDir} (may be null), else the bundled
     * RoBERTa one.
     */
    public static Tokenizer resolveTokenizer(Path explicit, Path modelDir) {
        if (explicit != null) return Tokenizer.load(explicit);
        Tokenizer stored = modelDir == null ? null : tokenizerOrNull(modelDir);
        return stored != null ? stored : Tokenizer.bundled();
    }

    /** The tokenizer stored in a checkpoint folder, or null when it holds no tokenizer files. */
    public static Tokenizer tokenizerOrNull(Path dir) {
        for (String[] layout : TOKENIZER_LAYOUTS) {
            if (Files.isRegularFile(dir.resolve(layout[0])) && Files.isRegularFile(dir.resolve(layout[1]))) {
                return Tokenizer.load(dir);
            }
        }
        return null;
    }

    /** Copies a tokenizer's vocabulary and merges files into {@code folder}, so the folder is self-contained. */
    public static void writeTokenizerFiles(Tokenizer tokenizer, Path folder) throws IOException {
        if (tokenizer.source().startsWith("bundled:")) {
            for (String name : TOKENIZER_LAYOUTS[1]) {
                try (InputStream in = Checkpoint.class.getResourceAsStream(BUNDLED_TOKENIZER + name)) {
                    if (in == null) throw new IllegalStateException("missing resource " + BUNDLED_TOKENIZER + name);
                    Files.copy(in, folder.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return;
        }
        Path source = Path.of(tokenizer.source());
        for (String[] layout : TOKENIZER_LAYOUTS) {
            if (Files.isRegularFile(source.resolve(layout[0])) && Files.isRegularFile(source.resolve(layout[1]))) {
                for (String name : layout) Files.copy(source.resolve(name), folder.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                return;
            }
        }
        throw new IOException("tokenizer files of " + tokenizer.source() + " are no longer there to copy");
    }

    private static StateDict optimizerState(AdamW optimizer) {
        StateDict out = new StateDict("AdamW state");
        for (Map.Entry<String, Tensor> e : optimizer.state().entrySet()) {
            out.put(e.getKey(), HostTensor.ofFloats(e.getValue().toArray(), e.getValue().shape()));
        }
        out.putMetadata(STEP_KEY, Integer.toString(optimizer.stepCount()));
        return out;
    }

    private static Path sibling(Path target, String kind) {
        return target.resolveSibling("." + target.getFileName() + "." + kind);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }
}
