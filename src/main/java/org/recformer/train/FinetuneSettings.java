package org.recformer.train;

/**
 * The hyperparameters of two-stage finetuning (docs/spec.md §5). Stage 2 runs at most
 * {@code stage2Epochs} epochs after stage 1 ends; the learning-rate schedule spans both stages.
 *
 * @param evalEvery      evaluate on validation NDCG@10 every this many epochs of a stage (and at its last epoch)
 * @param stage1Patience stop stage 1 after this many evaluations without improvement
 * @param stage2Patience the same for stage 2
 * @param maxGradNorm    gradient clipping norm
 */
public record FinetuneSettings(int stage1Epochs, int stage2Epochs, int batchSize, int accumulation, float learningRate,
                               int warmupSteps, float weightDecay, float maxGradNorm, int evalEvery, int stage1Patience,
                               int stage2Patience, int evalBatchSize, long seed, boolean freezeWordEmbeddings) {

    /** Checks every value, naming the command-line option of a bad one. */
    public FinetuneSettings {
        require(stage1Epochs >= 1, "--stage1-epochs must be >= 1, got " + stage1Epochs);
        require(stage2Epochs >= 0, "--stage2-epochs must be >= 0, got " + stage2Epochs);
        require(batchSize >= 1, "--batch-size must be >= 1, got " + batchSize);
        require(accumulation >= 1, "--accumulation must be >= 1, got " + accumulation);
        require(learningRate > 0 && Float.isFinite(learningRate), "--lr must be a positive number, got " + learningRate);
        require(warmupSteps >= 0, "--warmup must be >= 0, got " + warmupSteps);
        require(weightDecay >= 0 && Float.isFinite(weightDecay), "--weight-decay must be >= 0, got " + weightDecay);
        require(maxGradNorm > 0, "--max-grad-norm must be > 0, got " + maxGradNorm);
        require(evalEvery >= 1, "--eval-every must be >= 1, got " + evalEvery);
        require(stage1Patience >= 1 && stage2Patience >= 1, "--patience values must be >= 1, got " + stage1Patience + ", " + stage2Patience);
        require(evalBatchSize >= 1, "--eval-batch-size must be >= 1, got " + evalBatchSize);
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
