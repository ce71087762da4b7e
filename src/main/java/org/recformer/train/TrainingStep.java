package org.recformer.train;

import org.recformer.ops.Arithmetic;
import org.recformer.tensor.Backend;
import org.recformer.tensor.StepStatus;
import org.recformer.tensor.Tensor;

import java.util.Arrays;

/**
 * One optimizer step of a training loop, shared by finetuning, pretraining and {@code bench
 * train-step}, in the order of the HuggingFace Trainer: each of the step's k micro-batches is run
 * forward, its loss recorded in the step's status and back-propagated divided by k (the gradients
 * add up to those of the mean of the k losses); then {@link OptimizerStep} computes the gradient
 * norm, clips, steps AdamW at the schedule's learning rate and clears the gradients. Where the
 * micro-batches' rows and random streams come from is the caller's business.
 *
 * <p>Nothing here reads the device: the losses, the gradient norm and a NaN / infinite loss or norm
 * stay in the step's status ({@link StepStatus}) until the caller reads the {@link Result}, one
 * transfer for all of them. A non-finite value stops the updates on the device (the weights stay as
 * they were before that step, however many steps run after it) and the next read of any later
 * result throws the divergence of the step and micro-batch where it happened; the step cannot go on
 * after that.
 */
public final class TrainingStep {
    private final OptimizerStep optimizer;
    /** The status of the last step, whose divergence record the next step carries on. */
    private Tensor lastStatus;

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

    /**
     * One step's update and, read from the device when first asked for (one transfer, which waits for
     * the step's work), its micro-batch losses and gradient norm. Reading throws the divergence's
     * exception when this or an earlier step had a non-finite loss or gradient norm.
     */
    public static final class Result {
        private final OptimizerStep.Update update;
        private final int microBatches;
        private final Tensor status;
        private final Divergence divergence;
        private float[] values;

        private Result(OptimizerStep.Update update, int microBatches, Tensor status, Divergence divergence) {
            this.update = update;
            this.microBatches = microBatches;
            this.status = status;
            this.divergence = divergence;
        }

        /** The step number and learning rate (known on the host: no read). */
        public OptimizerStep.Update update() {
            return update;
        }

        /** The loss of each micro-batch in order. */
        public float[] losses() {
            return Arrays.copyOfRange(read(), StepStatus.LOSSES, StepStatus.LOSSES + microBatches);
        }

        /** The mean of the micro-batch losses (the loss whose gradient the step followed). */
        public double meanLoss() {
            double mean = 0;
            for (float loss : losses()) mean += (double) loss / microBatches;
            return mean;
        }

        /** The gradient norm before clipping. */
        public float gradNorm() {
            return read()[StepStatus.GRAD_NORM];
        }

        private float[] read() {
            if (values == null) values = status.toArray();
            int step = (int) values[StepStatus.DIVERGED_STEP];
            if (step != 0) {
                Quantity quantity = values[StepStatus.DIVERGED_QUANTITY] == StepStatus.LOSS ? Quantity.TRAINING_LOSS : Quantity.GRADIENT_NORM;
                throw divergence.at(quantity, values[StepStatus.DIVERGED_VALUE], step, (int) values[StepStatus.DIVERGED_MICRO_BATCH]);
            }
            return values;
        }
    }

    public TrainingStep(OptimizerStep optimizer) {
        this.optimizer = optimizer;
    }

    /**
     * Runs {@code microBatches} micro-batches and one update; {@code divergence} makes the exception
     * that reading the result throws after a non-finite loss or gradient norm (see the class comment).
     */
    public Result run(int microBatches, MicroBatch batches, Divergence divergence) {
        if (microBatches < 1) throw new IllegalArgumentException("a training step needs at least one micro-batch, got " + microBatches);
        int step = optimizer.stepsDone() + 1;
        Tensor status = null;
        for (int i = 0; i < microBatches; i++) {
            Tensor loss = batches.loss(i);
            if (status == null) status = newStatus(loss.backend(), microBatches);
            loss.backend().recordLoss(loss.buffer(), status.buffer(), step, i);
            Arithmetic.scale(loss, 1f / microBatches).backward();
        }
        OptimizerStep.Update update = optimizer.apply(status, microBatches - 1);
        lastStatus = status;
        return new Result(update, microBatches, status, divergence);
    }

    /** {@link #run} with the plain message: what diverged, its value and the step. */
    public Result run(int microBatches, MicroBatch batches) {
        return run(microBatches, batches, (quantity, value, step, microBatch) -> new TrainingDivergedException(
                quantity.text + " is " + value + " at optimizer step " + step + "; training stopped"));
    }

    /** A zero status carrying the last step's divergence record. */
    private Tensor newStatus(Backend backend, int microBatches) {
        Tensor status = Tensor.zeros(backend, StepStatus.size(microBatches));
        if (lastStatus != null) {
            backend.copyBlocks(lastStatus.buffer(), 0, 0, status.buffer(), 0, 0, StepStatus.CARRIED, 1, false);
        }
        return status;
    }
}
