package org.recformer.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.recformer.autograd.GradMode;
import org.recformer.backend.Devices;
import org.recformer.backend.cuda.CudaBackend;
import org.recformer.ops.Attention;
import org.recformer.ops.DenseAttention;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Fused Longformer attention ({@link Attention#longformerSelfAttention} with autograd: on CUDA the
 * kernels of kernels/attention.cuh, on the CPU CpuAttention; O(T·(2w+1+g)) memory) against the same
 * function composed from basic ops over a dense [B, H, T, T] score matrix ({@link DenseAttention}:
 * matmul, masked fill, softmax, matmul) on the same backend, chosen by {@code device} ({@code cuda},
 * {@code cuda-emu} or {@code cpu}, as the commands' {@code --device}). Default shape: the issue's,
 * batch 16, 12 heads, head 64, 1024 tokens, one-sided window 32, token 0 of each row global, no
 * dropout (the dense composition has none); the dense path needs about 5 GB there. Both paths are
 * checked against each other before timing; each invocation waits for the GPU to finish. Fails in
 * setup, naming why, where the device is unavailable.
 *
 * <p>{@code mvn -B -Pbench package -DskipTests && java -jar target/benchmarks.jar CudaAttentionBench -f 1 -wi 1 -i 3}
 * <br>CPU, at batch 4: {@code java -jar target/benchmarks.jar CudaAttentionBench -p device=cpu -p batch=4 -f 1 -wi 2 -i 7}
 * <br>On the emulator (a correctness tool: its times say nothing about a GPU), at a small shape:
 * {@code java -jar target/benchmarks.jar CudaAttentionBench -p device=cuda-emu -p batch=1 -p seq=256 -p heads=2 -f 1 -wi 0 -i 1}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx16g", "--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000"})
public class CudaAttentionBench {
    @Param("cuda")
    String device;
    @Param("16")
    int batch;
    @Param("1024")
    int seq;
    @Param("12")
    int heads;
    @Param("64")
    int headDim;
    @Param("32")
    int oneSidedWindow;

    Backend be;
    Tensor[] inputs;    // q, k, v, qg, kg, vg [B, T, H*D], requiring gradients
    Tensor gradOut;
    AttentionProblem problem;

    @Setup(Level.Trial)
    public void setup() {
        be = Devices.select(device);
        SplittableRandom rng = new SplittableRandom(1);
        int n = batch * seq * heads * headDim;
        inputs = new Tensor[6];
        for (int i = 0; i < 6; i++) inputs[i] = Tensor.of(be, random(rng, n), batch, seq, heads * headDim).requiresGrad(true);
        gradOut = Tensor.of(be, random(rng, n), batch, seq, heads * headDim);
        int[] attentionMask = new int[batch * seq];
        int[] globalMask = new int[batch * seq];
        Arrays.fill(attentionMask, 1);
        for (int b = 0; b < batch; b++) globalMask[b * seq] = 1;
        problem = new AttentionProblem(batch, seq, heads, headDim, oneSidedWindow, attentionMask, globalMask, 0f, 0L);
        validate();
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int j = 0; j < n; j++) x[j] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }

    /** Fused and dense forward outputs must agree before either is timed. */
    private void validate() {
        try (var scope = GradMode.noGrad()) {
            float[] fused = fused().toArray();
            float[] dense = dense().toArray();
            double worst = 0;
            for (int i = 0; i < fused.length; i++) worst = Math.max(worst, Math.abs(fused[i] - dense[i]));
            if (!(worst < 1e-4)) throw new IllegalStateException("fused and dense attention differ by " + worst);
        }
    }

    private Tensor fused() {
        Tensor[] x = inputs;
        return Attention.longformerSelfAttention(problem, x[0], x[1], x[2], x[3], x[4], x[5]);
    }

    private Tensor dense() {
        Tensor[] x = inputs;
        return DenseAttention.longformerSelfAttention(problem, x[0], x[1], x[2], x[3], x[4], x[5]);
    }

    private Tensor forwardBackward(Tensor out) {
        out.backward(gradOut);
        Tensor g = inputs[0].grad();
        for (Tensor t : inputs) t.zeroGrad();
        return sync(g);
    }

    /** Waits for the GPU's queued kernels (nothing to wait for on the CPU). */
    private Tensor sync(Tensor t) {
        if (be instanceof CudaBackend c) c.synchronize();
        return t;
    }

    @Benchmark
    public Tensor fusedForward() {
        try (var scope = GradMode.noGrad()) {
            return sync(fused());
        }
    }

    @Benchmark
    public Tensor fusedForwardBackward() {
        return forwardBackward(fused());
    }

    @Benchmark
    public Tensor denseOpsForward() {
        try (var scope = GradMode.noGrad()) {
            return sync(dense());
        }
    }

    @Benchmark
    public Tensor denseOpsForwardBackward() {
        return forwardBackward(dense());
    }
}
