package org.recformer.bench;

import org.recformer.backend.Backends;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The median time of one matmul, after a warm-up until the JIT is quiet: in thread CPU time on one
 * thread (for a machine so shared that wall times mostly measure the other jobs), or with
 * {@code --wall} in wall time on all the backend's threads (the time a caller waits for a product).
 * {@code java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -Drecformer.threads=1
 * -cp target/benchmarks.jar org.recformer.bench.MatmulCpuTime SHAPE [RUNS] [--wall]} prints the
 * median GFLOP/s over RUNS products, after unmeasured ones for at least 3 s and until the JIT has
 * compiled nothing for 2 s (on a loaded machine the compiler thread gets little CPU: the Vector API
 * kernels run orders of magnitude slower until C2 has compiled them, and a product that first meets
 * an edge case is recompiled), for a {@link MatmulBench} shape string (drop
 * {@code -Drecformer.threads=1} for {@code --wall} on all cores). {@code tools/matmul_compare.py}
 * runs it against numpy measured the same way: one thread and thread CPU time with
 * {@code --cpu-time}, else all cores and wall time, medians of as many products on both sides.
 */
public final class MatmulCpuTime {
    private MatmulCpuTime() {}

    public static void main(String[] args) {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean wall = rest.remove("--wall");
        if (rest.isEmpty() || rest.size() > 2) throw new IllegalArgumentException("usage: MatmulCpuTime SHAPE [RUNS] [--wall]");
        MatmulBench product = new MatmulBench();
        product.shape = rest.get(0);
        product.setup();
        int runs = rest.size() > 1 ? Integer.parseInt(rest.get(1)) : 9;
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
            long start = wall ? System.nanoTime() : bean.getCurrentThreadCpuTime();
            product.multiply();
            long elapsed = (wall ? System.nanoTime() : bean.getCurrentThreadCpuTime()) - start;
            seconds[i] = elapsed / 1e9;
        }
        Arrays.sort(seconds);
        System.out.printf("%.2f%n", product.flops() / seconds[runs / 2] / 1e9);
    }
}
