package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * What {@link CudaBackend} needs from a GPU: device memory, copies, kernel launches. {@link CudaContext}
 * is the real one, {@link EmulatedDevice} runs the same kernels on the CPU; tests substitute a
 * recording one to check every launch against the compiled kernels' signatures and CUDA's limits.
 */
interface Device {
    /** A block of at least {@code bytes} bytes. */
    DeviceAllocator.Block allocate(long bytes);

    /** Returns a block whose last use is already queued. */
    void release(DeviceAllocator.Block block);

    /** Returns {@code block} once {@code owner} is unreachable. */
    void releaseWhenUnreachable(Object owner, DeviceAllocator.Block block);

    void copyToDevice(CUdeviceptr dst, float[] src, String what);

    void copyToDevice(CUdeviceptr dst, int[] src, String what);

    void copyToHost(CUdeviceptr src, float[] dst);

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
