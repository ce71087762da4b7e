package org.recformer.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The compiled kernels packed into the jar: {@value #RESOURCE}, built from {@code kernels/*.cu} by
 * {@code kernels/build.sh} during the Maven build when nvcc is available (SASS for sm_80 and
 * sm_90, PTX for newer devices). Reading it needs no CUDA library.
 */
public final class KernelImage {
    /** Classpath location of the fatbin. */
    public static final String RESOURCE = "/kernels/recformer.fatbin";

    private KernelImage() {}

    /** The fatbin's bytes, or null when the jar was built without nvcc. */
    public static byte[] read() {
        try (InputStream in = KernelImage.class.getResourceAsStream(RESOURCE)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the CUDA kernels " + RESOURCE, e);
        }
    }
}
