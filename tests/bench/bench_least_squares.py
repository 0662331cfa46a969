"""Benchmark: least_squares on the 35 Moré–Garbow–Hillstrom problems, optad's exact
Jacobian against SciPy's default finite differences.

Run:  python tests/bench/bench_least_squares.py [--methods trf,lm] [--tol 1e-12]
                                                [--problems mgh01,mgh10]

For every problem (standard start, default size) and method, two runs with the same
tolerances (``ftol = xtol = gtol = --tol``) and SciPy's default ``max_nfev``:

* ``optad``: ``optimizers.least_squares`` (the Jacobian by optad);
* ``fd``: ``scipy.optimize.least_squares`` with ``jac="2-point"`` (SciPy's default);
* ``optad jit`` (in the summary): ``optad`` with ``jit=True`` (residuals and Jacobian
  replayed by ``optad.jit``).

Counts: residual evaluations (every call of the residual function, the finite
differences' included) and Jacobian evaluations, apart; wall time. A run *solves* a
problem when F = Σ r² ≤ F* + 1e-8·max(1, F*), F* the published minimum (``f_star``).
Prints a table per method, then a summary. Not a test: nothing is asserted.
"""

import os
import sys

if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy.optimize as so  # noqa: E402

import optimizers  # noqa: E402
import problems  # noqa: E402


def solved(F, f_star):
    return f_star is not None and np.isfinite(F) and F <= f_star + 1e-8 * max(1.0, f_star)


def run_optad(p, method, tol, jit=False):
    t0 = time.perf_counter()
    res = optimizers.least_squares(p.residuals, p.x0, method, ftol=tol, xtol=tol, gtol=tol,
                                   jit=jit)
    seconds = time.perf_counter() - t0
    return 2.0 * res.cost, res.nfev, res.njev, seconds, res.status


def run_fd(p, method, tol):
    calls = [0]

    def counted(x):
        calls[0] += 1
        return p.residuals(x)
    t0 = time.perf_counter()
    try:
        res = so.least_squares(counted, p.x0, method=method, ftol=tol, xtol=tol, gtol=tol)
    except Exception as exc:                    # a failed run counts as unsolved
        return np.inf, calls[0], 0, time.perf_counter() - t0, type(exc).__name__
    seconds = time.perf_counter() - t0
    # SciPy's njev: its own count of Jacobians (finite-difference ones included for trf
    # and dogbox; for lm it reports None, so count them from the calls: n + 1 per FD).
    njev = res.njev if res.njev is not None else None
    return 2.0 * res.cost, calls[0], njev, seconds, res.status


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default="trf,dogbox,lm")
    ap.add_argument("--tol", type=float, default=1e-12)
    ap.add_argument("--problems", default=None)
    args = ap.parse_args(argv)
    names = args.problems.split(",") if args.problems else problems.names(tags="mgh")
    summary = []
    for method in args.methods.split(","):
        print(f"\n== {method}  (ftol = xtol = gtol = {args.tol:g}) ==")
        print(f"{'problem':8} {'n':>3} {'m':>3} {'F*':>11} | {'optad F':>11} {'ok':>2} "
              f"{'res':>5} {'jac':>4} {'ms':>7} | {'fd F':>11} {'ok':>2} {'res':>5} "
              f"{'jac':>4} {'ms':>7}")
        tot = {"optad": [0, 0, 0, 0.0], "optad jit": [0, 0, 0, 0.0], "fd": [0, 0, 0, 0.0]}
        for name in names:
            p = problems.get(name)
            m = p.params.get("m", p.n)
            if method == "lm" and m < p.n:
                continue
            row = []
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                for kind, fn in (("optad", run_optad), ("fd", run_fd),
                                 ("optad jit", lambda *a: run_optad(*a, jit=True))):
                    F, nfev, njev, secs, status = fn(p, method, args.tol)
                    ok = solved(F, p.f_star)
                    t = tot[kind]
                    t[0] += ok
                    t[1] += nfev
                    t[2] += njev or 0
                    t[3] += secs
                    if kind == "optad jit":
                        continue    # (in the summary only)
                    row.append(f"{F:11.5g} {'y' if ok else '-':>2} {nfev:5d} "
                               f"{njev if njev is not None else '?':>4} {1e3 * secs:7.1f}")
            fs = "?" if p.f_star is None else f"{p.f_star:11.5g}"
            print(f"{name:8} {p.n:3d} {m:3d} {fs:>11} | {row[0]} | {row[1]}")
        summary.append((method, len(names), tot))
    print("\n== summary: problems solved to F* + 1e-8·max(1, F*); residual evaluations; "
          "Jacobians; time ==")
    print(f"{'method':7} {'Jacobian':9} {'solved':>7} {'residual evals':>15} "
          f"{'Jacobians':>10} {'time s':>8}")
    for method, count, tot in summary:
        for kind in ("optad", "optad jit", "fd"):
            s, nf, nj, secs = tot[kind]
            print(f"{method:7} {kind:9} {s:7d} {nf:15d} {nj:10d} {secs:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
