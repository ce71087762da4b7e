package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;

import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A caching device allocator: freed blocks go to per-size free lists and are reused instead of
 * calling cuMemAlloc / cuMemFree in every op. Sizes are rounded (powers of two up to 1 MiB, then
 * multiples of 2 MiB) so that blocks match often.
 *
 * <p>Buffers handed to tensors are returned when the garbage collector finds them unreachable
 * (a {@link Cleaner} action queues the block; only the CUDA thread touches the free lists). Every
 * kernel and every copy runs on the backend's one stream, in order, so a block reused while a
 * kernel still reads it is only written after that kernel.
 * When cuMemAlloc runs out of memory the allocator asks for a collection, takes back what it
 * freed, then releases the cache to the driver before giving up. Before any cuMemFree it waits for
 * the stream: a cached block may have been released just after the kernels that use it were queued.
 */
final class DeviceAllocator {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final long SMALL = 1L << 20;
    private static final long LARGE_STEP = 2L << 20;

    /** One device allocation of {@code bytes} (the rounded size). */
    record Block(CUdeviceptr pointer, long bytes) {}

    /** The driver calls the allocator makes (tests substitute a recording one). */
    interface Driver {
        /** cuMemAlloc: a CUresult. */
        int allocate(CUdeviceptr pointer, long bytes);

        /** cuMemFree: a CUresult. */
        int free(CUdeviceptr pointer);

        /** Waits until every queued kernel has finished. */
        void synchronize(String after);
    }

    private final Driver driver;

    private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
    private final ConcurrentLinkedQueue<Block> returned = new ConcurrentLinkedQueue<>();
    private long cachedBytes;
    private long liveBytes;

    DeviceAllocator(Driver driver) {
        this.driver = driver;
    }

    /** A block of at least {@code bytes} bytes (at least 256). */
    Block allocate(long bytes) {
        takeBackReturned();
        long size = roundedSize(bytes);
        ArrayDeque<Block> list = free.get(size);
        if (list != null && !list.isEmpty()) {
            Block b = list.pop();
            cachedBytes -= size;
            liveBytes += size;
            return b;
        }
        CUdeviceptr p = new DevicePointer();
        int result = driver.allocate(p, size);
        for (int attempt = 0; attempt < 3 && result == CUresult.CUDA_ERROR_OUT_OF_MEMORY; attempt++) {
            System.gc(); // unreachable buffers come back through the cleaner thread
            sleepBriefly();
            takeBackReturned();
            list = free.get(size);
            if (list != null && !list.isEmpty()) {
                cachedBytes -= size;
                liveBytes += size;
                return list.pop();
            }
            releaseCache(); // other sizes go back to the driver
            result = driver.allocate(p, size);
        }
        CudaException.check(result, "cuMemAlloc(" + size + " bytes; " + liveBytes + " bytes live, "
                + cachedBytes + " cached)");
        liveBytes += size;
        return new Block(p, size);
    }

    /** Returns a block now (internal scratch whose last use is already queued on the stream). */
    void release(Block block) {
        liveBytes -= block.bytes();
        cachedBytes += block.bytes();
        free.computeIfAbsent(block.bytes(), s -> new ArrayDeque<>()).push(block);
    }

    /** Returns {@code block} once {@code owner} is unreachable. */
    void releaseWhenUnreachable(Object owner, Block block) {
        CLEANER.register(owner, () -> returned.add(block));
    }

    /** Frees every cached block to the driver, once the kernels queued before are done with them. */
    void releaseCache() {
        takeBackReturned();
        if (cachedBytes > 0) driver.synchronize("queued kernels, before freeing cached blocks");
        for (ArrayDeque<Block> list : free.values()) {
            for (Block b : list) CudaException.check(driver.free(b.pointer()), "cuMemFree(" + b.bytes() + " bytes)");
        }
        free.clear();
        cachedBytes = 0;
    }

    long liveBytes() {
        takeBackReturned();
        return liveBytes;
    }

    long cachedBytes() {
        takeBackReturned();
        return cachedBytes;
    }

    private void takeBackReturned() {
        Block b;
        while ((b = returned.poll()) != null) release(b);
    }

    static long roundedSize(long bytes) {
        long n = Math.max(256, bytes);
        if (n <= SMALL) return Long.highestOneBit(n - 1) << 1;
        return (n + LARGE_STEP - 1) / LARGE_STEP * LARGE_STEP;
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
