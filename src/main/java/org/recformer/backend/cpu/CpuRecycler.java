package org.recformer.backend.cpu;

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
 */
final class CpuRecycler implements BufferRecycler {
    /** 256 KB: smaller buffers are not recycled. */
    static final int SMALLEST = 1 << 16;

    private static final ThreadLocal<CpuRecycler> RUNNING = new ThreadLocal<>();

    private TreeMap<Integer, ArrayDeque<float[]>> released = new TreeMap<>(); // let go of in this pass, by length
    private TreeMap<Integer, ArrayDeque<float[]>> earlier = new TreeMap<>();  // let go of in the pass before, not taken since
    private final List<float[]> handedOut = new ArrayList<>();                // by the running step

    /**
     * An array for a buffer of n floats (at least n long, contents unspecified): from the recycler
     * whose step runs on this thread, else new and exactly n long.
     */
    static float[] allocate(int n) {
        CpuRecycler recycler = RUNNING.get();
        return recycler == null || n < SMALLEST ? new float[n] : recycler.take(n);
    }

    /** n rounded up to the next multiple of a quarter of the power of two at or below it (at most 25% more). */
    static int roundedLength(int n) {
        int step = Math.max(1, Integer.highestOneBit(n) >> 2);
        return (int) Math.max(n, Math.min(Integer.MAX_VALUE - 8, ((long) n + step - 1) / step * step));
    }

    private float[] take(int n) {
        float[] array = pop(released, n);
        if (array == null) array = pop(earlier, n);
        if (array == null) array = new float[roundedLength(n)];
        handedOut.add(array);
        return array;
    }

    /** The shortest free array of length in [n, 2n], removed from {@code free}; null if none. */
    private static float[] pop(TreeMap<Integer, ArrayDeque<float[]>> free, int n) {
        Map.Entry<Integer, ArrayDeque<float[]>> shortest = free.ceilingEntry(n);
        if (shortest == null || shortest.getKey() > 2L * n) return null;
        float[] array = shortest.getValue().pop();
        if (shortest.getValue().isEmpty()) free.remove(shortest.getKey());
        return array;
    }

    @Override
    public Tensor step(Supplier<Tensor> step) {
        if (RUNNING.get() != null) throw new IllegalStateException("a recycler's step is already running on this thread");
        handedOut.clear();
        RUNNING.set(this);
        Tensor result;
        try {
            result = step.get();
        } finally {
            RUNNING.remove();
        }
        float[] kept = CpuBackend.a(result.buffer());
        for (float[] array : handedOut) {
            if (array != kept) released.computeIfAbsent(array.length, length -> new ArrayDeque<>()).push(array);
        }
        handedOut.clear();
        return result;
    }

    @Override
    public void release(Tensor dead) {
        if (RUNNING.get() != null) throw new IllegalStateException("a buffer is released while a recycler's step runs on this thread");
        float[] array = CpuBackend.a(dead.buffer());
        if (array.length < SMALLEST) return; // never handed out: take() asks for SMALLEST floats or more
        for (TreeMap<Integer, ArrayDeque<float[]>> free : List.of(released, earlier)) {
            ArrayDeque<float[]> sameLength = free.get(array.length);
            if (sameLength != null && sameLength.stream().anyMatch(a -> a == array)) {
                throw new IllegalStateException("a buffer of " + array.length + " floats is released twice");
            }
        }
        released.computeIfAbsent(array.length, length -> new ArrayDeque<>()).push(array);
    }

    @Override
    public void endPass() {
        earlier = released;
        released = new TreeMap<>();
    }
}
