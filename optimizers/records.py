"""The run record: the one format in which a run is kept, written, read and plotted.

A record is a JSON-ready dict, one line of a study's JSON Lines file: ``method,
options, label, problem, n, seed, f_star, budget, status ("ok" | "failed"), fun, nit,
nfev, njev, success, message, time, x, history`` (``history`` is
``History.to_dict()``: columns ``iteration, f, grad_norm, nfev, njev, time``, and ``x``,
the iterates, for runs on at most ``KEEP_X_MAX`` variables). This module owns it: the
label of a method (:func:`method_label`), the key that tells runs apart
(:func:`run_key`), the record of a result (:func:`result_record`) and the conversion of
whatever a user holds, records or ``minimize`` results, into records
(:func:`as_records`). ``compare`` writes records with it; ``plots`` reads them with it.

>>> import numpy as np
>>> from optimizers import minimize
>>> res = minimize(lambda x: np.sum((x - 1.0) ** 2), np.zeros(2), "BFGS")
>>> rec = as_records({"mine": res})[0]
>>> rec["label"], rec["status"], rec["history"]["x"][-1]
('mine', 'ok', [1.0, 1.0])
"""

from .objective import flattener
from .results_file import jsonable

__all__ = ["method_label", "run_key", "result_record", "as_records", "FAILED_STATUSES"]

#: ``minimize`` statuses that mark a run as failed (a non-finite value or an exception).
FAILED_STATUSES = (4, 5)


def method_label(method, options=None):
    """The method name with its options, sorted: ``adam(beta1=0.8, lr=0.01)``.

    Floats print with ``:g`` and callables by name, so a label is short and the same
    whatever order the options were given in.

    >>> method_label("adam", {"lr": 0.01, "amsgrad": True}), method_label("BFGS", {})
    ('adam(amsgrad=True, lr=0.01)', 'BFGS')
    """
    if not options:
        return str(method)
    parts = []
    for k in sorted(options):
        v = options[k]
        if isinstance(v, float):
            text = f"{v:g}"
        elif callable(v):
            text = getattr(v, "__name__", "fn")
        else:
            text = str(v)
        parts.append(f"{k}={text}")
    return f"{method}({', '.join(parts)})"


def run_key(record):
    """What tells runs of a study apart (and what resuming matches): label, problem, n, seed.

    >>> run_key({"label": "BFGS", "problem": "booth", "n": 2, "seed": 0, "fun": 0.0})
    ('BFGS', 'booth', 2, 0)
    """
    label = record.get("label") or method_label(record.get("method", "?"),
                                                record.get("options"))
    return (label, record.get("problem"), record.get("n"), record.get("seed"))


def result_record(result, *, label=None, method=None, options=None, problem=None, n=None,
                  seed=0, f_star=None, budget=None, seconds=None):
    """The record of one ``minimize`` result (``label`` defaults to the method's label).

    >>> import numpy as np
    >>> from optimizers import minimize
    >>> rec = result_record(minimize(lambda x: x ** 2, 1.0, "gd", lr=0.25), problem="parabola")
    >>> rec["label"], rec["problem"], rec["n"], rec["nit"] == len(rec["history"]["f"]) - 1
    ('gd', 'parabola', 1, True)
    """
    method = method or result.get("method") or "?"
    x = flattener(result.x)[0]
    history = result.get("history")
    if seconds is None:
        times = history.column("time") if history is not None and len(history) else ()
        seconds = float(times[-1]) if len(times) else 0.0
    return {"method": method, "options": jsonable(options or {}),
            "label": label or method_label(method, options),
            "problem": problem, "n": int(x.size) if n is None else int(n), "seed": seed,
            "f_star": jsonable(f_star), "budget": jsonable(budget or {}),
            "status": "failed" if result.get("status") in FAILED_STATUSES else "ok",
            "fun": jsonable(result.fun), "nit": int(result.get("nit", 0)),
            "nfev": int(result.get("nfev", 0)), "njev": int(result.get("njev", 0)),
            "success": bool(result.get("success", False)),
            "message": str(result.get("message", "")), "time": float(seconds),
            "x": jsonable(x), "history": None if history is None else history.to_dict()}


def _is_result(obj):
    # An OptimizeResult is a dict too, but with attribute access; a record is a plain dict.
    return hasattr(obj, "x") and hasattr(obj, "fun")


def _is_record(obj):
    return (isinstance(obj, dict) and not _is_result(obj) and "history" in obj
            and ("label" in obj or "method" in obj))


def as_records(runs):
    """Records from what a user holds: records (``compare``'s, or read from its file), one
    ``minimize`` result, a list of results, or ``{label: result}``.

    Results become records of one problem (``problem`` None); in a list each is labelled
    by its method, with ``#2``, ``#3`` for repeats, so two BFGS runs stay two lines.

    >>> import numpy as np
    >>> from optimizers import minimize
    >>> f = lambda x: np.sum(x ** 2)
    >>> runs = [minimize(f, np.ones(2), "BFGS"), minimize(f, -np.ones(2), "BFGS")]
    >>> [r["label"] for r in as_records(runs)]
    ['BFGS', 'BFGS #2']
    """
    if _is_result(runs) or _is_record(runs):
        runs = [runs]
    if isinstance(runs, dict):
        if not runs:
            return []
        bad = [k for k, v in runs.items() if not _is_result(v)]
        if bad:
            raise TypeError(f"as_records: a dict must map labels to minimize results; "
                            f"{bad[0]!r} maps to {type(runs[bad[0]]).__name__}.")
        return [result_record(r, label=str(k)) for k, r in runs.items()]
    out, seen = [], {}
    for item in runs:
        if _is_record(item):
            out.append(item)
        elif _is_result(item):
            base = method_label(item.get("method") or "?")
            seen[base] = seen.get(base, 0) + 1
            out.append(result_record(item, label=base if seen[base] == 1
                                     else f"{base} #{seen[base]}"))
        else:
            raise TypeError(f"as_records: expected run records (dicts) or minimize results; "
                            f"got {type(item).__name__}.")
    return out
