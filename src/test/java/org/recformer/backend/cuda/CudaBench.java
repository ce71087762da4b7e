package org.recformer.backend.cuda;

import org.recformer.backend.Devices;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Attention timing for tools/gpu-check.sh (plain timing, no JMH: the device machine may have only a
 * bare runtime): the fused attention kernel, FP32, forward and forward+backward, by default at the
 * issue's base shapes (batch 16, 12 heads, head 64, 1024 tokens, HuggingFace attention_window 64 =
 * one-sided 32, one global token per row), with the memory traffic it cannot avoid (read q, k, v and
 * the global projections once, write the output; backward also reads the output and its gradient
 * and writes six gradients) divided by the time. Prints lines {@code RESULT name value unit} that the
 * script collects into its table. (Train steps are timed by {@code recformer bench train-step}.)
 *
 * <p>Usage: {@code CudaBench cpu|cuda|cuda-emu [batch seq heads headDim attentionWindow]}.
 */
public final class CudaBench {
    private CudaBench() {}

    public static void main(String[] args) {
        String device = args.length > 0 ? args[0] : "cuda";
        int[] shape = {16, 1024, 12, 64, 64};
        if (args.length == 6) {
            for (int i = 0; i < 5; i++) shape[i] = Integer.parseInt(args[i + 1]);
        } else if (args.length > 1) {
            System.out.println("usage: CudaBench cpu|cuda|cuda-emu [batch seq heads headDim attentionWindow]");
            System.exit(2);
        }
        Backend be;
        try {
            be = Devices.select(device);
        } catch (CudaUnavailableException e) {
            System.out.println("CudaBench: " + e.getMessage());
            System.exit(3);
            return;
        }
        if (be instanceof CudaBackend c) System.out.println("device: " + c.device());
        attention(be, device.equals("cuda"), shape[0], shape[1], shape[2], shape[3], shape[4] / 2);
    }

    private static void sync(Backend be) {
        if (be instanceof CudaBackend c) c.synchronize();
    }

    private static void result(String name, double value, String unit) {
        System.out.println(String.format(Locale.ROOT, "RESULT %s %.3f %s", name, value, unit));
    }

    static void attention(Backend be, boolean gpu, int batch, int seq, int heads, int headDim, int w) {
        System.out.printf(Locale.ROOT, "attention: batch %d x %d tokens, %d heads of %d, one-sided window %d, one global token per row%n",
                batch, seq, heads, headDim, w);
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
        int warm = gpu ? 3 : 1, reps = gpu ? 20 : 2;
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
}
