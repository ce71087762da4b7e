package org.recformer.backend.cpu;

/**
 * The summation order of the CPU's long double-precision sums (sums of squares for the gradient
 * norm, a layer norm's row statistics): element {@code from + j} goes to partial sum
 * {@code j mod LANES}, and the partial sums are added pairwise. One long chain would be bound by the
 * add latency; {@link #LANES} chains fit one 512-bit double vector, so the plain loops and the
 * Vector API (one lane per partial sum) give the same bits.
 */
final class LaneSums {
    /** Interleaved partial sums. */
    static final int LANES = 8;

    private LaneSums() {}

    /** The partial sums s[0 .. LANES) added pairwise. */
    static double total(double[] s) {
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }
}
