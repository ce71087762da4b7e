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
import org.recformer.backend.Backends;
import org.recformer.ops.Attention;
import org.recformer.ops.DenseAttention;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Tensor;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Fused Longformer attention ({@link Attention#longformerSelfAttention}, O(T·(2w+1+g)) memory)
 * against the same function composed from basic ops over a dense [B, H, T, T] score matrix
 * ({@link DenseAttention}: matmul, masked fill, softmax, matmul), at the shape of the issue:
 * batch 4, 12 heads, head size 64, length 1024, window 64 (one-sided 32), one global token
 * (position 0), no dropout (the dense composition has none). Both paths are checked against each
 * other before timing.
 *
 * <p>{@code mvn -B -Pbench package -DskipTests && java -jar target/benchmarks.jar AttentionBench}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx12g", "--add-modules", "jdk.incubator.vector"})
public class AttentionBench {
    @Param("4")
    int batch;
    @Param("1024")
    int seq;
    @Param("12")
    int heads;
    @Param("64")
    int headDim;
    @Param("32")
    int oneSidedWindow;

    static final long SEED = 17;
    Tensor[] inputs;    // q, k, v, qg, kg, vg [B, T, H*D], requiring gradients
    Tensor gradOut;
    AttentionProblem problem;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rng = new SplittableRandom(1);
        int n = batch * seq * heads * headDim;
        inputs = new Tensor[6];
        for (int i = 0; i < 6; i++) inputs[i] = Tensor.of(Backends.cpu(), random(rng, n), batch, seq, heads * headDim).requiresGrad(true);
        gradOut = Tensor.of(Backends.cpu(), random(rng, n), batch, seq, heads * headDim);
        int[] attentionMask = new int[batch * seq];
        int[] globalMask = new int[batch * seq];
        java.util.Arrays.fill(attentionMask, 1);
        for (int b = 0; b < batch; b++) globalMask[b * seq] = 1;
        problem = new AttentionProblem(batch, seq, heads, headDim, oneSidedWindow, attentionMask, globalMask, 0f, SEED);
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
        return g;
    }

    @Benchmark
    public Tensor fusedForward() {
        try (var scope = GradMode.noGrad()) {
            return fused();
        }
    }

    @Benchmark
    public Tensor fusedForwardBackward() {
        return forwardBackward(fused());
    }

    @Benchmark
    public Tensor denseOpsForward() {
        try (var scope = GradMode.noGrad()) {
            return dense();
        }
    }

    @Benchmark
    public Tensor denseOpsForwardBackward() {
        return forwardBackward(dense());
    }
}
