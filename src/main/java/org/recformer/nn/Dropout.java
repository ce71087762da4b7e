package org.recformer.nn;

import org.recformer.tensor.Tensor;

import java.util.function.LongSupplier;

/**
 * Inverted dropout with probability {@code p} while training, identity in evaluation mode. Each call
 * in training mode draws a fresh seed from {@code seeds} (the model's generator), so a run is
 * reproducible from the model's seed.
 */
public final class Dropout extends Module {
    private final float p;
    private final LongSupplier seeds;

    public Dropout(double p, LongSupplier seeds) {
        this.p = (float) p;
        this.seeds = seeds;
    }

    public Tensor forward(Tensor x) {
        float active = activeP();
        if (active == 0f) return x;
        return org.recformer.ops.Dropout.dropout(x, active, true, nextSeed());
    }

    /** The probability in force: p while training, 0 in evaluation mode. */
    public float activeP() {
        return isTraining() ? p : 0f;
    }

    /** Draws the seed of one dropout call (for ops that fuse dropout with what follows). */
    public long nextSeed() {
        return seeds.getAsLong();
    }

    public float p() {
        return p;
    }
}
