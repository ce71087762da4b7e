package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * Host-to-device uploads (ids, labels, masks, {@code fromArray}'s floats) through page-locked
 * staging chunks: the values are written into the current chunk and sent with an asynchronous copy
 * on the compute stream, so an upload neither waits for the queued kernels nor drains the GPU, and
 * the host goes on queueing work. A full chunk is retired with an event recorded behind its last
 * copy and written again only once that event is done; when no retired chunk is done a new one is
 * allocated, up to {@link #MAX_CHUNKS}, and past that the host waits for the oldest (large uploads
 * such as loading weights, never the few kilobytes of a training step's ids).
 */
final class UploadStaging {
    /** Bytes per staging chunk; larger uploads go through in chunk-sized pieces. */
    static final int CHUNK_BYTES = 4 << 20;
    static final int MAX_CHUNKS = 8;
    /** Alignment of each upload inside a chunk. */
    private static final int ALIGN = 256;

    /** Writes {@code count} values starting at value {@code from} into {@code target} (native order, at its position 0). */
    @FunctionalInterface
    private interface Writer {
        void write(ByteBuffer target, int from, int count);
    }

    private static final class Chunk {
        final Device.HostBlock block;
        final Device.Event retired;
        int used;

        Chunk(Device.HostBlock block, Device.Event retired) {
            this.block = block;
            this.retired = retired;
        }
    }

    private final Device device;
    private final ArrayDeque<Chunk> inFlight = new ArrayDeque<>();
    private Chunk current;
    private int chunks;

    UploadStaging(Device device) {
        this.device = device;
    }

    void upload(CUdeviceptr dst, int[] values, String what) {
        upload(dst, values.length, 4, (target, from, count) -> target.asIntBuffer().put(values, from, count), what);
    }

    void upload(CUdeviceptr dst, float[] values, String what) {
        upload(dst, values.length, 4, (target, from, count) -> target.asFloatBuffer().put(values, from, count), what);
    }

    void upload(CUdeviceptr dst, long[] values, String what) {
        upload(dst, values.length, 8, (target, from, count) -> target.asLongBuffer().put(values, from, count), what);
    }

    private void upload(CUdeviceptr dst, int n, int valueBytes, Writer writer, String what) {
        for (int from = 0; from < n; ) {
            Chunk chunk = chunkWithRoom(Math.min((long) (n - from) * valueBytes, CHUNK_BYTES));
            int count = Math.min(n - from, (CHUNK_BYTES - chunk.used) / valueBytes);
            long bytes = (long) count * valueBytes;
            writer.write(chunk.block.buffer().duplicate().position(chunk.used).slice().order(ByteOrder.nativeOrder()),
                    from, count);
            device.copyToDeviceAsync(dst.withByteOffset((long) from * valueBytes), chunk.block, chunk.used, bytes, what);
            chunk.used += (int) ((bytes + ALIGN - 1) / ALIGN * ALIGN);
            from += count;
        }
    }

    /** The current chunk if it has {@code bytes} free, else a recycled or new one. */
    private Chunk chunkWithRoom(long bytes) {
        if (current != null && CHUNK_BYTES - current.used >= bytes) return current;
        if (current != null) {
            device.record(current.retired);
            inFlight.addLast(current);
        }
        Chunk oldest = inFlight.peekFirst();
        if (oldest != null && device.isDone(oldest.retired)) {
            current = inFlight.removeFirst();
        } else if (chunks < MAX_CHUNKS) {
            current = new Chunk(device.allocateHost(CHUNK_BYTES), device.newEvent());
            chunks++;
        } else {
            device.waitFor(oldest.retired);
            current = inFlight.removeFirst();
        }
        current.used = 0;
        return current;
    }
}
