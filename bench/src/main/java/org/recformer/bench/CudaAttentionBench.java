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
import org.recformer.backend.Devices;
import org.recformer.backend.cuda.CudaBackend;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The fused attention kernels on a backend chosen by {@code device} ({@code cuda} or {@code cpu}),
 * called through the Backend interface (no autograd), at the base shapes: batch 16,
 * 12 heads, head 64, 1024 tokens, one-sided window 32, token 0 of each row global, no dropout.
 * Each invocation waits for the GPU to finish. Fails in setup, naming why, where CUDA is unavailable.
 *
 * <p>{@code mvn -B -Pbench package -DskipTests && java -jar target/benchmarks.jar CudaAttentionBench -f 1 -wi 1 -i 3}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx16g"})
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
    Buffer[] in;   // q, k, v, qg, kg, vg, gradOut
    Buffer out, saved;
    Buffer[] grads;
    AttentionProblem problem;

    @Setup(Level.Trial)
    public void setup() {
        be = Devices.select(device);
        int n = batch * seq * heads * headDim;
        SplittableRandom rng = new SplittableRandom(1);
        in = new Buffer[7];
        for (int i = 0; i < in.length; i++) {
            float[] x = new float[n];
            for (int j = 0; j < n; j++) x[j] = (float) (rng.nextDouble() * 2 - 1);
            in[i] = be.fromArray(x);
        }
        int[] attentionMask = new int[batch * seq];
        int[] globalMask = new int[batch * seq];
        Arrays.fill(attentionMask, 1);
        for (int b = 0; b < batch; b++) globalMask[b * seq] = 1;
        problem = new AttentionProblem(batch, seq, heads, headDim, oneSidedWindow, attentionMask, globalMask, 0f, 0L);
        out = be.allocate(n);
        saved = be.allocate(be.attentionSavedSize(problem));
        grads = new Buffer[6];
        for (int i = 0; i < 6; i++) grads[i] = be.allocate(n);
    }

    private void forward() {
        be.attentionForward(problem, in[0], in[1], in[2], in[3], in[4], in[5], out, saved);
    }

    private void sync() {
        if (be instanceof CudaBackend c) c.synchronize();
    }

    @Benchmark
    public void forwardOnly() {
        forward();
        sync();
    }

    @Benchmark
    public void forwardBackward() {
        forward();
        be.attentionBackward(problem, in[0], in[1], in[2], in[3], in[4], in[5], out, saved, in[6],
                grads[0], grads[1], grads[2], grads[3], grads[4], grads[5]);
        sync();
    }
}
