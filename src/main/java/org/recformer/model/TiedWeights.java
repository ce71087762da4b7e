package org.recformer.model;

import org.recformer.io.HostTensor;
import org.recformer.io.StateDict;

import java.util.Map;

/**
 * HuggingFace's tied LM-head bias: checkpoints hold one tensor under two names,
 * {@code lm_head.bias} and {@code lm_head.decoder.bias}; the engine's {@link LMHead} has it once, as
 * {@code lm_head.bias}. These two functions translate between the layouts (any key prefix, e.g. a
 * Lightning {@code model.}, is kept).
 */
public final class TiedWeights {
    private static final String BIAS = "lm_head.bias";
    private static final String DECODER_BIAS = "lm_head." + LMHead.DECODER_BIAS_ALIAS;

    private TiedWeights() {}

    /** The checkpoint with each {@code lm_head.decoder.bias} folded into {@code lm_head.bias} (which wins when both exist). */
    public static StateDict forLoading(StateDict checkpoint) {
        StateDict out = new StateDict(checkpoint.source());
        checkpoint.metadata().forEach(out::putMetadata);
        for (Map.Entry<String, HostTensor> e : checkpoint.tensors().entrySet()) {
            String key = e.getKey();
            if (key.endsWith(DECODER_BIAS)) {
                String bias = key.substring(0, key.length() - DECODER_BIAS.length()) + BIAS;
                if (!checkpoint.contains(bias)) out.put(bias, e.getValue());
            } else {
                out.put(key, e.getValue());
            }
        }
        return out;
    }

    /** The state dict with {@code lm_head.decoder.bias} added beside each {@code lm_head.bias}, as HuggingFace saves it. */
    public static StateDict forSaving(StateDict model) {
        StateDict out = new StateDict(model.source());
        model.metadata().forEach(out::putMetadata);
        for (Map.Entry<String, HostTensor> e : model.tensors().entrySet()) {
            out.put(e.getKey(), e.getValue());
            String key = e.getKey();
            if (key.endsWith(BIAS) && (key.length() == BIAS.length() || key.charAt(key.length() - BIAS.length() - 1) == '.')) {
                out.put(key.substring(0, key.length() - BIAS.length()) + DECODER_BIAS, e.getValue());
            }
        }
        return out;
    }
}
