#!/usr/bin/env python3
"""Single-precision numpy matmul GFLOP/s (the machine's OpenBLAS) at the sizes of MatmulBench.

Prints, per size, the median over several runs of 2 n^3 / t. Run it in the same session as the
JMH benchmark, with the OpenBLAS tuning variables unset for this command only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 tools/matmul_numpy.py
"""
import statistics
import sys
import time

import numpy as np


def gflops(n, runs):
    rng = np.random.default_rng(1)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - start)
    return 2 * n ** 3 / statistics.median(times) / 1e9


def main():
    sizes = [int(s) for s in sys.argv[1:]] or [256, 1024, 2048]
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"] if hasattr(np, "show_config") else {}
    print(f"numpy {np.__version__}, BLAS {blas.get('name', '?')} {blas.get('version', '')}")
    for n in sizes:
        runs = 21 if n <= 512 else 9 if n <= 1024 else 5
        print(f"n={n:5d}  {gflops(n, runs):7.1f} GFLOP/s  (median of {runs})")


if __name__ == "__main__":
    main()
