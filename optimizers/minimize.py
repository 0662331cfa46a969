"""``minimize``: one entry point for gradient descent, Adam and SciPy's gradient methods.

>>> import numpy as np, optimizers
>>> rosen = lambda x: np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
>>> res = optimizers.minimize(rosen, np.array([-1.2, 1.0]), method="BFGS")
>>> res.success, np.round(res.x, 4), res.nit == len(res.history) - 1
(True, array([1., 1.]), True)
"""

import time

import numpy as np
from scipy.optimize import OptimizeResult

from . import validate
from .driver import Run, first_order_loop
from .errors import ArgumentTypeError
from .messages import Halt, stop_message
from .objective import Objective
from .registry import check_options, lookup
from .scipy_methods import run_scipy

__all__ = ["minimize", "FIRST_ORDER_DEFAULTS"]

#: Stopping defaults of "gd" and "adam" (SciPy methods keep SciPy's own defaults).
FIRST_ORDER_DEFAULTS = {"gtol": 1e-5, "ftol": None, "maxiter": 10_000}


def minimize(fun, x0, method="L-BFGS-B", *, args=(), bounds=None, constraints=(), gtol=None,
             ftol=None, maxiter=None, maxfev=None, max_time=None, callback=None, jit=False,
             **method_options):
    """Minimize ``fun(x, *args)`` from ``x0`` with exact optad gradients; SciPy's vocabulary.

    ``method``: ``"gd"``, ``"adam"`` or a gradient-based SciPy method by its SciPy name
    (``optimizers.methods()`` lists them; any case). ``x0``: a float, an array, a list of
    numbers, or a pytree (nested dict/list/tuple of arrays); ``fun`` receives that structure
    and the result's ``x`` and ``jac`` have it. ``bounds`` (SciPy's format, over the flat
    vector) and ``constraints`` (SciPy dicts or constraint objects) go to the methods that
    take them. ``**method_options``: the method's own options (``lr``, ``momentum``, ...;
    ``maxcor``, ``xtol``, ...); unknown ones are rejected with the list of valid ones.

    Stopping (None = the method's default: SciPy's own for SciPy methods;
    ``gtol=1e-5``, no ``ftol``, ``maxiter=10000`` for gd and adam):

    * ``gtol``: stop when ‖∇f‖∞ ≤ gtol; ``ftol``: when the relative reduction
      (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) is in [0, ftol]. Both are also given to
      SciPy methods with such an option; with bounds or constraints only SciPy tests them.
    * ``maxiter``, ``maxfev`` (objective evaluations), ``max_time`` (seconds).
    * ``callback(intermediate_result)`` after each iteration, with an ``OptimizeResult``
      (``x, fun, jac, nit, nfev, njev, grad_norm, time``); a callback with another
      signature gets a copy of ``x``. Raising ``StopIteration`` or returning True stops.

    ``jit=True`` computes values and gradients with ``optad.jit(optad.value_and_grad(fun))``:
    traced on the first evaluation, replayed on the others, for much less Python overhead
    per evaluation. ``fun`` must then read changing data only from its arguments (pass it
    in ``args``): values it reads from globals or closures are frozen at the first
    evaluation (see ``optad.jit``). Hessian-vector products and Hessians are not jitted.

    Mistakes are refused before the first evaluation: ``fun`` or ``callback`` not callable,
    ``x0`` not real numbers, an option of the wrong type (``maxiter=2.5``, ``lr="fast"``; a
    bool is not a number) raise :class:`~optimizers.ArgumentTypeError`, one out of range
    (``maxiter=-1``, ``max_time=0``) :class:`~optimizers.ArgumentValueError`; both name the
    argument and what it must be. So does a ``fun`` that returns no real number at ``x0``.

    Faults: a NaN/inf value, gradient, Hessian-vector product or Hessian (the value is
    checked in those passes too), an exception from ``fun`` or a non-number returned by it
    stops the run with ``success=False`` (status 4 for non-finite, 5 for the others), a
    message naming the iteration and the cause, and the best finite point seen. (An
    exception at ``x0`` itself is re-raised: nothing ran.)

    Returns a ``scipy.optimize.OptimizeResult``: ``x, fun, jac, nit, nfev, njev`` (and
    ``nhev``), ``success, status, message, method`` and ``history``
    (an :class:`optimizers.History`, one row per iteration, row 0 the start).

    >>> import numpy as np
    >>> res = minimize(lambda x: np.sum((x - 2.0) ** 2), np.zeros(2), method="adam", lr=0.1)
    >>> res.success, np.round(res.x, 3), res.message.split(":")[0]
    (True, array([2., 2.]), 'Converged')
    >>> res = minimize(lambda p: (p["a"] - 1) ** 2 + np.sum(p["b"] ** 2),
    ...                {"a": 0.0, "b": np.ones(2)}, method="trust-krylov")
    >>> round(float(res.x["a"]), 6), res.x["b"].shape
    (1.0, (2,))
    """
    spec = lookup(method)
    check_options(spec, method_options)
    # Every argument is checked here, before the first evaluation: a mistake costs nothing.
    validate.check_arguments(fun, x0, callback)
    stopping = validate.check_options("minimize", None, {
        "gtol": gtol, "ftol": ftol, "maxiter": maxiter, "maxfev": maxfev,
        "max_time": max_time})
    gtol, ftol, maxiter, maxfev, max_time = stopping.values()
    if spec.first_order:
        gtol = FIRST_ORDER_DEFAULTS["gtol"] if gtol is None else gtol
        maxiter = FIRST_ORDER_DEFAULTS["maxiter"] if maxiter is None else maxiter
        if spec.name == "adam" and method_options.get("decay_steps") is None:
            method_options = dict(method_options, decay_steps=max(maxiter, 1))
        rule = spec.rule(**method_options)      # checks its own parameters (validate.RULES)
    else:
        method_options = validate.check_options(f"Method {spec.name!r}", spec.name,
                                                method_options)
    if spec.first_order and (bounds is not None or constraints):
        raise ValueError(f"Method {spec.name!r} takes no bounds or constraints; use one of "
                         "L-BFGS-B, TNC, SLSQP, trust-constr (bounds) or SLSQP, trust-constr "
                         "(constraints).")
    if bounds is not None and not spec.bounds:
        raise ValueError(f"Method {spec.name!r} takes no bounds; use L-BFGS-B, TNC, SLSQP or "
                         "trust-constr.")
    if constraints and not spec.constraints:
        raise ValueError(f"Method {spec.name!r} takes no constraints; use SLSQP or "
                         "trust-constr.")
    if not isinstance(args, tuple):
        args = (args,)

    t0 = time.perf_counter()
    obj = Objective(fun, x0, args, maxfev=maxfev,
                    deadline=None if max_time is None else t0 + max_time, jit=bool(jit))
    obj.max_time = max_time
    if spec.first_order:
        run = Run(obj, gtol=gtol, ftol=ftol, maxiter=maxiter, max_time=max_time,
                  callback=callback)
    else:
        own = bounds is None and not constraints
        run = Run(obj, gtol=gtol if own else None, ftol=ftol if own else None,
                  maxiter=maxiter, max_time=max_time, callback=callback)
        given = {"gtol": gtol, "ftol": ftol, "maxiter": maxiter, "maxfev": maxfev}
        options = {spec.native[k]: v for k, v in given.items()
                   if v is not None and k in spec.native}
        options.update(method_options)
    run.t0 = t0

    try:
        if spec.first_order:
            first_order_loop(rule, run)          # every way out of it is a Halt
        else:
            scipy_result = run_scipy(spec, obj, run, options, bounds, constraints)
    except Halt as halt:
        return _stopped(halt, spec, obj, run, constrained=bool(constraints))
    return _finished(scipy_result, spec, obj, run)


def _result(spec, obj, run, x, f, g, nit, status, success, message):
    res = OptimizeResult(
        x=obj.unravel(np.array(x)), fun=f, jac=None if g is None else obj.unravel(g.copy()),
        nit=nit, nfev=obj.nfev, njev=obj.njev, success=bool(success), status=int(status),
        message=message, method=spec.name, history=run.history)
    if spec.second_order:
        res.nhev = obj.nhev
    return res


def _stopped(halt, spec, obj, run, constrained):
    """The result of a run that a Halt ended (a test, a budget, a fault or the callback)."""
    fields = dict(halt.fields)
    if halt.reason in ("nonfinite", "error"):
        point = run.last if (constrained and run.last) else obj.best
        if point is None:           # the start itself failed: nothing was optimized
            if halt.reason == "error":
                cause = halt.__cause__
                if cause is None:
                    raise TypeError(fields["error"])
                if hasattr(cause, "add_note") and not isinstance(cause, ArgumentTypeError):
                    cause.add_note("(raised by the objective at x0, before any iteration)")
                raise cause
            msg = (f"Stopped at the start: the objective's {fields['what']} is "
                   f"{fields['bad']} at x0; nothing was optimized.")
            return _result(spec, obj, run, obj.x0, np.nan, None, 0, 4, False, msg)
        x, f, g = point[:3]
        fields.update(iteration=run.nit + 1, fun=f)
    else:
        x, f, g = run.last[:3]
        # A line search fails inside the iteration after the last one recorded.
        fields.setdefault("iteration", run.nit + (halt.reason == "line_search"))
    status, success, message = stop_message(halt.reason, **fields)
    return _result(spec, obj, run, x, f, g, run.nit, status, success, message)


def _finished(res, spec, obj, run):
    """The result of a SciPy method that ended on its own: SciPy's verdict, our counts."""
    x = np.asarray(res.x, dtype=np.float64)
    hit = obj.lookup(x)
    f, g = hit if hit is not None else (float(res.fun), np.asarray(res.get("jac")))
    if run.last is not None and not np.array_equal(run.last[0], x) and hit is not None:
        run.history.append(run.nit + 1, f, float(np.max(np.abs(g))), obj.nfev, obj.njev,
                           run.elapsed(), x=x if run.keep_x else None)
        run.nit += 1
    nit = int(res.get("nit", run.nit))
    return _result(spec, obj, run, x, float(f), g, nit, res.status, res.success, res.message)
