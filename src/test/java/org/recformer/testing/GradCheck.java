package org.recformer.testing;

import org.recformer.backend.Backends;
import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * One-line op tests in the tinygrad style: run an op on the engine (float32) and a direct
 * reference of the same function in double precision, then
 * <ol>
 *   <li>compare forward values,</li>
 *   <li>back-propagate a random output weighting {@code r} through the engine, and</li>
 *   <li>compare each input's analytic gradient with central differences of
 *       {@code sum(r * ref(x))} computed in double precision.</li>
 * </ol>
 * Buffers are NaN-poisoned on allocation in tests (surefire sets {@code recformer.poison}), so an
 * unwritten element fails the comparison.
 */
public final class GradCheck {
    private GradCheck() {}

    /** A reference implementation in double precision: inputs (flat, row-major) to flat output. */
    @FunctionalInterface
    public interface Reference {
        double[] apply(double[][] inputs);
    }

    /** How to draw inputs and how close results must be. */
    public static final class Options {
        double low = -1, high = 1;
        double forwardAtol = 1e-5, forwardRtol = 1e-5;
        double gradAtol = 1e-4, gradRtol = 1e-3;
        double step = 1e-6;
        boolean[] differentiable;
        boolean elementwise;
        long seed = 42;

        public Options range(double low, double high) {
            this.low = low;
            this.high = high;
            return this;
        }

        public Options forwardTolerance(double atol, double rtol) {
            this.forwardAtol = atol;
            this.forwardRtol = rtol;
            return this;
        }

        public Options gradTolerance(double atol, double rtol) {
            this.gradAtol = atol;
            this.gradRtol = rtol;
            return this;
        }

        /** Which inputs get a gradient check (default all). */
        public Options differentiable(boolean... flags) {
            this.differentiable = flags;
            return this;
        }

        /**
         * The op is elementwise (output j depends only on element j of each input), so all
         * elements can be perturbed at once: two reference calls per input instead of two per
         * element, which makes large tensors affordable.
         */
        public Options elementwise() {
            this.elementwise = true;
            return this;
        }

        public Options seed(long seed) {
            this.seed = seed;
            return this;
        }
    }

    public static Options options() {
        return new Options();
    }

    public static void check(String name, Function<Tensor[], Tensor> op, Reference ref, int[]... shapes) {
        check(name, op, ref, options(), shapes);
    }

    /** Draws random inputs of the given shapes and checks forward and backward of op against ref. */
    public static void check(String name, Function<Tensor[], Tensor> op, Reference ref, Options o, int[]... shapes) {
        SplittableRandom rng = new SplittableRandom(o.seed);
        double[][] x = new double[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            x[i] = new double[Shape.numel(shapes[i])];
            for (int j = 0; j < x[i].length; j++) x[i][j] = (float) (o.low + (o.high - o.low) * rng.nextDouble());
        }
        checkAt(name, op, ref, o, x, shapes);
    }

    /** Checks op against ref at the given input values (rounded to float for the engine). */
    public static void checkAt(String name, Function<Tensor[], Tensor> op, Reference ref, Options o, double[][] x, int[]... shapes) {
        Tensor[] inputs = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            inputs[i] = Tensor.of(Backends.cpu(), toFloat(x[i]), shapes[i]);
            if (isDifferentiable(o, i)) inputs[i].requiresGrad(true);
        }
        Tensor out = op.apply(inputs);
        double[] expected = ref.apply(x);
        float[] actual = out.toArray();
        assertClose(name + " forward", expected, actual, o.forwardAtol, o.forwardRtol);

        SplittableRandom rng = new SplittableRandom(o.seed + 1);
        double[] r = new double[actual.length];
        for (int j = 0; j < r.length; j++) r[j] = (float) (rng.nextDouble() * 2 - 1);
        boolean anyGrad = false;
        for (int i = 0; i < inputs.length; i++) anyGrad |= isDifferentiable(o, i);
        if (!anyGrad) return;
        out.backward(Tensor.of(Backends.cpu(), toFloat(r), out.shape()));

        for (int i = 0; i < inputs.length; i++) {
            if (!isDifferentiable(o, i)) continue;
            double[] numeric = o.elementwise ? elementwiseDifferences(ref, x, i, r, o.step) : centralDifferences(ref, x, i, r, o.step);
            Tensor g = inputs[i].grad();
            if (g == null) fail(name + ": input " + i + " received no gradient");
            assertClose(name + " gradient of input " + i, numeric, g.toArray(), o.gradAtol, o.gradRtol);
        }
    }

    /** Central differences of sum(r * ref) with respect to each element of input i, one at a time. */
    private static double[] centralDifferences(Reference ref, double[][] x, int i, double[] r, double step) {
        double[] numeric = new double[x[i].length];
        for (int j = 0; j < x[i].length; j++) {
            double keep = x[i][j];
            x[i][j] = keep + step;
            double plus = dot(r, ref.apply(x));
            x[i][j] = keep - step;
            double minus = dot(r, ref.apply(x));
            x[i][j] = keep;
            numeric[j] = (plus - minus) / (2 * step);
        }
        return numeric;
    }

    /** Central differences of sum(r * ref) for an elementwise ref, perturbing all of input i at once. */
    private static double[] elementwiseDifferences(Reference ref, double[][] x, int i, double[] r, double step) {
        double[] keep = x[i].clone();
        for (int j = 0; j < keep.length; j++) x[i][j] = keep[j] + step;
        double[] plus = ref.apply(x);
        for (int j = 0; j < keep.length; j++) x[i][j] = keep[j] - step;
        double[] minus = ref.apply(x);
        System.arraycopy(keep, 0, x[i], 0, keep.length);
        if (plus.length != r.length) throw new IllegalStateException("reference output has " + plus.length + " values, engine " + r.length);
        double[] numeric = new double[keep.length];
        for (int j = 0; j < keep.length; j++) numeric[j] = r[j] * (plus[j] - minus[j]) / (2 * step);
        return numeric;
    }

    private static boolean isDifferentiable(Options o, int i) {
        return o.differentiable == null || (i < o.differentiable.length && o.differentiable[i]);
    }

    /**
     * Elementwise |a - e| <= atol * scale + rtol * |e|, where scale = max(1, max|e|): absolute
     * error relative to the size of the largest entry, plus a relative term per element.
     */
    public static void assertClose(String what, double[] expected, float[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            fail(what + ": " + actual.length + " values, expected " + expected.length);
        }
        double scale = 1;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            double allowed = atol * scale + rtol * Math.abs(expected[i]);
            if (!(err <= allowed)) { // NaN fails
                if (worstAt < 0 || !(err <= worst)) {
                    worst = err;
                    worstAt = i;
                }
            }
        }
        if (worstAt >= 0) {
            fail(String.format("%s: element %d is %s, expected %s (error %s; atol %s x scale %s, rtol %s); first values %s",
                    what, worstAt, actual[worstAt], expected[worstAt], worst, atol, scale, rtol,
                    Arrays.toString(Arrays.copyOf(actual, Math.min(6, actual.length)))));
        }
    }

    private static double dot(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalStateException("reference output has " + b.length + " values, engine " + a.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    public static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }
}
