package org.recformer.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Two or more builds' matmuls (one thread unless {@code --wall}) paired in one JVM, for before/after ratios finer than the
 * spread between JVM runs on a shared machine:
 * {@code java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -Drecformer.threads=1
 * -cp target/benchmarks.jar org.recformer.bench.MatmulPaired OLD.jar,NEW.jar ROUNDS SHAPE...}.
 * Each benchmarks.jar is loaded by its own class loader (its own copy of the backend, compiled by the JIT on its own); per shape
 * all builds run alternately for 8 s of warm-up, then ROUNDS rounds of two products each, in an
 * order that rotates per round, timed in thread CPU time. It prints each build's median GFLOP/s
 * and, for every build after the first, the median and quartiles of its per-round ratio to the
 * first: both builds of a round saw the same load, so the ratio's spread is far narrower than the
 * GFLOP/s'. It does not remove the JIT's draw: each build's kernels are compiled on their own, and
 * the same two builds have differed by up to 7% from one JVM to the next on a path neither
 * changed, so repeat a comparison in a few JVMs before believing a few percent. Shapes as in
 * {@link MatmulBench}.
 *
 * <p>With {@code --wall} (and without {@code -Drecformer.threads=1}) the builds run on all cores and
 * are timed in wall time. Each build has its own helper threads, which spin for a moment after each
 * of its products; so in every round each build runs one product untimed before its two timed ones,
 * by which time the other builds' helpers have gone quiet.
 */
public final class MatmulPaired {
    private MatmulPaired() {}

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean wall = rest.remove("--wall");
        args = rest.toArray(new String[0]);
        if (args.length < 3) throw new IllegalArgumentException("usage: MatmulPaired JAR,JAR[,...] ROUNDS SHAPE... [--wall]");
        String[] jars = args[0].split(",");
        int rounds = Integer.parseInt(args[1]);
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        for (String shape : Arrays.copyOfRange(args, 2, args.length)) {
            Object[] products = new Object[jars.length];
            Method[] multiply = new Method[jars.length];
            double flops = 0;
            for (int v = 0; v < jars.length; v++) {
                ClassLoader loader = new URLClassLoader(new URL[] {Path.of(jars[v]).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
                Class<?> bench = loader.loadClass(MatmulBench.class.getName());
                products[v] = bench.getDeclaredConstructor().newInstance();
                bench.getField("shape").set(products[v], shape);
                bench.getMethod("setup").invoke(products[v]);
                multiply[v] = bench.getDeclaredMethod("multiply");
                multiply[v].setAccessible(true);
                Method count = bench.getDeclaredMethod("flops");
                count.setAccessible(true);
                flops = (double) count.invoke(products[v]);
            }
            for (long end = System.nanoTime() + 8_000_000_000L; System.nanoTime() < end; ) {
                for (int v = 0; v < jars.length; v++) multiply[v].invoke(products[v]);
            }
            double[][] gflops = new double[jars.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < jars.length; i++) {
                    int v = (i + r) % jars.length;
                    if (wall) multiply[v].invoke(products[v]);
                    long start = wall ? System.nanoTime() : clock.getCurrentThreadCpuTime();
                    multiply[v].invoke(products[v]);
                    multiply[v].invoke(products[v]);
                    gflops[v][r] = 2 * flops / ((wall ? System.nanoTime() : clock.getCurrentThreadCpuTime()) - start);
                }
            }
            StringBuilder line = new StringBuilder(String.format("%-18s", shape));
            for (int v = 0; v < jars.length; v++) {
                line.append(String.format("  %s %.1f", Path.of(jars[v]).getFileName(), median(gflops[v])));
                if (v == 0) continue;
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) ratio[r] = gflops[v][r] / gflops[0][r];
                Arrays.sort(ratio);
                line.append(String.format(" (x%.3f, quartiles %.3f-%.3f)", ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4]));
            }
            System.out.println(line);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
