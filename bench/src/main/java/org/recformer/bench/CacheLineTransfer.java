package org.recformer.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How long one cache line takes to go from one core to another: two threads hand a counter back and forth
 * ({@code java -cp target/benchmarks.jar org.recformer.bench.CacheLineTransfer}) and it prints the mean one-way time. On
 * the project's 2-vCPU Zen 4 machines it reads about 35 ns while the two vCPUs sit on cores that share an L3 and about
 * 170-190 ns while they sit on different CCDs, which the host changes every few seconds to minutes: run it before and
 * after a two-thread measurement to know which machine it ran on.
 */
public final class CacheLineTransfer {
    private static final AtomicLong TURN = new AtomicLong();

    private CacheLineTransfer() {}

    public static void main(String[] args) throws InterruptedException {
        int exchanges = 2_000_000;
        Thread other = new Thread(() -> pass(1, exchanges));
        other.start();
        long start = System.nanoTime();
        pass(0, exchanges);
        while (TURN.get() != 2L * exchanges) Thread.onSpinWait();
        long elapsed = System.nanoTime() - start;
        other.join();
        System.out.printf("one-way cache line transfer %.0f ns%n", elapsed / (2.0 * exchanges));
    }

    /** Waits for each of its turns (first, first + 2, ...) and hands the counter on. */
    private static void pass(long first, int exchanges) {
        for (long turn = first; turn < 2L * exchanges; turn += 2) {
            while (TURN.get() != turn) Thread.onSpinWait();
            TURN.set(turn + 1);
        }
    }
}
