package org.recformer.train;

import org.recformer.nn.Module;
import org.recformer.ops.Arithmetic;
import org.recformer.tensor.Tensor;

/**
 * One optimizer step of a training loop, shared by finetuning, pretraining and {@code bench
 * train-step}, in the order of the HuggingFace Trainer: each of the step's k micro-batches is run
 * forward, its loss checked for NaN / infinity and back-propagated divided by k (the gradients add up
 * to those of the mean of the k losses); then {@link OptimizerStep} checks the gradient norm, clips
 * it, steps AdamW at the schedule's learning rate and clears the gradients. Where the micro-batches'
 * rows and random streams come from is the caller's business.
 */
public final class TrainingStep {
    private final Module model;
    private final OptimizerStep optimizer;

    /** The loss of the step's micro-batch {@code index} (0-based): a scalar tensor with its graph. */
    @FunctionalInterface
    public interface MicroBatch {
        Tensor loss(int index);
    }

    /** What went non-finite. */
    public enum Quantity {
        TRAINING_LOSS("the training loss"), GRADIENT_NORM("the gradient norm");

        /** How a message names it. */
        public final String text;

        Quantity(String text) {
            this.text = text;
        }
    }

    /**
     * The exception for a NaN or infinite {@code quantity} at optimizer step {@code step} (1-based);
     * {@code microBatch} is the 0-based micro-batch of a loss, the last one of the step for a norm.
     */
    @FunctionalInterface
    public interface Divergence {
        TrainingDivergedException at(Quantity quantity, float value, int step, int microBatch);
    }

    /** The update, and the loss of each micro-batch in order. */
    public record Result(OptimizerStep.Update update, float[] losses) {
        /** The mean of the micro-batch losses (the loss whose gradient the step followed). */
        public double meanLoss() {
            double mean = 0;
            for (float loss : losses) mean += (double) loss / losses.length;
            return mean;
        }
    }

    public TrainingStep(Module model, OptimizerStep optimizer) {
        this.model = model;
        this.optimizer = optimizer;
    }

    /**
     * Runs {@code microBatches} micro-batches and one update. On a non-finite loss or gradient norm it
     * clears the gradients and throws {@code divergence}'s exception before any weight changes.
     */
    public Result run(int microBatches, MicroBatch batches, Divergence divergence) {
        if (microBatches < 1) throw new IllegalArgumentException("a training step needs at least one micro-batch, got " + microBatches);
        int step = optimizer.stepsDone() + 1;
        float[] losses = new float[microBatches];
        for (int i = 0; i < microBatches; i++) {
            Tensor loss = batches.loss(i);
            losses[i] = loss.item();
            if (!Float.isFinite(losses[i])) {
                model.zeroGrad();
                throw divergence.at(Quantity.TRAINING_LOSS, losses[i], step, i);
            }
            Arithmetic.scale(loss, 1f / microBatches).backward();
        }
        int last = microBatches - 1;
        OptimizerStep.Update update = optimizer.apply((s, norm) -> divergence.at(Quantity.GRADIENT_NORM, norm, s, last));
        return new Result(update, losses);
    }

    /** {@link #run} with the plain message: what diverged, its value and the step. */
    public Result run(int microBatches, MicroBatch batches) {
        return run(microBatches, batches, (quantity, value, step, microBatch) -> new TrainingDivergedException(
                quantity.text + " is " + value + " at optimizer step " + step + "; training stopped"));
    }
}
