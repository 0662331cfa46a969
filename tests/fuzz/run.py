"""Run the fuzzer for as long as asked; print every distinct failure as a runnable repro.

    python tests/fuzz/run.py --minutes 10 [--seed 0] [--large] [--families suite|all|FAM,...]

It runs rounds of Hypothesis examples (seed S, S+1, ...) through ``check_program``
without stopping at failures. A failure's signature is its kind and, for a crash or a
refusal, the exception and where in optad it was raised. The first failure of each new
signature is shrunk to a minimal program (the same round replayed, failing only on that
signature, for at most ``--shrink-seconds``); later failures whose ops include all the
ops of a shrunk one of the same signature are counted against it. The summary gives the
programs run, the time, how many had finite differences and Hessian-vector products
checked, refusals, and each failure with its minimal repro.

``--families suite`` (default) draws what the suite draws; ``all`` adds the families
known to be broken today (``programs.KNOWN_BROKEN``), to see them found.
"""

import argparse
import collections
import os
import re
import sys
import time
from dataclasses import replace

if __name__ == "__main__":   # runs from a checkout: the repository (optad) and tests/ (fuzz)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [os.path.join(here, "..", ".."), os.path.join(here, "..")]
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings  # noqa: E402

from fuzz.oracle import FuzzFailure, check_program  # noqa: E402
from fuzz.programs import FAMILIES, SUITE_FAMILIES, programs  # noqa: E402

ROUND = 200
_NAME = re.compile(r"\b([xvc]\d+)\b")


def _substitute(program, out, src, skip):
    """``program`` without op ``skip``, every later use of ``out`` reading ``src`` instead."""
    sub = lambda text: re.sub(rf"\b{out}\b", src, text)  # noqa: E731
    ops = tuple(replace(op, code=sub(op.code), kinks=tuple(map(sub, op.kinks)))
                for k, op in enumerate(program.ops) if k != skip)
    terms = tuple(replace(t, var=sub(t.var)) for t in program.result)
    return _tidy(replace(program, ops=ops, result=terms))


def _tidy(program):
    """Drop constants nothing reads."""
    text = "\n".join([op.code for op in program.ops] + [k for op in program.ops for k in op.kinks]
                     + [t.code() for t in program.result])
    used = set(_NAME.findall(text))
    return replace(program, constants=tuple(c for c in program.constants if c[0] in used))


def simplify(program, fails):
    """Remove ops while ``fails(program)`` stays true: an op ``v = expr(w)`` goes, and later
    ops read ``w`` (Hypothesis cannot do this: deleting a draw shifts all later ones)."""
    changed = True
    while changed:
        changed = False
        for k, op in enumerate(program.ops):
            m = re.fullmatch(r"(v\d+) = (.*)", op.code)
            if not m:
                continue
            out, expr = m.groups()
            for src in sorted({n for n in _NAME.findall(expr) if n[0] in "xv"}, reverse=True):
                candidate = _substitute(program, out, src, k)
                if candidate.ops and fails(candidate):
                    program, changed = candidate, True
                    break
            if changed:
                break
    return program


def signature(failure):
    """What makes two failures the same bug, before shrinking."""
    if failure.kind in ("crash", "refused"):
        return (failure.kind, failure.detail.split(" raised ")[-1].split(":")[0],
                failure.detail.rsplit("(at ", 1)[-1])
    return (failure.kind,)


class Run:
    """Counts and failures of one fuzzing session."""

    def __init__(self, profile, families, hvp_every):
        self.profile, self.families, self.hvp_every = profile, families, hvp_every
        self.stats = collections.Counter()
        self.found = {}          # signature -> list of (op-name set, minimal FuzzFailure)
        self.pending = []        # (round seed, signature) to shrink

    def check(self, program, target=None, deadline=None):
        """Check one program; with ``target``, fail (for Hypothesis to shrink) only on it."""
        self.stats["checks while shrinking" if target else "programs"] += 1
        try:
            done = check_program(program, hvp=self.stats["programs"] % self.hvp_every == 0
                                 or target is not None)
        except FuzzFailure as e:
            sig = signature(e)
            if target is None:
                self.stats["failing programs"] += 1
                names = set(program.op_names)
                if not any(names >= known for known, _ in self.found.get(sig, [])):
                    self.stats["failures to shrink"] += 1
                    return e
                return None
            if sig == target and time.perf_counter() < deadline:
                self.best = e
                raise
            return None
        if target is None:
            self.stats[f"outcome {done.outcome}"] += 1
            self.stats[f"fd {done.fd}"] += 1
            self.stats[f"hvp {done.hvp}"] += 1
        return None

    def explore(self, round_seed):
        """One round of generation; returns the first unshrunk failure's signature, if any."""
        new = []

        @seed(round_seed)
        @settings(max_examples=ROUND, deadline=None, database=None, verbosity=Verbosity.quiet,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(programs(self.profile, self.families))
        def body(program):
            e = self.check(program)
            if e is not None and not new:
                new.append(e)

        body()
        return new[0] if new else None

    def shrink(self, round_seed, failure, seconds):
        """Replay the round, failing only on ``failure``'s signature, and keep the minimal one."""
        target, deadline = signature(failure), time.perf_counter() + seconds
        self.best = failure

        @seed(round_seed)
        @settings(max_examples=ROUND, deadline=None, database=None, verbosity=Verbosity.quiet,
                  phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck),
                  report_multiple_bugs=False)
        @given(programs(self.profile, self.families))
        def body(program):
            self.check(program, target, deadline)

        try:
            body()
        except BaseException:   # the minimal failure, or Hypothesis noticing we stopped on time
            pass
        best = self.best

        def fails(program):
            try:
                check_program(program)
            except FuzzFailure as e:
                if signature(e) == target:
                    self.best = e
                    return True
            except Exception:   # the NumPy program itself no longer runs
                pass
            return False

        simplify(best.program, fails)
        best = self.best
        self.found.setdefault(target, []).append((set(best.program.op_names), best))
        return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--large", action="store_true",
                        help="inputs of 4096..40000 elements (past every fast-path threshold)")
    parser.add_argument("--families", default="suite",
                        help="suite (default), all, or a comma-separated list")
    parser.add_argument("--shrink-seconds", type=float, default=90.0)
    parser.add_argument("--hvp-every", type=int, default=0,
                        help="check Hessian-vector products on every k-th program "
                             "(default: 1 for small programs, 4 for large)")
    args = parser.parse_args(argv)
    families = {"suite": SUITE_FAMILIES, "all": FAMILIES}.get(
        args.families, frozenset(args.families.split(",")) | {"core"})
    run = Run("large" if args.large else "small", families,
              args.hvp_every or (4 if args.large else 1))
    start = time.perf_counter()
    stop = start + 60 * args.minutes
    round_seed = args.seed
    while time.perf_counter() < stop:
        failure = run.explore(round_seed)
        if failure is not None:
            best = run.shrink(round_seed, failure, min(args.shrink_seconds,
                                                       max(10.0, stop - time.perf_counter())))
            print(f"\n### new failure [{best.kind}] in round {round_seed} "
                  f"(ops: {', '.join(best.program.op_names)})\n{best}", flush=True)
        round_seed += 1
        elapsed = time.perf_counter() - start
        print(f"... {elapsed / 60:.1f} min, {run.stats['programs']} programs, "
              f"{run.stats['failing programs']} failing", flush=True)
    elapsed = time.perf_counter() - start
    print(f"\n=== summary: profile {run.profile}, families {sorted(families)}, seeds "
          f"{args.seed}..{round_seed - 1}, {elapsed / 60:.1f} min")
    for key, count in sorted(run.stats.items()):
        print(f"  {key:28s} {count}")
    for sig, entries in run.found.items():
        for names, best in entries:
            print(f"\n--- {' '.join(map(str, sig))}: ops {sorted(names)}\n{best}")
    return 1 if run.found else 0


if __name__ == "__main__":
    sys.exit(main())
