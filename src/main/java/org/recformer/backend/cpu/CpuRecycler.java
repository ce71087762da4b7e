package org.recformer.backend.cpu;

import org.recformer.tensor.Buffer;
import org.recformer.tensor.BufferRecycler;
import org.recformer.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The CPU backend's {@link BufferRecycler}. While one of its steps runs, {@link CpuBackend#allocate}
 * on that thread takes the shortest free array that holds the buffer and is at most twice its
 * size, from those the steps of this pass and of the pass before let go of; only when there is none
 * is a new array made, a little longer than asked (up to the next of four lengths per power of
 * two), so that the next batch's slightly different token count fits it too. Buffers under
 * {@link #SMALLEST} floats are always new: the JVM makes those cheaply. {@link #release} adds a dead
 * result's array to the free ones of this pass.
 *
 * <p>While work of {@link #serve} runs (a backward pass's node), a buffer takes only a free array of exactly
 * its length, and a new array is exactly as long: a backward pass asks for the same few sizes layer after
 * layer, and a leaf's gradient made there keeps its array after the pass (one twice as long, or rounded up,
 * would hold memory that nothing uses).
 */
final class CpuRecycler implements BufferRecycler {
    /** 256 KB: smaller buffers are not recycled. */
    static final int SMALLEST = 1 << 16;

    private static final ThreadLocal<CpuRecycler> RUNNING = new ThreadLocal<>();

    private TreeMap<Integer, ArrayDeque<float[]>> released = new TreeMap<>(); // let go of in this pass, by length
    private TreeMap<Integer, ArrayDeque<float[]>> earlier = new TreeMap<>();  // let go of in the pass before, not taken since
    private final List<CpuBuffer> handedOut = new ArrayList<>();              // by the running step or work
    private boolean exact;                                                     // the running work: exact lengths

    /**
     * A buffer of n floats (its array at least n long, contents unspecified): from the recycler whose
     * step or work runs on this thread, else a new array exactly n long.
     */
    static CpuBuffer allocate(int n) {
        CpuRecycler recycler = RUNNING.get();
        if (recycler == null || n < SMALLEST) return new CpuBuffer(new float[n], n);
        CpuBuffer buffer = new CpuBuffer(recycler.take(n), n);
        recycler.handedOut.add(buffer);
        return buffer;
    }

    /** n rounded up to the next multiple of a quarter of the power of two at or below it (at most 25% more). */
    static int roundedLength(int n) {
        int step = Math.max(1, Integer.highestOneBit(n) >> 2);
        return (int) Math.max(n, Math.min(Integer.MAX_VALUE - 8, ((long) n + step - 1) / step * step));
    }

    private float[] take(int n) {
        int longest = exact ? n : 2 * n;
        float[] array = pop(released, n, longest);
        if (array == null) array = pop(earlier, n, longest);
        if (array == null) array = new float[exact ? n : roundedLength(n)];
        return array;
    }

    /** The shortest free array of length in [n, longest], removed from {@code free}; null if none. */
    private static float[] pop(TreeMap<Integer, ArrayDeque<float[]>> free, int n, long longest) {
        Map.Entry<Integer, ArrayDeque<float[]>> shortest = free.ceilingEntry(n);
        if (shortest == null || shortest.getKey() > longest) return null;
        float[] array = shortest.getValue().pop();
        if (shortest.getValue().isEmpty()) free.remove(shortest.getKey());
        return array;
    }

    @Override
    public Tensor step(Supplier<Tensor> step) {
        Tensor[] result = new Tensor[1];
        List<Buffer> made = run(() -> result[0] = step.get(), false);
        float[] kept = CpuBackend.a(result[0].buffer());
        for (Buffer buffer : made) {
            float[] array = CpuBackend.a(buffer);
            if (array != kept) addFree(array);
        }
        return result[0];
    }

    @Override
    public List<Buffer> serve(Runnable work) {
        return run(work, true);
    }

    /** Runs {@code work} with this thread's buffers from this recycler, of exactly the length asked when {@code exact}. */
    private List<Buffer> run(Runnable work, boolean exact) {
        if (RUNNING.get() != null) throw new IllegalStateException("a recycler's step is already running on this thread");
        handedOut.clear();
        this.exact = exact;
        RUNNING.set(this);
        try {
            work.run();
        } finally {
            RUNNING.remove();
        }
        List<Buffer> made = List.copyOf(handedOut);
        handedOut.clear();
        return made;
    }

    @Override
    public void release(Buffer dead) {
        if (RUNNING.get() != null) throw new IllegalStateException("a buffer is released while a recycler's step runs on this thread");
        float[] array = CpuBackend.a(dead);
        if (array.length < SMALLEST) return; // never handed out: take() asks for SMALLEST floats or more
        for (TreeMap<Integer, ArrayDeque<float[]>> free : List.of(released, earlier)) {
            ArrayDeque<float[]> sameLength = free.get(array.length);
            if (sameLength != null && sameLength.stream().anyMatch(a -> a == array)) {
                throw new IllegalStateException("a buffer of " + array.length + " floats is released twice");
            }
        }
        addFree(array);
    }

    /** {@code array} joins the free ones of this pass. */
    private void addFree(float[] array) {
        released.computeIfAbsent(array.length, length -> new ArrayDeque<>()).push(array);
    }

    @Override
    public void endPass() {
        earlier = released;
        released = new TreeMap<>();
    }
}
