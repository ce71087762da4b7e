package org.recformer.backend.cpu;

/**
 * The counter-based random numbers of dropout: a pure function of (seed, index), so a given
 * seed gives the same values whatever the thread split, and another backend can reproduce them
 * bit for bit. With 64-bit unsigned arithmetic (wrapping multiplication, logical shifts):
 * <pre>
 *   z = seed + (index + 1) * 0x9E3779B97F4A7C15          // SplitMix64 counter step
 *   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
 *   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *   z =  z ^ (z >> 31)
 *   u = (float) (z >> 40) * 2^-24                         // top 24 bits: uniform in [0, 1), exact in float
 * </pre>
 * That is SplitMix64 (Steele, Lea, Flood 2014) evaluated at counter {@code index + 1}.
 */
final class CounterRandom {
    private CounterRandom() {}

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    /** The uniform float in [0, 1) for this seed and element index. */
    static float uniform(long seed, long index) {
        long z = seed + (index + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 40) * 0x1p-24f;
    }
}
