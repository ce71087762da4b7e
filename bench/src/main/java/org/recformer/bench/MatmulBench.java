package org.recformer.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.recformer.backend.Backends;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Single-precision matmul C = op(A) x op(B) through the CPU backend kernel, all cores, both ways:
 * {@code plainLoops} is the kernel without the Vector API module (auto-vectorized loops),
 * {@code vectorApi} forks with {@code --add-modules jdk.incubator.vector} (what {@code java -jar}
 * runs). {@code shape} is {@code n} (square n x n x n) or {@code MxNxK:AB} with A, B each N (as
 * stored) or T (transposed): the Recformer-base products of 1024 tokens, hidden 768, FFN 3072 are
 * the linear layers' forward (x W^T, NT), the input gradients (G W, NN) and the weight gradients
 * (G^T x, TN). Reports milliseconds per product; GFLOP/s = 2 M N K / t. Compare with
 * {@code tools/matmul_numpy.py} (numpy / OpenBLAS, same shape strings) run interleaved in the same session.
 *
 * <p>Build and run: {@code mvn -B -Pbench package -DskipTests && java -jar target/benchmarks.jar MatmulBench}
 * (one shape: {@code -p shape=1024}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MatmulBench {
    @Param({"256", "1024", "2048", "1024x768x768:NT", "1024x3072x768:NT", "1024x768x3072:NT",
            "1024x768x3072:NN", "768x768x1024:TN", "3072x768x1024:TN"})
    public String shape;

    private final Backend backend = Backends.cpu();
    private Buffer a, b, c;
    private int m, n, k;
    private boolean transA, transB;

    @Setup
    public void setup() {
        String[] parts = shape.split(":");
        String[] dims = parts[0].split("x");
        m = Integer.parseInt(dims[0]);
        n = dims.length == 3 ? Integer.parseInt(dims[1]) : m;
        k = dims.length == 3 ? Integer.parseInt(dims[2]) : m;
        transA = parts.length == 2 && parts[1].charAt(0) == 'T';
        transB = parts.length == 2 && parts[1].charAt(1) == 'T';
        SplittableRandom rng = new SplittableRandom(1);
        float[] x = new float[m * k], y = new float[k * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
        for (int i = 0; i < y.length; i++) y[i] = (float) rng.nextDouble();
        a = backend.fromArray(x);
        b = backend.fromArray(y);
        c = backend.allocate(m * n);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Drecformer.vector=false")
    public void plainLoops(Blackhole bh) {
        multiply();
        bh.consume(c);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000"})
    public void vectorApi(Blackhole bh) {
        multiply();
        bh.consume(c);
    }

    /** One product C = op(A) op(B) of this shape. */
    void multiply() {
        backend.matmul(a, b, c, 1, m, n, k, transA, transB, 0, 0, 0, false);
    }

    /** Floating-point operations of one product, 2 M N K. */
    double flops() {
        return 2.0 * m * n * k;
    }
}
