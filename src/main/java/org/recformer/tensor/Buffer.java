package org.recformer.tensor;

/**
 * Backend-owned storage of {@code size()} float32 values, contiguous, row-major when viewed
 * through a {@link Tensor}'s shape. A CPU buffer wraps a {@code float[]}; a device buffer wraps a
 * device pointer. Model code never touches buffers directly: it works with tensors.
 */
public interface Buffer {
    int size();
}
