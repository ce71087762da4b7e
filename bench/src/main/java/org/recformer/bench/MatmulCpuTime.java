package org.recformer.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;

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
 *
 * <p>With {@code --serve} (instead of RUNS) it warms up the same way, prints {@code ready} and the flops of a
 * product, and then reads requests {@code MS COUNT} from standard input, one per line: for each it runs
 * untimed products for at least MS milliseconds (at least one), then COUNT timed ones, and prints their
 * times in seconds on one line, until the input ends. {@code matmul_compare.py --interleaved}
 * drives it that way, so that its products and numpy's alternate a fraction of a second apart.
 */
public final class MatmulCpuTime {
    private MatmulCpuTime() {}

    public static void main(String[] args) throws IOException {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean wall = rest.remove("--wall");
        boolean serve = rest.remove("--serve");
        if (rest.isEmpty() || rest.size() > 2) throw new IllegalArgumentException("usage: MatmulCpuTime SHAPE [RUNS | --serve] [--wall]");
        MatmulBench product = new MatmulBench();
        product.shape = rest.get(0);
        product.setup();
        int runs = rest.size() > 1 ? Integer.parseInt(rest.get(1)) : 9;
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        // what serving needs, made before the warm-up: formatting a double loads a subclass of ThreadLocal
        // (FloatingDecimal's), and loading one after the warm-up deoptimized every compiled method that had
        // inlined ThreadLocal.get, the products' included (twice as slow until the JIT compiled them again)
        BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String ready = "ready " + Double.toString(product.flops());
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
        if (serve) {
            System.out.println(ready);
            for (String line = requests.readLine(); line != null; line = requests.readLine()) {
                String[] request = line.trim().split(" ");
                long warmUntil = System.nanoTime() + Long.parseLong(request[0]) * 1_000_000L;
                do product.multiply(); while (System.nanoTime() < warmUntil);
                StringJoiner times = new StringJoiner(" ");
                for (double t : time(product, Integer.parseInt(request[1]), wall, bean)) times.add(Double.toString(t));
                System.out.println(times);
            }
            return;
        }
        double[] seconds = time(product, runs, wall, bean);
        Arrays.sort(seconds);
        System.out.printf("%.2f%n", product.flops() / seconds[runs / 2] / 1e9);
    }

    /** Seconds of each of {@code runs} products, in wall time or this thread's CPU time. */
    private static double[] time(MatmulBench product, int runs, boolean wall, ThreadMXBean bean) {
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = wall ? System.nanoTime() : bean.getCurrentThreadCpuTime();
            product.multiply();
            long elapsed = (wall ? System.nanoTime() : bean.getCurrentThreadCpuTime()) - start;
            seconds[i] = elapsed / 1e9;
        }
        return seconds;
    }
}
