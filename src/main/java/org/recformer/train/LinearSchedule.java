package org.recformer.train;

/**
 * Linear warmup from 0 to the peak learning rate over {@code warmupSteps}, then linear decay to 0 at
 * {@code totalSteps} (HuggingFace get_linear_schedule_with_warmup).
 */
public final class LinearSchedule {
    private final float peak;
    private final int warmupSteps;
    private final int totalSteps;

    public LinearSchedule(float peak, int warmupSteps, int totalSteps) {
        if (warmupSteps < 0 || totalSteps <= 0) {
            throw new IllegalArgumentException("warmup " + warmupSteps + " and total " + totalSteps + " steps: need warmup >= 0 and total > 0");
        }
        this.peak = peak;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
    }

    /** The learning rate of optimizer step {@code step} (counting from 0, as the scheduler's lambda). */
    public float at(int step) {
        if (step < warmupSteps) return peak * step / Math.max(1, warmupSteps);
        return peak * Math.max(0f, (float) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    }
}
