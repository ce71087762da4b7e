package org.recformer.tensor;

/**
 * Layout of a training step's status buffer: what one optimizer step leaves on the device for the
 * host to read in one transfer when it logs (the micro-batch losses, the gradient norm) and the
 * divergence record that stops the updates on the device without a host read. The first
 * {@link #CARRIED} floats are carried from step to step: once a loss or a gradient norm is not
 * finite, every later AdamW update leaves the weights alone until the host reads the record and
 * stops. The same indices are the {@code STATUS_*} constants of kernels/optimizer.cuh.
 */
public final class StepStatus {
    /** The 1-based optimizer step whose loss or gradient norm was first non-finite; 0 while none was. */
    public static final int DIVERGED_STEP = 0;
    /** Its 0-based micro-batch (the last one of the step for a gradient norm). */
    public static final int DIVERGED_MICRO_BATCH = 1;
    /** {@link #LOSS} or {@link #GRADIENT_NORM}. */
    public static final int DIVERGED_QUANTITY = 2;
    /** The non-finite value. */
    public static final int DIVERGED_VALUE = 3;
    /** Floats carried from one step's status to the next. */
    public static final int CARRIED = 4;
    /** The factor AdamW multiplies this step's gradients by: min(1, maxNorm / (norm + 1e-6)). */
    public static final int CLIP_FACTOR = 4;
    /** The gradient norm of this step, before clipping. */
    public static final int GRAD_NORM = 5;
    /** The loss of micro-batch i is at {@code LOSSES + i}. */
    public static final int LOSSES = 6;

    /** Values of {@link #DIVERGED_QUANTITY}. */
    public static final int LOSS = 1, GRADIENT_NORM = 2;

    private StepStatus() {}

    /** Floats of the status of a step of {@code microBatches} micro-batches. */
    public static int size(int microBatches) {
        return LOSSES + microBatches;
    }
}
