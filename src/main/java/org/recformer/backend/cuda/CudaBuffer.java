package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;
import org.recformer.tensor.Buffer;

/** A device buffer of {@code size} floats in a block of the backend's caching allocator. */
final class CudaBuffer implements Buffer {
    private final DeviceAllocator.Block block;
    private final int size;

    CudaBuffer(DeviceAllocator.Block block, int size) {
        this.block = block;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    CUdeviceptr pointer() {
        return block.pointer();
    }
}
