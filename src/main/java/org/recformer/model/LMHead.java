package org.recformer.model;

import org.recformer.nn.LayerNorm;
import org.recformer.nn.Linear;
import org.recformer.nn.Module;
import org.recformer.nn.Parameter;
import org.recformer.ops.Activations;
import org.recformer.ops.MatMul;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

/**
 * The masked-language-model head (HuggingFace {@code LongformerLMHead}): {@code dense} -> exact GELU
 * -> {@code layer_norm} -> {@code decoder} (its own weight, not tied to the word embeddings) plus
 * {@code bias}. HuggingFace checkpoints hold the bias twice, as {@code lm_head.bias} and
 * {@code lm_head.decoder.bias} (one tensor); here it is the one parameter {@code bias}, see
 * {@link #DECODER_BIAS_ALIAS}.
 */
public final class LMHead extends Module {
    /** The second checkpoint name of {@code bias} inside this module. */
    public static final String DECODER_BIAS_ALIAS = "decoder.bias";

    private final Parameter bias;
    private final Linear dense;
    private final LayerNorm layerNorm;
    private final Linear decoder;

    public LMHead(RecformerConfig config, Backend backend) {
        int c = config.hiddenSize();
        bias = registerParameter("bias", Tensor.zeros(backend, config.vocabSize()));
        dense = registerModule("dense", new Linear(backend, c, c, true));
        layerNorm = registerModule("layer_norm", new LayerNorm(backend, c, config.layerNormEps()));
        decoder = registerModule("decoder", new Linear(backend, c, config.vocabSize(), false));
    }

    /** hidden [..., C] -> logits [..., vocab]. */
    public Tensor forward(Tensor hidden) {
        Tensor x = layerNorm.forward(Activations.gelu(dense.forward(hidden)));
        return MatMul.linear(x, decoder.weight().tensor(), bias.tensor());
    }
}
