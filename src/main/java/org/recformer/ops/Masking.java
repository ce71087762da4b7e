package org.recformer.ops;

import org.recformer.tensor.Tensor;

import java.util.Arrays;

/** Masked fill with a broadcast mask. */
public final class Masking {
    private Masking() {}

    /**
     * value where mask != 0, x elsewhere; mask broadcasts to x's shape. The gradient of x is 0
     * where filled; the mask gets none.
     */
    public static Tensor maskedFill(Tensor x, Tensor mask, float value) {
        int[] shape = x.shape();
        int[] maskShape = mask.shape();
        checkBroadcastsTo(maskShape, shape);
        Tensor out = Tensor.empty(x.backend(), shape);
        x.backend().maskedFill(x.buffer(), shape, mask.buffer(), maskShape, value, out.buffer());
        return out.record("maskedFill", new Tensor[] {x}, g -> {
            Tensor gx = Tensor.empty(x.backend(), shape);
            x.backend().maskedFill(g.buffer(), shape, mask.buffer(), maskShape, 0f, gx.buffer());
            x.accumulateGrad(gx);
        });
    }

    private static void checkBroadcastsTo(int[] maskShape, int[] shape) {
        boolean ok = maskShape.length <= shape.length;
        for (int i = 0; ok && i < maskShape.length; i++) {
            int m = maskShape[maskShape.length - 1 - i];
            ok = m == 1 || m == shape[shape.length - 1 - i];
        }
        if (!ok) {
            throw new IllegalArgumentException("mask of shape " + Arrays.toString(maskShape) + " does not broadcast to " + Arrays.toString(shape));
        }
    }
}
