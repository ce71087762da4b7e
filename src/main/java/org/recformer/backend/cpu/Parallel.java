package org.recformer.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits loops over [0, n) across all cores. Work smaller than {@code grain} iterations per
 * task runs on the calling thread, so tiny tensors pay no scheduling cost. The thread count is
 * {@code -Drecformer.threads=N} (default: all available processors).
 *
 * <p>The calling thread takes part: it publishes the loop as a job, the N - 1 helper threads and
 * the caller each claim chunks of it from one counter until none is left (or, in {@link #forWorkers},
 * each its own chunk first), and the caller returns when every chunk has run. A helper with no job
 * spins for {@link #SPIN_NANOS} before it parks, so the short gaps between the kernels of one model
 * step (a base encoder forward pass over 32 x 128 tokens makes about 1,800 such loops) do not each
 * cost a wake-up. One job runs at a time; a second thread that calls while a job runs does its loop
 * alone. Loops started from inside a chunk run on that thread. An exception thrown by a chunk is
 * rethrown to the caller once the job is over.
 */
public final class Parallel {
    private static final int THREADS = Integer.getInteger("recformer.threads", Runtime.getRuntime().availableProcessors());
    /** How long an idle helper (and a caller waiting for the last chunks) spins before parking. */
    private static final long SPIN_NANOS = 100_000;
    /** The job being run, or the last one (helpers compare it with the last job they saw). */
    private static volatile Job current;
    /** Taken by the thread whose job the helpers serve. */
    private static final AtomicInteger BUSY = new AtomicInteger();
    /** Set while this thread runs a chunk or a job of its own: nested loops run inline. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);
    private static final Helper[] HELPERS = startHelpers();

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
        run(n, (n + chunks - 1) / chunks, body, false);
    }

    /**
     * Runs body over [0, n) in chunks of exactly {@code size} iterations (the last one shorter),
     * however many that makes: for a few heavy iterations of about equal cost, so that the threads
     * finish together ({@link #forRange} caps the chunks at four per thread, so 22 iterations on 2
     * threads go in chunks of 3, one thread running 12 of them).
     */
    public static void forChunks(int n, int size, RangeBody body) {
        if (n <= 0) return;
        run(n, Math.max(1, size), body, false);
    }

    /** A body run once for each worker index. */
    @FunctionalInterface
    public interface WorkerBody {
        void run(int worker);
    }

    /**
     * Runs body(w) once for each w in [0, {@link #threads()}): the caller starts with w = 0 and helper i with
     * w = i, so that a given w runs on the same thread call after call (what it wrote stays in that core's
     * caches), yet no thread waits for a late one: a thread done with its own w runs any w not started yet.
     * ({@link #forChunks} hands its chunks out in the order the threads come, which put chunk 0 on the helper
     * in 27-53% of the matrix product's jobs.) Called from inside a chunk, every w runs on this thread.
     */
    public static void forWorkers(WorkerBody body) {
        run(THREADS, 1, (from, to) -> {
            for (int w = from; w < to; w++) body.run(w);
        }, true);
    }

    /**
     * Runs body over [0, n) in chunks of {@code size} claimed by the caller and the helpers: in order, or with
     * {@code byWorker} each thread's own chunk first (the caller's is 0, helper i's is i).
     */
    private static void run(int n, int size, RangeBody body, boolean byWorker) {
        boolean[] inside = INSIDE.get();
        if (HELPERS.length == 0 || size >= n || inside[0] || !BUSY.compareAndSet(0, 1)) {
            body.run(0, n);
            return;
        }
        inside[0] = true;
        try {
            Job job = new Job(body, n, size, Thread.currentThread(), byWorker);
            current = job;
            for (Helper h : HELPERS) {
                if (h.parked) LockSupport.unpark(h);
            }
            job.work(0);
            job.awaitDone();
            job.rethrow();
        } finally {
            inside[0] = false;
            BUSY.set(0);
        }
    }

    private static Helper[] startHelpers() {
        Helper[] helpers = new Helper[Math.max(0, THREADS - 1)];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper(i + 1);
            helpers[i].start();
        }
        return helpers;
    }

    /**
     * One loop split into chunks of {@code size} iterations, claimed in order by whoever runs it, or (by worker)
     * each worker's own chunk first, then any other not started.
     */
    private static final class Job {
        private final RangeBody body;
        private final int n;
        private final int size;
        private final int chunks;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        /** By worker: per chunk, 1 once a thread has claimed it; else null (chunks claimed through next). */
        private final AtomicIntegerArray started;
        private final AtomicInteger done = new AtomicInteger();
        private volatile boolean callerParked;
        private volatile Throwable error;

        Job(RangeBody body, int n, int size, Thread caller, boolean byWorker) {
            this.body = body;
            this.n = n;
            this.size = size;
            this.chunks = (n + size - 1) / size;
            this.caller = caller;
            this.started = byWorker ? new AtomicIntegerArray(chunks) : null;
        }

        /** Claims and runs chunks until none is left; {@code worker}: this thread's index (the caller's is 0). */
        void work(int worker) {
            if (started == null) {
                for (int c; (c = next.getAndIncrement()) < chunks; ) runChunk(c);
                return;
            }
            if (worker < chunks && started.compareAndSet(worker, 0, 1)) runChunk(worker);
            for (int c = 0; c < chunks; c++) {
                if (started.compareAndSet(c, 0, 1)) runChunk(c);
            }
        }

        private void runChunk(int c) {
            try {
                if (error == null) body.run(c * size, Math.min(n, (c + 1) * size));
            } catch (Throwable t) {
                if (error == null) error = t;
            }
            if (done.incrementAndGet() == chunks && callerParked) LockSupport.unpark(caller);
        }

        /** Returns once every chunk has run (spins a little, then parks until the last chunk wakes it). */
        void awaitDone() {
            long start = System.nanoTime();
            while (done.get() < chunks) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                callerParked = true;
                if (done.get() < chunks) LockSupport.park(this);
                callerParked = false;
            }
        }

        void rethrow() {
            Throwable t = error;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    /** A daemon thread that runs the chunks of each new job. */
    private static final class Helper extends Thread {
        volatile boolean parked;
        /** Its worker index (1 .. threads - 1; the caller is 0). */
        private final int worker;

        Helper(int index) {
            super("recformer-cpu-" + index);
            this.worker = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            INSIDE.get()[0] = true;
            Job seen = null;
            while (true) {
                Job job = current;
                if (job != seen && job != null) {
                    seen = job;
                    job.work(worker);
                    continue;
                }
                long start = System.nanoTime();
                while (current == seen && System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                if (current != seen) continue;
                parked = true;
                if (current == seen) LockSupport.park(this);
                parked = false;
            }
        }
    }
}
