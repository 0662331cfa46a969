"""The study's summary table: per method, solved count and median cost.

"Solved" is the test of :mod:`plots.records` (``f − f_ref ≤ tol·(f0 − f_ref)`` at some
recorded point). Medians of iterations, evaluations and seconds are over the runs
that did not fail (all of them, solved or not).

>>> from plots.records import example_records
>>> print(summary_table(example_records(), tol=1e-6))   # doctest: +NORMALIZE_WHITESPACE
method         runs  solved  failed  median it  median nfev  median s
gd                4     4/4       0         59           60    0.059
adam(lr=0.01)     4     4/4       0         79           80    0.079
BFGS              4     4/4       0          7           15    0.014
"""

import math

import numpy as np

from .records import (DEFAULT_TOL, group_by, problem_key, records_of, references, solved_cost,
                      start_values)

__all__ = ["summarize", "summary_table"]


def summarize(records, tol=DEFAULT_TOL):
    """One dict per method label: ``label, runs, solved, failed, nit, nfev, time`` (medians).

    >>> from plots.records import example_records
    >>> row = summarize(example_records())[2]
    >>> row["label"], row["solved"], row["nfev"]
    ('BFGS', 4, 15.0)
    """
    records = records_of(records)
    refs = references(records)
    f0 = start_values(records)
    rows = []
    for (label,), recs in group_by(records, "label").items():
        ok = [r for r in recs if r.get("status", "ok") == "ok"]
        solved = 0
        for r in ok:
            key = problem_key(r) + (r.get("seed"),)
            f_ref = refs.get(key[:2], (None, False))[0]
            if f_ref is not None and key in f0 and math.isfinite(
                    solved_cost(r, f_ref, tol=tol, measure="iterations", f0=f0[key])):
                solved += 1

        def median(field):
            vals = [float(r[field]) for r in ok if r.get(field) is not None]
            return float(np.median(vals)) if vals else math.nan

        rows.append({"label": label, "runs": len(recs), "solved": solved,
                     "failed": len(recs) - len(ok), "nit": median("nit"),
                     "nfev": median("nfev"), "time": median("time")})
    return rows


def _num(v, seconds=False):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if seconds:
        return f"{v:.3g}"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def summary_table(records, tol=DEFAULT_TOL):
    """The summary as aligned text, one line per method label.

    >>> from plots.records import example_records
    >>> summary_table(example_records()).splitlines()[0].split()[:4]
    ['method', 'runs', 'solved', 'failed']
    """
    rows = summarize(records, tol)
    head = ["method", "runs", "solved", "failed", "median it", "median nfev", "median s"]
    body = [[r["label"], str(r["runs"]), f"{r['solved']}/{r['runs']}", str(r["failed"]),
             _num(r["nit"]), _num(r["nfev"]), _num(r["time"], seconds=True)] for r in rows]
    widths = [max(len(line[k]) for line in [head] + body) for k in range(len(head))]
    lines = []
    for line in [head] + body:
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
