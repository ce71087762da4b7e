package org.recformer.train;

import static org.recformer.train.SettingsException.require;

/**
 * The hyperparameters of two-stage finetuning (docs/spec.md §5). Stage 2 runs at most
 * {@code stage2Epochs} epochs after stage 1 ends; the learning-rate schedule spans both stages.
 *
 * @param evalEvery      evaluate on validation NDCG@10 every this many epochs of a stage (and at its last epoch)
 * @param stage1Patience stop stage 1 after this many evaluations without improvement
 * @param stage2Patience the same for stage 2
 * @param maxGradNorm    gradient clipping norm
 * @param targets        which (history, next item) examples an epoch trains on (null, as in a run
 *                       folder written before this setting existed: {@link Targets#RANDOM})
 */
public record FinetuneSettings(int stage1Epochs, int stage2Epochs, int batchSize, int accumulation, float learningRate,
                               int warmupSteps, float weightDecay, float maxGradNorm, int evalEvery, int stage1Patience,
                               int stage2Patience, int evalBatchSize, long seed, boolean freezeWordEmbeddings,
                               Targets targets) {

    /** Checks every value; a bad one throws a {@link SettingsException} naming its field. */
    public FinetuneSettings {
        require(stage1Epochs >= 1, "stage1Epochs", "must be >= 1, got " + stage1Epochs);
        require(stage2Epochs >= 0, "stage2Epochs", "must be >= 0, got " + stage2Epochs);
        require(batchSize >= 1, "batchSize", "must be >= 1, got " + batchSize);
        require(accumulation >= 1, "accumulation", "must be >= 1, got " + accumulation);
        require(learningRate > 0 && Float.isFinite(learningRate), "learningRate", "must be a positive number, got " + learningRate);
        require(warmupSteps >= 0, "warmupSteps", "must be >= 0, got " + warmupSteps);
        require(weightDecay >= 0 && Float.isFinite(weightDecay), "weightDecay", "must be >= 0, got " + weightDecay);
        require(maxGradNorm > 0, "maxGradNorm", "must be > 0, got " + maxGradNorm);
        require(evalEvery >= 1, "evalEvery", "must be >= 1, got " + evalEvery);
        require(stage1Patience >= 1, "stage1Patience", "must be >= 1, got " + stage1Patience);
        require(stage2Patience >= 1, "stage2Patience", "must be >= 1, got " + stage2Patience);
        require(evalBatchSize >= 1, "evalBatchSize", "must be >= 1, got " + evalBatchSize);
        if (targets == null) targets = Targets.RANDOM;
    }

    /** The training examples of one epoch. */
    public enum Targets {
        /**
         * One example per user (docs/spec.md §4): a target position t drawn uniformly from the
         * whole training sequence, the items before it as history (none when t = 0).
         */
        RANDOM,
        /**
         * Every target position t >= 1 of every user's training sequence once, the items before
         * it as history: the (history, next item) pairs an ID-based SASRec trains on, never an
         * empty history.
         */
        EVERY
    }
}
