package org.recformer.train.bench;

import org.recformer.train.SettingsException;

import static org.recformer.train.SettingsException.require;

/**
 * What every benchmark run shares: sequences per batch, tokens per sequence, measured and warmup
 * batches, seed, and the mean share of real tokens in the rows after the first ({@code realTokens},
 * see {@link RandomInputs}).
 */
public record BenchShape(int batchSize, int seq, int steps, int warmupSteps, long seed, double realTokens) {
    /** Checks every value; a bad one throws a {@link SettingsException} naming its field. */
    public BenchShape {
        require(batchSize >= 1, "batchSize", "must be at least 1, got " + batchSize);
        require(seq >= 2, "seq", "must be at least 2 (<s> and one item token), got " + seq);
        require(steps >= 1, "steps", "must be at least 1, got " + steps);
        require(warmupSteps >= 0, "warmupSteps", "must be >= 0, got " + warmupSteps);
        require(realTokens > 0 && realTokens <= 1, "realTokens", "must be in (0, 1], got " + realTokens);
    }
}
