package org.recformer.bench;

import org.recformer.backend.Backends;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One-thread matmul measured in thread CPU time instead of wall time, for a machine so shared that
 * wall times mostly measure the other jobs: {@code java --add-modules jdk.incubator.vector
 * -XX:PerMethodTrapLimit=10000 -Drecformer.threads=1 -cp target/benchmarks.jar
 * org.recformer.bench.MatmulCpuTime SHAPE [RUNS]} prints the median GFLOP/s over RUNS products, after unmeasured ones for at least 3 s and until the
 * JIT has compiled nothing for 2 s (on a loaded machine the compiler thread gets little CPU: the
 * Vector API kernels run orders of magnitude slower until C2 has compiled them, and a product that
 * first meets an edge case is recompiled), for a
 * {@link MatmulBench} shape string. {@code tools/matmul_compare.py --cpu-time} runs it against
 * one-thread numpy measured the same way.
 */
public final class MatmulCpuTime {
    private MatmulCpuTime() {}

    public static void main(String[] args) {
        if (args.length < 1) throw new IllegalArgumentException("usage: MatmulCpuTime SHAPE [RUNS]");
        MatmulBench product = new MatmulBench();
        product.shape = args[0];
        product.setup();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long warmupEnd = System.nanoTime() + 3_000_000_000L, jitQuietSince = System.nanoTime();
        long jitTime = jit.getTotalCompilationTime();
        while (System.nanoTime() < warmupEnd || System.nanoTime() - jitQuietSince < 2_000_000_000L) {
            product.multiply();
            if (jit.getTotalCompilationTime() != jitTime) {
                jitTime = jit.getTotalCompilationTime();
                jitQuietSince = System.nanoTime();
            }
        }
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = bean.getCurrentThreadCpuTime();
            product.multiply();
            long elapsed = bean.getCurrentThreadCpuTime() - start;
            seconds[i] = elapsed / 1e9;
        }
        Arrays.sort(seconds);
        System.out.printf("%.2f%n", product.flops() / seconds[runs / 2] / 1e9);
    }
}
