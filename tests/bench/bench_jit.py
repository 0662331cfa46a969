"""Benchmark of optad.jit: replayed gradients against the function and the eager engine.

Run:  python tests/bench/bench_jit.py [--quick] [--default-heap]

Prints, in one run (medians of repeats, ratios measured in one process):
  * time(jit(value_and_grad(f)))/time(f) for Rosenbrock at n = 2, 1e3, 1e5, 1e6, beside the
    eager value_and_grad's ratio and the hand-written gradient's (f + rosen_der);
  * microseconds per scalar operation (forward + backward) of a Python loop, replayed;
  * time(jit(hvp))/time(f) for Rosenbrock at n = 1e5;
  * L-BFGS-B on Rosenbrock (standard start), n = 100 and 1000: optimizers.minimize with
    jit=True and without, against SciPy given rosen_der;
  * the first call of jit(value_and_grad(f)) (it traces) over one eager call.

Targets (issue 15): jit(vg)/f <= 3 at n = 1e3; <= 0.5 us per scalar op; hvp/f <= 3;
L-BFGS-B within 1.2x of rosen_der at n = 1000 and 1.3x at n = 100; the first call
<= 3x one eager call. BLAS runs on one thread, and (unless --default-heap) glibc keeps
freed memory, as in bench_core.py (see there why).
"""

import argparse
import os
import statistics
import sys
import time

if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import numpy as np  # noqa: E402
import scipy.optimize as so  # noqa: E402

import optad  # noqa: E402
from bench_core import median_time  # noqa: E402  (one timing helper for every benchmark)
import optimizers  # noqa: E402


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def scalar_loop(x, n_ops):
    # 4 recorded operations per iteration: *, sin, *, + (as bench_core.py)
    y = x
    for _ in range(n_ops // 4):
        y = y * 0.999 + np.sin(y) * 0.001
    return y




def rosen_row(n, repeats):
    x = np.random.default_rng(0).uniform(-2, 2, n)
    tf = median_time(rosenbrock, x, repeats=repeats)
    jitted = optad.jit(optad.value_and_grad(rosenbrock))
    jitted(x)
    return {"f us": tf * 1e6,
            "jit": median_time(jitted, x, repeats=repeats) / tf,
            "eager": median_time(optad.value_and_grad(rosenbrock), x, repeats=repeats) / tf,
            "hand": median_time(lambda x: (rosenbrock(x), so.rosen_der(x)), x,
                                repeats=repeats) / tf}


def scalar_row(n_ops, repeats):
    jitted = optad.jit(optad.grad(lambda x: scalar_loop(x, n_ops)))
    jitted(0.5)
    eager = optad.grad(lambda x: scalar_loop(x, n_ops))
    return {"jit": median_time(jitted, 0.5, repeats=repeats) / n_ops * 1e6,
            "eager": median_time(eager, 0.5, repeats=repeats) / n_ops * 1e6,
            "plain f": median_time(scalar_loop, 0.5, n_ops, repeats=repeats) / n_ops * 1e6}


def hvp_row(n, repeats):
    rng = np.random.default_rng(0)
    x, v = rng.uniform(-2, 2, n), rng.standard_normal(n)
    tf = median_time(rosenbrock, x, repeats=repeats)
    jitted = optad.jit(lambda x, v: optad.hvp(rosenbrock, x, v))
    return {"jit": median_time(jitted, x, v, repeats=repeats) / tf,
            "eager": median_time(optad.hvp, rosenbrock, x, v, repeats=repeats) / tf,
            "hand": median_time(so.rosen_hess_prod, x, v, repeats=repeats) / tf}


def lbfgs_row(n, repeats):
    x0 = np.empty(n)
    x0[0::2], x0[1::2] = -1.2, 1.0
    runs = {
        "minimize jit": lambda: optimizers.minimize(rosenbrock, x0, method="L-BFGS-B", jit=True),
        "minimize": lambda: optimizers.minimize(rosenbrock, x0, method="L-BFGS-B"),
        "scipy+rosen_der": lambda: so.minimize(lambda x: (so.rosen(x), so.rosen_der(x)), x0,
                                               method="L-BFGS-B", jac=True),
    }
    times = {k: [] for k in runs}
    results = {}
    for run in runs.values():
        run()
    for _ in range(repeats):       # round robin: a machine that slows slows all alike
        for k, run in runs.items():
            start = time.perf_counter()
            results[k] = run()
            times[k].append(time.perf_counter() - start)
    return {k: statistics.median(t) for k, t in times.items()}, results


def first_call_row(n, repeats):
    """First and second calls of a fresh jit(value_and_grad) over one eager call, each
    sample taken right after an eager call (interleaved: a machine that slows down for a
    while slows both alike), medians of many samples."""
    x = np.random.default_rng(0).uniform(-2, 2, n)
    vg = optad.value_and_grad(rosenbrock)
    for _ in range(20):
        vg(x)
        optad.jit(optad.value_and_grad(rosenbrock))(x)
    eager, first, second = [], [], []
    for _ in range(max(repeats, 5) * 40):
        start = time.perf_counter()
        vg(x)
        eager.append(time.perf_counter() - start)
        jitted = optad.jit(optad.value_and_grad(rosenbrock))
        start = time.perf_counter()
        jitted(x)           # traces (and returns the traced values)
        first.append(time.perf_counter() - start)
        start = time.perf_counter()
        jitted(x)           # the first replay compiles the program
        second.append(time.perf_counter() - start)
    eager = statistics.median(eager)
    return statistics.median(first) / eager, statistics.median(second) / eager, eager


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (noisier)")
    parser.add_argument("--default-heap", action="store_true",
                        help="run with glibc's default heap thresholds")
    args = parser.parse_args(argv)
    if not args.default_heap and not os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        import subprocess

        env = dict(os.environ, MALLOC_TRIM_THRESHOLD_=str(2 ** 30),
                   MALLOC_MMAP_THRESHOLD_=str(2 ** 30))
        rest = argv if argv is not None else sys.argv[1:]
        return subprocess.call([sys.executable, os.path.abspath(__file__), *rest], env=env)
    repeats = 3 if args.quick else 7
    print(f"optad {optad.__version__}, numpy {np.__version__}; medians of {repeats}")

    print("\nvalue+grad / f, Rosenbrock       jit   eager    hand        f")
    for n in (2, 1_000, 100_000, 1_000_000):
        row = rosen_row(n, repeats)
        print(f"  n = {n:<9.0e}{'':16}{row['jit']:6.2f}{row['eager']:8.2f}{row['hand']:8.2f}"
              f"{row['f us']:10.1f} us")

    print("\nmicroseconds per scalar op (forward + backward), after the first call")
    for n_ops in (1_000, 10_000):
        row = scalar_row(n_ops, 3)
        print(f"  {n_ops:>6} ops   jit {row['jit']:6.3f}   eager {row['eager']:6.3f}"
              f"   (plain f {row['plain f']:6.3f})")

    row = hvp_row(100_000, repeats)
    print(f"\nhvp / f, Rosenbrock n = 1e5: jit {row['jit']:.2f}, eager {row['eager']:.2f}, "
          f"hand (rosen_hess_prod) {row['hand']:.2f}")

    print("\nL-BFGS-B, Rosenbrock (standard start), wall time (nit)")
    for n in (100, 1000):
        times, results = lbfgs_row(n, repeats)
        ref = times["scipy+rosen_der"]
        print(f"  n = {n:<5}" + "".join(
            f"   {k} {t * 1e3:7.1f} ms ({results[k].nit}, x{t / ref:.2f})"
            for k, t in times.items()))

    for n in (2, 1_000):
        first, second, eager = first_call_row(n, repeats)
        print(f"\nfirst call / one eager call, n = {n}: {first:.2f} (the second call, which "
              f"compiles the replay: {second:.2f}; eager {eager * 1e6:.0f} us)")
    print("\ntargets: jit/f <= 3 at n = 1e3; <= 0.5 us/op; hvp/f <= 3; L-BFGS-B <= 1.2x "
          "rosen_der at n = 1000, 1.3x at n = 100; first call <= 3x an eager call")


if __name__ == "__main__":
    sys.exit(main())
