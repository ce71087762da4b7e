package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A driver device pointer whose numeric address is readable (JCuda keeps it protected), for the
 * kernels that take a list of pointers in device memory. {@link DeviceAllocator} hands these out.
 */
final class DevicePointer extends CUdeviceptr {
    DevicePointer() {}

    private DevicePointer(DevicePointer base, long byteOffset) {
        super(base, byteOffset);
    }

    @Override
    public DevicePointer withByteOffset(long byteOffset) {
        return new DevicePointer(this, byteOffset);
    }

    long address() {
        return getNativePointer() + getByteOffset();
    }
}
