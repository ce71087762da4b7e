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
import org.recformer.backend.cpu.CpuAttention;
import org.recformer.backend.cpu.Parallel;
import org.recformer.ops.Attention;
import org.recformer.tensor.Tensor;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Fused Longformer attention (ops.Attention) against a straightforward dense masked float
 * implementation with a T x T probability buffer per head ({@link DenseMaskedFloatAttention}),
 * at the shape of the issue: batch 4, 12 heads, head size 64, length 1024, window 64 (one-sided
 * 32), one global token (position 0), attention dropout 0.1. Both paths are checked against each
 * other once before timing.
 *
 * <p>{@code mvn -B -Pbench package -DskipTests && java -jar target/benchmarks.jar AttentionBench -f 1 -wi 1 -i 3}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
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
    @Param("0.1")
    float dropout;

    static final long SEED = 17;
    Tensor[] inputs;    // q, k, v, qg, kg, vg [B, T, H*D], requiring gradients
    float[][] arrays;   // the same values for the dense comparator
    Tensor gradOut;
    int[] attentionMask, globalMask;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rng = new SplittableRandom(1);
        int n = batch * seq * heads * headDim;
        inputs = new Tensor[6];
        arrays = new float[6][];
        for (int i = 0; i < 6; i++) {
            arrays[i] = new float[n];
            for (int j = 0; j < n; j++) arrays[i][j] = (float) (rng.nextDouble() * 2 - 1);
            inputs[i] = Tensor.of(arrays[i], batch, seq, heads * headDim).requiresGrad(true);
        }
        float[] g = new float[n];
        for (int j = 0; j < n; j++) g[j] = (float) (rng.nextDouble() * 2 - 1);
        gradOut = Tensor.of(g, batch, seq, heads * headDim);
        attentionMask = new int[batch * seq];
        globalMask = new int[batch * seq];
        java.util.Arrays.fill(attentionMask, 1);
        for (int b = 0; b < batch; b++) globalMask[b * seq] = 1;
        validate();
    }

    /** Fused and dense forward outputs must agree before either is timed. */
    private void validate() {
        float[] fused;
        try (var scope = GradMode.noGrad()) {
            fused = fused().toArray();
        }
        float[] dense = new DenseMaskedFloatAttention(this).forward();
        double worst = 0;
        for (int i = 0; i < fused.length; i++) worst = Math.max(worst, Math.abs(fused[i] - dense[i]));
        if (!(worst < 1e-4)) throw new IllegalStateException("fused and dense attention differ by " + worst);
    }

    private Tensor fused() {
        Tensor[] x = inputs;
        return Attention.longformerSelfAttention(x[0], x[1], x[2], x[3], x[4], x[5], attentionMask, globalMask,
                batch, seq, heads, oneSidedWindow, dropout, SEED);
    }

    @Benchmark
    public Tensor fusedForward() {
        try (var scope = GradMode.noGrad()) {
            return fused();
        }
    }

    @Benchmark
    public Tensor fusedForwardBackward() {
        for (Tensor t : inputs) t.zeroGrad();
        Tensor out = fused();
        out.backward(gradOut);
        return inputs[0].grad();
    }

    @Benchmark
    public float[] denseMaskedFloatForward() {
        return new DenseMaskedFloatAttention(this).forward();
    }

    @Benchmark
    public float[][] denseMaskedFloatForwardBackward() {
        DenseMaskedFloatAttention dense = new DenseMaskedFloatAttention(this);
        dense.forward();
        return dense.backward(gradOut.toArray());
    }

    /**
     * The comparator: the same attention computed densely, every query against all T keys with a
     * mask, keeping the T x T probabilities of every (batch row, head) for backward. Plain float
     * loops split over (b, h); a temporary stand-in until the composition of basic ops exists.
     */
    static final class DenseMaskedFloatAttention {
        final AttentionBench s;
        final int channels;
        final float sqrtD;
        final float[][] probs;   // [B*H][T*T], before dropout
        final float[] out;

        DenseMaskedFloatAttention(AttentionBench s) {
            this.s = s;
            this.channels = s.heads * s.headDim;
            this.sqrtD = (float) Math.sqrt(s.headDim);
            this.probs = new float[s.batch * s.heads][];
            this.out = new float[s.batch * s.seq * channels];
        }

        boolean real(int b, int t) {
            return s.attentionMask[b * s.seq + t] == 1;
        }

        boolean global(int b, int t) {
            return real(b, t) && s.globalMask[b * s.seq + t] == 1;
        }

        boolean visible(int b, int i, int j) {
            if (!real(b, i) || !real(b, j)) return false;
            return global(b, i) || global(b, j) || Math.abs(i - j) <= s.oneSidedWindow;
        }

        int at(int b, int t, int h) {
            return (b * s.seq + t) * channels + h * s.headDim;
        }

        float[] forward() {
            int seq = s.seq, dim = s.headDim;
            Parallel.forRange(s.batch * s.heads, 1, (from, to) -> {
                for (int bh = from; bh < to; bh++) {
                    int b = bh / s.heads, h = bh % s.heads;
                    float[] p = new float[seq * seq];
                    for (int i = 0; i < seq; i++) {
                        boolean g = global(b, i);
                        float[] q = s.arrays[g ? 3 : 0], k = s.arrays[g ? 4 : 1], v = s.arrays[g ? 5 : 2];
                        float max = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < seq; j++) {
                            float score = Float.NEGATIVE_INFINITY;
                            if (visible(b, i, j)) {
                                score = 0f;
                                for (int d = 0; d < dim; d++) score += q[at(b, i, h) + d] / sqrtD * k[at(b, j, h) + d];
                            }
                            p[i * seq + j] = score;
                            max = Math.max(max, score);
                        }
                        float sum = 0f;
                        for (int j = 0; j < seq; j++) sum += p[i * seq + j] = max == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(p[i * seq + j] - max);
                        for (int d = 0; d < dim; d++) out[at(b, i, h) + d] = 0f;
                        for (int j = 0; j < seq; j++) {
                            float pj = sum == 0f ? 0f : p[i * seq + j] / sum;
                            p[i * seq + j] = pj;
                            float kept = pj * CpuAttention.dropoutMultiplier(SEED, s.dropout, b, h, i, j, s.heads, seq);
                            for (int d = 0; d < dim; d++) out[at(b, i, h) + d] += kept * v[at(b, j, h) + d];
                        }
                    }
                    probs[bh] = p;
                }
            });
            return out;
        }

        /** Gradients of q, k, v, qg, kg, vg from the probabilities kept by forward. */
        float[][] backward(float[] gradOut) {
            int seq = s.seq, dim = s.headDim;
            float[][] grads = new float[6][out.length];
            Parallel.forRange(s.batch * s.heads, 1, (from, to) -> {
                for (int bh = from; bh < to; bh++) {
                    int b = bh / s.heads, h = bh % s.heads;
                    float[] p = probs[bh];
                    for (int i = 0; i < seq; i++) {
                        boolean g = global(b, i);
                        int qi = g ? 3 : 0;
                        float delta = 0f;
                        for (int d = 0; d < dim; d++) delta += gradOut[at(b, i, h) + d] * out[at(b, i, h) + d];
                        for (int j = 0; j < seq; j++) {
                            float pj = p[i * seq + j];
                            float m = CpuAttention.dropoutMultiplier(SEED, s.dropout, b, h, i, j, s.heads, seq);
                            float dp = 0f;
                            for (int d = 0; d < dim; d++) dp += gradOut[at(b, i, h) + d] * s.arrays[qi + 2][at(b, j, h) + d];
                            float dScore = pj * (m * dp - delta);
                            for (int d = 0; d < dim; d++) {
                                grads[qi][at(b, i, h) + d] += dScore * s.arrays[qi + 1][at(b, j, h) + d] / sqrtD;
                                grads[qi + 1][at(b, j, h) + d] += dScore * s.arrays[qi][at(b, i, h) + d] / sqrtD;
                                grads[qi + 2][at(b, j, h) + d] += pj * m * gradOut[at(b, i, h) + d];
                            }
                        }
                    }
                }
            });
            return grads;
        }
    }
}
