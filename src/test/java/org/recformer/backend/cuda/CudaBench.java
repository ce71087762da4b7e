package org.recformer.backend.cuda;

import org.recformer.autograd.GradMode;
import org.recformer.backend.Devices;
import org.recformer.model.ModelInit;
import org.recformer.model.ModelInput;
import org.recformer.model.PretrainInput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.Tensor;
import org.recformer.train.AdamW;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Timing harness for tools/gpu-check.sh (plain timing, no JMH: the device machine may have only a
 * bare runtime): the fused attention kernel at the base shapes (batch 16, 12 heads, head 64,
 * 1024 tokens, one-sided window 32 = HuggingFace attention_window 64, one global token per row),
 * forward and forward+backward, with the memory traffic it cannot avoid (read q, k, v and the
 * global projections once, write the output; backward also reads the output and its gradient and
 * writes six gradients) divided by the time; and a Recformer-base pretraining step (two views,
 * MLM + contrastive, backward, AdamW). Prints lines {@code RESULT name value unit} that the script
 * collects into its table.
 *
 * <p>Usage: {@code CudaBench cpu|cuda [attention] [train]}.
 */
public final class CudaBench {
    private CudaBench() {}

    public static void main(String[] args) {
        String device = args.length > 0 ? args[0] : "cuda";
        Backend be;
        try {
            be = Devices.select(device);
        } catch (CudaUnavailableException e) {
            System.out.println("CudaBench: " + e.getMessage());
            System.exit(3);
            return;
        }
        if (be instanceof CudaBackend c) System.out.println("device: " + c.device());
        boolean all = args.length <= 1;
        if (all || Arrays.asList(args).contains("attention")) attention(be, device);
        if (all || Arrays.asList(args).contains("train")) trainStep(be, device);
    }

    private static void sync(Backend be) {
        if (be instanceof CudaBackend c) c.synchronize();
    }

    private static void result(String name, double value, String unit) {
        System.out.println(String.format(Locale.ROOT, "RESULT %s %.3f %s", name, value, unit));
    }

    static void attention(Backend be, String device) {
        int batch = 16, heads = 12, headDim = 64, seq = 1024, w = 32;
        int n = batch * seq * heads * headDim;
        int[] mask = new int[batch * seq], global = new int[batch * seq];
        Arrays.fill(mask, 1);
        for (int b = 0; b < batch; b++) global[b * seq] = 1;
        AttentionProblem problem = new AttentionProblem(batch, seq, heads, headDim, w, mask, global, 0f, 0L);
        Random r = new Random(1);
        Buffer[] in = new Buffer[7];
        for (int i = 0; i < in.length; i++) {
            float[] x = new float[n];
            for (int j = 0; j < n; j++) x[j] = (float) r.nextGaussian();
            in[i] = be.fromArray(x);
        }
        Buffer out = be.allocate(n), saved = be.allocate(be.attentionSavedSize(problem));
        Buffer[] g = new Buffer[6];
        for (int i = 0; i < 6; i++) g[i] = be.allocate(n);
        int warm = device.equals("cuda") ? 3 : 1, reps = device.equals("cuda") ? 20 : 2;
        Runnable forward = () -> be.attentionForward(problem, in[0], in[1], in[2], in[3], in[4], in[5], out, saved);
        Runnable backward = () -> be.attentionBackward(problem, in[0], in[1], in[2], in[3], in[4], in[5], out, saved,
                in[6], g[0], g[1], g[2], g[3], g[4], g[5]);
        double fwd = time(be, warm, reps, forward);
        double both = time(be, warm, reps, () -> {
            forward.run();
            backward.run();
        });
        double bytes = 4.0 * n;
        result("attention_forward_ms", fwd * 1e3, "ms");
        result("attention_forward_GBps", 4 * bytes / fwd / 1e9, "GB/s");   // q, k, v in; out (global rows negligible)
        result("attention_fwd_bwd_ms", both * 1e3, "ms");
        result("attention_fwd_bwd_GBps", (4 + 3 + 6) * bytes / both / 1e9, "GB/s"); // + q,k,v,out,gradOut in; 6 grads out
    }

    private static double time(Backend be, int warm, int reps, Runnable work) {
        for (int i = 0; i < warm; i++) work.run();
        sync(be);
        long start = System.nanoTime();
        for (int i = 0; i < reps; i++) work.run();
        sync(be);
        return (System.nanoTime() - start) / 1e9 / reps;
    }

    /** Recformer-base pretraining step: views of batch 4 x 512 tokens (a) and 4 x 64 (b), 15% MLM labels. */
    static void trainStep(Backend be, String device) {
        RecformerConfig config = RecformerConfig.defaults().with("vocab_size", 50265)
                .with("max_position_embeddings", 1026).with("attention_window", 64);
        RecformerForPretraining model = new RecformerForPretraining(config, be, 1);
        ModelInit.initialize(model, config, 2);
        model.train(true);
        AdamW opt = new AdamW(model.namedParameters(), 0.01f);
        Tensor unclipped = AdamW.unclipped(be);
        Random r = new Random(3);
        ModelInput a = input(config, 4, 512, r), b = input(config, 4, 64, r);
        PretrainInput batch = new PretrainInput(a, b, a.inputIds(), labels(a, r), b.inputIds(), labels(b, r));
        int warm = 1, reps = device.equals("cuda") ? 5 : 1;
        double step = time(be, warm, reps, () -> {
            model.zeroGrad();
            model.forward(batch).loss().backward();
            try (GradMode.Scope s = GradMode.noGrad()) {
                opt.step(1e-4f, unclipped);
            }
        });
        result("train_step_ms", step * 1e3, "ms");
    }

    private static ModelInput input(RecformerConfig config, int batch, int seq, Random r) {
        int n = batch * seq;
        int[] ids = new int[n], mask = new int[n], global = new int[n], types = new int[n], items = new int[n];
        for (int i = 0; i < n; i++) {
            int t = i % seq;
            ids[i] = t == 0 ? 0 : 3 + r.nextInt(config.vocabSize() - 3);
            mask[i] = 1;
            global[i] = t == 0 ? 1 : 0;
            types[i] = t == 0 ? 0 : 1 + r.nextInt(config.tokenTypeSize() - 1);
            items[i] = Math.min(config.maxItemEmbeddings() - 1, t / 32);
        }
        return new ModelInput(batch, seq, ids, mask, global, types, items);
    }

    private static int[] labels(ModelInput in, Random r) {
        int[] labels = new int[in.inputIds().length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = r.nextDouble() < 0.15 ? in.inputIds()[i] : RecformerForPretraining.IGNORE_INDEX;
        }
        return labels;
    }
}
