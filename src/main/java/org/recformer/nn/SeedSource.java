package org.recformer.nn;

import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/** A reseedable stream of dropout seeds held by a model: the same seed gives the same dropout masks. */
public final class SeedSource implements LongSupplier {
    private SplittableRandom random;

    public SeedSource(long seed) {
        reset(seed);
    }

    public synchronized void reset(long seed) {
        random = new SplittableRandom(seed);
    }

    @Override
    public synchronized long getAsLong() {
        return random.nextLong();
    }
}
