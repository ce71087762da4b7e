package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;

import java.nio.ByteBuffer;

/**
 * What {@link CudaBackend} needs from a GPU: device memory, copies, kernel launches, all on one
 * compute stream. {@link CudaContext} is the real one, {@link EmulatedDevice} runs the same kernels
 * on the CPU; tests substitute a recording one to check every launch against the compiled kernels'
 * signatures and CUDA's limits. Uploads are asynchronous, from page-locked host memory
 * ({@link #allocateHost}, recycled with {@link Event}s); the only synchronous transfer is
 * {@link #copyToHost}.
 */
interface Device {
    /** Page-locked host memory: {@code buffer} views it (native byte order), {@code pointer} is what the driver copies from (null on the emulator). */
    record HostBlock(ByteBuffer buffer, jcuda.Pointer pointer) {}

    /** A marker in the compute stream (cuEvent): done once the work queued before its last {@link #record} has finished. */
    interface Event {}

    /** A block of at least {@code bytes} bytes. */
    DeviceAllocator.Block allocate(long bytes);

    /** Returns a block whose last use is already queued. */
    void release(DeviceAllocator.Block block);

    /** Returns {@code block} once {@code owner} is unreachable. */
    void releaseWhenUnreachable(Object owner, DeviceAllocator.Block block);

    /** The numeric address of a device pointer (what a kernel reads from a list of pointers). */
    long address(CUdeviceptr pointer);

    /** {@code bytes} bytes of page-locked host memory (cuMemAllocHost), kept until the device goes away. */
    HostBlock allocateHost(long bytes);

    /**
     * Queues a copy of {@code bytes} bytes at {@code offset} of {@code src} to {@code dst} on the compute
     * stream (cuMemcpyHtoDAsync): it neither waits for queued kernels nor blocks the host, so
     * {@code src} must stay unchanged until an event recorded after this call is done.
     */
    void copyToDeviceAsync(CUdeviceptr dst, HostBlock src, long offset, long bytes, String what);

    /** Copies {@code src} to {@code dst} after every queued kernel: a synchronous host read. */
    void copyToHost(CUdeviceptr src, float[] dst);

    Event newEvent();

    /** Marks the work queued so far (cuEventRecord on the compute stream). */
    void record(Event event);

    /** Whether the work before the event's last record has finished; never blocks (cuEventQuery). */
    boolean isDone(Event event);

    /** Blocks the host until the work before the event's last record has finished (cuEventSynchronize). */
    void waitFor(Event event);

    /**
     * Queues {@code kernel}. Arguments: {@link CudaBuffer} and {@link CUdeviceptr} (device pointers),
     * Integer, Long, Float, Double, and int[] / byte[] for structs passed by value.
     */
    void launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, Object... args);

    /** Most dynamic shared memory one block may opt in to. */
    int sharedOptIn();

    /** Makes the device current for the calling thread. */
    void enter();

    /** Waits for all queued work; {@code after} names it for the error message. */
    void synchronize(String after);

    /** Frees cached blocks to the driver. */
    void releaseCache();

    String description();

    /** Bytes a launch argument occupies in the kernel's parameter list. */
    static int parameterBytes(String kernel, int index, Object arg) {
        if (arg instanceof CudaBuffer || arg instanceof CUdeviceptr || arg instanceof Long || arg instanceof Double) return 8;
        if (arg instanceof Integer || arg instanceof Float) return 4;
        if (arg instanceof int[] v) return 4 * v.length;
        if (arg instanceof byte[] v) return v.length;
        throw new IllegalArgumentException("kernel " + kernel + " argument " + index + ": unsupported type "
                + (arg == null ? "null" : arg.getClass().getName()));
    }
}
