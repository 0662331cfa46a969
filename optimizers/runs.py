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

from .lsq_runs import lsq_method, run_lsq
from .minimize import minimize
from .records import result_record, run_key
from .results_file import jsonable

__all__ = ["Task", "run_task", "failed_record", "start_of"]


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
        """The run's :func:`~optimizers.records.run_key`, as its record will have it."""
        return run_key(_head(self))


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
        if lsq_method(task.method) is not None:
            res = run_lsq(problem, start_of(problem, task.seed), task.method, task.budget,
                          task.options)
        else:
            res = minimize(problem.fun, start_of(problem, task.seed), task.method,
                           **task.budget, **task.options)
    except Exception as exc:        # the run failed before it could return a result
        return failed_record(task, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
    return result_record(res, label=task.label, method=task.method, options=task.options,
                         problem=task.problem_name, n=task.n, seed=task.seed,
                         f_star=task.f_star, budget=task.budget,
                         seconds=time.perf_counter() - t0)
