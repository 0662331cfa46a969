"""Benchmark of the optimizers layer: L-BFGS-B on Rosenbrock, n = 1000, standard start.

Run:  python tests/bench/bench_optimizers.py [--repeats 3] [--fd-full] [--blas-threads 1]

Prints, in one run, wall time (median of repeats), nit, nfev and the final f for
  * optimizers.minimize with optad gradients (value and gradient from one pass);
  * the same SciPy run given the hand-written gradient, scipy.optimize.rosen_der;
  * optad.value_and_grad passed to SciPy directly (the optimizers layer's own overhead);
  * SciPy's finite differences (jac=None), at SciPy's default evaluation limit, and its
    time to converge: measured with --fd-full (a few minutes), else estimated as the
    time of one finite-difference gradient times the gradients the analytic run needed;
then the ratios. Targets (issue 4): optad within 1.2x of rosen_der's time, and at least
50x faster than finite differences run to convergence.

BLAS runs on one thread unless --blas-threads says otherwise: on a busy 2-core machine
OpenBLAS threads inside L-BFGS-B's n = 1000 vector updates make timings swing 10x.
"""

import os
import sys

if __name__ == "__main__":
    _threads = "1"
    if "--blas-threads" in sys.argv:
        _threads = sys.argv[sys.argv.index("--blas-threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, _threads)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.optimize as so  # noqa: E402

import optad  # noqa: E402
import optimizers  # noqa: E402

N = 1000


def rosenbrock(x):
    """Plain NumPy, as a user writes it."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def standard_start(n=N):
    x0 = np.empty(n)
    x0[0::2], x0[1::2] = -1.2, 1.0
    return x0


def timed(runs, repeats):
    """{name: (median seconds, last result)}; the runs take turns (round robin, after one
    warm-up each), so a machine that slows down mid-benchmark slows them all alike."""
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    results = {}
    for _ in range(repeats):
        for name, run in runs.items():
            t0 = time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - t0)
    return {name: (statistics.median(times[name]), results[name]) for name in runs}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fd-full", action="store_true",
                    help="run finite differences to convergence (slow) instead of estimating")
    ap.add_argument("--blas-threads", default="1", help="BLAS threads (set before import)")
    args = ap.parse_args(argv)

    x0 = standard_start()
    vg = optad.value_and_grad(rosenbrock)
    rows = timed({
        "optad (optimizers.minimize)":
            lambda: optimizers.minimize(rosenbrock, x0, "L-BFGS-B"),
        "rosen_der (hand-written)":
            lambda: so.minimize(so.rosen, x0, jac=so.rosen_der, method="L-BFGS-B"),
        "optad.value_and_grad into SciPy":
            lambda: so.minimize(vg, x0, jac=True, method="L-BFGS-B"),
    }, args.repeats)
    rows.update(timed({"finite differences, default limit":
                       lambda: so.minimize(rosenbrock, x0, method="L-BFGS-B")}, 1))

    fd_time, fd_res = rows["finite differences, default limit"]
    analytic = rows["rosen_der (hand-written)"][1]
    if args.fd_full:
        t0 = time.perf_counter()
        res = so.minimize(rosenbrock, x0, method="L-BFGS-B",
                          options={"maxfun": 10 ** 8, "maxiter": 10 ** 6})
        rows["finite differences, to convergence"] = (time.perf_counter() - t0, res)
        fd_converged = rows["finite differences, to convergence"][0]
        fd_label = "measured"
    else:
        # Each finite-difference gradient costs n + 1 evaluations; convergence needs about
        # as many gradients as the analytic run used.
        per_gradient = fd_time / (fd_res.nfev / (N + 1))
        fd_converged = per_gradient * analytic.njev
        fd_label = f"estimated: {analytic.njev} gradients x {per_gradient * 1e3:.1f} ms"

    print(f"L-BFGS-B on Rosenbrock, n = {N}, standard start; SciPy's default tolerances; "
          f"BLAS threads = {os.environ.get('OPENBLAS_NUM_THREADS', '?')}; "
          f"median of {args.repeats}")
    print(f"{'gradient':36s} {'time (s)':>9s} {'nit':>6s} {'nfev':>9s} {'f':>10s}  message")
    for name, (t, res) in rows.items():
        print(f"{name:36s} {t:9.3f} {res.nit:6d} {res.nfev:9d} {res.fun:10.3g}  "
              f"{str(res.message)[:48]}")
    if not args.fd_full:
        print(f"{'finite differences, to convergence':36s} {fd_converged:9.1f}  ({fd_label})")

    t_optad = rows["optad (optimizers.minimize)"][0]
    t_der = rows["rosen_der (hand-written)"][0]
    t_raw = rows["optad.value_and_grad into SciPy"][0]
    print()
    print(f"optad / rosen_der time        {t_optad / t_der:6.2f}x   (target <= 1.2)")
    print(f"layer overhead (vs raw optad) {t_optad / t_raw:6.2f}x")
    print(f"finite differences / optad    {fd_converged / t_optad:6.0f}x   to convergence "
          f"(target >= 50); {fd_time / t_optad:.1f}x at the default limit, where FD stops "
          f"at f = {fd_res.fun:.3g}")

    f_us = _per_call(lambda: rosenbrock(x0))
    vg_us = _per_call(lambda: vg(x0))
    hand_us = _per_call(lambda: (so.rosen(x0), so.rosen_der(x0)))
    print(f"per evaluation: optad value_and_grad {vg_us:.0f} us, rosen + rosen_der "
          f"{hand_us:.0f} us, f alone {f_us:.0f} us (grad/f = {vg_us / f_us:.1f})")
    return 0


def _per_call(fn, loops=2000):
    fn()
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - t0) / loops * 1e6)
    return min(samples)


if __name__ == "__main__":
    sys.exit(main())
