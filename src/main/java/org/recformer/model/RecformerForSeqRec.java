package org.recformer.model;

import org.recformer.autograd.GradMode;
import org.recformer.nn.Embedding;
import org.recformer.nn.Module;
import org.recformer.nn.Parameter;
import org.recformer.ops.Arithmetic;
import org.recformer.ops.Indexing;
import org.recformer.ops.Losses;
import org.recformer.ops.Shapes;
import org.recformer.ops.Similarity;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Recformer finetuning (docs/spec.md §4): a user's score for item j is cos(pool(sequence), E[j]) / temp,
 * where E ({@code item_embedding.weight}, [item_num, C], frozen) holds the pooled outputs of the
 * items encoded alone. Loss: cross-entropy over all items, or with
 * {@code finetune_negative_sample_size = k > 0} over [label] + k uniformly drawn items with target 0.
 * Checkpoint names: {@code longformer.*} and {@code item_embedding.weight}.
 *
 * <p>With {@link RecformerConfig#itemIdEmbedding()} (UniSRec's text+ID variant) item j is scored
 * against E[j] + I[j] instead, where I ({@value #ITEM_ID_TABLE}, [item_num, C]) is learned and
 * starts at zero. During finetuning only the rows of items seen in training get a gradient
 * ({@link #setTrainedItems}), so every other row stays zero and such a cold item keeps the
 * text-only vector E[j].
 *
 * <p>With {@link RecformerConfig#itemIdInputEmbedding()} (SASRec's input side) every token of a history
 * item j also gets J[j] added to its embedding sum before the LayerNorm, where J
 * ({@value #ITEM_ID_INPUT_TABLE}, [item_num, C]) is learned, starts at zero and learns only the rows
 * of items seen in training, like I. {@code <s>}, padding and items encoded alone (the table E) get
 * nothing from J.
 *
 * <p>With {@link RecformerConfig#itemIdBias()} every score of item j also gets b[j] added, where b
 * ({@value #ITEM_ID_BIAS}, [item_num]) is learned, starts at zero and learns only the entries of items
 * seen in training, like I: the offset a dot-product model such as SASRec can hold in the norm of an
 * item's vector (its popularity), which the cosine score cannot. Cold items keep b[j] = 0.
 */
public final class RecformerForSeqRec extends Module {
    /** Checkpoint name of the learned item-ID table. */
    public static final String ITEM_ID_TABLE = "item_id_embedding.weight";
    /** Checkpoint name of the learned input-side item-ID table. */
    public static final String ITEM_ID_INPUT_TABLE = "item_id_input_embedding.weight";
    /** Checkpoint name of the learned per-item score offsets. */
    public static final String ITEM_ID_BIAS = "item_id_bias";

    private final RecformerConfig config;
    private final RecformerModel longformer;
    private final Embedding itemEmbedding;
    /** The learned item-ID table I, or null without {@link RecformerConfig#itemIdEmbedding()}. */
    private final Embedding itemIdEmbedding;
    /** The learned input-side item-ID table J, or null without {@link RecformerConfig#itemIdInputEmbedding()}. */
    private final Embedding itemIdInputEmbedding;
    /** The learned score offsets b [item_num], or null without {@link RecformerConfig#itemIdBias()}. */
    private final Parameter itemIdBias;
    /** [item_num, 1]: 1 for items whose rows of I and J (and entries of b) learn, 0 for the others; null: every row learns. */
    private Tensor trainedItems;

    /** A new model with its own encoder on {@code backend} (zero weights until loaded). */
    public RecformerForSeqRec(RecformerConfig config, Backend backend, long seed) {
        this(config, new RecformerModel(config, backend, seed));
    }

    /** A model around an existing encoder, on its backend (its weights are shared, not copied). */
    public RecformerForSeqRec(RecformerConfig config, RecformerModel longformer) {
        if (config.itemNum() <= 0) throw new IllegalArgumentException("item_num must be > 0 for RecformerForSeqRec, got " + config.itemNum());
        if (config.hiddenSize() != longformer.config().hiddenSize()) {
            throw new IllegalArgumentException("hidden_size " + config.hiddenSize() + " differs from the encoder's " + longformer.config().hiddenSize());
        }
        this.config = config;
        this.longformer = registerModule("longformer", longformer);
        itemEmbedding = registerModule("item_embedding", new Embedding(longformer.backend(), config.itemNum(), config.hiddenSize(), -1));
        itemEmbedding.weight().setFrozen(true);
        itemIdEmbedding = config.itemIdEmbedding()
                ? registerModule("item_id_embedding", new Embedding(longformer.backend(), config.itemNum(), config.hiddenSize(), -1))
                : null;
        itemIdInputEmbedding = config.itemIdInputEmbedding()
                ? registerModule("item_id_input_embedding", new Embedding(longformer.backend(), config.itemNum(), config.hiddenSize(), -1))
                : null;
        itemIdBias = config.itemIdBias() ? registerParameter(ITEM_ID_BIAS, Tensor.zeros(longformer.backend(), config.itemNum())) : null;
    }

    /** Pooled outputs [N, C] of a batch of item sequences ({@code <s>} + one item each), without a graph. */
    public Tensor encodeItems(ModelInput items) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            return longformer.encode(items).detach();
        }
    }

    /** Replaces the item table E with {@code table} [item_num, C] (rows in item id order). */
    public void setItemEmbeddings(Tensor table) {
        int[] expected = itemEmbedding.weight().shape();
        if (!Arrays.equals(table.shape(), expected)) {
            throw new IllegalArgumentException("item table of shape " + Arrays.toString(table.shape()) + ", expected "
                    + Arrays.toString(expected) + " (item_num x hidden_size)");
        }
        itemEmbedding.weight().tensor().copyFrom(table);
    }

    public Tensor itemEmbeddings() {
        return itemEmbedding.weight().tensor();
    }

    /**
     * Lets only the rows of I and J (and the entries of b) of the items with {@code trained[j]} learn:
     * the others get no gradient, so they keep their values (zero from a fresh table). No effect
     * without them.
     */
    public void setTrainedItems(boolean[] trained) {
        if (trained.length != config.itemNum()) {
            throw new IllegalArgumentException(trained.length + " trained-item flags, expected item_num " + config.itemNum());
        }
        float[] mask = new float[trained.length];
        for (int j = 0; j < trained.length; j++) mask[j] = trained[j] ? 1f : 0f;
        trainedItems = Tensor.of(backend(), mask, trained.length, 1);
    }

    /**
     * Sets every row of I and J and every entry of b to zero (the model then scores every item and
     * reads every history from text alone). No effect without them.
     */
    public void clearItemIds() {
        float[] zeros = new float[config.itemNum() * config.hiddenSize()];
        if (itemIdEmbedding != null) itemIdEmbedding.weight().tensor().copyFrom(zeros);
        if (itemIdInputEmbedding != null) itemIdInputEmbedding.weight().tensor().copyFrom(zeros);
        if (itemIdBias != null) itemIdBias.tensor().copyFrom(new float[config.itemNum()]);
    }

    /** Sets the score offsets b to {@code offsets} [item_num]; the model must have b. */
    public void setItemBiases(float[] offsets) {
        if (itemIdBias == null) throw new IllegalStateException("the model has no " + ITEM_ID_BIAS + " (config.json's " + RecformerConfig.ITEM_ID_BIAS + ")");
        if (offsets.length != config.itemNum()) {
            throw new IllegalArgumentException(offsets.length + " item score offsets, expected item_num " + config.itemNum());
        }
        itemIdBias.tensor().copyFrom(offsets);
    }

    /** The score offsets [item_num] as they count (entries of items that do not learn are 0), or null without b. */
    public Tensor itemBiases() {
        return itemIdBias == null ? null : Shapes.reshape(offsetColumn(), config.itemNum());
    }

    /** b as a column [item_num, 1], masked as {@link #trainedRows}. */
    private Tensor offsetColumn() {
        return trainedRows(Shapes.reshape(itemIdBias.tensor(), config.itemNum(), 1));
    }

    /** The vectors the items are scored against [item_num, C]: E, plus I when the model has it. */
    public Tensor itemVectors() {
        if (itemIdEmbedding == null) return itemEmbeddings();
        return Arithmetic.add(itemEmbeddings(), trainedRows(itemIdEmbedding.weight().tensor()));
    }

    /** {@code rows} [item_num, k] with the rows of items that do not learn multiplied by 0 (so they get no gradient). */
    private Tensor trainedRows(Tensor rows) {
        return trainedItems == null ? rows : Arithmetic.mul(rows, trainedItems);
    }

    /** Pooled sequence vectors [B, C] from the text alone. */
    public Tensor encode(ModelInput in) {
        return encode(in, null);
    }

    /**
     * Pooled sequence vectors [B, C]; with J, each token also gets the J row of its item in
     * {@code tokenItemIds} ([B*T], -1 for none; null: text only).
     */
    public Tensor encode(ModelInput in, int[] tokenItemIds) {
        ItemIdInput itemIds = itemIdInputEmbedding == null || tokenItemIds == null
                ? null : new ItemIdInput(tokenItemIds, trainedRows(itemIdInputEmbedding.weight().tensor()));
        return longformer.encode(in, itemIds);
    }

    /** Scores of every item for pooled [B, C] -> [B, item_num] (plus b when the model has it). */
    public Tensor scores(Tensor pooled) {
        Tensor cos = RecformerForPretraining.similarity(pooled, itemVectors(), config.temp());
        return itemIdBias == null ? cos : Arithmetic.add(cos, itemBiases());
    }

    /**
     * Scores of the given candidate items for pooled [B, C], candidates [B][K] -> [B, K]: only the
     * K candidate rows of the {@link #itemVectors} (E, plus I when the model has it; and b) are read (not the full [B, item_num] score matrix), each row normalized
     * as {@link #scores} does, and multiplied with its own sequence vector.
     */
    public Tensor candidateScores(Tensor pooled, int[][] candidates) {
        int batch = pooled.dim(0);
        if (candidates.length != batch) {
            throw new IllegalArgumentException("candidates has " + candidates.length + " rows, expected one per sequence (" + batch + ")");
        }
        int k = candidates.length == 0 ? 0 : candidates[0].length;
        int[] flat = new int[batch * k];
        for (int b = 0; b < batch; b++) {
            if (candidates[b].length != k) {
                throw new IllegalArgumentException("candidates row " + b + " has " + candidates[b].length + " items, expected " + k);
            }
            for (int j = 0; j < k; j++) {
                int item = candidates[b][j];
                checkItem("candidates", b, item);
                flat[b * k + j] = item;
            }
        }
        Tensor items = Shapes.reshape(Indexing.indexSelect(itemVectors(), flat), batch, k, pooled.dim(1));
        Tensor cos = Similarity.cosineSimilarityPerRow(pooled, items, RecformerForPretraining.COSINE_EPS);
        Tensor scaled = Arithmetic.div(cos, Tensor.of(cos.backend(), new float[] {(float) config.temp()}));
        if (itemIdBias == null) return scaled;
        Tensor offsets = Indexing.indexSelect(offsetColumn(), flat); // [B*K, 1]
        return Arithmetic.add(scaled, Shapes.reshape(offsets, batch, k));
    }

    /**
     * The finetuning loss for pooled [B, C] and the label item of each row: full softmax over all
     * items, or sampled softmax over [label] + k items drawn uniformly from {@code random}.
     */
    public Tensor loss(Tensor pooled, int[] labels, RandomGenerator random) {
        int batch = pooled.dim(0);
        if (labels.length != batch) throw new IllegalArgumentException("labels has " + labels.length + " values, expected " + batch);
        for (int b = 0; b < batch; b++) checkItem("labels", b, labels[b]);
        int k = config.finetuneNegativeSampleSize();
        if (k <= 0) return Losses.crossEntropy(scores(pooled), labels, RecformerForPretraining.IGNORE_INDEX);
        int[][] candidates = new int[batch][k + 1];
        for (int b = 0; b < batch; b++) {
            candidates[b][0] = labels[b];
            for (int j = 1; j <= k; j++) candidates[b][j] = random.nextInt(config.itemNum());
        }
        return Losses.crossEntropy(candidateScores(pooled, candidates), new int[batch], RecformerForPretraining.IGNORE_INDEX);
    }

    private void checkItem(String field, int row, int item) {
        if (item < 0 || item >= config.itemNum()) {
            throw new IllegalArgumentException(field + " row " + row + ": item id " + item + " is outside [0, item_num " + config.itemNum() + ")");
        }
    }

    public Backend backend() {
        return longformer.backend();
    }

    public RecformerConfig config() {
        return config;
    }

    public RecformerModel longformer() {
        return longformer;
    }
}
