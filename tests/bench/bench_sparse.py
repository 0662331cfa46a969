"""Benchmark of sparse Jacobians (``optad.jacobian(f, sparse=True)``): colours found and
time against one evaluation of the residuals and against the dense Jacobian.

Run:  python tests/bench/bench_sparse.py [--n 10000] [--dense-n 1000]

Problems (Moré, Garbow and Hillstrom 1981), residuals written here with shifted slices
so that this file depends on nothing but optad:
  * Broyden tridiagonal (MGH 30), two ways: in-place writes into shifted slices, and
    shifted copies joined by np.concatenate;
  * Broyden banded (MGH 31, ml = 5, mu = 1), the band sum by in-place shifted slices.

Printed per problem at n (default 1e4): the column and row colours, the first call
(tracing the pattern at three points, colouring, one Jacobian), one Jacobian in forward
mode (one jvp per column colour), in reverse mode (one recording and one backward pass
per row colour) and in the mode ``auto`` picks, each as a time and as a ratio to one
evaluation of the residuals, each eagerly and with ``jit=True`` (all passes recorded
once by optad.jit and replayed); SciPy's own sparse finite differences with the same column
groups (``scipy.optimize._numdiff.approx_derivative``, colours + 1 evaluations: a floor
for any method that runs f once per colour, but only ~1e-8 accurate); and the dense
Jacobian (``optad.jacobian``, reverse mode: one backward pass per row, and ``jacfwd``,
one jvp per column) measured at --dense-n and extrapolated to n by (n / dense_n)^2 (each
of n passes costs O(n)): said so in the table.

Target (issue 16): the tridiagonal Jacobian at n = 1e4 in <= 10x the residuals' time.
Times are medians of repeats in one process (the machine's speed cancels in ratios, its
load does not: on a shared VM figures move by 10-30 % between runs).
"""

import argparse
import os
import sys
import time

import numpy as np

if __name__ == "__main__":   # runs from a checkout too, without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import optad  # noqa: E402
from bench_core import median_time  # noqa: E402  (one timing helper for every benchmark)
from optad.sparse import colour_columns, colour_rows, sparse_jacobian  # noqa: E402


def broyden_tridiagonal(x):
    """MGH 30: f_i = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1, x_0 = x_{n+1} = 0."""
    y = (3 - 2 * x) * x + 1
    y[1:] -= x[:-1]
    y[:-1] -= 2 * x[1:]
    return y


def broyden_tridiagonal_concat(x):
    """MGH 30 with the neighbours as shifted copies padded by a zero."""
    left = np.concatenate([np.zeros(1), x[:-1]])
    right = np.concatenate([x[1:], np.zeros(1)])
    return (3 - 2 * x) * x - left - 2 * right + 1


def broyden_banded(x, ml=5, mu=1):
    """MGH 31: f_i = x_i (2 + 5 x_i^2) + 1 - sum_{j in band(i), j != i} x_j (1 + x_j)."""
    s = np.zeros_like(x)
    for k in range(1, ml + 1):
        s[k:] += x[:-k] * (1 + x[:-k])
    for k in range(1, mu + 1):
        s[:-k] += x[k:] * (1 + x[k:])
    return x * (2 + 5 * x ** 2) + 1 - s


PROBLEMS = [("Broyden tridiagonal (in place)", broyden_tridiagonal),
            ("Broyden tridiagonal (concat)", broyden_tridiagonal_concat),
            ("Broyden banded ml=5 mu=1", broyden_banded)]




def scipy_fd(f, x, pattern, groups):
    try:
        from scipy.optimize._numdiff import approx_derivative
    except ImportError:         # a private SciPy module: it may move
        return None
    return lambda: approx_derivative(f, x, sparsity=(pattern, groups), method="2-point")


def fmt(seconds):
    return f"{seconds * 1e3:9.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:9.1f} us"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--dense-n", type=int, default=1_000)
    args = parser.parse_args(argv)
    n, dn = args.n, args.dense_n
    scale = (n / dn) ** 2
    print(f"sparse Jacobians at n = {n}; dense ones measured at n = {dn} and extrapolated "
          f"x{scale:g}\n")
    for name, f in PROBLEMS:
        x = -np.ones(n)                                     # the standard start
        t_f = median_time(lambda: f(x))
        start = time.perf_counter()
        jac = optad.jacobian(f, sparse=True)
        J = jac(x)
        first = time.perf_counter() - start
        plan = jac.plan(x)
        rows = [("f (residuals)", t_f)]
        rows.append(("first call (pattern, colours, J)", first))
        for mode in ("forward", "reverse"):
            j = sparse_jacobian(f, mode=mode)
            j(x)
            rows.append((f"sparse J, {mode} mode", median_time(lambda: j(x))))
        rows.append((f"sparse J, auto ({plan.mode})", median_time(lambda: jac(x))))
        for mode in ("forward", "reverse"):
            j = sparse_jacobian(f, mode=mode, jit=True)
            j(x)
            rows.append((f"sparse J, {mode} mode, jit=True", median_time(lambda: j(x))))
        jj = optad.jacobian(f, sparse=True, jit=True)
        jj(x)
        assert np.allclose(jj(x).toarray(), J.toarray(), rtol=1e-14)
        rows.append((f"sparse J, auto ({plan.mode}), jit=True", median_time(lambda: jj(x))))
        fd = scipy_fd(f, x, plan.pattern, colour_columns(plan.pattern))
        if fd is not None:
            rows.append(("SciPy sparse 2-point FD, same groups", median_time(fd)))
        xd = -np.ones(dn)
        dense_rev = median_time(lambda: optad.jacobian(f)(xd), repeats=3, min_time=0.1)
        dense_fwd = median_time(lambda: optad.jacfwd(f)(xd), repeats=3, min_time=0.1)
        rows.append((f"dense optad.jacobian (rev), n={dn} x{scale:g}", dense_rev * scale))
        rows.append((f"dense optad.jacfwd, n={dn} x{scale:g}", dense_fwd * scale))
        # the sparse result is the dense one (checked at the smaller size)
        Jd = optad.jacobian(f)(xd)
        assert np.allclose(optad.jacobian(f, sparse=True)(xd).toarray(), Jd, rtol=1e-13)
        kc = colour_columns(plan.pattern).max() + 1
        kr = colour_rows(plan.pattern).max() + 1
        print(f"{name}: {J.shape[0]}x{J.shape[1]}, {J.nnz} nonzeros, {kc} column colours, "
              f"{kr} row colours")
        for label, t in rows:
            print(f"  {label:44s} {fmt(t)}   {t / t_f:9.1f} x f")
        print()


if __name__ == "__main__":
    main()
