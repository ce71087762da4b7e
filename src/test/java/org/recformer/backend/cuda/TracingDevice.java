package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Device} that runs everything on another one (the emulator) and writes down, in order, every
 * call that moves data or waits: {@code launch KERNEL}, {@code upload WHAT} (asynchronous copies),
 * {@code read} (the synchronous copy to the host), {@code synchronize}, {@code wait} (an event
 * waited for), {@code host alloc} (page-locked memory). Tests assert what a training step does.
 */
final class TracingDevice implements Device {
    private final Device inner;
    final List<String> calls = new ArrayList<>();

    TracingDevice(Device inner) {
        this.inner = inner;
    }

    /** How many recorded calls are {@code call}. */
    long count(String call) {
        return calls.stream().filter(call::equals).count();
    }

    @Override
    public DeviceAllocator.Block allocate(long bytes) {
        return inner.allocate(bytes);
    }

    @Override
    public void release(DeviceAllocator.Block block) {
        inner.release(block);
    }

    @Override
    public void releaseWhenUnreachable(Object owner, DeviceAllocator.Block block) {
        inner.releaseWhenUnreachable(owner, block);
    }

    @Override
    public long address(CUdeviceptr pointer) {
        return inner.address(pointer);
    }

    @Override
    public HostBlock allocateHost(long bytes) {
        calls.add("host alloc");
        return inner.allocateHost(bytes);
    }

    @Override
    public void copyToDeviceAsync(CUdeviceptr dst, HostBlock src, long offset, long bytes, String what) {
        calls.add("upload " + what);
        inner.copyToDeviceAsync(dst, src, offset, bytes, what);
    }

    @Override
    public void copyToHost(CUdeviceptr src, float[] dst) {
        calls.add("read");
        inner.copyToHost(src, dst);
    }

    @Override
    public Event newEvent() {
        return inner.newEvent();
    }

    @Override
    public void record(Event event) {
        inner.record(event);
    }

    @Override
    public boolean isDone(Event event) {
        return inner.isDone(event);
    }

    @Override
    public void waitFor(Event event) {
        calls.add("wait");
        inner.waitFor(event);
    }

    @Override
    public void launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes, Object... args) {
        calls.add("launch " + kernel);
        inner.launch(kernel, gx, gy, gz, bx, by, bz, sharedBytes, args);
    }

    @Override
    public int sharedOptIn() {
        return inner.sharedOptIn();
    }

    @Override
    public void enter() {
        inner.enter();
    }

    @Override
    public void synchronize(String after) {
        calls.add("synchronize");
        inner.synchronize(after);
    }

    @Override
    public void releaseCache() {
        inner.releaseCache();
    }

    @Override
    public String description() {
        return "tracing " + inner.description();
    }
}
