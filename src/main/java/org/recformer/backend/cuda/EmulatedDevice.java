package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The CUDA emulator behind the {@link Device} seam: the real kernels run on the CPU
 * ({@link EmulatorLibrary}), each launch to completion before {@link #launch} returns, with
 * CUDA's launch limits, barrier and warp rules and guard zones checked (failures are
 * {@link CudaException}s naming the kernel). Allocations are exact-sized (no caching, so a write
 * one past the end hits a guard zone) and freed when released; buffers the garbage collector
 * found unreachable are freed at the next allocation. Page-locked host memory is a direct buffer,
 * "asynchronous" copies run at once and events are done as soon as they are recorded. A
 * correctness tool: it is slow by nature.
 */
final class EmulatedDevice implements Device {
    private static final Cleaner CLEANER = Cleaner.create();
    /** Live bytes past which an allocation first asks the garbage collector for unreachable buffers. */
    private static final long COLLECT_ABOVE = 2L << 30;
    /** The one event: every launch and copy has finished when its call returns. */
    private static final Event DONE = new Event() {};

    private final ConcurrentLinkedQueue<DeviceAllocator.Block> returned = new ConcurrentLinkedQueue<>();
    private final int workers = Integer.getInteger("recformer.cuda.emulator.threads",
            Runtime.getRuntime().availableProcessors());
    private final int sharedOptIn;
    private long liveBytes;

    /** @throws CudaUnavailableException when the emulator library is absent or cannot be loaded */
    EmulatedDevice() {
        EmulatorLibrary.load();
        sharedOptIn = EmulatorLibrary.sharedOptIn();
    }

    @Override
    public synchronized DeviceAllocator.Block allocate(long bytes) {
        freeReturned();
        if (liveBytes + bytes > COLLECT_ABOVE) {
            System.gc(); // unreachable buffers come back through the cleaner thread
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            freeReturned();
        }
        long address = EmulatorLibrary.allocate(bytes);
        if (address == 0) {
            throw new CudaException("CUDA emulator: out of host memory allocating " + bytes + " bytes ("
                    + liveBytes + " bytes live)");
        }
        liveBytes += bytes;
        return new DeviceAllocator.Block(new HostPointer(address), bytes);
    }

    @Override
    public synchronized void release(DeviceAllocator.Block block) {
        EmulatorLibrary.free(HostPointer.address(block.pointer()));
        liveBytes -= block.bytes();
    }

    @Override
    public void releaseWhenUnreachable(Object owner, DeviceAllocator.Block block) {
        CLEANER.register(owner, () -> returned.add(block));
    }

    private void freeReturned() {
        DeviceAllocator.Block b;
        while ((b = returned.poll()) != null) release(b);
    }

    @Override
    public long address(CUdeviceptr pointer) {
        return HostPointer.address(pointer);
    }

    @Override
    public HostBlock allocateHost(long bytes) {
        return new HostBlock(ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder()), null);
    }

    @Override
    public void copyToDeviceAsync(CUdeviceptr dst, HostBlock src, long offset, long bytes, String what) {
        int[] words = new int[Math.toIntExact(bytes / 4)]; // uploads are of 4- and 8-byte values
        src.buffer().duplicate().order(ByteOrder.nativeOrder()).position(Math.toIntExact(offset)).asIntBuffer().get(words);
        EmulatorLibrary.copyIntsIn(HostPointer.address(dst), words);
    }

    @Override
    public Event newEvent() {
        return DONE;
    }

    @Override
    public void record(Event event) {}

    @Override
    public boolean isDone(Event event) {
        return true;
    }

    @Override
    public void waitFor(Event event) {}

    @Override
    public void copyToHost(CUdeviceptr src, float[] dst) {
        EmulatorLibrary.copyFloatsOut(HostPointer.address(src), dst);
    }

    @Override
    public void launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, Object... args) {
        int[] sizes = new int[args.length];
        int total = 0;
        for (int i = 0; i < args.length; i++) {
            sizes[i] = Device.parameterBytes(kernel, i, args[i]);
            total += (sizes[i] + 7) / 8 * 8;
        }
        ByteBuffer params = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < args.length; i++) {
            int start = params.position();
            put(params, args[i]);
            params.position(start + (sizes[i] + 7) / 8 * 8);
        }
        String error = EmulatorLibrary.launch(kernel, new int[] {gx, gy, gz, bx, by, bz}, sharedBytes, params.array(),
                sizes, workers);
        if (error != null) throw new CudaException("CUDA emulator: " + error);
    }

    private static void put(ByteBuffer params, Object arg) {
        if (arg instanceof CudaBuffer b) params.putLong(HostPointer.address(b.pointer()));
        else if (arg instanceof CUdeviceptr p) params.putLong(HostPointer.address(p));
        else if (arg instanceof Integer v) params.putInt(v);
        else if (arg instanceof Long v) params.putLong(v);
        else if (arg instanceof Float v) params.putFloat(v);
        else if (arg instanceof Double v) params.putDouble(v);
        else if (arg instanceof int[] v) for (int x : v) params.putInt(x);
        else params.put((byte[]) arg); // parameterBytes has rejected every other type
    }

    @Override
    public int sharedOptIn() {
        return sharedOptIn;
    }

    @Override
    public void enter() {}

    @Override
    public void synchronize(String after) {} // every launch has finished when launch returns

    @Override
    public synchronized void releaseCache() {
        freeReturned();
    }

    @Override
    public String description() {
        return "CUDA emulator (kernels/*.cu on " + workers + " CPU threads)";
    }
}
