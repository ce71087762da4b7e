package org.recformer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The model configuration as HuggingFace writes it in {@code config.json}: the {@code LongformerConfig}
 * fields the model uses plus the Recformer fields. Absent keys take the defaults of the public code
 * ({@code LongformerConfig} for the Longformer fields, e.g. {@code layer_norm_eps} 1e-12;
 * {@code RecformerConfig} for the Recformer ones, e.g. {@code attention_window} 64). Keys this class
 * does not know are kept and written back unchanged. Values are validated on construction; a bad
 * value is an {@link IllegalArgumentException} naming the field.
 */
public final class RecformerConfig {
    /**
     * The project's key for the token position of pad tokens (real tokens are numbered from it + 1);
     * absent, it is {@code pad_token_id}, HuggingFace's RoBERTa rule. Fresh models set it to 0 (see
     * {@link RecformerRecipe#freshConfig}).
     */
    public static final String POSITION_PADDING_IDX = "position_padding_idx";
    /** The project's key saying the finetuning model has a learned item-ID table (absent: false). */
    public static final String ITEM_ID_EMBEDDING = "item_id_embedding";
    /** The project's key saying the finetuning model adds a learned item-ID vector to the input tokens of each history item (absent: false). */
    public static final String ITEM_ID_INPUT_EMBEDDING = "item_id_input_embedding";
    /** The project's key saying the finetuning model adds a learned score offset per item seen in training (absent: false). */
    public static final String ITEM_ID_BIAS = "item_id_bias";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    // LongformerConfig
    private final int vocabSize;
    private final int hiddenSize;
    private final int numHiddenLayers;
    private final int numAttentionHeads;
    private final int intermediateSize;
    private final String hiddenAct;
    private final double hiddenDropoutProb;
    private final double attentionProbsDropoutProb;
    private final int maxPositionEmbeddings;
    private final int typeVocabSize;
    private final double initializerRange;
    private final double layerNormEps;
    private final String positionEmbeddingType;
    private final int padTokenId;
    private final int bosTokenId;
    private final int eosTokenId;
    private final int sepTokenId;
    /** The token position of pad tokens, or null when config.json does not give it (then pad_token_id). */
    private final Integer positionPaddingIdx;
    /** One window (both sides together, even) per layer. */
    private final int[] attentionWindow;
    /** Whether config.json gave attention_window as one int (written back the same way). */
    private final boolean attentionWindowScalar;
    // Recformer
    private final int tokenTypeSize;
    private final int maxTokenNum;
    private final int maxItemEmbeddings;
    private final int maxAttrNum;
    private final int maxAttrLength;
    private final String poolerType;
    private final double temp;
    private final double mlmWeight;
    private final int itemNum;
    private final int finetuneNegativeSampleSize;
    private final boolean itemIdEmbedding;
    private final boolean itemIdInputEmbedding;
    private final boolean itemIdBias;
    /** Keys this class does not interpret, kept for writing back. */
    private final ObjectNode otherKeys;

    private RecformerConfig(ObjectNode json) {
        Fields f = new Fields(json);
        vocabSize = f.intValue("vocab_size", 30522);
        hiddenSize = f.intValue("hidden_size", 768);
        numHiddenLayers = f.intValue("num_hidden_layers", 12);
        numAttentionHeads = f.intValue("num_attention_heads", 12);
        intermediateSize = f.intValue("intermediate_size", 3072);
        hiddenAct = f.stringValue("hidden_act", "gelu");
        hiddenDropoutProb = f.doubleValue("hidden_dropout_prob", 0.1);
        attentionProbsDropoutProb = f.doubleValue("attention_probs_dropout_prob", 0.1);
        maxPositionEmbeddings = f.intValue("max_position_embeddings", 512);
        typeVocabSize = f.intValue("type_vocab_size", 2);
        initializerRange = f.doubleValue("initializer_range", 0.02);
        layerNormEps = f.doubleValue("layer_norm_eps", 1e-12);
        positionEmbeddingType = f.stringValue("position_embedding_type", "absolute");
        padTokenId = f.intValue("pad_token_id", 1);
        bosTokenId = f.intValue("bos_token_id", 0);
        eosTokenId = f.intValue("eos_token_id", 2);
        sepTokenId = f.intValue("sep_token_id", 2);
        positionPaddingIdx = f.intOrNull(POSITION_PADDING_IDX);
        JsonNode window = f.take("attention_window");
        attentionWindowScalar = window == null || window.isNumber();
        attentionWindow = windows(window, numHiddenLayers);
        tokenTypeSize = f.intValue("token_type_size", 4);
        maxTokenNum = f.intValue("max_token_num", 2048);
        maxItemEmbeddings = f.intValue("max_item_embeddings", 32);
        maxAttrNum = f.intValue("max_attr_num", 12);
        maxAttrLength = f.intValue("max_attr_length", 8);
        poolerType = f.stringValue("pooler_type", "cls");
        temp = f.doubleValue("temp", 0.05);
        mlmWeight = f.doubleValue("mlm_weight", 0.1);
        itemNum = f.intValue("item_num", 0);
        finetuneNegativeSampleSize = f.intValue("finetune_negative_sample_size", 0);
        itemIdEmbedding = f.booleanValue(ITEM_ID_EMBEDDING, false);
        itemIdInputEmbedding = f.booleanValue(ITEM_ID_INPUT_EMBEDDING, false);
        itemIdBias = f.booleanValue(ITEM_ID_BIAS, false);
        otherKeys = f.rest();
        validate();
    }

    /** A configuration with every field at its default. */
    public static RecformerConfig defaults() {
        return fromJson(JsonNodeFactory.instance.objectNode());
    }

    /** Reads a HuggingFace {@code config.json}. */
    public static RecformerConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static RecformerConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject()) throw new IllegalArgumentException("config must be a JSON object");
        return new RecformerConfig(((ObjectNode) root).deepCopy());
    }

    /** This configuration with {@code key} set to {@code value} (any config.json key), validated. */
    public RecformerConfig with(String key, Object value) {
        ObjectNode json = toJson();
        json.set(key, JSON.valueToTree(value));
        return fromJson(json);
    }

    /** The configuration as a {@code config.json} object: known fields, then the kept keys, sorted. */
    public ObjectNode toJson() {
        Map<String, JsonNode> sorted = new TreeMap<>();
        JsonNodeFactory n = JsonNodeFactory.instance;
        otherKeys.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
        sorted.put("vocab_size", n.numberNode(vocabSize));
        sorted.put("hidden_size", n.numberNode(hiddenSize));
        sorted.put("num_hidden_layers", n.numberNode(numHiddenLayers));
        sorted.put("num_attention_heads", n.numberNode(numAttentionHeads));
        sorted.put("intermediate_size", n.numberNode(intermediateSize));
        sorted.put("hidden_act", n.textNode(hiddenAct));
        sorted.put("hidden_dropout_prob", n.numberNode(hiddenDropoutProb));
        sorted.put("attention_probs_dropout_prob", n.numberNode(attentionProbsDropoutProb));
        sorted.put("max_position_embeddings", n.numberNode(maxPositionEmbeddings));
        sorted.put("type_vocab_size", n.numberNode(typeVocabSize));
        sorted.put("initializer_range", n.numberNode(initializerRange));
        sorted.put("layer_norm_eps", n.numberNode(layerNormEps));
        sorted.put("position_embedding_type", n.textNode(positionEmbeddingType));
        sorted.put("pad_token_id", n.numberNode(padTokenId));
        sorted.put("bos_token_id", n.numberNode(bosTokenId));
        sorted.put("eos_token_id", n.numberNode(eosTokenId));
        sorted.put("sep_token_id", n.numberNode(sepTokenId));
        if (positionPaddingIdx != null) sorted.put(POSITION_PADDING_IDX, n.numberNode(positionPaddingIdx));
        if (attentionWindowScalar) {
            sorted.put("attention_window", n.numberNode(attentionWindow[0]));
        } else {
            ArrayNode list = n.arrayNode();
            for (int w : attentionWindow) list.add(w);
            sorted.put("attention_window", list);
        }
        sorted.put("token_type_size", n.numberNode(tokenTypeSize));
        sorted.put("max_token_num", n.numberNode(maxTokenNum));
        sorted.put("max_item_embeddings", n.numberNode(maxItemEmbeddings));
        sorted.put("max_attr_num", n.numberNode(maxAttrNum));
        sorted.put("max_attr_length", n.numberNode(maxAttrLength));
        sorted.put("pooler_type", n.textNode(poolerType));
        sorted.put("temp", n.numberNode(temp));
        sorted.put("mlm_weight", n.numberNode(mlmWeight));
        sorted.put("item_num", n.numberNode(itemNum));
        sorted.put("finetune_negative_sample_size", n.numberNode(finetuneNegativeSampleSize));
        if (itemIdEmbedding) sorted.put(ITEM_ID_EMBEDDING, n.booleanNode(true));
        if (itemIdInputEmbedding) sorted.put(ITEM_ID_INPUT_EMBEDDING, n.booleanNode(true));
        if (itemIdBias) sorted.put(ITEM_ID_BIAS, n.booleanNode(true));
        ObjectNode out = n.objectNode();
        sorted.forEach(out::set);
        return out;
    }

    public void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), toJson());
    }

    // ---------------------------------------------------------------- validation

    private void validate() {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numAttentionHeads);
        }
        positive("intermediate_size", intermediateSize);
        if (!hiddenAct.equals("gelu")) {
            throw new IllegalArgumentException("hidden_act '" + hiddenAct + "' is not supported (only 'gelu', the exact erf form)");
        }
        probability("hidden_dropout_prob", hiddenDropoutProb);
        probability("attention_probs_dropout_prob", attentionProbsDropoutProb);
        if (!positionEmbeddingType.equals("absolute")) {
            throw new IllegalArgumentException("position_embedding_type '" + positionEmbeddingType + "' is not supported (only 'absolute')");
        }
        if (!(layerNormEps > 0)) throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
        if (!(initializerRange >= 0)) throw new IllegalArgumentException("initializer_range must be >= 0, got " + initializerRange);
        positive("type_vocab_size", typeVocabSize);
        tokenId("pad_token_id", padTokenId);
        tokenId("bos_token_id", bosTokenId);
        tokenId("eos_token_id", eosTokenId);
        tokenId("sep_token_id", sepTokenId);
        if (positionPaddingIdx != null && positionPaddingIdx < 0) {
            throw new IllegalArgumentException(POSITION_PADDING_IDX + " must be >= 0, got " + positionPaddingIdx);
        }
        if (maxPositionEmbeddings < positionPaddingIdx() + 2) {
            throw new IllegalArgumentException("max_position_embeddings " + maxPositionEmbeddings + " leaves no position for a token (positions start at "
                    + (positionPaddingIdx == null ? "pad_token_id" : POSITION_PADDING_IDX) + " + 1 = " + (positionPaddingIdx() + 1) + ")");
        }
        positive("token_type_size", tokenTypeSize);
        positive("max_token_num", maxTokenNum);
        if (maxItemEmbeddings < 2) {
            throw new IllegalArgumentException("max_item_embeddings must be >= 2 (position 0 is <s>, then at least one item), got "
                    + maxItemEmbeddings);
        }
        positive("max_attr_num", maxAttrNum);
        positive("max_attr_length", maxAttrLength);
        if (!poolerType.equals("cls") && !poolerType.equals("avg") && !poolerType.equals("avg_newest")) {
            throw new IllegalArgumentException("pooler_type '" + poolerType + "' is not supported (use 'cls', 'avg' or 'avg_newest')");
        }
        if (!(temp > 0)) throw new IllegalArgumentException("temp must be > 0, got " + temp);
        if (!(mlmWeight >= 0)) throw new IllegalArgumentException("mlm_weight must be >= 0, got " + mlmWeight);
        if (itemNum < 0) throw new IllegalArgumentException("item_num must be >= 0, got " + itemNum);
        if (finetuneNegativeSampleSize < 0) {
            throw new IllegalArgumentException("finetune_negative_sample_size must be >= 0, got " + finetuneNegativeSampleSize);
        }
        checkSizes();
    }

    /** The most elements of one tensor (a Java array's length limit, less the JVM's header reserve). */
    static final long MAX_TENSOR_ELEMENTS = Integer.MAX_VALUE - 8;

    /**
     * Parameters of the encoder ({@link RecformerModel}): embeddings (word, position, token type,
     * item position, LayerNorm) and per layer the six local and global attention projections, the
     * attention output, the FFN and two LayerNorms. In long arithmetic, so any configuration counts.
     */
    public long encoderParameterCount() {
        long h = hiddenSize;
        long ffn = intermediateSize;
        long embeddings = h * ((long) vocabSize + maxPositionEmbeddings + tokenTypeSize + maxItemEmbeddings) + 2 * h;
        long layer = 7 * (h * h + h) + 2 * h + (h * ffn + ffn) + (ffn * h + h) + 2 * h;
        return embeddings + numHiddenLayers * layer;
    }

    /**
     * Refuses a configuration whose model cannot be built in this JVM before anything is allocated:
     * a tensor larger than a Java array, or weights (encoder, item table, LM head) that alone exceed
     * the heap limit. The message gives the numbers and the limit.
     */
    private void checkSizes() {
        long h = hiddenSize;
        long[][] tensors = {{vocabSize, h}, {maxPositionEmbeddings, h}, {itemNum, h}, {h, intermediateSize}, {h, h}};
        String[] names = {"vocab_size x hidden_size", "max_position_embeddings x hidden_size", "item_num x hidden_size",
                "hidden_size x intermediate_size", "hidden_size x hidden_size"};
        for (int i = 0; i < tensors.length; i++) {
            long elements = tensors[i][0] * tensors[i][1];
            if (elements > MAX_TENSOR_ELEMENTS) {
                throw new IllegalArgumentException("model too large: " + names[i] + " = " + tensors[i][0] + " x " + tensors[i][1]
                        + " = " + elements + " elements in one tensor, more than the limit of " + MAX_TENSOR_ELEMENTS);
            }
        }
        long parameters = encoderParameterCount() + (1L + (itemIdEmbedding ? 1 : 0) + (itemIdInputEmbedding ? 1 : 0)) * itemNum * h + (itemIdBias ? itemNum : 0) + (h * h + 3 * h + (long) vocabSize * h + vocabSize);
        long bytes = 4 * parameters;
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "model too large: %,d parameters need"
                    + " %,d MiB as float32, more than the Java heap limit of %,d MiB (-Xmx)", parameters, bytes >> 20, heap >> 20));
        }
    }

    private static int[] windows(JsonNode node, int layers) {
        if (layers <= 0) throw new IllegalArgumentException("num_hidden_layers must be > 0, got " + layers);
        int[] out = new int[layers];
        if (node == null) {
            Arrays.fill(out, 64);
        } else if (node.isIntegralNumber() && node.canConvertToInt()) {
            Arrays.fill(out, node.intValue());
        } else if (node.isArray()) {
            if (node.size() != layers) {
                throw new IllegalArgumentException("attention_window has " + node.size() + " entries, expected one per layer (num_hidden_layers " + layers + ")");
            }
            for (int i = 0; i < layers; i++) {
                JsonNode w = node.get(i);
                if (!w.isIntegralNumber() || !w.canConvertToInt()) {
                    throw new IllegalArgumentException("attention_window[" + i + "] must be an integer, got " + w);
                }
                out[i] = w.intValue();
            }
        } else {
            throw new IllegalArgumentException("attention_window must be an integer or a list of integers, got " + node);
        }
        for (int i = 0; i < layers; i++) {
            if (out[i] <= 0 || out[i] % 2 != 0) {
                throw new IllegalArgumentException("attention_window for layer " + i + " must be a positive even number, got " + out[i]);
            }
        }
        return out;
    }

    private static void positive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }

    private static void probability(String field, double p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException(field + " must be in [0, 1), got " + p);
    }

    private void tokenId(String field, int id) {
        if (id < 0 || id >= vocabSize) {
            throw new IllegalArgumentException(field + " " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    /** Takes typed fields out of a JSON object; what is left over is kept. */
    private static final class Fields {
        private final ObjectNode json;

        Fields(ObjectNode json) {
            this.json = json;
        }

        JsonNode take(String key) {
            JsonNode v = json.remove(key);
            return v == null || v.isNull() ? null : v;
        }

        int intValue(String key, int dflt) {
            Integer v = intOrNull(key);
            return v == null ? dflt : v;
        }

        Integer intOrNull(String key) {
            JsonNode v = take(key);
            if (v == null) return null;
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new IllegalArgumentException(key + " must be an integer, got " + v);
            }
            return v.intValue();
        }

        double doubleValue(String key, double dflt) {
            JsonNode v = take(key);
            if (v == null) return dflt;
            if (!v.isNumber()) throw new IllegalArgumentException(key + " must be a number, got " + v);
            return v.doubleValue();
        }

        boolean booleanValue(String key, boolean dflt) {
            JsonNode v = take(key);
            if (v == null) return dflt;
            if (!v.isBoolean()) throw new IllegalArgumentException(key + " must be true or false, got " + v);
            return v.booleanValue();
        }

        String stringValue(String key, String dflt) {
            JsonNode v = take(key);
            if (v == null) return dflt;
            if (!v.isTextual()) throw new IllegalArgumentException(key + " must be a string, got " + v);
            return v.textValue();
        }

        ObjectNode rest() {
            return json;
        }
    }

    // ---------------------------------------------------------------- accessors

    public int vocabSize() { return vocabSize; }
    public int hiddenSize() { return hiddenSize; }
    public int numHiddenLayers() { return numHiddenLayers; }
    public int numAttentionHeads() { return numAttentionHeads; }
    public int headDim() { return hiddenSize / numAttentionHeads; }
    public int intermediateSize() { return intermediateSize; }
    public String hiddenAct() { return hiddenAct; }
    public double hiddenDropoutProb() { return hiddenDropoutProb; }
    public double attentionProbsDropoutProb() { return attentionProbsDropoutProb; }
    public int maxPositionEmbeddings() { return maxPositionEmbeddings; }
    public int typeVocabSize() { return typeVocabSize; }
    public double initializerRange() { return initializerRange; }
    public double layerNormEps() { return layerNormEps; }
    public int padTokenId() { return padTokenId; }
    public int bosTokenId() { return bosTokenId; }
    public int eosTokenId() { return eosTokenId; }
    public int sepTokenId() { return sepTokenId; }
    /** The token position of pad tokens: {@value #POSITION_PADDING_IDX} when given, else pad_token_id (HuggingFace). */
    public int positionPaddingIdx() { return positionPaddingIdx != null ? positionPaddingIdx : padTokenId; }
    /** The most non-pad tokens a row may have: the position table's rows after the pad position. */
    public int maxTokenPositions() { return maxPositionEmbeddings - positionPaddingIdx() - 1; }
    /** The window (both sides together) of layer {@code layer}. */
    public int attentionWindow(int layer) { return attentionWindow[layer]; }
    public int[] attentionWindows() { return attentionWindow.clone(); }
    public int maxAttentionWindow() { return Arrays.stream(attentionWindow).max().orElseThrow(); }
    public int tokenTypeSize() { return tokenTypeSize; }
    public int maxTokenNum() { return maxTokenNum; }
    public int maxItemEmbeddings() { return maxItemEmbeddings; }
    public int maxAttrNum() { return maxAttrNum; }
    public int maxAttrLength() { return maxAttrLength; }
    public String poolerType() { return poolerType; }
    public double temp() { return temp; }
    public double mlmWeight() { return mlmWeight; }
    public int itemNum() { return itemNum; }
    public int finetuneNegativeSampleSize() { return finetuneNegativeSampleSize; }
    /** Whether finetuning adds a learned item-ID vector to the text vector of items seen in training ({@link RecformerForSeqRec}). */
    public boolean itemIdEmbedding() { return itemIdEmbedding; }
    /** Whether finetuning adds a learned item-ID vector to the embeddings of each history item's tokens ({@link RecformerForSeqRec}). */
    public boolean itemIdInputEmbedding() { return itemIdInputEmbedding; }
    /** Whether finetuning adds a learned offset to the score of each item seen in training ({@link RecformerForSeqRec}). */
    public boolean itemIdBias() { return itemIdBias; }

    /** The names of the kept keys this class does not interpret. */
    public Set<String> otherKeyNames() {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = otherKeys.fieldNames(); it.hasNext(); ) names.add(it.next());
        return Set.copyOf(names);
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
