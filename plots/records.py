"""Reading study records: labels, histories as arrays, reference values and the solved test.

A record is one run as ``optimizers.compare`` writes it (one JSON object per line):
``method, options, label, problem, n, seed, f_star, status, fun, nit, nfev, njev,
success, message, time, x, history`` where ``history`` maps the columns ``iteration,
f, grad_norm, nfev, njev, time`` to lists. Everything in ``plots`` reads records only
through this module, which takes the format itself from ``optimizers.records``.

The solved test (used by the summary table and both profiles) is the Moré–Wild
convergence test: a run has solved its problem at the first recorded point with

    f(x) - f_ref <= tol * (f(x0) - f_ref)

where ``f_ref`` is the known optimum ``f_star``, or, where it is unknown, the smallest
value any run found on that problem (Moré and Wild, SIAM J. Optim. 20(1), 2009).

>>> recs = example_records()
>>> sorted({label_of(r) for r in recs})
['BFGS', 'adam(lr=0.01)', 'gd']
"""

import math
import os

import numpy as np
from optimizers import as_records, load_results, method_label, run_key

__all__ = ["load_records", "records_of", "label_of", "method_label", "history_of", "AXES", "METRICS",
           "problem_key", "problem_title", "references", "start_value", "start_values",
           "solved_cost", "group_by", "example_records", "DEFAULT_TOL"]

#: Default tolerance of the solved test: a reduction of the initial gap by a factor 10^6.
DEFAULT_TOL = 1e-6

#: x-axis names accepted by the figures -> (history column, axis label).
AXES = {
    "iterations": ("iteration", "iterations"),
    "nfev": ("nfev", "function evaluations"),
    "time": ("time", "seconds"),
}
_AXIS_ALIASES = {"iteration": "iterations", "nit": "iterations", "evaluations": "nfev",
                 "fev": "nfev", "seconds": "time"}

#: y-axis names accepted by the convergence figure.
METRICS = ("auto", "gap", "f", "grad_norm")


def load_records(path):
    """Records from a study's JSON Lines results file: ``optimizers.load_results`` (the
    format's one reader; a torn last line is skipped).

    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "r.jsonl")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write(json.dumps({"method": "gd", "problem": "booth"}) + "\\n" + '{"meth')
    >>> [r["method"] for r in load_records(path)]
    ['gd']
    """
    return load_results(os.fspath(path))


def records_of(runs):
    """Records from records or ``minimize`` results (``optimizers.as_records``); every
    figure and table starts with this, so each takes ``compare``'s records, one result, a
    list of results or ``{label: result}``.

    >>> records_of(example_records())[0]["label"]
    'gd'
    """
    return as_records(runs)


def label_of(record):
    """The legend label of a record: its ``label`` field, else method name plus options
    (``optimizers.method_label``: sorted, floats as ``:g``).

    >>> label_of({"method": "gd", "options": {"momentum": 0.9}})
    'gd(momentum=0.9)'
    """
    return str(run_key(record)[0])


def _axis_name(x):
    x = _AXIS_ALIASES.get(x, x)
    if x not in AXES:
        raise ValueError(f"unknown x axis {x!r}; choose one of {sorted(AXES)}.")
    return x


def history_of(record, column):
    """One history column of a record as a float array (empty for a failed run).

    Missing or non-finite entries become NaN.

    >>> history_of(example_records()[0], "f")[:2]
    array([24., 12.])
    """
    hist = record.get("history") or {}
    values = hist.get(column)
    if values is None:
        return np.zeros(0)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _finite_float(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def problem_key(record):
    """A problem is its name *and* size: ``("rosenbrock", 10)`` differs from ``("rosenbrock", 2)``.

    >>> problem_key({"problem": "rosenbrock", "n": 10, "seed": 1})
    ('rosenbrock', 10)
    """
    return (record.get("problem"), record.get("n"))


def problem_title(key):
    """How figures name a problem: ``rosenbrock (n=10)``.

    >>> problem_title(("rosenbrock", 10))
    'rosenbrock (n=10)'
    """
    name, n = key
    return f"{name} (n={n})" if n is not None else str(name)


def references(records):
    """Per problem key: ``(f_ref, known)``: the known ``f_star``, or the best value any run found.

    >>> references(example_records())[("booth", 2)]
    (0.0, True)
    """
    best, star = {}, {}
    for r in records:
        p = problem_key(r)
        fs = _finite_float(r.get("f_star"))
        if fs is not None:
            star[p] = fs
        f = history_of(r, "f")
        candidates = [v for v in (np.nanmin(f) if np.isfinite(f).any() else None,
                                  _finite_float(r.get("fun")) if r.get("status", "ok") == "ok"
                                  else None) if v is not None]
        if candidates:
            best[p] = min(best.get(p, math.inf), *candidates)
    out = {}
    for p in set(best) | set(star):
        out[p] = (star[p], True) if p in star else (best[p], False)
    return out


def start_value(record):
    """``f(x0)`` of a run: the first entry of its history (None when there is none).

    >>> start_value(example_records()[0])
    24.0
    """
    f = history_of(record, "f")
    return _finite_float(f[0]) if f.size else None


def start_values(records):
    """``f(x0)`` per instance ``(problem, n, seed)``: the same start for every method.

    >>> start_values(example_records())[("booth", 2, 1)]
    48.0
    """
    out = {}
    for r in records:
        v = start_value(r)
        if v is not None:
            out.setdefault(problem_key(r) + (r.get("seed"),), v)
    return out


def solved_cost(record, f_ref, tol=DEFAULT_TOL, measure="nfev", f0=None):
    """The cost (``measure``: iterations, nfev or time) at which the run passed the solved test.

    ``inf`` when it never did or the run failed. ``f0`` defaults to the run's own start value.

    >>> r = example_records()[0]            # f: 24, 12, 6, ... halving
    >>> solved_cost(r, 0.0, tol=0.1, measure="iterations")
    4.0
    """
    if record.get("status", "ok") != "ok":
        return math.inf
    f = history_of(record, "f")
    if f.size == 0:
        return math.inf
    f0 = start_value(record) if f0 is None else f0
    if f0 is None:
        return math.inf
    target = f_ref + tol * max(f0 - f_ref, 0.0)
    with np.errstate(invalid="ignore"):
        hit = np.flatnonzero(f <= target)
    if hit.size == 0:
        return math.inf
    cost = history_of(record, AXES[_axis_name(measure)][0])
    if cost.size <= hit[0] or not np.isfinite(cost[hit[0]]):
        return float(hit[0])
    return float(cost[hit[0]])


def group_by(records, *keys):
    """Records grouped by the given keys (``"label"`` means :func:`label_of`), in first-seen order.

    >>> list(group_by(example_records(), "label"))[:2]
    [('gd',), ('adam(lr=0.01)',)]
    """
    groups = {}
    for r in records:
        k = tuple(label_of(r) if key == "label" else r.get(key) for key in keys)
        groups.setdefault(k, []).append(r)
    return groups


def _history(f, nfev_per_iter=1, dt=1e-3, gscale=1.0):
    f = [float(v) for v in f]
    return {
        "iteration": list(range(len(f))),
        "f": f,
        "grad_norm": [gscale * math.sqrt(max(v, 0.0)) + 1e-300 for v in f],
        "nfev": [1 + k * nfev_per_iter for k in range(len(f))],
        "njev": [1 + k * nfev_per_iter for k in range(len(f))],
        "time": [k * dt for k in range(len(f))],
    }


def example_records(problems=("booth", "rosenbrock"), seeds=(0, 1)):
    """Synthetic records shaped like ``optimizers.compare``'s, for examples and tests.

    Three methods: ``gd`` halves the gap each iteration, ``adam(lr=0.01)`` shrinks it by
    0.8, ``BFGS`` reaches the optimum fast with two evaluations per iteration. A second
    seed starts higher. The problem ``"noopt"`` (if asked for) has no known ``f_star``.

    >>> len(example_records()), example_records()[0]["label"]
    (12, 'gd')
    """
    recs = []
    methods = [("gd", {}, 0.5, 1, 60), ("adam", {"lr": 0.01}, 0.8, 1, 80),
               ("BFGS", {}, 0.05, 2, 8)]
    for p_index, problem in enumerate(problems):
        f_star = None if problem == "noopt" else float(p_index)
        base = 0.0 if f_star is None else f_star
        for seed in seeds:
            for name, opts, rate, per, iters in methods:
                gap0 = 24.0 * (1 + seed) * (1 + p_index)
                gaps = [gap0 * rate ** k for k in range(iters)]
                f = [base + g for g in gaps]
                hist = _history(f, per, dt=1e-3 * per)
                recs.append({
                    "method": name, "options": dict(opts), "label": method_label(name, opts),
                    "problem": problem, "n": 2, "seed": seed, "f_star": f_star,
                    "status": "ok", "fun": f[-1], "nit": iters - 1,
                    "nfev": hist["nfev"][-1], "njev": hist["njev"][-1],
                    "success": True, "message": "synthetic", "time": hist["time"][-1],
                    "x": [0.0, 0.0], "history": hist,
                })
    return recs
