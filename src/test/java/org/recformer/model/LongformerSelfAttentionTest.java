package org.recformer.model;

import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.nn.Parameter;
import org.recformer.ops.Attention;
import org.recformer.ops.Dropout;
import org.recformer.ops.MatMul;
import org.recformer.ops.Reductions;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layer computes the global tokens' rows from the hidden states (key_global / value_global folded
 * into the global query and the mixed hidden states) instead of projecting every token: it must be
 * the function of the fused op given all six projections, values and every gradient, and apply the
 * attention dropout to the global probabilities as HuggingFace does.
 */
class LongformerSelfAttentionTest {
    private static final Backend CPU = Backends.cpu();
    private static final int HIDDEN = 16, HEADS = 2, D = HIDDEN / HEADS;

    /**
     * Three rows: one global token first (as Recformer has), two global tokens and padding, no global
     * token and padding; with a padding token at the same ids twice (packed into one row).
     */
    private static ModelInput input() {
        return input(true);
    }

    /** {@link #input()}, or the same rows with no global token at all. */
    private static ModelInput input(boolean globals) {
        SplittableRandom r = new SplittableRandom(3);
        int seq = 11;
        int[][] ids = new int[3][seq], mask = new int[3][seq], global = new int[3][seq], types = new int[3][seq], items = new int[3][seq];
        int[] lengths = {11, 8, 6};
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < seq; t++) {
                boolean real = t < lengths[b];
                ids[b][t] = real ? 3 + r.nextInt(40) : 1;
                mask[b][t] = real ? 1 : 0;
                types[b][t] = real ? 1 + r.nextInt(2) : 3;
                items[b][t] = real ? 1 + t / 3 : 7;
            }
        }
        if (globals) {
            global[0][0] = 1;
            global[1][0] = 1;
            global[1][5] = 1;
        }
        return ModelInput.of(ids, mask, global, types, items);
    }

    private static TokenPacking packing(ModelInput in, RecformerConfig config) {
        ModelInput padded = WindowPadding.pad(in, config.maxAttentionWindow(), config.padTokenId(), config.maxItemEmbeddings());
        int[] positions = RecformerEmbeddings.positionIds(in.inputIds(), in.batch(), in.seq(), config.padTokenId(), config.padTokenId());
        return TokenPacking.of(in, positions, padded);
    }

    private static LongformerSelfAttention layer(RecformerConfig config, long... seeds) {
        int[] next = {0};
        LongformerSelfAttention layer = new LongformerSelfAttention(config, CPU, 0, () -> seeds[next[0]++]);
        SplittableRandom r = new SplittableRandom(11);
        for (Parameter p : layer.namedParameters().values()) {
            float[] values = new float[p.tensor().numel()];
            for (int i = 0; i < values.length; i++) values[i] = (float) (r.nextDouble() - 0.5);
            p.tensor().copyFrom(values);
        }
        return layer;
    }

    private static Tensor hidden(int rows) {
        SplittableRandom r = new SplittableRandom(5);
        float[] values = new float[rows * HIDDEN];
        for (int i = 0; i < values.length; i++) values[i] = (float) (2 * r.nextDouble() - 1);
        return Tensor.of(CPU, values, rows, HIDDEN).requiresGrad(true);
    }

    /** The layer as it was: all six projections into the fused op. */
    private static Tensor withProjections(LongformerSelfAttention layer, Tensor hidden, TokenPacking packing, AttentionProblem problem) {
        Map<String, Parameter> p = layer.namedParameters();
        java.util.function.BiFunction<String, Tensor, Tensor> linear =
                (name, x) -> MatMul.linear(x, p.get(name + ".weight").tensor(), p.get(name + ".bias").tensor());
        return packing.fromAttentionLayout(Attention.longformerSelfAttention(problem,
                packing.toAttentionLayout(linear.apply("query", hidden)),
                packing.toAttentionLayout(linear.apply("key", hidden)),
                packing.toAttentionLayout(linear.apply("value", hidden)),
                packing.toAttentionLayout(linear.apply("query_global", hidden)), // read on the global rows only
                packing.toAttentionLayout(linear.apply("key_global", hidden)),
                packing.toAttentionLayout(linear.apply("value_global", hidden))));
    }

    /** Values and the gradients of sum(out * weights) for the hidden states and every parameter, in that order. */
    private static List<float[]> valuesAndGradients(Tensor out, Tensor hidden, LongformerSelfAttention layer) {
        layer.zeroGrad();
        hidden.zeroGrad();
        SplittableRandom r = new SplittableRandom(9);
        float[] weights = new float[out.numel()];
        for (int i = 0; i < weights.length; i++) weights[i] = (float) (r.nextDouble() - 0.5);
        Reductions.sum(org.recformer.ops.Arithmetic.mul(out, Tensor.of(CPU, weights, out.shape()))).backward();
        List<float[]> all = new ArrayList<>();
        all.add(out.toArray());
        all.add(hidden.grad().toArray());
        for (Parameter p : layer.namedParameters().values()) {
            Tensor g = p.tensor().grad();
            all.add(g == null ? new float[p.tensor().numel()] : g.toArray()); // no gradient: zeros
        }
        return all;
    }

    @Test
    void withoutGlobalTokensIsTheFusedOp() {
        RecformerConfig config = RecformerModelTest.tiny("avg");
        TokenPacking packing = packing(input(false), config);
        LongformerSelfAttention layer = layer(config);
        layer.eval();
        Tensor hidden = hidden(packing.rows());
        AttentionProblem problem = packing.attentionProblem(HEADS, D, config.attentionWindow(0) / 2, 0f, 0L);
        assertClose("output", withProjections(layer, hidden, packing, problem).toArray(),
                layer.forward(hidden, packing).toArray(), 2e-6);
    }

    @Test
    void isTheFusedOpWithAllSixProjectionsInValuesAndGradients() {
        RecformerConfig config = RecformerModelTest.tiny("avg");
        ModelInput in = input();
        TokenPacking packing = packing(in, config);
        LongformerSelfAttention layer = layer(config);
        layer.eval();
        Tensor hidden = hidden(packing.rows());
        List<float[]> ours = valuesAndGradients(layer.forward(hidden, packing), hidden, layer);
        AttentionProblem problem = packing.attentionProblem(HEADS, D, config.attentionWindow(0) / 2, 0f, 0L);
        List<float[]> reference = valuesAndGradients(withProjections(layer, hidden, packing, problem), hidden, layer);
        List<String> names = new ArrayList<>(List.of("output", "hidden"));
        names.addAll(layer.namedParameters().keySet());
        assertEquals(reference.size(), ours.size());
        // key_global.bias's gradient is 0 in exact arithmetic (a score offset shared by every key of a
        // softmax): the layer leaves it out, the reference's is rounding on the scale of the largest
        // gradient; every other tensor is compared on the scale of its own entries
        double largest = 0;
        for (int i = 1; i < reference.size(); i++) largest = Math.max(largest, maxAbs(reference.get(i)));
        for (int i = 0; i < ours.size(); i++) {
            if (names.get(i).equals("key_global.bias")) {
                assertEquals(0.0, maxAbs(ours.get(i)), "key_global.bias gradient");
                assertTrue(maxAbs(reference.get(i)) <= 1e-6 * largest, "reference key_global.bias gradient");
            } else {
                assertClose(names.get(i), reference.get(i), ours.get(i), 2e-6);
            }
        }
        // the global parameters do get gradients (not both zero), and so do the global rows
        assertTrue(maxAbs(ours.get(names.indexOf("key_global.weight"))) > 1e-3);
        assertTrue(maxAbs(ours.get(names.indexOf("value_global.bias"))) > 1e-3);
    }

    @Test
    void globalProbabilitiesAreDroppedAsHuggingFaceDoes() {
        RecformerConfig config = RecformerModelTest.tiny("avg");
        ModelInput in = input();
        TokenPacking packing = packing(in, config);
        float p = 0.4f;
        long localSeed = 77, globalSeed = 1234;
        RecformerConfig dropping = config.with("attention_probs_dropout_prob", (double) p);
        LongformerSelfAttention layer = layer(dropping, localSeed, globalSeed);
        layer.train(true);
        Tensor hidden = hidden(packing.rows());
        float[] out = layer.forward(hidden, packing).toArray();

        // local rows: the fused op's with the first seed
        AttentionProblem problem = packing.attentionProblem(HEADS, D, config.attentionWindow(0) / 2, p, localSeed);
        float[] local = withProjections(layer, hidden, packing, problem).toArray();
        // global rows: a double-precision restatement with the mask of the second seed over [B, S*H, T']
        int b = in.batch(), s = packing.slotsPerRow(), t = problem.seq();
        float[] mask = Dropout.dropout(Tensor.full(CPU, 1f, b, s * HEADS, t), p, true, globalSeed).toArray();
        float[] x = packing.toAttentionLayout(hidden).toArray();
        Map<String, float[]> w = new LinkedHashMap<>();
        layer.namedParameters().forEach((name, param) -> w.put(name, param.tensor().toArray()));
        int[] attention = problem.attentionMask(), global = problem.globalMask();
        float[] expected = local.clone();
        int globalsChecked = 0;
        for (int row = 0; row < b; row++) {
            int slot = 0;
            for (int i = 0; i < t; i++) {
                if (global[row * t + i] == 0) continue;
                int packed = packedRowOf(packing, row * t + i);
                for (int h = 0; h < HEADS; h++) {
                    double[] q = project(w, "query_global", x, row * t + i, h);
                    for (int d = 0; d < D; d++) q[d] /= Math.sqrt(D);
                    double[] scores = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        if (attention[row * t + j] == 0) continue;
                        double[] k = project(w, "key_global", x, row * t + j, h);
                        for (int d = 0; d < D; d++) scores[j] += q[d] * k[d];
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) if (attention[row * t + j] == 1) sum += Math.exp(scores[j] - max);
                    double[] o = new double[D];
                    for (int j = 0; j < t; j++) {
                        if (attention[row * t + j] == 0) continue;
                        double prob = Math.exp(scores[j] - max) / sum * mask[((row * s + slot) * HEADS + h) * t + j];
                        double[] v = project(w, "value_global", x, row * t + j, h);
                        for (int d = 0; d < D; d++) o[d] += prob * v[d];
                    }
                    for (int d = 0; d < D; d++) expected[packed * HIDDEN + h * D + d] = (float) o[d];
                }
                slot++;
                globalsChecked++;
            }
        }
        assertEquals(3, globalsChecked);
        assertClose("output", expected, out, 2e-6);
        // the mask is the second seed's: the fused op's mask (first seed) gives other global rows
        float[] kept = withProjections(layer, hidden, packing, problem).toArray();
        double differs = 0;
        for (int i = 0; i < kept.length; i++) differs = Math.max(differs, Math.abs(kept[i] - out[i]));
        assertTrue(differs > 1e-3, "the fused op's own mask gives other global rows");
    }

    /** The packed row whose attention-layout position is {@code at} (its row of x is that row's state). */
    private static int packedRowOf(TokenPacking packing, int at) {
        Tensor probe = Tensor.of(CPU, new float[packing.rows()], packing.rows(), 1);
        float[] marks = new float[packing.rows()];
        for (int r = 0; r < marks.length; r++) marks[r] = r + 1;
        probe.copyFrom(marks);
        float[] laid = packing.toAttentionLayout(probe).toArray();
        return (int) laid[at] - 1;
    }

    /** Head h of linear {@code name} at the token at position {@code at} of x [B*T', C], in double. */
    private static double[] project(Map<String, float[]> w, String name, float[] x, int at, int h) {
        float[] weight = w.get(name + ".weight"), bias = w.get(name + ".bias");
        double[] out = new double[D];
        for (int d = 0; d < D; d++) {
            int o = h * D + d;
            double acc = bias[o];
            for (int c = 0; c < HIDDEN; c++) acc += (double) weight[o * HIDDEN + c] * x[at * HIDDEN + c];
            out[d] = acc;
        }
        return out;
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** Within {@code rel} of the reference's largest entry, everywhere; finite. */
    private static void assertClose(String what, float[] expected, float[] actual, double rel) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = Math.max(maxAbs(expected), 1e-30), worst = 0;
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Float.isFinite(actual[i]), what + "[" + i + "] = " + actual[i]);
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= rel * scale, what + ": max abs diff " + worst + " > " + rel + " x " + scale);
    }
}
