package org.recformer.ops;

import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;
import org.recformer.tensor.UnaryOp;

import java.util.Arrays;

/** Elementwise arithmetic with NumPy broadcasting. */
public final class Arithmetic {
    private Arithmetic() {}

    public static Tensor add(Tensor a, Tensor b) {
        return binary(BinaryOp.ADD, a, b);
    }

    public static Tensor sub(Tensor a, Tensor b) {
        return binary(BinaryOp.SUB, a, b);
    }

    public static Tensor mul(Tensor a, Tensor b) {
        return binary(BinaryOp.MUL, a, b);
    }

    public static Tensor div(Tensor a, Tensor b) {
        return binary(BinaryOp.DIV, a, b);
    }

    /** x * s. */
    public static Tensor scale(Tensor x, float s) {
        return Unary.apply("scale", UnaryOp.SCALE, x, s);
    }

    /** x + s. */
    public static Tensor addScalar(Tensor x, float s) {
        return Unary.apply("addScalar", UnaryOp.ADD_SCALAR, x, s);
    }

    private static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        int[] outShape = Shape.broadcast(a.shape(), b.shape());
        Tensor out = Tensor.empty(a.backend(), outShape);
        a.backend().binary(op, a.buffer(), a.shape(), b.buffer(), b.shape(), out.buffer(), outShape);
        return out.record(op.name().toLowerCase(), new Tensor[] {a, b}, g -> {
            switch (op) {
                case ADD:
                    if (a.requiresGrad()) a.accumulateGrad(sumTo(g, a.shape()));
                    if (b.requiresGrad()) b.accumulateGrad(sumTo(g, b.shape()));
                    break;
                case SUB:
                    if (a.requiresGrad()) a.accumulateGrad(sumTo(g, a.shape()));
                    if (b.requiresGrad()) b.accumulateGrad(sumTo(rawBinary(BinaryOp.SUB, zerosLike(g), g), b.shape()));
                    break;
                case MUL:
                    if (a.requiresGrad()) a.accumulateGrad(sumTo(rawBinary(BinaryOp.MUL, g, b), a.shape()));
                    if (b.requiresGrad()) b.accumulateGrad(sumTo(rawBinary(BinaryOp.MUL, g, a), b.shape()));
                    break;
                case DIV:
                    // d(a/b)/da = 1/b ; d(a/b)/db = -a/b^2 = -out/b
                    if (a.requiresGrad()) a.accumulateGrad(sumTo(rawBinary(BinaryOp.DIV, g, b), a.shape()));
                    if (b.requiresGrad()) {
                        Tensor gOut = rawBinary(BinaryOp.MUL, g, out);
                        Tensor neg = rawBinary(BinaryOp.SUB, zerosLike(gOut), gOut);
                        b.accumulateGrad(sumTo(rawBinary(BinaryOp.DIV, neg, b), b.shape()));
                    }
                    break;
                default:
                    throw new IllegalArgumentException(op.toString());
            }
        });
    }

    /** Kernel call without recording (for backward passes). */
    static Tensor rawBinary(BinaryOp op, Tensor a, Tensor b) {
        int[] outShape = Shape.broadcast(a.shape(), b.shape());
        Tensor out = Tensor.empty(a.backend(), outShape);
        a.backend().binary(op, a.buffer(), a.shape(), b.buffer(), b.shape(), out.buffer(), outShape);
        return out;
    }

    private static Tensor zerosLike(Tensor t) {
        return Tensor.zeros(t.backend(), t.shape());
    }

    /** Sums a broadcast gradient back down to {@code shape} (no-op when the shapes match). */
    static Tensor sumTo(Tensor g, int[] shape) {
        if (Arrays.equals(g.shape(), shape)) return g;
        Tensor out = Tensor.empty(g.backend(), shape);
        g.backend().sumToShape(g.buffer(), g.shape(), out.buffer(), shape);
        return out;
    }
}
