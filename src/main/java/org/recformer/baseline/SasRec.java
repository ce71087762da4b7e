package org.recformer.baseline;

import org.recformer.nn.Dropout;
import org.recformer.nn.Embedding;
import org.recformer.nn.LayerNorm;
import org.recformer.nn.Linear;
import org.recformer.nn.Module;
import org.recformer.nn.ModuleList;
import org.recformer.nn.Parameter;
import org.recformer.nn.SeedSource;
import org.recformer.ops.Activations;
import org.recformer.ops.Arithmetic;
import org.recformer.ops.Losses;
import org.recformer.ops.Masking;
import org.recformer.ops.MatMul;
import org.recformer.ops.Shapes;
import org.recformer.ops.Softmax;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * SASRec (Kang and McAuley, 2018), the ID-based baseline: a learned vector per item plus a learned
 * position vector, causal self-attention blocks (pre-LayerNorm, residual, ReLU feed-forward), a final
 * LayerNorm, and item scores = hidden . item vector (the input table, shared). Item {@code i} of the
 * dataset is row {@code i + 1}; row 0 pads the left of short histories.
 */
public final class SasRec extends Module {
    public static final int IGNORE = -100;

    private final int items;
    private final int maxLength;
    private final int hidden;
    private final Embedding itemEmbeddings;
    private final Embedding positionEmbeddings;
    private final ModuleList<Block> blocks;
    private final Backend backend;
    private final LayerNorm finalNorm;
    private final Dropout dropout;

    /** Sizes of the model. */
    public record Shape(int hidden, int layers, int heads, int maxLength, double dropout) {
    }

    public SasRec(Backend backend, int items, Shape shape, long seed) {
        if (shape.hidden() % shape.heads() != 0) {
            throw new IllegalArgumentException("hidden size " + shape.hidden() + " is not a multiple of the heads " + shape.heads());
        }
        this.backend = backend;
        this.items = items;
        this.maxLength = shape.maxLength();
        this.hidden = shape.hidden();
        SeedSource seeds = new SeedSource(seed);
        itemEmbeddings = registerModule("item_embeddings", new Embedding(backend, items + 1, hidden, 0));
        positionEmbeddings = registerModule("position_embeddings", new Embedding(backend, maxLength, hidden, -1));
        List<Block> layers = new ArrayList<>();
        for (int l = 0; l < shape.layers(); l++) layers.add(new Block(backend, hidden, shape.heads(), shape.dropout(), seeds));
        blocks = registerModule("blocks", new ModuleList<>(layers));
        finalNorm = registerModule("final_norm", new LayerNorm(backend, hidden, 1e-8));
        dropout = registerModule("dropout", new Dropout(shape.dropout(), seeds));
        initialize(seed);
    }

    /** normal(0, 0.02) matrices (zero padding row), zero biases, unit LayerNorm weights. */
    private void initialize(long seed) {
        Random random = new Random(seed);
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            Parameter p = e.getValue();
            float[] values = new float[p.tensor().numel()];
            if (p.shape().length == 2) {
                for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextGaussian() * 0.02);
                if (e.getKey().startsWith("item_embeddings")) java.util.Arrays.fill(values, 0, hidden, 0f);
            } else if (e.getKey().endsWith("weight")) {
                java.util.Arrays.fill(values, 1f);
            }
            p.tensor().copyFrom(values);
        }
    }

    public int maxLength() {
        return maxLength;
    }

    public int items() {
        return items;
    }

    /** rows [B, T] of table rows (item + 1, 0 = padding, left-padded) -> hidden states [B, T, C]. */
    public Tensor forward(int[] rows, int batch) {
        int t = rows.length / batch;
        if (t > maxLength) throw new IllegalArgumentException("sequence length " + t + " exceeds max length " + maxLength);
        int[] shape = {batch, t};
        int[] positions = new int[rows.length];
        for (int i = 0; i < rows.length; i++) positions[i] = maxLength - t + i % t; // right-aligned, as histories are
        Tensor x = Arithmetic.add(itemEmbeddings.forward(rows, shape, "item rows"), positionEmbeddings.forward(positions, shape, "positions"));
        x = dropout.forward(x);
        Tensor mask = attentionMask(rows, batch, t);
        for (Block b : blocks.asList()) x = b.forward(x, mask, batch, t);
        return finalNorm.forward(x);
    }

    /** Scores of every item for every position: [B * T, items]. */
    public Tensor scores(Tensor hiddenStates) {
        Tensor flat = Shapes.reshape(hiddenStates, -1, hidden);
        Tensor table = Shapes.slice(itemEmbeddings.weight().tensor(), 0, 1, items + 1);
        return MatMul.matmul(flat, table, false, true);
    }

    /** Mean next-item cross-entropy over the positions whose label is not {@link #IGNORE}. */
    public Tensor loss(int[] rows, int[] labels, int batch) {
        return Losses.crossEntropy(scores(forward(rows, batch)), labels, IGNORE);
    }

    /** 1 where a query may not look: a later position or a padding key. [B, 1, T, T]. */
    private Tensor attentionMask(int[] rows, int batch, int t) {
        float[] m = new float[batch * t * t];
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < t; q++) {
                for (int k = 0; k < t; k++) {
                    boolean blocked = k > q || (rows[b * t + k] == 0 && k != q);
                    m[(b * t + q) * t + k] = blocked ? 1f : 0f;
                }
            }
        }
        return Tensor.of(backend, m, batch, 1, t, t);
    }

    /** One pre-LayerNorm transformer block with causal attention. */
    static final class Block extends Module {
        private final int heads;
        private final LayerNorm attentionNorm;
        private final Linear query;
        private final Linear key;
        private final Linear value;
        private final Linear output;
        private final LayerNorm feedForwardNorm;
        private final Linear up;
        private final Linear down;
        private final Dropout dropout;

        Block(Backend backend, int hidden, int heads, double dropoutP, SeedSource seeds) {
            this.heads = heads;
            attentionNorm = registerModule("attention_norm", new LayerNorm(backend, hidden, 1e-8));
            query = registerModule("query", new Linear(backend, hidden, hidden, true));
            key = registerModule("key", new Linear(backend, hidden, hidden, true));
            value = registerModule("value", new Linear(backend, hidden, hidden, true));
            output = registerModule("output", new Linear(backend, hidden, hidden, true));
            feedForwardNorm = registerModule("feed_forward_norm", new LayerNorm(backend, hidden, 1e-8));
            up = registerModule("up", new Linear(backend, hidden, hidden, true));
            down = registerModule("down", new Linear(backend, hidden, hidden, true));
            dropout = registerModule("dropout", new Dropout(dropoutP, seeds));
        }

        Tensor forward(Tensor x, Tensor mask, int batch, int t) {
            int c = x.dim(2);
            int d = c / heads;
            Tensor h = attentionNorm.forward(x);
            Tensor q = split(query.forward(h), batch, t, d);
            Tensor k = split(key.forward(h), batch, t, d);
            Tensor v = split(value.forward(h), batch, t, d);
            Tensor scores = Arithmetic.scale(MatMul.matmul(q, k, false, true), (float) (1.0 / Math.sqrt(d)));
            Tensor probs = dropout.forward(Softmax.softmax(Masking.maskedFill(scores, mask, -1e9f)));
            Tensor context = Shapes.reshape(Shapes.permute(MatMul.matmul(probs, v), 0, 2, 1, 3), batch, t, c);
            x = Arithmetic.add(x, dropout.forward(output.forward(context)));
            Tensor f = down.forward(dropout.forward(Activations.clampMin(up.forward(feedForwardNorm.forward(x)), 0f)));
            return Arithmetic.add(x, dropout.forward(f));
        }

        private Tensor split(Tensor x, int batch, int t, int d) {
            return Shapes.permute(Shapes.reshape(x, batch, t, heads, d), 0, 2, 1, 3);
        }
    }
}
