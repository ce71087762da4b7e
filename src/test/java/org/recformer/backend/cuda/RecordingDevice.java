package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link Device} without a GPU: hands out null device pointers and records every launch, failing
 * one whose grid, block or shared memory is over CUDA's limits (as the driver would).
 */
final class RecordingDevice implements Device {
    /** One recorded launch: kernel name, grid and block sizes, shared bytes, and the byte size of each argument. */
    record Launch(String kernel, int[] grid, int[] block, int sharedBytes, int[] argumentBytes) {}

    final List<Launch> launches = new ArrayList<>();
    int liveBlocks;

    @Override
    public DeviceAllocator.Block allocate(long bytes) {
        liveBlocks++;
        return new DeviceAllocator.Block(new CUdeviceptr(), DeviceAllocator.roundedSize(bytes));
    }

    @Override
    public void release(DeviceAllocator.Block block) {
        liveBlocks--;
    }

    @Override
    public void releaseWhenUnreachable(Object owner, DeviceAllocator.Block block) {}

    @Override
    public long address(CUdeviceptr pointer) {
        return 0;
    }

    @Override
    public HostBlock allocateHost(long bytes) {
        return new HostBlock(ByteBuffer.allocate(Math.toIntExact(bytes)), null);
    }

    @Override
    public void copyToDeviceAsync(CUdeviceptr dst, HostBlock src, long offset, long bytes, String what) {}

    @Override
    public void copyToHost(CUdeviceptr src, float[] dst) {}

    @Override
    public Event newEvent() {
        return new Event() {};
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
    public void launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, Object... args) {
        int[] bytes = new int[args.length];
        for (int i = 0; i < args.length; i++) bytes[i] = Device.parameterBytes(kernel, i, args[i]);
        String geometry = kernel + ": grid " + gx + "x" + gy + "x" + gz + ", block " + bx + "x" + by + "x" + bz;
        assertTrue(gx >= 1 && gy >= 1 && gz >= 1 && gy <= 65535 && gz <= 65535, geometry + ": grid over CUDA's limits");
        assertTrue(bx >= 1 && by >= 1 && bz >= 1 && (long) bx * by * bz <= 1024, geometry + ": block over 1024 threads");
        assertTrue(sharedBytes <= sharedOptIn(), geometry + ": shared memory " + sharedBytes + " over the opt-in size");
        launches.add(new Launch(kernel, new int[] {gx, gy, gz}, new int[] {bx, by, bz}, sharedBytes, bytes));
    }

    @Override
    public int sharedOptIn() {
        return 227 * 1024; // an H100 / H200
    }

    @Override
    public void enter() {}

    @Override
    public void synchronize(String after) {}

    @Override
    public void releaseCache() {}

    @Override
    public String description() {
        return "recording device (no GPU)";
    }
}
