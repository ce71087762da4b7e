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
import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.UnaryOp;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The token-wise ops of a Recformer-base feed-forward block on one thread, over the [tokens, 3072]
 * pre-activation (1024 tokens, inputs normal with standard deviation 2): exact GELU forward and
 * backward, and the bias added to every row of a linear layer's output. {@code op} picks one;
 * the {@code plain} benchmark runs the plain loops ({@code -Drecformer.vector=false}), {@code vector}
 * forks with the Vector API module (what {@code java -jar} runs: GELU's Vector API form; the bias
 * add is the same loop either way, so compare it against another build). Reports milliseconds per call; divide by
 * {@code 1024 x 3072} for nanoseconds per element.
 *
 * <p>Build and run: {@code mvn -B -Pbench package -DskipTests && java -jar target/benchmarks.jar ElementwiseBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ElementwiseBench {
    private static final int TOKENS = 1024, WIDTH = 3072;

    @Param({"gelu", "geluBackward", "biasAdd"})
    public String op;

    private final Backend backend = Backends.cpu();
    private Buffer x, gradOut, bias, out;

    @Setup
    public void setup() {
        SplittableRandom rng = new SplittableRandom(1);
        float[] values = new float[TOKENS * WIDTH], grads = new float[TOKENS * WIDTH], b = new float[WIDTH];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (2 * rng.nextGaussian());
            grads[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) b[i] = (float) rng.nextGaussian();
        x = backend.fromArray(values);
        gradOut = backend.fromArray(grads);
        bias = backend.fromArray(b);
        out = backend.allocate(TOKENS * WIDTH);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Drecformer.vector=false", "-Drecformer.threads=1"})
    public void plain(Blackhole bh) {
        run();
        bh.consume(out);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000", "-Drecformer.threads=1"})
    public void vector(Blackhole bh) {
        run();
        bh.consume(out);
    }

    private void run() {
        int n = TOKENS * WIDTH;
        switch (op) {
            case "gelu" -> backend.unary(UnaryOp.GELU, x, out, n, 0);
            case "geluBackward" -> backend.unaryBackward(UnaryOp.GELU, x, x, gradOut, out, n, 0);
            case "biasAdd" -> backend.binary(BinaryOp.ADD, x, new int[] {TOKENS, WIDTH}, bias, new int[] {WIDTH}, out, new int[] {TOKENS, WIDTH});
            default -> throw new IllegalArgumentException("op " + op);
        }
    }
}
