package org.recformer.backend.cuda;

import jcuda.driver.CUresult;

/** A CUDA driver call (the message names it and the driver's error code) or an emulated launch failed. */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CudaException(String message) {
        super(message);
    }

    /** Throws unless {@code result} is CUDA_SUCCESS; {@code call} names what was called (and with what). */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call + " failed: " + CUresult.stringFor(result) + " (" + result + ")");
        }
    }
}
