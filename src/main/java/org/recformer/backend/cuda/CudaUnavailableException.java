package org.recformer.backend.cuda;

/** The CUDA backend cannot run here: no driver, no device, or a jar built without kernels (the message says which). */
public final class CudaUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
