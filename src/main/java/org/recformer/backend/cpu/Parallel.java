package org.recformer.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits loops over [0, n) across all cores. Work smaller than {@code grain} iterations per
 * task runs on the calling thread, so tiny tensors pay no scheduling cost. The thread count is
 * {@code -Drecformer.threads=N} (default: all available processors).
 */
public final class Parallel {
    private static final int THREADS = Integer.getInteger("recformer.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS) : null;

    private Parallel() {}

    public static int threads() {
        return THREADS;
    }

    /** A body over a half-open index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** Runs body over [0, n) in chunks of at least {@code grain} iterations, in parallel where it pays. */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(THREADS * 4, Math.max(1, n / Math.max(1, grain)));
        if (POOL == null || chunks <= 1 || inPool()) { // nested calls run on the calling worker
            body.run(0, n);
            return;
        }
        POOL.invoke(new Chunk(body, 0, n, (n + chunks - 1) / chunks));
    }

    /** True on one of our pool's workers. */
    private static boolean inPool() {
        return Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == POOL;
    }

    private static final class Chunk extends RecursiveAction {
        private final RangeBody body;
        private final int from;
        private final int to;
        private final int size;

        Chunk(RangeBody body, int from, int to, int size) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.size = size;
        }

        @Override
        protected void compute() {
            if (to - from <= size) {
                body.run(from, to);
                return;
            }
            int mid = from + ((to - from) / size / 2) * size;
            if (mid == from) mid = from + size;
            invokeAll(new Chunk(body, from, mid, size), new Chunk(body, mid, to, size));
        }
    }
}
