package org.recformer.backend.cuda;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Device 0 through the CUDA driver API: its primary context, one non-blocking stream for every
 * kernel and copy (it never waits for the legacy default stream, nor makes it wait), the kernel
 * module loaded from {@link KernelImage}, and kernel launches with every status checked. Host reads
 * go through a page-locked block on that stream, then wait for the stream. With {@code -Drecformer.cuda.sync=true} each launch is followed by a stream
 * synchronization so that an asynchronous fault is reported against the kernel that caused it.
 */
final class CudaContext implements Device {
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Map<String, Integer> dynamicSharedSet = new HashMap<>();
    private final DeviceAllocator allocator = new DeviceAllocator(new DeviceAllocator.Driver() {
        @Override
        public int allocate(CUdeviceptr pointer, long bytes) {
            return JCudaDriver.cuMemAlloc(pointer, bytes);
        }

        @Override
        public int free(CUdeviceptr pointer) {
            return JCudaDriver.cuMemFree(pointer);
        }

        @Override
        public void synchronize(String after) {
            CudaContext.this.synchronize(after);
        }
    });
    /** Page-locked landing block of {@link #copyToHost}, grown on demand up to {@link UploadStaging#CHUNK_BYTES}. */
    private HostBlock readBlock;
    private final boolean syncEachLaunch = Boolean.getBoolean("recformer.cuda.sync");
    private final String description;
    private final int sharedOptIn;
    private volatile Thread owner;

    /** Opens device 0; throws {@link CudaException} naming the failing call. */
    CudaContext(byte[] fatbin) {
        JCudaDriver.setExceptionsEnabled(false);
        CudaException.check(JCudaDriver.cuInit(0), "cuInit");
        int[] count = {0};
        CudaException.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        if (count[0] == 0) throw new CudaUnavailableException("the CUDA driver reports no device", null);
        CudaException.check(JCudaDriver.cuDeviceGet(device, 0), "cuDeviceGet(0)");
        CudaException.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        CudaException.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        owner = Thread.currentThread();
        CudaException.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        CudaException.check(JCudaDriver.cuModuleLoadData(module, fatbin), "cuModuleLoadData(" + KernelImage.RESOURCE + ")");
        sharedOptIn = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        byte[] name = new byte[256];
        CudaException.check(JCudaDriver.cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        int[] driver = {0};
        CudaException.check(JCudaDriver.cuDriverGetVersion(driver), "cuDriverGetVersion");
        description = new String(name, StandardCharsets.US_ASCII).trim().replace("\0", "")
                + " (sm_" + attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
                + attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)
                + ", driver " + driver[0] / 1000 + "." + driver[0] % 1000 / 10 + ")";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public int sharedOptIn() {
        return sharedOptIn;
    }

    @Override
    public void enter() {
        Thread t = Thread.currentThread();
        if (t != owner) {
            CudaException.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            owner = t;
        }
    }

    int attribute(int attribute) {
        int[] value = {0};
        CudaException.check(JCudaDriver.cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
        return value[0];
    }

    CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            CudaException.check(JCudaDriver.cuModuleGetFunction(f, module, n), "cuModuleGetFunction(" + n + ")");
            return f;
        });
    }

    @Override
    public void launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, Object... args) {
        CUfunction f = function(kernel);
        // opt in whenever dynamic shared memory is used: static + dynamic may pass the 48 KiB default
        if (sharedBytes > 0 && dynamicSharedSet.getOrDefault(kernel, 0) < sharedBytes) {
            CudaException.check(JCudaDriver.cuFuncSetAttribute(f,
                    CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes),
                    "cuFuncSetAttribute(" + kernel + ", max dynamic shared = " + sharedBytes + ")");
            dynamicSharedSet.put(kernel, sharedBytes);
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) params[i] = parameter(kernel, i, args[i]);
        CudaException.check(JCudaDriver.cuLaunchKernel(f, gx, gy, gz, bx, by, bz, sharedBytes, stream,
                Pointer.to(params), null), "cuLaunchKernel(" + kernel + ", grid " + gx + "x" + gy + "x" + gz
                + ", block " + bx + "x" + by + "x" + bz + ", shared " + sharedBytes + ")");
        if (syncEachLaunch) synchronize(kernel);
    }

    @Override
    public void synchronize(String after) {
        CudaException.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize after " + after);
    }

    @Override
    public DeviceAllocator.Block allocate(long bytes) {
        return allocator.allocate(bytes);
    }

    @Override
    public void release(DeviceAllocator.Block block) {
        allocator.release(block);
    }

    @Override
    public void releaseWhenUnreachable(Object owner, DeviceAllocator.Block block) {
        allocator.releaseWhenUnreachable(owner, block);
    }

    @Override
    public void releaseCache() {
        allocator.releaseCache();
    }

    @Override
    public long address(CUdeviceptr pointer) {
        if (pointer instanceof DevicePointer p) return p.address();
        throw new IllegalArgumentException("not a pointer of this device's allocator: " + pointer);
    }

    @Override
    public HostBlock allocateHost(long bytes) {
        Pointer p = new Pointer();
        CudaException.check(JCudaDriver.cuMemAllocHost(p, bytes), "cuMemAllocHost(" + bytes + " bytes)");
        return new HostBlock(p.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder()), p);
    }

    @Override
    public void copyToDeviceAsync(CUdeviceptr dst, HostBlock src, long offset, long bytes, String what) {
        if (bytes == 0) return;
        CudaException.check(JCudaDriver.cuMemcpyHtoDAsync(dst, src.pointer().withByteOffset(offset), bytes, stream),
                "cuMemcpyHtoDAsync(" + what + ", " + bytes + " bytes)");
    }

    @Override
    public void copyToHost(CUdeviceptr src, float[] dst) {
        for (int from = 0; from < dst.length; ) {
            int count = Math.min(dst.length - from, UploadStaging.CHUNK_BYTES / Sizeof.FLOAT);
            long bytes = (long) count * Sizeof.FLOAT;
            if (readBlock == null || readBlock.buffer().capacity() < bytes) {
                if (readBlock != null) CudaException.check(JCudaDriver.cuMemFreeHost(readBlock.pointer()), "cuMemFreeHost");
                readBlock = allocateHost(Math.max(bytes, 1 << 16));
            }
            CudaException.check(JCudaDriver.cuMemcpyDtoHAsync(readBlock.pointer(), src.withByteOffset((long) from * Sizeof.FLOAT),
                    bytes, stream), "cuMemcpyDtoHAsync(" + count + " floats)");
            synchronize("a copy to the host");
            readBlock.buffer().asFloatBuffer().get(dst, from, count);
            from += count;
        }
    }

    private record CudaEvent(CUevent event) implements Event {}

    @Override
    public Event newEvent() {
        CUevent event = new CUevent();
        CudaException.check(JCudaDriver.cuEventCreate(event, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        return new CudaEvent(event);
    }

    @Override
    public void record(Event event) {
        CudaException.check(JCudaDriver.cuEventRecord(((CudaEvent) event).event(), stream), "cuEventRecord");
    }

    @Override
    public boolean isDone(Event event) {
        int result = JCudaDriver.cuEventQuery(((CudaEvent) event).event());
        if (result == CUresult.CUDA_ERROR_NOT_READY) return false;
        CudaException.check(result, "cuEventQuery");
        return true;
    }

    @Override
    public void waitFor(Event event) {
        CudaException.check(JCudaDriver.cuEventSynchronize(((CudaEvent) event).event()), "cuEventSynchronize");
    }

    private static Pointer parameter(String kernel, int index, Object arg) {
        if (arg instanceof CudaBuffer b) return Pointer.to(b.pointer());
        if (arg instanceof CUdeviceptr p) return Pointer.to(p);
        if (arg instanceof Integer v) return Pointer.to(new int[] {v});
        if (arg instanceof Long v) return Pointer.to(new long[] {v});
        if (arg instanceof Float v) return Pointer.to(new float[] {v});
        if (arg instanceof Double v) return Pointer.to(new double[] {v});
        if (arg instanceof int[] v) return Pointer.to(v);
        if (arg instanceof byte[] v) return Pointer.to(v);
        throw new IllegalArgumentException("kernel " + kernel + " argument " + index + ": unsupported type "
                + (arg == null ? "null" : arg.getClass().getName()));
    }

}
