"""``compare``: every (method, problem, seed) of a study, resumable, on any executor.

>>> import numpy as np
>>> class Bowl:
...     name, n, f_star, x0 = "bowl", 2, 0.0, np.array([1.0, -1.0])
...     fun = staticmethod(lambda x: np.sum(x ** 2))
>>> records = compare(["BFGS", ("gd", {"lr": 0.1})], [Bowl()], executor="serial",
...                   progress=False)
>>> [(r["label"], r["status"], r["fun"] < 1e-9) for r in records]
[('BFGS', 'ok', True), ('gd(lr=0.1)', 'ok', True)]
"""

import concurrent.futures as cf
import os
import pickle

from tqdm.auto import tqdm

from .objective import flattener
from .registry import check_options, lookup
from .results_file import ResultsFile
from .lsq_runs import check_study_options, lsq_method
from .records import method_label, run_key
from .runs import Task, failed_record, run_task, start_of
from .workers import run_on_processes

__all__ = ["compare", "check_methods", "PlainProblem", "DEFAULT_BUDGET", "BUDGET_KEYS"]

#: The stopping budget of every run unless ``budget=`` says otherwise.
DEFAULT_BUDGET = {"maxiter": 1000, "gtol": 1e-5}
BUDGET_KEYS = ("gtol", "ftol", "maxiter", "maxfev", "max_time")


def compare(methods, problems, seeds=(0,), budget=None, executor=None, results=None,
            resume=True, on_result=None, progress=True, *, resolve=None, workers=None,
            jit=False):
    """Run every (method, problem, seed); return one record per run, in study order.

    * ``methods``: names, or ``(name, options)`` pairs: ``["BFGS", ("adam", {"lr": 0.01})]``;
      ``"lsq-trf"``, ``"lsq-dogbox"``, ``"lsq-lm"`` run :func:`optimizers.least_squares`
      on the problems' ``residuals`` (:mod:`optimizers.lsq_runs`).
    * ``problems``: Problem-like objects (attributes ``name``, ``fun``, ``x0``, and
      optionally ``n``, ``f_star``, ``start(seed)``), plain ``(fun, x0)`` pairs (named
      by the function), a dict ``{name: (fun, x0) or problem}``, or names /
      ``(name, params)`` pairs that ``resolve(name, **params)`` turns into problems.
      ``optimizers`` never imports ``problems``; the command line passes
      ``resolve=problems.get``.
    * ``seeds``: each seed picks a start, ``problem.start(seed)`` (seed 0 the standard
      ``x0``); a problem without ``start`` uses ``x0`` for every seed.
    * ``budget``: stopping options given to every run (keys :data:`BUDGET_KEYS`; an int
      means ``maxiter``). Default :data:`DEFAULT_BUDGET`.
    * ``executor``: any ``concurrent.futures.Executor`` (a Dask client's
      ``client.get_executor()`` works), ``"serial"`` to run in this process, or None for a
      local process pool of ``workers`` processes (``workers=1``: serial).
    * ``results``: a JSON Lines file; each finished run is appended as one line at once.
      With ``resume=True`` runs already in it (finished or failed) are skipped and their
      records returned; ``resume=False`` starts the file afresh.
    * ``on_result(record)``: called in this process as each run finishes, after its record
      is written; an exception from it stops the study (pending runs are cancelled) and
      propagates.
    * ``progress``: a tqdm progress bar on stderr.
    * ``jit``: every run computes values and gradients with ``optad.jit`` (``minimize``'s
      ``jit=True``); records show it in their ``budget``.

    A run whose objective raises or becomes non-finite is recorded with
    ``"status": "failed"`` and its message; the study goes on. Records hold ``method,
    options, label, problem, n, seed, f_star, budget, status, fun, nit, nfev, njev,
    success, message, time, x, history``. Resuming matches runs by (label, problem, n,
    seed), so change ``results`` when you change the budget.

    >>> import numpy as np
    >>> class Bowl:
    ...     name, n, f_star, x0 = "bowl", 2, 0.0, np.array([1.0, -2.0])
    ...     fun = staticmethod(lambda x: np.sum(x ** 2))
    >>> records = compare(["BFGS", ("gd", {"lr": 0.1})], [Bowl()], executor="serial",
    ...                   progress=False)
    >>> [(r["label"], r["status"], r["fun"] < 1e-8) for r in records]
    [('BFGS', 'ok', True), ('gd(lr=0.1)', 'ok', True)]
    """
    budget = _budget(budget)
    if jit:
        budget["jit"] = True        # (passed to minimize with the stopping options)
    method_specs = _methods(methods)
    problem_specs = _problems(problems, resolve)
    seeds = [int(s) for s in ([seeds] if isinstance(seeds, int) else seeds)]
    tasks = [Task(name, options, lab, payload, pname, n, seed, f_star, budget)
             for name, options, lab in method_specs
             for pname, n, f_star, payload in problem_specs
             for seed in seeds]

    store = ResultsFile(results, resume=resume) if results is not None else None
    try:
        done = {}
        if store is not None:
            wanted = {t.key for t in tasks}
            for rec in store.records:
                key = run_key(rec)
                if key in wanted:
                    done[key] = rec
        pending = [t for t in tasks if t.key not in done]
        mode = _executor(executor, workers, len(pending))
        bar = _Bar(total=len(tasks), initial=len(tasks) - len(pending), desc="compare",
                   unit="run", disable=not progress)
        try:
            def finished(record):
                if store is not None:
                    store.append(record)
                done[run_key(record)] = record
                bar.update(1)
                bar.set_postfix_str(f"{record['label']} on {record['problem']}", refresh=False)
                if on_result is not None:
                    on_result(record)

            _execute(pending, finished, *mode)
        finally:
            bar.close()
    finally:
        if store is not None:
            store.close()
    return [done[t.key] for t in tasks]


class _Bar(tqdm):
    """tqdm without its monitor thread: the process pool forks, and forking a process
    that runs threads is unsafe."""

    monitor_interval = 0


def _budget(budget):
    if budget is None:
        return dict(DEFAULT_BUDGET)
    if isinstance(budget, int):
        return {"maxiter": budget}
    unknown = [k for k in budget if k not in BUDGET_KEYS]
    if unknown:
        raise ValueError(f"compare: unknown budget key(s) {', '.join(map(repr, unknown))}; "
                         f"use {', '.join(BUDGET_KEYS)}.")
    return dict(budget)


def check_methods(methods):
    """Check method names (any case) and options exactly as :func:`compare` does, before
    anything runs; return the runs' labels. Raises ``UnknownMethodError``,
    ``UnknownOptionError`` or ``ValueError`` (a bad option value).

    >>> check_methods(["bfgs", ("adam", {"lr": 0.01})])
    ['BFGS', 'adam(lr=0.01)']
    """
    return [lab for _, _, lab in _methods(methods)]


def _methods(methods):
    """``[(name, options, label)]``, every name and option checked before anything runs."""
    if isinstance(methods, (str, tuple)):
        methods = [methods]
    out, labels = [], set()
    for m in methods:
        name, options = (m, {}) if isinstance(m, str) else (m[0], dict(m[1]))
        if lsq_method(name) is not None:     # least_squares on the problems' residuals
            check_study_options(options)
            canonical = name.lower()
        else:
            spec = lookup(name)
            check_options(spec, options)
            if spec.first_order:
                spec.rule(**options)         # bad values fail now, not in every run
            canonical = spec.name
        lab = method_label(canonical, options)
        if lab in labels:
            raise ValueError(f"compare: method {lab} is listed twice.")
        labels.add(lab)
        out.append((canonical, options, lab))
    return out


class PlainProblem:
    """A problem made from a plain ``(fun, x0)`` pair: ``name`` is the dict key that gave
    it, or the function's name. Picklable when ``fun`` is a module-level function.

    >>> import numpy as np
    >>> PlainProblem(np.linalg.norm, [1.0, 2.0]).name
    'norm'
    """

    def __init__(self, fun, x0, name=None):
        self.fun, self.x0 = fun, x0
        self.name = str(name) if name is not None else getattr(fun, "__name__", "objective")


def _is_pair(p):
    return isinstance(p, tuple) and len(p) == 2 and callable(p[0]) and not hasattr(p, "fun")


def _problem_items(problems):
    """``[(item, name or None)]``: one problem, a list of them, or ``{name: problem}``."""
    if isinstance(problems, str) or hasattr(problems, "fun") or _is_pair(problems):
        return [(problems, None)]
    if isinstance(problems, dict):
        return list((p, name) for name, p in problems.items())
    return [(p, None) for p in problems]


def _problems(problems, resolve):
    """``[(name, n, f_star, payload)]``; payload is what the worker gets."""
    out, keys = [], set()
    for p, given_name in _problem_items(problems):
        payload = None
        if _is_pair(p):
            p = PlainProblem(p[0], p[1], given_name)
        elif isinstance(p, str) or (isinstance(p, tuple) and len(p) == 2
                                    and isinstance(p[0], str)):
            pname, params = (p, {}) if isinstance(p, str) else (p[0], dict(p[1]))
            if resolve is None:
                raise TypeError(
                    f"compare got the problem name {pname!r} but no resolve=. optimizers does "
                    "not import the problems package: pass resolve=problems.get, or pass "
                    "Problem objects or (fun, x0) pairs.")
            p = resolve(pname, **params)
            payload = (resolve, pname, params)
        if not hasattr(p, "fun"):
            raise TypeError(f"compare: {p!r} is not a problem; pass an object with name, fun "
                            "and x0, a (fun, x0) pair, or {name: (fun, x0)}.")
        name = given_name or getattr(p, "name", None) or getattr(p.fun, "__name__", "problem")
        n = getattr(p, "n", None)
        if n is None:
            n = int(flattener(start_of(p, 0))[0].size)
        if (name, n) in keys:
            raise ValueError(f"compare: two problems are named {name!r} with n = {n}; give "
                             "them distinct names (resume tells runs apart by name and n), "
                             "e.g. compare(methods, {'first': (f, x0), 'second': (g, x0)}).")
        keys.add((name, n))
        out.append((name, int(n), getattr(p, "f_star", None), (payload, p)))
    return out


def _picklable(obj):
    try:
        pickle.dumps(obj)
        return True
    except Exception:
        return False


def _for_workers(task):
    """The task as sent to another process: rebuild named problems there when possible."""
    by_name, obj = task.problem
    if by_name is not None and _picklable(by_name):
        return task._replace(problem=by_name)
    if not _picklable(obj):
        raise TypeError(
            f"compare: problem {task.problem_name!r} cannot be sent to worker processes "
            "(its objective is probably a lambda or a closure). Define the objective at "
            "module level, or pass executor='serial'.")
    return task._replace(problem=obj)


def _executor(executor, workers, n_pending):
    """``(kind, executor, size)``: kind "serial", "processes" (``executor`` the caller's
    process pool or None for ours, ``size`` workers) or "executor" (any other)."""
    if executor == "serial" or n_pending == 0:
        return "serial", None, 1
    if executor is None:
        size = min(workers or os.cpu_count() or 1, n_pending)
        return ("serial", None, 1) if size == 1 else ("processes", None, size)
    if not hasattr(executor, "submit"):
        raise TypeError(f"compare: executor must be a concurrent.futures.Executor, 'serial' or "
                        f"None; got {executor!r}.")
    if isinstance(executor, cf.ProcessPoolExecutor):
        # Fresh pools after a break get the caller's size (no public accessor for it).
        return "processes", executor, getattr(executor, "_max_workers", None) or workers or 2
    return "executor", executor, None


def _execute(pending, finished, kind, executor, size):
    if kind == "serial":
        for task in pending:
            finished(run_task(task._replace(problem=task.problem[1])))
    elif kind == "processes":
        cache = {}
        sendable = []
        for task in pending:
            ident = id(task.problem[1])
            if ident not in cache:
                cache[ident] = _for_workers(task).problem
            sendable.append(task._replace(problem=cache[ident]))
        run_on_processes(sendable, finished, size, pool=executor)
    else:
        _on_executor(pending, finished, executor)


def _on_executor(pending, finished, executor):
    """Any other executor (Dask's): a run the executor itself fails is recorded as failed.

    ``run_task`` never raises for a run's own failures, so an exception here is the
    executor's (Dask's ``KilledWorker`` once its own retries are spent)."""
    futures = {}
    try:
        for task in pending:
            futures[executor.submit(run_task, task._replace(problem=task.problem[1]))] = task
        for future in cf.as_completed(futures):
            try:
                record = future.result()
            except Exception as exc:
                record = failed_record(futures[future],
                                       f"executor failed the run: {type(exc).__name__}: {exc}")
            finished(record)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
