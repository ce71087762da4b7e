package org.recformer.io;

import java.util.List;

/**
 * The outcome of loading a state dict into a model.
 *
 * @param missing    model parameters the checkpoint did not provide (model names, model order)
 * @param unexpected checkpoint tensors no parameter took (checkpoint names, file order), buffers
 *                   such as {@code position_ids} excluded
 * @param keyLayout  how checkpoint names were mapped to model names, e.g. "strip 'longformer.'"
 */
public record LoadReport(List<String> missing, List<String> unexpected, String keyLayout) {
    public LoadReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
    }

    public boolean isComplete() {
        return missing.isEmpty() && unexpected.isEmpty();
    }
}
