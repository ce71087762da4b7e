package org.recformer.tensor;

/** Elementwise unary operations; some take a scalar argument. */
public enum UnaryOp {
    /** x * arg */
    SCALE,
    /** x + arg */
    ADD_SCALAR,
    /** exact GELU: x * Phi(x) with the error function */
    GELU,
    TANH,
    EXP,
    /** max(x, arg); gradient passes where x &gt;= arg (as torch.clamp_min) */
    CLAMP_MIN,
    SQRT,
    /** x ^ arg */
    POW
}
