package org.recformer.bench;

import java.lang.reflect.Field;
import java.util.Arrays;

/**
 * Each thread its own copy of B's blocks against one block shared by the threads, alternated product by product in one
 * JVM on all cores (wall time): {@code java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -cp
 * target/benchmarks.jar org.recformer.bench.MatmulOwnCopies SHAPE ROUNDS}. After 8 s of both, each round times each way
 * (in an order that alternates per round) as the best of 3 products after an untimed one, and it prints both ways'
 * median GFLOP/s, the deciles of the per-round ratio own / shared and every round's ratio: the ratio moves in runs of
 * rounds when the machine moves its vCPUs between cores that share a cache and cores that do not (see
 * {@link CacheLineTransfer}). Shapes as in {@link MatmulBench}; the switch is {@code CpuMatmul.ownBAllowed}, the
 * backend's test hook, set here by reflection.
 */
public final class MatmulOwnCopies {
    private MatmulOwnCopies() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) throw new IllegalArgumentException("usage: MatmulOwnCopies SHAPE ROUNDS");
        MatmulBench product = new MatmulBench();
        product.shape = args[0];
        product.setup();
        int rounds = Integer.parseInt(args[1]);
        Field own = Class.forName("org.recformer.backend.cpu.CpuMatmul").getDeclaredField("ownBAllowed");
        own.setAccessible(true);
        for (long end = System.nanoTime() + 8_000_000_000L; System.nanoTime() < end; ) {
            for (boolean copies : new boolean[] {false, true}) {
                own.setBoolean(null, copies);
                product.multiply();
            }
        }
        double[] shared = new double[rounds], owned = new double[rounds], ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int turn = 0; turn < 2; turn++) {
                boolean copies = (turn == 0) == (r % 2 == 0);
                own.setBoolean(null, copies);
                product.multiply();
                long best = Long.MAX_VALUE;
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    product.multiply();
                    best = Math.min(best, System.nanoTime() - start);
                }
                (copies ? owned : shared)[r] = product.flops() / best;
            }
            ratio[r] = owned[r] / shared[r];
        }
        own.setBoolean(null, true);
        double[] sorted = ratio.clone();
        Arrays.sort(sorted);
        System.out.printf("%s shared %.1f own copies %.1f GFLOP/s (medians); own / shared deciles 10-90: %.3f %.3f %.3f %.3f %.3f%n",
                args[0], median(shared), median(owned), sorted[rounds / 10], sorted[rounds / 4], sorted[rounds / 2],
                sorted[3 * rounds / 4], sorted[9 * rounds / 10]);
        StringBuilder each = new StringBuilder("  per round:");
        for (double x : ratio) each.append(String.format(" %.2f", x));
        System.out.println(each);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
