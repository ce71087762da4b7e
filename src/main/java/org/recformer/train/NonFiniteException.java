package org.recformer.train;

/** Training stopped because a loss or the gradient norm was NaN or infinite at the named optimizer step. */
public final class NonFiniteException extends IllegalStateException {
    private final int step;

    public NonFiniteException(int step, String what, double value) {
        super(what + " is " + value + " at optimizer step " + step + "; stopping (the last checkpoint written before it is intact)");
        this.step = step;
    }

    /** The optimizer step (counting from 1) whose loss or gradients were not finite. */
    public int step() {
        return step;
    }
}
