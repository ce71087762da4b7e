package org.recformer.backend.cpu;

import org.recformer.tensor.Buffer;

/**
 * A CPU buffer: the first {@code size} floats of a plain array. The array is longer than the
 * buffer only when a {@link CpuRecycler} hands out an array it keeps for sizes up to its length;
 * kernels take their element counts from shapes and sizes, never from the array's length.
 */
public final class CpuBuffer implements Buffer {
    final float[] data;
    private final int size;

    CpuBuffer(float[] data) {
        this(data, data.length);
    }

    CpuBuffer(float[] data, int size) {
        if (size > data.length) throw new IllegalArgumentException("a buffer of " + size + " floats in an array of " + data.length);
        this.data = data;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    /** The backing array, at least {@link #size()} long (CPU kernels and tests read it directly). */
    public float[] data() {
        return data;
    }
}
