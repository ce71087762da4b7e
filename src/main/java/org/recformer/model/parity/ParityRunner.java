package org.recformer.model.parity;

import org.recformer.autograd.GradMode;
import org.recformer.io.HostTensor;
import org.recformer.io.Npy;
import org.recformer.io.StateDictLoader;
import org.recformer.io.StateDicts;
import org.recformer.model.ModelInput;
import org.recformer.model.PretrainOutput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.model.RecformerModelOutput;
import org.recformer.model.TiedWeights;
import org.recformer.nn.Parameter;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs everything a parity fixtures folder asks for (format: {@code test-fixtures/parity/README.md})
 * and compares each result with the reference {@code .npy} of the same name: the encoder outputs of
 * {@code inputs.json}, the pretraining loss, its parts and six weight gradients for
 * {@code pretrain_inputs.json}, and the finetuning item table, scores and loss for
 * {@code seqrec_inputs.json}. Values must agree to 2e-5 absolute; gradients to 1e-4 relative to
 * their largest reference entry. Evaluation mode throughout (dropout off), as the fixtures were made.
 */
public final class ParityRunner {
    /** Absolute tolerance for hidden states, logits, scores and losses. */
    public static final double VALUE_TOLERANCE = 2e-5;
    /** Gradient tolerance, relative to the largest absolute entry of the reference gradient. */
    public static final double GRADIENT_TOLERANCE = 1e-4;

    private ParityRunner() {}

    /**
     * @param fixtures the folder with {@code config.json}, inputs and expected outputs
     * @param weights a {@code .safetensors} or PyTorch {@code .bin} checkpoint; null = the folder's {@code model.safetensors}
     * @param backend where the model runs
     */
    public static ParityResult run(Path fixtures, Path weights, Backend backend) throws IOException {
        RecformerConfig config = RecformerConfig.read(fixtures.resolve("config.json"));
        Path weightFile = weights != null ? weights : fixtures.resolve("model.safetensors");
        RecformerForPretraining model = new RecformerForPretraining(config, backend, 0L);
        StateDictLoader.load(model, TiedWeights.forLoading(StateDicts.read(weightFile)), true);
        model.eval();
        ParityInputs inputs = ParityInputs.read(fixtures);

        Map<String, HostTensor> computed = new LinkedHashMap<>();
        if (inputs.batch() != null) encoderOutputs(model, inputs.batch(), computed);
        if (inputs.pretrain() != null) pretrainOutputs(model, inputs, computed);
        if (inputs.seqRec() != null && inputs.batch() != null) seqRecOutputs(model, config, inputs, computed);

        List<ParityRow> rows = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : computed.entrySet()) {
            Path expected = fixtures.resolve(e.getKey() + ".npy");
            if (Files.exists(expected)) rows.add(compare(e.getKey(), e.getValue(), Npy.read(expected)));
        }
        return new ParityResult(rows, computed);
    }

    private static void encoderOutputs(RecformerForPretraining model, ModelInput batch, Map<String, HostTensor> out) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            RecformerModelOutput o = model.longformer().forward(batch, true);
            out.put("last_hidden_state", host(o.lastHiddenState()));
            out.put("hidden_states", stack(o.hiddenStates()));
            out.put("pooler_output", host(o.pooledOutput()));
            out.put("mlm_logits", host(model.lmHead().forward(o.lastHiddenState())));
        }
    }

    private static void pretrainOutputs(RecformerForPretraining model, ParityInputs inputs, Map<String, HostTensor> out) {
        model.zeroGrad();
        PretrainOutput o = model.forward(inputs.pretrain());
        o.loss().backward();
        out.put("pretrain_loss", host(o.loss()));
        out.put("pretrain_cl_loss", host(o.contrastiveLoss()));
        if (o.mlmLossA() != null) out.put("pretrain_mlm_loss_a", host(o.mlmLossA()));
        if (o.mlmLossB() != null) out.put("pretrain_mlm_loss_b", host(o.mlmLossB()));
        out.put("pretrain_cos_sim", host(o.cosSim()));
        out.put("pretrain_pooler_a", host(o.pooledA()));
        out.put("pretrain_pooler_b", host(o.pooledB()));
        int last = model.config().numHiddenLayers() - 1;
        Map<String, String> gradients = new LinkedHashMap<>();
        gradients.put("grad_word_embeddings", "longformer.embeddings.word_embeddings.weight");
        gradients.put("grad_item_position_embeddings", "longformer.embeddings.item_position_embeddings.weight");
        gradients.put("grad_layer0_query", "longformer.encoder.layer.0.attention.self.query.weight");
        gradients.put("grad_layer0_query_global", "longformer.encoder.layer.0.attention.self.query_global.weight");
        gradients.put("grad_last_layer_output_dense", "longformer.encoder.layer." + last + ".output.dense.weight");
        gradients.put("grad_lm_head_dense", "lm_head.dense.weight");
        Map<String, Parameter> params = model.namedParameters();
        for (Map.Entry<String, String> g : gradients.entrySet()) {
            Tensor p = params.get(g.getValue()).tensor();
            Tensor grad = p.grad();
            out.put(g.getKey(), grad != null ? host(grad) : HostTensor.ofFloats(new float[p.numel()], p.shape()));
        }
        model.zeroGrad();
    }

    private static void seqRecOutputs(RecformerForPretraining model, RecformerConfig config, ParityInputs inputs,
                                      Map<String, HostTensor> out) {
        ParityInputs.SeqRecInputs s = inputs.seqRec();
        RecformerConfig seqConfig = config.with("item_num", s.itemTable().batch()).with("finetune_negative_sample_size", 0);
        RecformerForSeqRec seqRec = new RecformerForSeqRec(seqConfig, model.longformer());
        seqRec.eval();
        try (GradMode.Scope scope = GradMode.noGrad()) {
            seqRec.setItemEmbeddings(seqRec.encodeItems(s.itemTable()));
            Tensor pooled = seqRec.encode(inputs.batch());
            out.put("seqrec_item_embeddings", host(seqRec.itemEmbeddings()));
            out.put("seqrec_scores", host(seqRec.scores(pooled)));
            out.put("seqrec_candidate_scores", host(seqRec.candidateScores(pooled, s.candidates())));
            out.put("seqrec_loss", host(seqRec.loss(pooled, s.labels(), null)));
        }
    }

    /** Compares one output; scalars match a reference of shape [1]. */
    static ParityRow compare(String name, HostTensor actual, HostTensor expected) {
        boolean gradient = name.startsWith("grad_");
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        double largest = 0;
        for (float v : e) largest = Math.max(largest, Math.abs(v));
        double tolerance = gradient ? GRADIENT_TOLERANCE * largest : VALUE_TOLERANCE;
        String note = gradient ? String.format("1e-4 x max |ref| %.3e", largest) : "absolute";
        if (a.length != e.length || (a.length != 1 && !Arrays.equals(actual.shape(), expected.shape()))) {
            return new ParityRow(name, Double.NaN, tolerance, false,
                    "shape " + Arrays.toString(actual.shape()) + ", reference " + Arrays.toString(expected.shape()));
        }
        double max = 0;
        boolean finite = true;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - e[i]);
            if (Double.isNaN(d)) finite = false;
            else max = Math.max(max, d);
        }
        if (!finite) return new ParityRow(name, Double.NaN, tolerance, false, "non-finite values");
        return new ParityRow(name, max, tolerance, max <= tolerance, note);
    }

    /** Writes each computed tensor as {@code <name>.npy} float32 (scalars as shape [1], as the fixtures). */
    public static void dump(ParityResult result, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, HostTensor> e : result.computed().entrySet()) {
            Npy.write(dir.resolve(e.getKey() + ".npy"), e.getValue());
        }
    }

    private static HostTensor host(Tensor t) {
        int[] shape = t.rank() == 0 ? new int[] {1} : t.shape();
        return HostTensor.ofFloats(t.toArray(), shape);
    }

    /** Stacks [B, T, C] tensors into [n, B, T, C]. */
    private static HostTensor stack(List<Tensor> states) {
        int[] one = states.get(0).shape();
        int size = states.get(0).numel();
        float[] all = new float[size * states.size()];
        for (int i = 0; i < states.size(); i++) System.arraycopy(states.get(i).toArray(), 0, all, i * size, size);
        int[] shape = new int[one.length + 1];
        shape[0] = states.size();
        System.arraycopy(one, 0, shape, 1, one.length);
        return HostTensor.ofFloats(all, shape);
    }
}
