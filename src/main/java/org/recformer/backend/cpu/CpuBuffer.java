package org.recformer.backend.cpu;

import org.recformer.tensor.Buffer;

/** A CPU buffer: a plain float array. */
public final class CpuBuffer implements Buffer {
    final float[] data;

    CpuBuffer(float[] data) {
        this.data = data;
    }

    @Override
    public int size() {
        return data.length;
    }

    /** The backing array (CPU kernels and tests read it directly). */
    public float[] data() {
        return data;
    }
}
