package org.recformer.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A "device" pointer of the CUDA emulator: a host address. It stands in for the driver's pointers
 * on the {@link Device} seam, so that {@link CudaBackend} (offsets included) runs unchanged.
 */
final class HostPointer extends CUdeviceptr {
    final long address;

    HostPointer(long address) {
        this.address = address;
    }

    @Override
    public HostPointer withByteOffset(long byteOffset) {
        return new HostPointer(address + byteOffset);
    }

    /** The address of a pointer the emulator handed out. */
    static long address(CUdeviceptr pointer) {
        if (pointer instanceof HostPointer p) return p.address;
        throw new IllegalArgumentException("the CUDA emulator was given a pointer it did not allocate: " + pointer);
    }

    @Override
    public String toString() {
        return "HostPointer[0x" + Long.toHexString(address) + "]";
    }
}
