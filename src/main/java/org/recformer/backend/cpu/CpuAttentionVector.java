package org.recformer.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The attention's per-pair work on the incubating Vector API: exp over a softmax row, the
 * dropout stream's random bits for a run of consecutive keys, and the rows of its packed panels. Loaded only when the Vector API module
 * is present (see {@link CpuMatmul#VECTOR}), like {@link CpuMatmulVector}.
 *
 * <p>The Vector API's own EXP runs as plain Java on JDK 17, so the function is computed here:
 * t = k ln 2 + r with k = round(t / ln 2) (by adding and subtracting 1.5 * 2^23, which leaves k in
 * the low bits of the sum), ln 2 split in two parts so that r is exact, exp(r) on |r| &lt;= ln 2 / 2 by
 * the minimax polynomial of Cephes' expf (about one float rounding from the true value), and 2^k
 * built in the exponent bits. Below -87 (exp &lt; 1.7e-38, where 2^k would leave the normal range) the
 * result is 0; NaN stays NaN; the arguments here are never above 0 (a score minus its row's maximum).
 * The whole loop is one method so that no vector crosses a call (that would box it).
 */
final class CpuAttentionVector {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /**
     * The padding of a range's last, partial vector in {@link #expShifted} (exp gives 0 there), stored as one vector:
     * {@code Arrays.fill} of its few floats was 0.6% of an encoding batch's samples (JFR, 4 x 1024 tokens).
     */
    private static final FloatVector NEGATIVE_INFINITY = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    /**
     * Whether {@link #randomBits} is faster than the scalar loop: with 512-bit vectors (AVX-512, whose vpmullq
     * multiplies 64-bit lanes in one instruction). On 256-bit ones C2 (JDK 17) builds each 64-bit lane multiply
     * from 32-bit pieces: 4.3-4.5 ns a value against the scalar loop's 2.2-2.4 on an AVX2 core
     * (docs/results-bench.md, "Dropout's bits in scalar code on 256-bit vectors").
     */
    static final boolean RANDOM_BITS_ON_LANES = LS.length() >= 8;
    private static final long[] IOTA = new long[LS.length()];

    static {
        for (int i = 0; i < IOTA.length; i++) IOTA[i] = i;
    }
    private static final float LOG2_E = 1.44269504088896341f;
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    private static final float ROUND_SHIFT = 12582912f; // 1.5 * 2^23
    private static final int ROUND_SHIFT_BITS = Float.floatToRawIntBits(ROUND_SHIFT);
    /** Below this, exp(t) is taken as 0. */
    static final float UNDERFLOW = -87f;

    private CpuAttentionVector() {}

    /**
     * x[i] = exp(x[i] - shift) for i in [from, to); returns their float sum (lane-wise partial sums
     * added by reduceLanes). A range's last, partial vector runs through the same loop from a copy
     * padded with -infinity in {@code tail} (scratch of at least one vector's floats): a softmax
     * row's global keys are such a vector on every row, its window's last few elements on most.
     */
    static float expShifted(float[] x, int from, int to, float shift, float[] tail) {
        FloatVector sum = FloatVector.zero(S);
        int tailAt = to;
        for (int i = from; i < to; i += S.length()) {
            float[] src = x;
            int at = i;
            if (i + S.length() > to) {
                NEGATIVE_INFINITY.intoArray(tail, 0);
                System.arraycopy(x, i, tail, 0, to - i);
                src = tail;
                at = 0;
                tailAt = i;
            }
            FloatVector t = FloatVector.fromArray(S, src, at).sub(shift);
            FloatVector shifted = t.fma(FloatVector.broadcast(S, LOG2_E), FloatVector.broadcast(S, ROUND_SHIFT));
            FloatVector k = shifted.sub(ROUND_SHIFT);
            FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HIGH), t);
            r = k.fma(FloatVector.broadcast(S, -LN2_LOW), r);
            FloatVector p = r.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
            p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
            p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
            p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
            p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
            FloatVector e = p.fma(r.mul(r), r).add(1f);
            IntVector kBits = (IntVector) shifted.viewAsIntegralLanes();
            FloatVector twoToK = (FloatVector) kBits.sub(ROUND_SHIFT_BITS).add(127).lanewise(VectorOperators.LSHL, 23)
                    .viewAsFloatingLanes();
            e = e.mul(twoToK).blend(0f, t.lt(UNDERFLOW));
            e.intoArray(src, at);
            sum = sum.add(e);
        }
        if (tailAt < to) System.arraycopy(tail, 0, x, tailAt, to - tailAt);
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** The largest of x[from .. to) (-infinity when empty): whole vectors lane-wise, the rest one by one. */
    static float max(float[] x, int from, int to) {
        int i = from;
        float max = Float.NEGATIVE_INFINITY;
        if (to - from >= S.length()) {
            FloatVector m = FloatVector.fromArray(S, x, i);
            for (i += S.length(); i + S.length() <= to; i += S.length()) m = m.max(FloatVector.fromArray(S, x, i));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < to; i++) max = Math.max(max, x[i]);
        return max;
    }

    /**
     * dst[to .. to + 2 L) = src[from .. from + 2 L), L the lanes of a float vector: one row of a packed panel
     * ({@link CpuPackedProduct#NR} floats) by two vector loads and stores, where {@link System#arraycopy} of so few
     * floats costs a call to its stub.
     */
    static void copyPanelRow(float[] src, int from, float[] dst, int to) {
        FloatVector.fromArray(S, src, from).intoArray(dst, to);
        FloatVector.fromArray(S, src, from + S.length()).intoArray(dst, to + S.length());
    }

    /**
     * bits[c] = {@link CounterRandom#bits}(seed, counter + c) for c in [0, n): SplitMix64 on
     * long lanes (the same wrapping multiplications, shifts and exclusive ors), the tail in scalar.
     */
    static void randomBits(long seed, long counter, int n, long[] bits) {
        int c = 0;
        for (; c + LS.length() <= n; c += LS.length()) {
            LongVector z = LongVector.fromArray(LS, IOTA, 0).add(counter + c + 1)
                    .mul(CounterRandom.GOLDEN_GAMMA).add(seed);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(CounterRandom.MIX_1);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(CounterRandom.MIX_2);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31)).lanewise(VectorOperators.LSHR, 40);
            z.intoArray(bits, c);
        }
        for (; c < n; c++) bits[c] = CounterRandom.bits(seed, counter + c);
    }
}
