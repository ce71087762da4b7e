package org.recformer.convert;

import org.recformer.io.StateDict;
import org.recformer.model.RecformerConfig;

/** A converted checkpoint: its configuration, its state dict in HuggingFace layout, and what was done. */
public record Converted(RecformerConfig config, StateDict stateDict, ConversionReport report) {
}
