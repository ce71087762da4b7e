package org.recformer.convert;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.recformer.io.CheckpointMismatchException;
import org.recformer.io.HostTensor;
import org.recformer.io.StateDict;
import org.recformer.model.RecformerConfig;
import org.recformer.tokenizer.SpecialTokens;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A BERT- or RoBERTa-family encoder (HuggingFace parameter names, with or without a {@code bert.} /
 * {@code roberta.} prefix) into a {@code RecformerForPretraining} checkpoint, the way the public code
 * turns RoBERTa into Longformer and Longformer into Recformer:
 * <ul>
 * <li>each layer's global projections ({@code query_global}, {@code key_global}, {@code value_global})
 *     are copies of the local ones;</li>
 * <li>the position table is rebuilt for Recformer's RoBERTa-style position ids (the k-th real token,
 *     k = 0, 1, ..., reads row pad + 1 + k). A RoBERTa table already is; a BERT table (the k-th token
 *     reads row k) moves down by pad + 1 rows, the rows up to pad are zero (never read by a real
 *     token). The table is extended to max_token_num + pad + 1 rows by repeating the source's real
 *     positions, as Longformer's conversion does;</li>
 * <li>token types: the source's type-0 row, repeated to every Recformer token type (so every token
 *     starts as the source's single-sentence input);</li>
 * <li>item positions: a new table of zeros, so the converted model computes exactly the source
 *     encoder on any text until training moves it (the public code leaves this table random);</li>
 * <li>a BERT MLM head ({@code cls.predictions.*}) becomes {@code lm_head.*}; without one the head is
 *     initialized at random (tied decoder = word embeddings).</li>
 * </ul>
 * The resulting names and shapes then go through {@link LongformerConversion}, which checks that every
 * encoder tensor is there.
 */
public final class EncoderConversion {
    /** Which position-id convention the source encoder was trained with. */
    public enum Family { BERT, ROBERTA }

    /** The Recformer-side settings of the result. */
    public record Settings(Family family, int heads, double layerNormEps, int maxTokenNum, int attentionWindow,
                           int maxItemEmbeddings, int maxAttrNum, int maxAttrLength, int tokenTypeSize, String poolerType) {
    }

    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");
    private static final String[] PREFIXES = {"bert.", "roberta.", "model."};
    private static final Map<String, String> BERT_HEAD = Map.of(
            "cls.predictions.transform.dense.weight", "lm_head.dense.weight",
            "cls.predictions.transform.dense.bias", "lm_head.dense.bias",
            "cls.predictions.transform.LayerNorm.weight", "lm_head.layer_norm.weight",
            "cls.predictions.transform.LayerNorm.bias", "lm_head.layer_norm.bias",
            "cls.predictions.bias", "lm_head.bias",
            "cls.predictions.decoder.weight", "lm_head.decoder.weight");
    private static final String L = "longformer.";

    private EncoderConversion() {
    }

    /**
     * @param encoder  the source weights under HuggingFace names
     * @param specials the special tokens of the tokenizer that goes with it (pad sets the position layout)
     * @param settings the Recformer settings of the result
     * @param seed     seed of the random initialization of whatever the source lacks
     */
    public static Converted convert(StateDict encoder, SpecialTokens specials, Settings settings, long seed) throws CheckpointMismatchException {
        String source = encoder.source();
        Map<String, HostTensor> longformer = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        int layers = 0;
        for (Map.Entry<String, HostTensor> e : encoder.tensors().entrySet()) {
            String name = unprefixed(e.getKey());
            HostTensor t = e.getValue();
            if (name.startsWith("lm_head.")) {
                longformer.put(name, t);
            } else if (BERT_HEAD.containsKey(name)) {
                longformer.put(BERT_HEAD.get(name), t);
            } else if (name.startsWith("embeddings.") || name.startsWith("encoder.")) {
                longformer.put(L + name, t);
                Matcher m = LAYER.matcher(name);
                if (m.find()) layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            } else {
                longformer.put(name, t); // pooler etc.: reported as dropped by LongformerConversion
            }
        }
        HostTensor words = require(longformer, L + "embeddings.word_embeddings.weight", source);
        int vocab = (int) words.shape()[0];
        int hidden = (int) words.shape()[1];
        int intermediate = (int) require(longformer, L + "encoder.layer.0.intermediate.dense.weight", source).shape()[0];
        int pad = specials.pad();

        for (int layer = 0; layer < layers; layer++) {
            for (String p : new String[] {"query", "key", "value"}) {
                for (String w : new String[] {"weight", "bias"}) {
                    String local = L + "encoder.layer." + layer + ".attention.self." + p + "." + w;
                    String global = L + "encoder.layer." + layer + ".attention.self." + p + "_global." + w;
                    if (longformer.containsKey(local)) longformer.put(global, longformer.get(local));
                }
            }
        }
        notes.add("attention.self.{query,key,value}_global <- the local projections, in each of " + layers + " layers");

        String positions = L + "embeddings.position_embeddings.weight";
        HostTensor sourcePositions = require(longformer, positions, source);
        int sourceOffset = settings.family() == Family.ROBERTA ? pad + 1 : 0;
        int rows = settings.maxTokenNum() + pad + 1;
        longformer.put(positions, positionTable(sourcePositions, sourceOffset, pad, rows, source));
        notes.add(positions + " <- source " + Arrays.toString(sourcePositions.shape()) + ", real positions from row " + sourceOffset
                + " placed from row " + (pad + 1) + ", repeated to " + rows + " rows");

        String types = L + "embeddings.token_type_embeddings.weight";
        if (longformer.containsKey(types)) {
            float[] row0 = Arrays.copyOf(longformer.get(types).toFloatArray(), hidden);
            longformer.put(types, HostTensor.ofFloats(row0, 1, hidden));
        }
        String items = L + "embeddings.item_position_embeddings.weight";
        longformer.put(items, HostTensor.ofFloats(new float[settings.maxItemEmbeddings() * hidden], settings.maxItemEmbeddings(), hidden));
        notes.add(items + " <- zeros [" + settings.maxItemEmbeddings() + ", " + hidden + "] (new table; the source encoder's output is unchanged)");

        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.set("architectures", JsonNodeFactory.instance.arrayNode().add("RecformerForPretraining"));
        json.put("model_type", "longformer");
        json.put("vocab_size", vocab);
        json.put("hidden_size", hidden);
        json.put("num_hidden_layers", layers);
        json.put("num_attention_heads", settings.heads());
        json.put("intermediate_size", intermediate);
        json.put("hidden_act", "gelu");
        json.put("layer_norm_eps", settings.layerNormEps());
        json.put("max_position_embeddings", rows);
        json.put("type_vocab_size", 1);
        json.put("pad_token_id", pad);
        json.put("bos_token_id", specials.bos());
        json.put("eos_token_id", specials.eos());
        json.put("sep_token_id", specials.eos());
        ArrayNode windows = json.putArray("attention_window");
        for (int i = 0; i < layers; i++) windows.add(settings.attentionWindow());
        json.put("max_token_num", settings.maxTokenNum());
        json.put("max_item_embeddings", settings.maxItemEmbeddings());
        json.put("max_attr_num", settings.maxAttrNum());
        json.put("max_attr_length", settings.maxAttrLength());
        json.put("token_type_size", settings.tokenTypeSize());
        json.put("pooler_type", settings.poolerType());
        RecformerConfig config = RecformerConfig.fromJson(json);
        StateDict renamed = new StateDict(source);
        longformer.forEach(renamed::put);
        Converted c = LongformerConversion.convert(renamed, config, seed);
        List<String> derived = new ArrayList<>(notes);
        derived.addAll(c.report().derived());
        List<String> copied = new ArrayList<>(c.report().copied());
        copied.removeIf(n -> n.equals(positions) || n.equals(items) || n.contains("_global."));
        return new Converted(c.config(), c.stateDict(), new ConversionReport(copied, derived, c.report().initialized(), c.report().dropped()));
    }

    /** rows x C: row pad + 1 + k = source row sourceOffset + (k mod real rows); rows up to pad from the source where it has them (RoBERTa), else zero. */
    static HostTensor positionTable(HostTensor source, int sourceOffset, int pad, int rows, String what) {
        int sourceRows = (int) source.shape()[0];
        int c = (int) source.shape()[1];
        int real = sourceRows - sourceOffset;
        if (real <= 0) throw new IllegalArgumentException(what + ": position table of " + sourceRows + " rows has no rows after the padding offset " + sourceOffset);
        float[] in = source.toFloatArray();
        float[] out = new float[rows * c];
        if (sourceOffset > 0) System.arraycopy(in, 0, out, 0, Math.min(pad + 1, sourceOffset) * c);
        for (int k = 0; pad + 1 + k < rows; k++) {
            System.arraycopy(in, (sourceOffset + k % real) * c, out, (pad + 1 + k) * c, c);
        }
        return HostTensor.ofFloats(out, rows, c);
    }

    private static String unprefixed(String name) {
        for (String p : PREFIXES) if (name.startsWith(p)) return name.substring(p.length());
        return name;
    }

    private static HostTensor require(Map<String, HostTensor> d, String name, String source) throws CheckpointMismatchException {
        HostTensor t = d.get(name);
        if (t == null) throw new CheckpointMismatchException(source + ": not a BERT/RoBERTa encoder: no tensor '" + name.substring(L.length()) + "'");
        return t;
    }
}
