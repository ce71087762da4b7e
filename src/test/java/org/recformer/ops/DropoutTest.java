package org.recformer.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.recformer.backend.Backends;
import org.recformer.tensor.Tensor;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DropoutTest {

    /** Over a million elements: several parallel chunks, and a tight statistical check. */
    private static final int N = (1 << 20) + 17;

    private static float[] nonZero(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (0.5 + rng.nextDouble()) * (rng.nextBoolean() ? 1 : -1);
        return x;
    }

    /**
     * The keep decision written out from the generator documented in CpuElementwise /
     * CounterRandom, independently of the kernel: the CUDA backend must reproduce exactly this.
     */
    private static boolean kept(long seed, long index, float p) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        float u = (float) (z >>> 40) / (1 << 24);
        return u >= p;
    }

    @ParameterizedTest
    @ValueSource(floats = {0.1f, 0.5f, 0.9f})
    void keepsAboutOneMinusPAndScalesTheKeptValues(float p) {
        long seed = 1234567L;
        float[] x = nonZero(N, 7);
        float[] y = Dropout.dropout(Tensor.of(Backends.cpu(), x, N), p, true, seed).toArray();
        float scale = 1f / (1f - p);
        int keptCount = 0;
        for (int i = 0; i < N; i++) {
            boolean k = kept(seed, i, p);
            assertEquals(k ? x[i] * scale : 0f, y[i], 0f, "element " + i);
            if (k) keptCount++;
        }
        double share = keptCount / (double) N;
        double sigma = Math.sqrt(p * (1 - p) / N);
        assertEquals(1 - p, share, 5 * sigma, "share kept");
    }

    @Test
    void sameSeedSameMaskOtherSeedIndependentMask() {
        float p = 0.5f;
        float[] x = nonZero(N, 8);
        float[] a = Dropout.dropout(Tensor.of(Backends.cpu(), x, N), p, true, 42).toArray();
        float[] b = Dropout.dropout(Tensor.of(Backends.cpu(), x, N), p, true, 42).toArray();
        float[] c = Dropout.dropout(Tensor.of(Backends.cpu(), x, N), p, true, 43).toArray();
        assertArrayEquals(a, b);
        int both = 0;
        for (int i = 0; i < N; i++) if (a[i] != 0 && c[i] != 0) both++;
        // neighbouring seeds must not give correlated masks: both kept ~ (1-p)^2
        double share = both / (double) N;
        assertEquals(0.25, share, 5 * Math.sqrt(0.25 * 0.75 / N), "share kept under both seeds");
    }

    @Test
    void gradientIsTheMaskTimesTheIncomingGradient() {
        float p = 0.3f;
        long seed = -99;
        int n = 1009;
        Tensor x = Tensor.of(Backends.cpu(), nonZero(n, 9), 1009).requiresGrad(true);
        Tensor y = Dropout.dropout(x, p, true, seed);
        float[] g = nonZero(n, 10);
        y.backward(Tensor.of(Backends.cpu(), g, n));
        float[] grad = x.grad().toArray();
        float scale = 1f / (1f - p);
        for (int i = 0; i < n; i++) assertEquals(kept(seed, i, p) ? g[i] * scale : 0f, grad[i], 0f, "element " + i);
    }

    @Test
    void identityInEvalModeAndAtZeroProbability() {
        Tensor x = Tensor.of(Backends.cpu(), new float[] {1, 2, 3}, 3);
        assertSame(x, Dropout.dropout(x, 0.5f, false, 1));
        assertSame(x, Dropout.dropout(x, 0f, true, 1));
    }

    @Test
    void probabilityOneDropsEverything() {
        float[] y = Dropout.dropout(Tensor.of(Backends.cpu(), nonZero(101, 11), 101), 1f, true, 5).toArray();
        for (float v : y) assertEquals(0f, v, 0f);
    }

    @Test
    void worksOnScalarsAndEmptyTensors() {
        Tensor scalar = Tensor.of(Backends.cpu(), new float[] {2f});
        float y = Dropout.dropout(scalar, 0.5f, true, 3).item();
        assertEquals(kept(3, 0, 0.5f) ? 4f : 0f, y, 0f);
        assertEquals(0, Dropout.dropout(Tensor.zeros(Backends.cpu(), 0, 3), 0.5f, true, 3).numel());
    }

    @Test
    void probabilityOutsideZeroOneIsRejected() {
        Tensor x = Tensor.zeros(Backends.cpu(), 3);
        assertThrows(IllegalArgumentException.class, () -> Dropout.dropout(x, -0.1f, true, 1));
        assertThrows(IllegalArgumentException.class, () -> Dropout.dropout(x, 1.5f, true, 1));
        assertThrows(IllegalArgumentException.class, () -> Dropout.dropout(x, Float.NaN, true, 1));
    }
}
