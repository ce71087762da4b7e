#!/usr/bin/env python3
"""Fits the two approximations CpuGeluVector evaluates in double lanes, and checks them.

- exp(r) on |r| <= ln(2) / 2 by a polynomial of degree 7 with constant term 1 (so exp(0) is 1 exactly);
- erfcx(y) = erfc(y) exp(y^2) on [0, 4] by a ratio P(y) / Q(y) of two polynomials of degree 5, both
  with constant term 1 (so erfc(0) is 1 exactly, as the plain loops have it), Q without a zero there.

Each is fitted for the smallest largest relative error by weighted least squares on Chebyshev
nodes, the weights updated from the errors (Lawson's iteration; for the ratio, the linearised
problem P - f Q = 0 weighted by 1 / (Q f), Sanathanan and Koerner's iteration), and then checked
against mpmath at 40 digits on a grid of 20,001 points, evaluated in double by Horner's rule as the
Java code does. Prints the coefficients, lowest power first, as Java literals, and the errors.
Needs numpy, scipy and mpmath:  python3 tools/fit_gelu_approximations.py
"""
import mpmath as mp
import numpy as np
from scipy.special import erfcx

mp.mp.dps = 40
NODES = 6000


def chebyshev_nodes(lo, hi, n=NODES):
    return (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (np.arange(n) + 0.5) / n)


def fit_exp(degree):
    """1 + c1 r + ... + c_degree r^degree ~ exp(r) on [-ln2/2, ln2/2]; returns [1, c1, ...]."""
    half = float(mp.log(2) / 2)
    r = chebyshev_nodes(-half, half)
    f = np.exp(r)
    powers = np.vander(r, degree + 1, increasing=True)[:, 1:]
    weights, best = np.ones_like(r), None
    for _ in range(300):
        scale = np.sqrt(weights) / f
        tail, *_ = np.linalg.lstsq(powers * scale[:, None], (f - 1) * scale, rcond=None)
        c = np.concatenate([[1.0], tail])
        error = np.abs(horner(c, r) - f) / f
        if best is None or error.max() < best[0]:
            best = (error.max(), c)
        weights = weights * error
        weights /= weights.sum()
    return best[1]


def fit_erfcx(degree):
    """P / Q ~ erfcx on [0, 4], P(0) = Q(0) = 1; returns (P, Q) lowest power first."""
    y = chebyshev_nodes(0.0, 4.0)
    f = erfcx(y)
    powers = np.vander(y, degree + 1, increasing=True)[:, 1:]
    q_values, weights, best = np.ones_like(y), np.ones_like(y), None
    for iteration in range(300):
        scale = np.sqrt(weights) / (q_values * f)
        system = np.hstack([powers, -f[:, None] * powers])
        solution, *_ = np.linalg.lstsq(system * scale[:, None], (f - 1) * scale, rcond=None)
        p = np.concatenate([[1.0], solution[:degree]])
        q = np.concatenate([[1.0], solution[degree:]])
        q_values = horner(q, y)
        error = np.abs(horner(p, y) / q_values - f) / f
        if q_values.min() > 0 and (best is None or error.max() < best[0]):
            best = (error.max(), p, q)
        if iteration >= 20:
            weights = weights * error
            weights /= weights.sum()
    return best[1], best[2]


def horner(c, x):
    """c[0] + c[1] x + ... by Horner's rule in double, highest power first, as the Java loops run it."""
    out = np.full_like(x, c[-1])
    for coefficient in c[-2::-1]:
        out = out * x + coefficient
    return out


def java(name, c):
    return f"    private static final double[] {name} = {{" + ", ".join(repr(float(v)) for v in c) + "};"


def main():
    exp = fit_exp(7)
    p, q = fit_erfcx(5)
    half = float(mp.log(2) / 2)
    r = np.linspace(-half, half, 20001)
    exact = np.array([float(mp.exp(mp.mpf(v))) for v in r])
    exp_error = np.max(np.abs(horner(exp, r) - exact) / exact)
    y = np.linspace(0.0, 4.0, 20001)
    exact = np.array([float(mp.erfc(mp.mpf(v)) * mp.exp(mp.mpf(v) ** 2)) for v in y])
    q_values = horner(q, y)
    ratio_error = np.max(np.abs(horner(p, y) / q_values - exact) / exact)
    print(java("EXP_POLY", exp))
    print(java("ERFCX_NUM", p))
    print(java("ERFCX_DEN", q))
    print(f"exp: largest relative error {exp_error:.3g}; erfcx: {ratio_error:.3g} (Q >= {q_values.min():.3g} on [0, 4])")


if __name__ == "__main__":
    main()
