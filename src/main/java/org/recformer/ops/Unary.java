package org.recformer.ops;

import org.recformer.tensor.Tensor;
import org.recformer.tensor.UnaryOp;

/** The shared forward/backward of the elementwise unary ops (Activations, Arithmetic.scale, ...). */
final class Unary {
    private Unary() {}

    /** out = op(x) elementwise, with {@code arg} the op's scalar; backward through Backend.unaryBackward. */
    static Tensor apply(String name, UnaryOp op, Tensor x, float arg) {
        Tensor out = Tensor.empty(x.backend(), x.shape());
        x.backend().unary(op, x.buffer(), out.buffer(), x.numel(), arg);
        return out.record(name, new Tensor[] {x}, g -> {
            Tensor gx = Tensor.empty(x.backend(), x.shape());
            x.backend().unaryBackward(op, x.buffer(), out.buffer(), g.buffer(), gx.buffer(), x.numel(), arg);
            x.accumulateGrad(gx);
        });
    }
}
