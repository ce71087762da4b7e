package org.recformer.train;

import org.recformer.nn.Module;
import org.recformer.nn.Parameter;

import java.util.Map;

/**
 * The update closing one (possibly accumulated) batch: the global gradient norm is checked for
 * NaN / infinity, gradients are clipped to {@code maxGradNorm}, AdamW steps at the schedule's
 * learning rate for this step, and gradients are cleared. Frozen parameters are left alone.
 * The last part of a {@link TrainingStep}.
 */
public final class OptimizerStep {
    private final Module model;
    private final Map<String, Parameter> params;
    private final AdamW adamw;
    private final LinearSchedule schedule;
    private final float maxGradNorm;

    /** The learning rate and the gradient norm (before clipping) of one update. */
    public record Update(int step, float learningRate, float gradNorm) {
    }

    /** What to throw when the gradient norm of update {@code step} (1-based) is not finite. */
    @FunctionalInterface
    public interface Divergence {
        TrainingDivergedException at(int step, float gradNorm);
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

    /** Applies the accumulated gradients; throws {@code divergence}'s exception (before changing any weight) on a NaN or infinite norm. */
    public Update apply(Divergence divergence) {
        int step = adamw.stepCount() + 1;
        float norm = AdamW.clipGradNorm(params.values(), maxGradNorm);
        if (!Float.isFinite(norm)) {
            model.zeroGrad();
            throw divergence.at(step, norm);
        }
        float lr = schedule.at(step - 1);
        adamw.step(lr);
        model.zeroGrad();
        return new Update(step, lr, norm);
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
