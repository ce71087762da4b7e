package org.recformer.io;

import org.recformer.nn.Module;
import org.recformer.nn.Parameter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Loads a state dict into a model by parameter name, with HuggingFace's tolerance for key
 * layouts: the checkpoint's names may carry PyTorch Lightning's {@code _forward_module.model.} or
 * {@code model.} prefix, and may have or lack the base-model prefix {@code longformer.} that the
 * model lacks or has (a {@code RecformerModel} loading a pretraining checkpoint, or a
 * {@code RecformerForSeqRec} loading a {@code RecformerModel} one). The layout that matches the
 * most parameters is used. Buffers ({@code *.position_ids}) are skipped silently. Every shape is
 * checked before any value is copied; values of any dtype are converted to float32.
 */
public final class StateDictLoader {
    /** HuggingFace's {@code base_model_prefix} of Longformer and the Recformer models. */
    public static final String BASE_MODEL_PREFIX = "longformer.";
    private static final List<String> LIGHTNING_PREFIXES = List.of("", "_forward_module.model.", "model.");
    private static final String BUFFER_SUFFIX = "position_ids";
    private static final int NAMES_IN_MESSAGES = 20;

    private StateDictLoader() {
    }

    /** A way of turning checkpoint names into model names. */
    private record KeyLayout(String description, UnaryOperator<String> toModelName) {
    }

    /**
     * Copies every checkpoint tensor whose (mapped) name is a model parameter into it. Throws,
     * before changing the model, on a shape mismatch, or in strict mode on missing or unexpected
     * keys.
     */
    public static LoadReport load(Module model, StateDict stateDict, boolean strict) throws CheckpointMismatchException {
        Map<String, Parameter> params = model.namedParameters();
        KeyLayout layout = bestLayout(params, stateDict);
        Map<String, String> sourceOf = new LinkedHashMap<>(); // model name -> checkpoint name
        List<String> unexpected = new ArrayList<>();
        for (String key : stateDict.names()) {
            String name = layout.toModelName().apply(key);
            if (params.containsKey(name) && !sourceOf.containsKey(name)) {
                sourceOf.put(name, key);
            } else if (!isBuffer(key)) {
                unexpected.add(key);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String name : params.keySet()) if (!sourceOf.containsKey(name)) missing.add(name);

        checkShapes(params, stateDict, sourceOf);
        String modelName = model.getClass().getSimpleName();
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new CheckpointMismatchException(stateDict.source() + ": strict load into " + modelName + " (key layout: "
                    + layout.description() + ") failed: missing keys " + abbreviate(missing) + ", unexpected keys " + abbreviate(unexpected));
        }
        for (Map.Entry<String, String> e : sourceOf.entrySet()) {
            params.get(e.getKey()).tensor().copyFrom(stateDict.get(e.getValue()).toFloatArray());
        }
        return new LoadReport(missing, unexpected, layout.description());
    }

    private static KeyLayout bestLayout(Map<String, Parameter> params, StateDict stateDict) {
        KeyLayout best = null;
        long bestMatches = -1;
        for (KeyLayout layout : layouts()) {
            long matches = stateDict.names().stream().map(layout.toModelName()).filter(params::containsKey).distinct().count();
            if (matches > bestMatches) {
                best = layout;
                bestMatches = matches;
            }
        }
        return best;
    }

    /** Every combination of a Lightning prefix to strip and a base-model prefix to keep, add or strip. */
    private static List<KeyLayout> layouts() {
        List<KeyLayout> out = new ArrayList<>();
        for (String lightning : LIGHTNING_PREFIXES) {
            UnaryOperator<String> strip = k -> !lightning.isEmpty() && k.startsWith(lightning) ? k.substring(lightning.length()) : k;
            String base = lightning.isEmpty() ? "" : "strip '" + lightning + "', ";
            out.add(new KeyLayout(lightning.isEmpty() ? "names as they are" : base + "names as they are", strip));
            out.add(new KeyLayout(base + "add '" + BASE_MODEL_PREFIX + "'", k -> BASE_MODEL_PREFIX + strip.apply(k)));
            out.add(new KeyLayout(base + "strip '" + BASE_MODEL_PREFIX + "'", k -> {
                String s = strip.apply(k);
                return s.startsWith(BASE_MODEL_PREFIX) ? s.substring(BASE_MODEL_PREFIX.length()) : s;
            }));
        }
        return out;
    }

    private static boolean isBuffer(String key) {
        return key.equals(BUFFER_SUFFIX) || key.endsWith("." + BUFFER_SUFFIX);
    }

    private static void checkShapes(Map<String, Parameter> params, StateDict stateDict, Map<String, String> sourceOf)
            throws CheckpointMismatchException {
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, String> e : sourceOf.entrySet()) {
            long[] stored = stateDict.get(e.getValue()).shape();
            long[] wanted = Arrays.stream(params.get(e.getKey()).shape()).asLongStream().toArray();
            if (!Arrays.equals(stored, wanted)) {
                String names = e.getKey().equals(e.getValue()) ? "'" + e.getKey() + "'" : "'" + e.getValue() + "' (model '" + e.getKey() + "')";
                mismatches.add(names + ": checkpoint " + Arrays.toString(stored) + ", model " + Arrays.toString(wanted));
            }
        }
        if (!mismatches.isEmpty()) {
            throw new CheckpointMismatchException(stateDict.source() + ": shape mismatch for " + mismatches.size() + " tensor(s): "
                    + String.join("; ", mismatches.subList(0, Math.min(NAMES_IN_MESSAGES, mismatches.size())))
                    + (mismatches.size() > NAMES_IN_MESSAGES ? "; ..." : ""));
        }
    }

    private static String abbreviate(List<String> names) {
        if (names.size() <= NAMES_IN_MESSAGES) return names.toString();
        return names.subList(0, NAMES_IN_MESSAGES) + " and " + (names.size() - NAMES_IN_MESSAGES) + " more";
    }
}
