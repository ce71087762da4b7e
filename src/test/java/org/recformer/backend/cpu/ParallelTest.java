package org.recformer.backend.cpu;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link Parallel#forRange} and {@link Parallel#forChunks}: every index of [0, n) runs exactly once
 * whatever n and the grain (forChunks: in chunks of exactly its size), the
 * calling thread takes part, exceptions reach the caller (and the next loop still runs), nested
 * loops and loops started by two threads at once complete. {@link Parallel#forWorkers}: each worker
 * index once, worker 0 always on the caller, worker i on helper i or on a thread that found it not started.
 */
class ParallelTest {

    /** How many times each index ran. */
    private static AtomicIntegerArray runCounts(int n, int grain) {
        AtomicIntegerArray counts = new AtomicIntegerArray(n);
        Parallel.forRange(n, grain, (from, to) -> {
            Assertions.assertTrue(0 <= from && from < to && to <= n, () -> "range [" + from + ", " + to + ") of n " + n);
            for (int i = from; i < to; i++) counts.incrementAndGet(i);
        });
        return counts;
    }

    private static void assertEachOnce(AtomicIntegerArray counts) {
        for (int i = 0; i < counts.length(); i++) {
            int index = i;
            Assertions.assertEquals(1, counts.get(i), () -> "index " + index + " of " + counts.length());
        }
    }

    @ParameterizedTest(name = "n {0}, grain {1}")
    @CsvSource({"1, 1", "2, 1", "3, 1", "7, 1", "8, 1", "9, 1", "17, 2", "100, 1", "100, 7", "100, 100", "100, 1000",
            "1000, 3", "4097, 64", "65536, 1024"})
    void runsEveryIndexExactlyOnce(int n, int grain) {
        for (int repeat = 0; repeat < 50; repeat++) assertEachOnce(runCounts(n, grain));
    }

    @ParameterizedTest(name = "n {0}, size {1}")
    @CsvSource({"1, 1", "2, 1", "22, 1", "22, 3", "23, 4", "100, 1", "100, 100", "100, 1000", "4097, 64"})
    void forChunksRunsEveryIndexOnceInChunksOfExactlyTheSize(int n, int size) {
        for (int repeat = 0; repeat < 50; repeat++) {
            AtomicIntegerArray counts = new AtomicIntegerArray(n);
            Parallel.forChunks(n, size, (from, to) -> {
                // one chunk per call: [c * size, (c + 1) * size), the last one cut at n; or all of it on the
                // caller (size >= n, or another thread's loop holds the helpers)
                boolean chunk = from % size == 0 && to == Math.min(n, from + size);
                Assertions.assertTrue(chunk || from == 0 && to == n,
                        () -> "range [" + from + ", " + to + ") of n " + n + " in chunks of " + size);
                for (int i = from; i < to; i++) counts.incrementAndGet(i);
            });
            assertEachOnce(counts);
        }
    }

    @Test
    void nothingRunsForAnEmptyRange() {
        Parallel.forRange(0, 1, (from, to) -> Assertions.fail("ran [" + from + ", " + to + ")"));
    }

    @Test
    void theCallerRunsChunksToo() {
        Assumptions.assumeTrue(Parallel.threads() > 1, "one thread: everything runs on the caller anyway");
        Thread caller = Thread.currentThread();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        // chunks that take long enough for every thread to claim some
        for (int repeat = 0; repeat < 20 && !threads.contains(caller); repeat++) {
            Parallel.forRange(64, 1, (from, to) -> {
                threads.add(Thread.currentThread());
                long until = System.nanoTime() + 200_000;
                while (System.nanoTime() < until) Thread.onSpinWait();
            });
        }
        Assertions.assertTrue(threads.contains(caller), "the calling thread ran no chunk: " + threads);
    }

    @Test
    void anExceptionReachesTheCallerAndTheNextLoopRuns() {
        IllegalArgumentException thrown = new IllegalArgumentException("chunk failed");
        IllegalArgumentException caught = Assertions.assertThrows(IllegalArgumentException.class,
                () -> Parallel.forRange(1000, 1, (from, to) -> {
                    if (from <= 500 && 500 < to) throw thrown;
                }));
        Assertions.assertSame(thrown, caught);
        AssertionError error = Assertions.assertThrows(AssertionError.class,
                () -> Parallel.forRange(1000, 1, (from, to) -> {
                    throw new AssertionError("an error, not an exception");
                }));
        Assertions.assertEquals("an error, not an exception", error.getMessage());
        assertEachOnce(runCounts(1000, 1));
    }

    @Test
    void nestedLoopsRunEveryIndexOnce() {
        int outer = 16, inner = 300;
        AtomicIntegerArray counts = new AtomicIntegerArray(outer * inner);
        Parallel.forRange(outer, 1, (from, to) -> {
            for (int o = from; o < to; o++) {
                int base = o * inner;
                Parallel.forRange(inner, 1, (f, t) -> {
                    for (int i = f; i < t; i++) counts.incrementAndGet(base + i);
                });
            }
        });
        assertEachOnce(counts);
    }

    @Test
    void twoCallingThreadsBothComplete() throws InterruptedException {
        int n = 10_000;
        AtomicIntegerArray first = new AtomicIntegerArray(n), second = new AtomicIntegerArray(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        Thread other = new Thread(() -> {
            try {
                start.await();
                for (int repeat = 0; repeat < 200; repeat++) {
                    Parallel.forRange(n, 1, (from, to) -> {
                        for (int i = from; i < to; i++) second.incrementAndGet(i);
                    });
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        other.start();
        start.countDown();
        for (int repeat = 0; repeat < 200; repeat++) {
            Parallel.forRange(n, 1, (from, to) -> {
                for (int i = from; i < to; i++) first.incrementAndGet(i);
            });
        }
        other.join();
        Assertions.assertNull(failure.get());
        for (int i = 0; i < n; i++) {
            Assertions.assertEquals(200, first.get(i), "first caller, index " + i);
            Assertions.assertEquals(200, second.get(i), "second caller, index " + i);
        }
    }

    @Test
    void forWorkersRunsEachWorkerOnceAlsoNested() {
        int threads = Parallel.threads();
        for (int repeat = 0; repeat < 200; repeat++) {
            AtomicIntegerArray counts = new AtomicIntegerArray(threads);
            Parallel.forWorkers(counts::incrementAndGet);
            assertEachOnce(counts);
        }
        AtomicIntegerArray nested = new AtomicIntegerArray(8 * threads);
        Parallel.forRange(8, 1, (from, to) -> {
            for (int o = from; o < to; o++) {
                int base = o * threads;
                Thread runner = Thread.currentThread();
                Parallel.forWorkers(w -> {
                    Assertions.assertSame(runner, Thread.currentThread(), "a nested loop's worker " + w + " left its thread");
                    nested.incrementAndGet(base + w);
                });
            }
        });
        assertEachOnce(nested);
    }

    @Test
    void forWorkersRunsWorkerZeroOnTheCallerAndWorkerIOnHelperI() {
        Assumptions.assumeTrue(Parallel.threads() > 1, "one thread: everything runs on the caller anyway");
        Thread caller = Thread.currentThread();
        for (int repeat = 0; repeat < 100; repeat++) {
            int call = repeat;
            AtomicReference<Thread> zero = new AtomicReference<>();
            Parallel.forWorkers(w -> {
                Thread self = Thread.currentThread();
                if (w == 0) {
                    zero.set(self);
                    return;
                }
                // the others go on only once worker 0 has started, so no thread can finish its own first and take 0
                while (zero.get() == null) Thread.onSpinWait();
                Assertions.assertTrue(self == caller || self.getName().equals("recformer-cpu-" + w),
                        () -> "call " + call + ": worker " + w + " ran on " + self.getName());
            });
            Assertions.assertSame(caller, zero.get(), () -> "call " + call + ": worker 0 ran on " + zero.get().getName());
        }
    }
}
