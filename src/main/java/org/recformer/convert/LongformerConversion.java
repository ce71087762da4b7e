package org.recformer.convert;

import com.fasterxml.jackson.databind.JsonNode;
import org.recformer.backend.Backends;
import org.recformer.io.CheckpointMismatchException;
import org.recformer.io.HostTensor;
import org.recformer.io.StateDict;
import org.recformer.io.StateDictLoader;
import org.recformer.io.StateDicts;
import org.recformer.model.ModelInit;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.model.TiedWeights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Longformer masked-LM checkpoint ({@code LongformerForMaskedLM}, e.g. allenai/longformer-base-4096)
 * into a {@code RecformerForPretraining} checkpoint, as the public {@code save_longformer_ckpt.py} does:
 * a fresh model initialized as HuggingFace does (normal(0, initializer_range), zero biases and padding
 * rows, unit LayerNorm weights), then every checkpoint tensor copied into the parameter of the same
 * name. Details of the original kept here:
 * <ul>
 * <li>a tensor whose shape broadcasts to the parameter's is repeated into it, as {@code torch.copy_}
 *     does: Longformer's one-row {@code token_type_embeddings} fills all {@code token_type_size} rows;</li>
 * <li>{@code item_position_embeddings} does not exist in Longformer and stays random; so do the two
 *     new tables when the checkpoint's shape cannot be broadcast (the original prints "wrong size");</li>
 * <li>the token position table is kept whole (the configuration's {@code max_position_embeddings});</li>
 * <li>tensors the Recformer model lacks (the Longformer pooler, buffers) are dropped.</li>
 * </ul>
 * Unlike the original, any other shape mismatch or a missing encoder tensor is an error: it means
 * the configuration does not describe the checkpoint. A checkpoint without
 * {@code lm_head.decoder.weight} (HuggingFace omits tied weights from safetensors) gets the word
 * embeddings there, as {@code LongformerForMaskedLM} ties them, unless the configuration says
 * {@code tie_word_embeddings: false}.
 */
public final class LongformerConversion {
    static final String WORD_EMBEDDINGS = "longformer.embeddings.word_embeddings.weight";
    static final String DECODER_WEIGHT = "lm_head.decoder.weight";
    static final String POSITION_IDS = "longformer.embeddings.position_ids";
    /** The tables Recformer adds to Longformer; the original leaves them random when they cannot be copied. */
    static final Set<String> NEW_TABLES = Set.of("longformer.embeddings.token_type_embeddings.weight",
            "longformer.embeddings.item_position_embeddings.weight");

    private LongformerConversion() {
    }

    /**
     * @param longformer the Longformer state dict (names with or without {@code longformer.})
     * @param config     the Recformer configuration of the result (Longformer fields plus Recformer fields)
     * @param seed       seed of the random initialization
     */
    public static Converted convert(StateDict longformer, RecformerConfig config, long seed) throws CheckpointMismatchException {
        RecformerForPretraining model = new RecformerForPretraining(config, Backends.cpu(), seed);
        ModelInit.initialize(model, config, seed);
        StateDict initial = StateDicts.fromModel(model);

        Map<String, HostTensor> given = new LinkedHashMap<>(); // model name -> checkpoint tensor
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : TiedWeights.forLoading(longformer).tensors().entrySet()) {
            String name = modelName(e.getKey(), initial);
            if (name != null && !given.containsKey(name)) given.put(name, e.getValue());
            else if (!e.getKey().endsWith("position_ids")) dropped.add(e.getKey());
        }
        List<String> derived = new ArrayList<>();
        if (!given.containsKey(DECODER_WEIGHT) && given.containsKey(WORD_EMBEDDINGS) && tiesWordEmbeddings(config)) {
            given.put(DECODER_WEIGHT, given.get(WORD_EMBEDDINGS));
            derived.add(DECODER_WEIGHT + " <- " + WORD_EMBEDDINGS + " (tied in LongformerForMaskedLM)");
        }

        StateDict out = new StateDict(longformer.source());
        out.put(POSITION_IDS, Tensors.positionIds(config.maxPositionEmbeddings()));
        List<String> copied = new ArrayList<>();
        List<String> initialized = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : initial.tensors().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue().shape();
            HostTensor source = given.get(name);
            if (source != null && Arrays.equals(source.shape(), shape)) {
                out.put(name, Tensors.float32(source));
                copied.add(name);
            } else if (source != null && Tensors.broadcasts(source.shape(), shape)) {
                out.put(name, Tensors.broadcast(source, shape));
                derived.add(name + " <- checkpoint " + Arrays.toString(source.shape()) + " repeated to " + Arrays.toString(shape));
            } else if (source == null && (NEW_TABLES.contains(name) || name.startsWith("lm_head."))) {
                out.put(name, e.getValue());
                initialized.add(name + " " + Arrays.toString(shape));
            } else if (NEW_TABLES.contains(name)) {
                out.put(name, e.getValue());
                initialized.add(name + " " + Arrays.toString(shape) + " (checkpoint has " + Arrays.toString(source.shape()) + ")");
            } else if (source == null) {
                missing.add(name);
            } else {
                mismatched.add("'" + name + "': checkpoint " + Arrays.toString(source.shape()) + ", config " + Arrays.toString(shape));
            }
        }
        if (!mismatched.isEmpty()) {
            throw new CheckpointMismatchException(longformer.source() + ": does not fit the configuration: shape mismatch for "
                    + String.join("; ", mismatched));
        }
        if (!missing.isEmpty()) {
            throw new CheckpointMismatchException(longformer.source() + ": not a complete Longformer checkpoint: missing "
                    + missing.size() + " encoder tensor(s) " + abbreviate(missing) + " (checkpoint has " + longformer.size() + " tensors)");
        }
        return new Converted(config, TiedWeights.forSaving(out), new ConversionReport(copied, derived, initialized, dropped));
    }

    /** The model parameter a checkpoint name stands for: as it is, or under the {@code longformer.} prefix; null if none. */
    private static String modelName(String key, StateDict model) {
        if (model.contains(key)) return key;
        String prefixed = StateDictLoader.BASE_MODEL_PREFIX + key;
        return model.contains(prefixed) ? prefixed : null;
    }

    private static boolean tiesWordEmbeddings(RecformerConfig config) {
        JsonNode tie = config.toJson().get("tie_word_embeddings");
        return tie == null || !tie.isBoolean() || tie.booleanValue();
    }

    static String abbreviate(List<String> names) {
        int shown = 10;
        return names.size() <= shown ? names.toString() : names.subList(0, shown) + " and " + (names.size() - shown) + " more";
    }
}
