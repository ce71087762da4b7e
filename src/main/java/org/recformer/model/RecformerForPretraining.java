package org.recformer.model;

import org.recformer.nn.Module;
import org.recformer.ops.Arithmetic;
import org.recformer.ops.Indexing;
import org.recformer.ops.Losses;
import org.recformer.ops.Shapes;
import org.recformer.ops.Similarity;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

/**
 * Recformer pretraining (docs/spec.md §4): item-item contrastive loss over the in-batch similarity
 * matrix cos(pool(a_i), pool(b_j)) / temp with the diagonal as labels, plus mlm_weight x the MLM
 * loss of each view. Checkpoint names: {@code longformer.*} and {@code lm_head.*}.
 */
public final class RecformerForPretraining extends Module {
    /** Label value of tokens the MLM loss ignores. */
    public static final int IGNORE_INDEX = -100;
    /** Cosine epsilon of {@code torch.nn.CosineSimilarity}. */
    static final float COSINE_EPS = 1e-8f;

    private final RecformerConfig config;
    private final RecformerModel longformer;
    private final LMHead lmHead;

    /** A model with zero weights on {@code backend}; dropout seeds from {@code seed}. */
    public RecformerForPretraining(RecformerConfig config, Backend backend, long seed) {
        this.config = config;
        longformer = registerModule("longformer", new RecformerModel(config, backend, seed));
        lmHead = registerModule("lm_head", new LMHead(config, backend));
    }

    public PretrainOutput forward(PretrainInput in) {
        RecformerModelOutput a = longformer.forward(in.a());
        RecformerModelOutput b = longformer.forward(in.b());
        RecformerModelOutput mlmA = in.mlmInputIdsA() == null ? null : longformer.forward(in.a().withInputIds(in.mlmInputIdsA()));
        RecformerModelOutput mlmB = in.mlmInputIdsB() == null ? null : longformer.forward(in.b().withInputIds(in.mlmInputIdsB()));

        Tensor cosSim = similarity(a.pooledOutput(), b.pooledOutput(), config.temp());
        int n = in.a().batch();
        int[] diagonal = new int[n];
        for (int i = 0; i < n; i++) diagonal[i] = i;
        Tensor contrastive = Losses.crossEntropy(cosSim, diagonal, IGNORE_INDEX);

        Tensor loss = contrastive;
        Tensor mlmLossA = null;
        Tensor mlmLossB = null;
        if (mlmA != null) {
            mlmLossA = mlmLoss(mlmA.lastHiddenState(), in.mlmLabelsA(), "mlm_labels_a");
            loss = Arithmetic.add(loss, Arithmetic.scale(mlmLossA, (float) config.mlmWeight()));
        }
        if (mlmB != null) {
            mlmLossB = mlmLoss(mlmB.lastHiddenState(), in.mlmLabelsB(), "mlm_labels_b");
            loss = Arithmetic.add(loss, Arithmetic.scale(mlmLossB, (float) config.mlmWeight()));
        }
        return new PretrainOutput(loss, contrastive, mlmLossA, mlmLossB, cosSim, a.pooledOutput(), b.pooledOutput(), n);
    }

    /** cos(x_i, y_j) / temp for x [N, C], y [M, C] -> [N, M]. */
    static Tensor similarity(Tensor x, Tensor y, double temp) {
        Tensor cos = Similarity.cosineSimilarityMatrix(x, y, COSINE_EPS);
        return Arithmetic.div(cos, Tensor.of(cos.backend(), new float[] {(float) temp}));
    }

    private Tensor mlmLoss(Tensor hidden, int[] labels, String field) {
        int vocab = config.vocabSize();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != IGNORE_INDEX && (labels[i] < 0 || labels[i] >= vocab)) {
                throw new IllegalArgumentException(field + "[" + i + "] = " + labels[i] + " is neither " + IGNORE_INDEX
                        + " nor a token id in [0, " + vocab + ")");
            }
        }
        // The loss reads only the labelled (masked) positions, and the LM head works row by row: run
        // it on those rows alone (same loss and gradients, ~15% of the cost of all positions).
        int labelled = 0;
        for (int label : labels) if (label != IGNORE_INDEX) labelled++;
        if (labelled == 0) { // nothing to predict: the loss is 0 and still part of the graph
            Tensor logits = lmHead.forward(hidden);
            return Losses.crossEntropy(Shapes.reshape(logits, -1, vocab), labels, IGNORE_INDEX);
        }
        int[] rows = new int[labelled];
        int[] targets = new int[labelled];
        for (int i = 0, n = 0; i < labels.length; i++) {
            if (labels[i] == IGNORE_INDEX) continue;
            rows[n] = i;
            targets[n++] = labels[i];
        }
        Tensor selected = Indexing.indexSelect(Shapes.reshape(hidden, -1, hidden.dim(-1)), rows); // [labelled, C]
        return Losses.crossEntropy(lmHead.forward(selected), targets, IGNORE_INDEX);
    }

    public RecformerConfig config() {
        return config;
    }

    public RecformerModel longformer() {
        return longformer;
    }

    public LMHead lmHead() {
        return lmHead;
    }
}
