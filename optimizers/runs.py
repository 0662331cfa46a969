"""One run of a study: a method on a problem from a seeded start, as a JSON-ready record.

:func:`run_task` is what ``compare`` sends to worker processes (a module-level function,
so any executor can pickle it). It never raises for the run's own failures: an objective
that raises or diverges gives a record with ``"status": "failed"`` and the message.

>>> import numpy as np
>>> class Bowl:                                # anything with name, fun, x0 (and n, f_star)
...     name, n, f_star, x0 = "bowl", 2, 0.0, np.array([1.0, -1.0])
...     fun = staticmethod(lambda x: np.sum(x ** 2))
>>> rec = run_task(Task("BFGS", {}, "BFGS", Bowl(), "bowl", 2, 0, 0.0, {}))
>>> rec["status"], rec["label"], rec["fun"] < 1e-12
('ok', 'BFGS', True)
"""

import time
from typing import NamedTuple

import numpy as np

from .minimize import minimize
from .objective import flattener
from .results_file import jsonable

__all__ = ["Task", "run_task", "failed_record", "label", "start_of", "FAILED_STATUSES"]

#: ``minimize`` statuses that mark a run as failed (a non-finite value or an exception).
FAILED_STATUSES = (4, 5)


class Task(NamedTuple):
    """One (method, problem, seed) run. ``problem`` is a Problem-like object, or
    ``(resolve, name, params)`` to build it in the worker."""

    method: str
    options: dict
    label: str
    problem: object
    problem_name: str
    n: int
    seed: int
    f_star: object
    budget: dict

    @property
    def key(self):
        return (self.label, self.problem_name, self.n, self.seed)


def label(method, options):
    """The method name with its options, sorted: ``adam(beta1=0.8, lr=0.01)``.

    >>> label("adam", {"lr": 0.01, "amsgrad": True}), label("BFGS", {})
    ('adam(amsgrad=True, lr=0.01)', 'BFGS')
    """
    if not options:
        return method
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


def start_of(problem, seed):
    """The start for ``seed``: ``problem.start(seed)`` when it has one, else ``problem.x0``."""
    start = getattr(problem, "start", None)
    return start(seed) if callable(start) else problem.x0


def _problem(task):
    if isinstance(task.problem, tuple):
        resolve, name, params = task.problem
        return resolve(name, **params)
    return task.problem


def _head(task):
    return {"method": task.method, "options": jsonable(task.options), "label": task.label,
            "problem": task.problem_name, "n": task.n, "seed": task.seed,
            "f_star": jsonable(task.f_star), "budget": jsonable(task.budget)}


def failed_record(task, message, seconds=0.0):
    """The record of a run that gave no result (it raised, or its worker died).

    >>> failed_record(Task("gd", {}, "gd", None, "bowl", 2, 0, 0.0, {}), "worker died: "
    ...               "signal 11 (SIGSEGV)")["status"]
    'failed'
    """
    record = _head(task)
    record.update(status="failed", fun=None, nit=0, nfev=0, njev=0, success=False,
                  message=message, time=float(seconds), x=None, history=None)
    return record


def run_task(task):
    """Run one task; return its record (the JSON Lines format of ``compare``)."""
    t0 = time.perf_counter()
    try:
        problem = _problem(task)
        res = minimize(problem.fun, start_of(problem, task.seed), task.method,
                       **task.budget, **task.options)
    except Exception as exc:        # the run failed before it could return a result
        return failed_record(task, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
    record = _head(task)
    record.update(
        status="failed" if res.status in FAILED_STATUSES else "ok",
        fun=jsonable(res.fun), nit=int(res.nit), nfev=int(res.nfev), njev=int(res.njev),
        success=bool(res.success), message=str(res.message), time=time.perf_counter() - t0,
        x=jsonable(flattener(res.x)[0]), history=res.history.to_dict())
    return record
