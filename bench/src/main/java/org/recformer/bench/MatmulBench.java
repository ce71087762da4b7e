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
 * Square single-precision matmul C = A x B (n x n x n) through the CPU backend kernel, all cores,
 * both ways: {@code plainLoops} is what plain {@code java -jar} gets (auto-vectorized loops),
 * {@code vectorApi} forks with {@code --add-modules jdk.incubator.vector}. Reports milliseconds per
 * product; GFLOP/s = 2 n^3 / t, e.g. 2 * 1024^3 / (t_ms * 1e6). Compare with
 * {@code tools/matmul_numpy.py} (numpy / OpenBLAS) run in the same session.
 *
 * <p>Build and run: {@code mvn -B -Pbench package -DskipTests && java -jar target/benchmarks.jar MatmulBench}
 * (one size: {@code -p n=1024}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MatmulBench {
    @Param({"256", "1024", "2048"})
    public int n;

    private final Backend backend = Backends.cpu();
    private Buffer a, b, c;

    @Setup
    public void setup() {
        SplittableRandom rng = new SplittableRandom(1);
        float[] x = new float[n * n], y = new float[n * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
            y[i] = (float) rng.nextDouble();
        }
        a = backend.fromArray(x);
        b = backend.fromArray(y);
        c = backend.allocate(n * n);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Drecformer.vector=false")
    public void plainLoops(Blackhole bh) {
        backend.matmul(a, b, c, 1, n, n, n, false, false, 0, 0, 0, false);
        bh.consume(c);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
    public void vectorApi(Blackhole bh) {
        backend.matmul(a, b, c, 1, n, n, n, false, false, 0, 0, 0, false);
        bh.consume(c);
    }
}
