package org.recformer.autograd;

import org.junit.jupiter.api.Test;
import org.recformer.backend.Backends;
import org.recformer.nn.Module;
import org.recformer.nn.Parameter;
import org.recformer.ops.Arithmetic;
import org.recformer.ops.Reductions;
import org.recformer.tensor.Tensor;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutogradTest {

    private static Tensor leaf(float... values) {
        return Tensor.of(Backends.cpu(), values, values.length).requiresGrad(true);
    }

    @Test
    void aTensorUsedTwiceAccumulatesBothGradients() {
        Tensor x = leaf(1f, -2f, 3f);
        // y = sum(x * x + 3x): dy/dx = 2x + 3
        Tensor y = Reductions.sum(Arithmetic.add(Arithmetic.mul(x, x), Arithmetic.scale(x, 3f)));
        y.backward();
        assertArrayEquals(new float[] {5f, -1f, 9f}, x.grad().toArray());
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Tensor x = leaf(1f, 2f);
        Reductions.sum(Arithmetic.scale(x, 2f)).backward();
        Reductions.sum(Arithmetic.scale(x, 5f)).backward();
        assertArrayEquals(new float[] {7f, 7f}, x.grad().toArray());
        x.zeroGrad();
        assertNull(x.grad());
        Reductions.sum(Arithmetic.scale(x, 5f)).backward();
        assertArrayEquals(new float[] {5f, 5f}, x.grad().toArray());
    }

    @Test
    void aLeafGradientIsItsOwnBuffer() {
        // the first gradient is copied into the leaf, so later in-place accumulation cannot
        // change a tensor of the graph that produced it
        Tensor x = leaf(1f, 2f);
        Tensor g = Tensor.of(Backends.cpu(), new float[] {1f, 1f}, 2);
        Arithmetic.addScalar(x, 0f).backward(g);
        Arithmetic.addScalar(x, 0f).backward(g);
        assertArrayEquals(new float[] {1f, 1f}, g.toArray());
        assertArrayEquals(new float[] {2f, 2f}, x.grad().toArray());
    }

    @Test
    void aLeafKeepsAFreshGradientAndAddsLaterOnesIntoIt() {
        Tensor x = leaf(1f, 2f);
        Tensor first = Tensor.of(Backends.cpu(), new float[] {1f, 1f}, 2);
        Tensor second = Tensor.of(Backends.cpu(), new float[] {2f, 3f}, 2);
        x.accumulateFreshGrad(first);
        assertSame(first, x.grad());
        x.accumulateFreshGrad(second);
        assertSame(first, x.grad());
        assertArrayEquals(new float[] {3f, 4f}, x.grad().toArray());
        assertArrayEquals(new float[] {2f, 3f}, second.toArray());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> x.accumulateFreshGrad(Tensor.zeros(Backends.cpu(), 3)));
        assertTrue(e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void noGradScopeRecordsNothing() {
        Tensor x = leaf(1f, 2f);
        Tensor y;
        try (var scope = GradMode.noGrad()) {
            y = Arithmetic.mul(x, x);
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        assertThrows(IllegalStateException.class, () -> Reductions.sum(y).backward());
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = leaf(1f, 2f);
        Tensor d = Arithmetic.scale(x, 3f).detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        // z = sum(x * detach(3x)): only the direct path carries a gradient, dz/dx = 3x
        Reductions.sum(Arithmetic.mul(x, d)).backward();
        assertArrayEquals(new float[] {3f, 6f}, x.grad().toArray());
    }

    @Test
    void backwardOnANonScalarNeedsAGradient() {
        Tensor y = Arithmetic.scale(leaf(1f, 2f), 2f);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("[2]"), e.getMessage());
    }

    @Test
    void aDeepChainDoesNotOverflowTheStack() {
        Tensor x = leaf(0.5f);
        Tensor one = Tensor.of(Backends.cpu(), new float[] {1f}, 1);
        Tensor y = x;
        int depth = 10_000;
        for (int i = 0; i < depth; i++) y = Arithmetic.add(y, one);
        assertEquals(0.5f + depth, y.item(), 0f);
        Reductions.sum(y).backward();
        assertArrayEquals(new float[] {1f}, x.grad().toArray());
    }

    @Test
    void intermediateGradientsAreReleasedUnlessRetained() {
        Tensor x = leaf(1f, 2f);
        Tensor mid = Arithmetic.scale(x, 2f);
        Tensor kept = Arithmetic.scale(x, 3f).retainGrad();
        Reductions.sum(Arithmetic.add(mid, kept)).backward();
        assertNull(mid.grad());
        assertArrayEquals(new float[] {1f, 1f}, kept.grad().toArray());
        assertArrayEquals(new float[] {5f, 5f}, x.grad().toArray());
    }

    @Test
    void backwardFreesTheGraphItRan() throws InterruptedException {
        Tensor x = leaf(1f, 2f);
        Tensor mid = Arithmetic.scale(x, 2f);
        WeakReference<Tensor> midRef = new WeakReference<>(mid);
        Tensor loss = Reductions.sum(Arithmetic.mul(mid, mid));
        mid = null;
        loss.backward();
        assertArrayEquals(new float[] {8f, 16f}, x.grad().toArray());
        // loss still holds its node; the node no longer holds the activations it saved
        for (int i = 0; i < 50 && midRef.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(midRef.get(), "an intermediate tensor is still reachable from the graph after backward");
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("second time"), e.getMessage());
    }

    // ---------------------------------------------------------------- modules

    private static final class Linear extends Module {
        Linear(int in, int out) {
            registerParameter("weight", Tensor.zeros(Backends.cpu(), out, in));
            registerParameter("bias", Tensor.zeros(Backends.cpu(), out));
        }
    }

    private static final class Block extends Module {
        Block() {
            registerParameter("scale", Tensor.zeros(Backends.cpu(), 1));
            registerModule("query", new Linear(2, 3));
            registerModule("key", new Linear(2, 3));
        }
    }

    private static final class Model extends Module {
        final Block first;

        Model() {
            registerParameter("embedding", Tensor.zeros(Backends.cpu(), 4, 2));
            first = registerModule("layer0", new Block());
            registerModule("layer1", new Block());
            registerParameter("head", Tensor.zeros(Backends.cpu(), 2));
        }
    }

    @Test
    void namedParametersKeepRegistrationOrderWithDottedNames() {
        Model model = new Model();
        Map<String, Parameter> params = model.namedParameters();
        // a module's own parameters first, then each child's, in the order they were registered
        assertEquals(List.of("embedding", "head",
                "layer0.scale", "layer0.query.weight", "layer0.query.bias", "layer0.key.weight", "layer0.key.bias",
                "layer1.scale", "layer1.query.weight", "layer1.query.bias", "layer1.key.weight", "layer1.key.bias"),
                List.copyOf(params.keySet()));
        assertArrayEquals(new int[] {3, 2}, params.get("layer1.key.weight").shape());
        assertSame(model.first.namedParameters().get("query.bias"), params.get("layer0.query.bias"));
    }

    @Test
    void moduleZeroGradAndTrainEval() {
        Model model = new Model();
        Tensor head = model.namedParameters().get("head").tensor();
        Reductions.sum(Arithmetic.scale(head, 2f)).backward();
        assertArrayEquals(new float[] {2f, 2f}, head.grad().toArray());
        model.zeroGrad();
        assertNull(head.grad());
        model.eval();
        assertFalse(model.first.isTraining());
        model.train(true);
        assertTrue(model.first.isTraining());
    }
}
