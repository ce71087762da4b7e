package org.recformer.train;

/** Training produced a non-finite loss or gradient; the message names the step and the checkpoint left intact. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
