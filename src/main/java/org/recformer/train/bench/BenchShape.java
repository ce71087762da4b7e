package org.recformer.train.bench;

/** What every benchmark run shares: sequences per batch, tokens per sequence, measured and warmup batches, seed. */
public record BenchShape(int batch, int seq, int steps, int warmupSteps, long seed) {
    public BenchShape {
        if (batch < 1) throw new IllegalArgumentException("--batch " + batch + ": must be at least 1");
        if (seq < 2) throw new IllegalArgumentException("--seq " + seq + ": must be at least 2 (<s> and one item token)");
        if (steps < 1) throw new IllegalArgumentException("--steps " + steps + ": must be at least 1");
        if (warmupSteps < 0) throw new IllegalArgumentException("--warmup-steps " + warmupSteps + ": must be >= 0");
    }
}
