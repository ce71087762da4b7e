package org.recformer.backend.cpu;

/**
 * The counter-based random numbers of dropout (elementwise and in the attention): a pure function
 * of (seed, counter), so a given seed gives the same values whatever the thread split, and another
 * backend can reproduce them bit for bit. With 64-bit unsigned arithmetic (wrapping multiplication,
 * logical shifts):
 * <pre>
 *   z = seed + (counter + 1) * 0x9E3779B97F4A7C15        // SplitMix64 counter step
 *   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
 *   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *   z =  z ^ (z >> 31)
 *   u = (float) (z >> 40) * 2^-24                         // top 24 bits: uniform in [0, 1), exact in float
 * </pre>
 * That is SplitMix64 (Steele, Lea, Flood 2014) evaluated at {@code counter + 1}. An element is kept
 * when {@code u >= p}, that is when its 24 bits are at least {@link #keepThreshold}(p).
 */
final class CounterRandom {
    private CounterRandom() {}

    /** SplitMix64's constants. */
    static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L, MIX_1 = 0xBF58476D1CE4E5B9L, MIX_2 = 0x94D049BB133111EBL;

    /** The top 24 bits of SplitMix64's output for {@code counter}: the uniform in [0, 1) times 2^24. */
    static long bits(long seed, long counter) {
        long z = seed + (counter + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * MIX_1;
        z = (z ^ (z >>> 27)) * MIX_2;
        z = z ^ (z >>> 31);
        return z >>> 40;
    }

    /**
     * out[c] = {@link #bits}(seed, counter + c) for c in [0, n): on the Vector API's long lanes when the matmul kernels
     * use it and its lanes multiply 64 bits at once ({@link CpuAttentionVector#RANDOM_BITS_ON_LANES}).
     */
    static void bits(long seed, long counter, int n, long[] out) {
        if (CpuMatmul.VECTOR && CpuAttentionVector.RANDOM_BITS_ON_LANES) {
            CpuAttentionVector.randomBits(seed, counter, n, out);
        } else {
            for (int c = 0; c < n; c++) out[c] = bits(seed, counter + c);
        }
    }

    /**
     * The least {@link #bits} that keeps a probability: bits * 2^-24 &gt;= p exactly when bits
     * &gt;= ceil(p * 2^24) (both sides exact: p has 24 significant bits).
     */
    static long keepThreshold(float p) {
        return (long) Math.ceil(p * 16777216.0);
    }
}
