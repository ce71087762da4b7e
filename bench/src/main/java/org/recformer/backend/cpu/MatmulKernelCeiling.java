package org.recformer.backend.cpu;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The ceiling of the one-thread matrix product: the Vector API micro-kernel alone, on one row group
 * of packed A and one column panel of packed B used over and over (no packing, no pass over C
 * outside the caches; in L1 up to depth 128, 23 KB, partly in L2 beyond), in thread CPU time. A
 * whole product runs at this speed less what packing and C's lines cost, so it says how much of a
 * product's time is left outside the kernel:
 * {@code java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -cp target/benchmarks.jar
 * org.recformer.backend.cpu.MatmulKernelCeiling [ROUNDS [DEPTH]]} prints GFLOP/s per round and their
 * median (default 7 rounds, depth 256: 14 x 256 + 256 x 32 floats, 46 KB; the panels are read in
 * order, so the prefetcher keeps them at hand). In this package for the kernel's package-private
 * entry point.
 */
public final class MatmulKernelCeiling {
    private MatmulKernelCeiling() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int kc = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int mr = CpuMatmulVector.MR, nr = CpuMatmulVector.NR;
        float[] packedA = new float[mr * kc], packedB = new float[kc * nr], c = new float[mr * nr];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < packedA.length; i++) packedA[i] = (float) random.nextDouble(-1, 1);
        for (int i = 0; i < packedB.length; i++) packedB[i] = (float) random.nextDouble(-1, 1);
        int calls = Math.max(1, 40_000_000 / kc); // about 0.3 s a round at 100 GFLOP/s
        for (int w = 0; w < 3; w++) multiplyRepeatedly(packedA, packedB, c, kc, calls); // until C2 has compiled it
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        double[] gflops = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long start = clock.getCurrentThreadCpuTime();
            multiplyRepeatedly(packedA, packedB, c, kc, calls);
            gflops[r] = 2.0 * mr * nr * kc * calls / (clock.getCurrentThreadCpuTime() - start);
            System.out.printf("round %d: %.1f GFLOP/s%n", r + 1, gflops[r]);
        }
        Arrays.sort(gflops);
        System.out.printf("kernel %d x %d, depth %d: median %.1f GFLOP/s (C[0][0] = %s)%n", mr, nr, kc,
                gflops[rounds / 2], c[0]);
    }

    /** C (14 x 32) += A B, {@code calls} times over the same panels. */
    private static void multiplyRepeatedly(float[] packedA, float[] packedB, float[] c, int kc, int calls) {
        int mr = CpuMatmulVector.MR, nr = CpuMatmulVector.NR;
        for (int i = 0; i < calls; i++) CpuMatmulVector.multiply(packedA, 0, packedB, 0, kc, c, 0, nr, mr, nr, true, null, 0);
    }
}
