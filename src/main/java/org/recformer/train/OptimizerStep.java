package org.recformer.train;

import org.recformer.nn.Module;
import org.recformer.nn.Parameter;
import org.recformer.tensor.StepStatus;
import org.recformer.tensor.Tensor;

import java.util.Map;

/**
 * The update closing one (possibly accumulated) batch, all on the device: the global gradient norm
 * is computed and a non-finite one recorded in the step's status, gradients are clipped to
 * {@code maxGradNorm} inside AdamW, which steps at the schedule's learning rate for this step (and
 * changes nothing once the status records a divergence), and gradients are cleared. Frozen
 * parameters are left alone. The last part of a {@link TrainingStep}; nothing here reads the device.
 */
public final class OptimizerStep {
    private final Module model;
    private final Map<String, Parameter> params;
    private final AdamW adamw;
    private final LinearSchedule schedule;
    private final float maxGradNorm;

    /** The step number (1-based) and learning rate of one update. */
    public record Update(int step, float learningRate) {
    }

    /** Over all of the model's parameters (AdamW keeps moments for each, frozen ones included). */
    public OptimizerStep(Module model, float weightDecay, LinearSchedule schedule, float maxGradNorm) {
        this(model, model.namedParameters(), weightDecay, schedule, maxGradNorm);
    }

    /** Over {@code params}, some of the model's parameters (AdamW keeps moments for these only). */
    public OptimizerStep(Module model, Map<String, Parameter> params, float weightDecay, LinearSchedule schedule, float maxGradNorm) {
        this.model = model;
        this.params = params;
        this.adamw = new AdamW(params, weightDecay);
        this.schedule = schedule;
        this.maxGradNorm = maxGradNorm;
    }

    /**
     * Applies the accumulated gradients with the step's {@code status} ({@link StepStatus}): its
     * gradient norm and clip factor are written, a non-finite norm is recorded as a divergence at
     * micro-batch {@code lastMicroBatch}, and with a divergence recorded no weight changes.
     */
    public Update apply(Tensor status, int lastMicroBatch) {
        int step = adamw.stepCount() + 1;
        AdamW.clipGradNorm(params.values(), maxGradNorm, status, step, lastMicroBatch);
        float lr = schedule.at(step - 1);
        adamw.step(lr, status);
        model.zeroGrad();
        return new Update(step, lr);
    }

    /** The optimizer (moments and step count, for checkpoints). */
    public AdamW optimizer() {
        return adamw;
    }

    /** Updates done so far. */
    public int stepsDone() {
        return adamw.stepCount();
    }
}
