"""A/B timing of this checkout's optad against another commit's, in one process.

Run:  python tests/bench/ab.py [REF] [--rounds N]      (REF: a git commit, default HEAD~1)

Separate runs of bench_core.py on a shared VM differ by 10-30 % from one run to the
next (the machine's load and the heap's state move plain f itself), which hides a
regression of a few percent. Here both versions are imported side by side (the other
commit's ``optad`` is exported from git into a temporary folder under another name)
and every workload alternates between them, round after round, so both see the same
machine. Printed: each version's fastest time and new/old for the fastest and the
median round. Not a test: a tool for the "no speed regression" claim of a change.
"""

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def export(ref, where):
    """The package ``optad`` at ``ref``, as the importable package ``optad_ab``."""
    target = os.path.join(where, "optad_ab")
    os.makedirs(target)
    archive = subprocess.run(["git", "-C", ROOT, "archive", ref, "optad"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "--strip-components=1", "-C", target], input=archive,
                   check=True)
    return target


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def scalar_loop(x):
    s = x
    for _ in range(2000):
        s = s * 1.0001 + 0.5 * x - s * 0.0001
    return s


def logistic():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 100))
    y = np.sign(rng.standard_normal(20000))
    return lambda w: np.mean(np.logaddexp(0.0, -y * (a @ w))) + 5e-4 * np.sum(w * w)


def workloads():
    f_log = logistic()
    x3, x5, x6 = (np.linspace(-1, 1, n) for n in (1000, 100_000, 1_000_000))
    v5 = np.ones(100_000)
    return {
        "grad rosen 1e3": (lambda m: m.grad(rosen), x3),
        "grad rosen 1e5": (lambda m: m.grad(rosen), x5),
        "grad rosen 1e6": (lambda m: m.grad(rosen), x6),
        "grad scalar loop (6e3 ops)": (lambda m: m.grad(scalar_loop), 0.3),
        "hvp rosen 1e5": (lambda m: (lambda x: m.hvp(rosen, x, v5)), x5),
        "jvp rosen 1e5": (lambda m: (lambda x: m.jvp(rosen, (x,), (v5,))), x5),
        "grad logistic 2e4x100": (lambda m: m.grad(f_log), np.zeros(100)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", nargs="?", default="HEAD~1")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)
    new = importlib.import_module("optad")
    with tempfile.TemporaryDirectory() as tmp:
        export(args.ref, tmp)
        sys.path.insert(0, tmp)
        old = importlib.import_module("optad_ab")
        print(f"new: this checkout; old: {args.ref}; {args.rounds} alternating rounds each")
        for name, (make, x) in workloads().items():
            f_old, f_new = make(old), make(new)
            f_old(x), f_new(x)
            start = time.perf_counter()
            f_new(x)
            loops = max(1, int(0.05 / max(time.perf_counter() - start, 1e-7)))
            times = {"old": [], "new": []}
            for r in range(args.rounds):
                order = (("old", f_old), ("new", f_new)) if r % 2 else (("new", f_new), ("old", f_old))
                for tag, f in order:
                    start = time.perf_counter()
                    for _ in range(loops):
                        f(x)
                    times[tag].append((time.perf_counter() - start) / loops)
            o, n = times["old"], times["new"]
            print(f"  {name:28s} old {min(o) * 1e3:8.3f} ms  new {min(n) * 1e3:8.3f} ms  "
                  f"new/old: fastest {min(n) / min(o):5.3f}, median "
                  f"{statistics.median(n) / statistics.median(o):5.3f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sys.exit(main())
