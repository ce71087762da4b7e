package org.recformer.backend.cpu;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The layer norm on the Vector API against the plain loops: the same partial sums (double, bit for
 * bit, on inputs whose magnitudes span twelve orders, so that another summation order shows), the
 * same outputs, statistics and gradients bit for bit, every output element written; and the plain
 * loops' statistics against the exact mean and variance; the gradient norm's sums of squares bit for bit.
 */
class CpuNormVectorTest {
    @BeforeAll
    static void vectorApi() {
        Assertions.assertTrue(CpuMatmul.VECTOR, "tests should run with jdk.incubator.vector");
        Assumptions.assumeTrue(CpuNormVector.LANES_MATCH, "the layer norm's vector loops need 256- or 512-bit vectors; this machine's are "
                + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit, so CpuNorm runs its plain loops here");
    }

    /** Floats of random sign with magnitudes from 1e-6 to 1e6: their sums in double round, and differently in another order. */
    private static float[] wide(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) ((random.nextBoolean() ? 1 : -1) * Math.pow(10, random.nextDouble(-6, 6)));
        return x;
    }

    private static float[] gaussian(int n, double mean, double sd, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (mean + sd * random.nextGaussian());
        return x;
    }

    /** The plain loops' partial sums of x[off + c], c in [0, n). */
    private static double[] plainSums(float[] x, int off, int n) {
        double[] s = new double[LaneSums.LANES];
        for (int c = 0; c < n; c++) s[c % LaneSums.LANES] += x[off + c];
        return s;
    }

    @ParameterizedTest(name = "{0} columns")
    @ValueSource(ints = {1, 8, 15, 16, 17, 40, 768, 777})
    void partialSumsAreThePlainLoopsBitForBit(int n) {
        float[] x = wide(n + 3, n);
        int off = 3;
        double[] sums = new double[LaneSums.LANES];
        int c = CpuNormVector.sums(x, off, n, sums);
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        Assertions.assertEquals(n / lanes * lanes, c, "whole vectors done");
        for (; c < n; c++) sums[c % LaneSums.LANES] += x[off + c];
        Assertions.assertArrayEquals(plainSums(x, off, n), sums, "sums");

        double mu = LaneSums.total(sums) / n;
        double[] squares = new double[LaneSums.LANES], expected = new double[LaneSums.LANES];
        c = CpuNormVector.squaredDeviations(x, off, n, mu, squares);
        for (; c < n; c++) squares[c % LaneSums.LANES] += (x[off + c] - mu) * (x[off + c] - mu);
        for (c = 0; c < n; c++) expected[c % LaneSums.LANES] += (x[off + c] - mu) * (x[off + c] - mu);
        Assertions.assertArrayEquals(expected, squares, "squared deviations");

        float[] g = wide(n + 3, n + 100), w = wide(n, n + 200);
        double[] sumD = new double[LaneSums.LANES], sumDX = new double[LaneSums.LANES];
        double[] expD = new double[LaneSums.LANES], expDX = new double[LaneSums.LANES];
        float m = 0.25f, s = 1e-3f;
        c = CpuNormVector.backwardSums(g, x, w, off, n, m, s, sumD, sumDX);
        for (int k = 0; k < n; k++) {
            double dxhat = g[off + k] * w[k];
            if (k >= c) {
                sumD[k % LaneSums.LANES] += dxhat;
                sumDX[k % LaneSums.LANES] += dxhat * ((x[off + k] - m) * s);
            }
            expD[k % LaneSums.LANES] += dxhat;
            expDX[k % LaneSums.LANES] += dxhat * ((x[off + k] - m) * s);
        }
        Assertions.assertArrayEquals(expD, sumD, "sums of gradOut * weight");
        Assertions.assertArrayEquals(expDX, sumDX, "sums of gradOut * weight * xhat");
    }

    @ParameterizedTest(name = "{0} elements")
    @ValueSource(ints = {1, 7, 8, 15, 16, 17, 40, 777, 100_003})
    void gradientNormSumsOfSquaresAreThePlainLoopsBitForBit(int n) {
        float[] x = wide(n + 5, n + 300);
        Assertions.assertEquals(Double.doubleToRawLongBits(CpuOptimizer.sumOfSquares(x, 5, n + 5, false)),
                Double.doubleToRawLongBits(CpuOptimizer.sumOfSquares(x, 5, n + 5, true)));
    }

    @ParameterizedTest(name = "{0} columns")
    @ValueSource(ints = {1, 7, 16, 31, 64, 100, 768})
    void layerNormIsThePlainLoopsBitForBit(int cols) {
        int rows = 37;
        float[] in = gaussian(rows * cols, 3, 2, cols);
        float[] weight = gaussian(cols, 1, 0.3, cols + 1), bias = gaussian(cols, 0, 0.3, cols + 2);
        float[][] outs = new float[2][], means = new float[2][], rstds = new float[2][];
        float[][] gradIns = new float[2][], gradWeights = new float[2][], gradBiases = new float[2][];
        float[] gradOut = gaussian(rows * cols, 0, 1, cols + 3);
        for (int v = 0; v < 2; v++) {
            boolean vector = v == 1;
            outs[v] = new float[rows * cols];
            means[v] = new float[rows];
            rstds[v] = new float[rows];
            Arrays.fill(outs[v], Float.NaN);
            CpuNorm.layerNormForward(in, weight, bias, outs[v], means[v], rstds[v], rows, cols, 1e-12f, vector);
            gradIns[v] = new float[rows * cols];
            Arrays.fill(gradIns[v], Float.NaN);
            gradWeights[v] = gaussian(cols, 0, 1, 9); // accumulated into
            gradBiases[v] = gaussian(cols, 0, 1, 10);
            CpuNorm.layerNormBackward(gradOut, in, weight, means[v], rstds[v], gradIns[v], gradWeights[v], gradBiases[v],
                    rows, cols, vector);
        }
        for (int i = 0; i < rows * cols; i++) {
            Assertions.assertFalse(Float.isNaN(outs[1][i]), "output " + i + " written");
            Assertions.assertFalse(Float.isNaN(gradIns[1][i]), "input gradient " + i + " written");
        }
        Assertions.assertArrayEquals(means[0], means[1], "means");
        Assertions.assertArrayEquals(rstds[0], rstds[1], "rstd");
        Assertions.assertArrayEquals(outs[0], outs[1], "outputs");
        Assertions.assertArrayEquals(gradIns[0], gradIns[1], "input gradients");
        Assertions.assertArrayEquals(gradWeights[0], gradWeights[1], "weight gradients");
        Assertions.assertArrayEquals(gradBiases[0], gradBiases[1], "bias gradients");
    }

    @ParameterizedTest(name = "vector {0}")
    @ValueSource(booleans = {false, true})
    void statisticsAreTheExactMeanAndVarianceRounded(boolean vector) {
        int rows = 5, cols = 768;
        float[] in = gaussian(rows * cols, 100, 0.01, 4); // a large mean over a small spread
        float[] out = new float[rows * cols], mean = new float[rows], rstd = new float[rows];
        float[] ones = new float[cols], zeros = new float[cols];
        Arrays.fill(ones, 1f);
        float eps = 1e-12f;
        CpuNorm.layerNormForward(in, ones, zeros, out, mean, rstd, rows, cols, eps, vector);
        MathContext mc = MathContext.DECIMAL128;
        for (int r = 0; r < rows; r++) {
            BigDecimal sum = BigDecimal.ZERO;
            for (int c = 0; c < cols; c++) sum = sum.add(new BigDecimal(in[r * cols + c]));
            BigDecimal mu = sum.divide(BigDecimal.valueOf(cols), mc);
            BigDecimal sq = BigDecimal.ZERO;
            for (int c = 0; c < cols; c++) sq = sq.add(new BigDecimal(in[r * cols + c]).subtract(mu).pow(2), mc);
            double variance = sq.divide(BigDecimal.valueOf(cols), mc).doubleValue();
            Assertions.assertEquals(mu.floatValue(), mean[r], "mean of row " + r);
            float exactRstd = (float) (1.0 / Math.sqrt(variance + eps));
            Assertions.assertEquals(exactRstd, rstd[r], Math.ulp(exactRstd), "rstd of row " + r);
        }
    }
}
