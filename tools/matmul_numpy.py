#!/usr/bin/env python3
"""Single-precision numpy matmul GFLOP/s (the machine's OpenBLAS) at the shapes of MatmulBench.

A shape is n (n x n x n) or MxNxK:AB with A, B each N (as stored) or T (a transposed view, which
OpenBLAS reads with its transpose flag), as in MatmulBench. Prints, per shape, the median over
several runs of 2 M N K / t. Run it in the same session as the
JMH benchmark, with the OpenBLAS tuning variables unset for this command only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 tools/matmul_numpy.py
"""
import statistics
import sys
import time

import numpy as np


def parse(shape):
    dims, _, flags = shape.partition(":")
    m, n, k = (int(d) for d in dims.split("x")) if "x" in dims else (int(dims),) * 3
    return m, n, k, flags[:1] == "T", flags[1:2] == "T"


def flops(shape):
    """Floating-point operations of one product of the shape: 2 M N K."""
    m, n, k, _, _ = parse(shape)
    return 2 * m * n * k


class Product:
    """The operands of one shape (random, as stored: a transposed one is a view) and the time of a product."""

    def __init__(self, shape):
        m, n, k, trans_a, trans_b = parse(shape)
        rng = np.random.default_rng(1)
        a = rng.random((k, m) if trans_a else (m, k), dtype=np.float32)
        b = rng.random((n, k) if trans_b else (k, n), dtype=np.float32)
        self.a, self.b = (a.T if trans_a else a), (b.T if trans_b else b)
        self.c = np.empty((m, n), dtype=np.float32)
        self.flops = flops(shape)

    def seconds(self, clock=time.perf_counter):
        start = clock()
        np.matmul(self.a, self.b, out=self.c)
        return clock() - start


def gflops(shape, runs, clock=time.perf_counter):
    product = Product(shape)
    product.seconds(clock)  # warm-up
    times = [product.seconds(clock) for _ in range(runs)]
    return product.flops / statistics.median(times) / 1e9


def main():
    shapes = sys.argv[1:] or ["256", "1024", "2048", "1024x768x768:NT", "1024x3072x768:NT", "1024x768x3072:NT",
                              "1024x768x3072:NN", "768x768x1024:TN", "3072x768x1024:TN"]
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"] if hasattr(np, "show_config") else {}
    print(f"numpy {np.__version__}, BLAS {blas.get('name', '?')} {blas.get('version', '')}")
    for shape in shapes:
        count = flops(shape)
        runs = 21 if count <= 2 * 512 ** 3 else 9 if count <= 2 * 2048 ** 3 / 2 else 5
        print(f"{shape:>18}  {gflops(shape, runs):7.1f} GFLOP/s  (median of {runs})")


if __name__ == "__main__":
    main()
