"""``least_squares``: SciPy's ``scipy.optimize.least_squares`` on optad's exact Jacobian.

Minimizes ½ Σ ρ(r_i(x)²) (SciPy's ``cost``; ρ(z) = z by default) with trf, dogbox or
lm, SciPy's own solvers, given ``jac=`` the Jacobian of the residuals by optad instead of
finite differences: each iteration costs one residual evaluation per trial step and
one Jacobian, not n + 1 residual evaluations per Jacobian. The result is SciPy's
``OptimizeResult`` plus ``history``, ``nit``, ``method`` and our own ``nfev``/``njev``
counts.

Statuses are SciPy's (-2 callback, -1 improper input, 0 a budget ran out, 1–4
converged; ``success`` is ``status > 0``) plus the stops of ours, none positive so that
SciPy's rule still holds:

====== ==================================================================
  0    ``maxiter`` or ``max_time`` reached (as SciPy's 0 for ``max_nfev``)
 -3    a non-finite residual vector or Jacobian (the NaN guard)
 -4    the residual function raised an exception
====== ==================================================================

>>> import numpy as np, optimizers
>>> rosen = lambda x: np.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])
>>> res = optimizers.least_squares(rosen, [-1.2, 1.0])
>>> res.success, np.round(res.x, 8), res.njev == len(res.history)
(True, array([1., 1.]), True)
"""

import time

import numpy as np
import scipy.optimize as so
from scipy.optimize import OptimizeResult

from . import validate
from .errors import ArgumentValueError, UnknownMethodError
from .messages import Halt, stop_message
from .registry import refuse_unknown_options
from .residuals import Residuals, has_sparse_jacobian, loss_cost

__all__ = ["least_squares", "check_lsq_options", "LSQ_METHODS", "LSQ_OPTIONS", "LSQ_STATUS"]

LSQ_METHODS = ("trf", "dogbox", "lm")

#: Every option ``least_squares`` takes besides bounds, loss and args: SciPy's own (same
#: names, same meaning) and ours (``max_time``, ``sparse``).
LSQ_OPTIONS = ("ftol", "xtol", "gtol", "x_scale", "f_scale", "max_nfev", "tr_solver",
               "tr_options", "verbose", "maxiter", "max_time", "sparse", "jit")

#: Our stop reasons -> status (SciPy's own codes are -2 ... 4).
LSQ_STATUS = {"nonfinite": -3, "error": -4, "maxiter": 0, "max_time": 0}

_TOL = validate.Rule("number", 0, none=True)
_RULES = {
    "ftol": _TOL, "xtol": _TOL, "gtol": _TOL,
    "f_scale": validate.Rule("number", 0, open_low=True),
    "max_nfev": validate.Rule("int", 1, none=True),
    "maxiter": validate.Rule("int", 0, none=True),
    "verbose": validate.Rule("int", 0, 2),
    "max_time": validate.Rule("number", 0, open_low=True, none=True),
    "sparse": validate.Rule("flag", none=True),
    "jit": validate.Rule("flag"),
}

_HABITS = {
    "jac": "optad computes the Jacobian (exactly, from your NumPy code).",
    "diff_step": "there are no finite differences: optad computes the Jacobian.",
    "jac_sparsity": "optad finds the pattern itself: pass sparse=True.",
    "workers": "there are no finite differences to spread over workers.",
    "kwargs": "pass extra arguments positionally with args=(...), or bind them with "
              "functools.partial.",
    "maxfev": "use SciPy's name, max_nfev.",
    "callback": "read res.history afterwards, or stop with max_time / max_nfev.",
}


def least_squares(residuals, x0, method="trf", *, bounds=(-np.inf, np.inf), loss="linear",
                  args=(), **options):
    """Solve min ½ Σ ρ(r_i(x)²) with SciPy's ``least_squares`` and optad's exact Jacobian.

    ``residuals(x, *args)`` returns the residual vector (any shape; raveled to m entries).
    ``x0``: a float, an array, a list of numbers or a pytree (dict/list/tuple of arrays);
    ``residuals`` receives that structure and ``res.x`` has it; ``bounds`` (SciPy's
    ``(lb, ub)`` or a ``Bounds``) apply to the flat vector. ``method``: ``"trf"``,
    ``"dogbox"`` or ``"lm"`` (lm: no bounds, linear loss, m ≥ n). ``loss``: SciPy's
    ``"linear"``, ``"soft_l1"``, ``"huber"``, ``"cauchy"``, ``"arctan"`` or a callable.

    ``**options``: SciPy's ``ftol, xtol, gtol, x_scale, f_scale, max_nfev, tr_solver,
    tr_options, verbose``, and ours: ``maxiter`` (iterations, i.e. Jacobians after the
    start), ``max_time`` (seconds), ``sparse`` and ``jit``. ``sparse=True`` gives SciPy
    a ``scipy.sparse`` Jacobian from ``optad.jacobian(f, sparse=True)`` with
    ``tr_solver="lsmr"``, for large problems whose residuals each read few variables
    (trf and dogbox); ``sparse=None`` (the default) does so when x has at least 1000
    entries and the pattern traced at ``x0`` holds at most 5 % of the Jacobian's
    entries (and the pattern does not depend on the point); ``sparse=False`` never.
    ``jit=True`` replays the residuals and the Jacobian with ``optad.jit`` (the
    function's Python runs once per branch; closures and globals are frozen, ``args``
    are not): for cheap residuals called many times. Anything else is refused with the
    list of valid options (``jac``: optad computes it).

    Faults: a non-finite Jacobian (or residual vector where the Jacobian is taken), a
    non-finite residual vector at the start or anywhere under lm, or an exception from
    ``residuals`` stops the run with ``success=False``, a message naming the iteration
    and the cause, and the last iterate (the best point by the solver's own cost), never
    a NaN. (A non-finite residual vector at a trial point of trf or dogbox is given to
    SciPy, which rejects that step and shrinks its trust region; the guard stops the run
    at the fifth such trial in a row. An exception at ``x0`` is re-raised: nothing ran.)

    Returns SciPy's ``OptimizeResult`` (``x, cost, fun`` = the residual vector, ``jac,
    grad, optimality, active_mask, status, message, success``) with ``nfev`` = residual
    evaluations, ``njev`` = Jacobian evaluations, ``nit`` (iterations), ``method`` and
    ``history`` (a :class:`~optimizers.history.LeastSquaresHistory`: one row per
    Jacobian, i.e. per iteration; ``f`` = F = Σ r_i² and ``cost`` its own column).

    >>> import numpy as np
    >>> t = np.linspace(0.0, 1.0, 20)
    >>> y = 2.0 * np.exp(-1.5 * t)
    >>> res = least_squares(lambda p: p["a"] * np.exp(-p["k"] * t) - y,
    ...                     {"a": 1.0, "k": 0.0}, method="lm")
    >>> round(float(res.x["a"]), 10), round(float(res.x["k"]), 10), res.history.columns[-2:]
    (2.0, 1.5, ('cost', 'x'))
    """
    if not (isinstance(method, str) and method.lower() in LSQ_METHODS):
        raise UnknownMethodError(f"Unknown least-squares method {method!r}.\nValid methods: "
                                 f"{', '.join(LSQ_METHODS)}.")
    method = method.lower()
    options = check_lsq_options(options)
    validate.check_arguments(residuals, x0, owner="least_squares")
    if not isinstance(args, tuple):
        args = (args,)
    max_time = options.pop("max_time", None)
    maxiter = options.pop("maxiter", None)
    sparse = options.pop("sparse", None)
    jit = options.pop("jit", False)
    if sparse:
        _check_sparse(method)
    elif sparse is None and (method == "lm" or options.get("tr_solver") == "exact"):
        sparse = False      # (lm and the exact solver take dense Jacobians only)

    t0 = time.perf_counter()
    f_scale = options.get("f_scale", 1.0)
    R = Residuals(residuals, x0, args, loss=loss, f_scale=f_scale, sparse=sparse,
                  trials_may_fail=method != "lm", max_time=max_time, maxiter=maxiter,
                  deadline=None if max_time is None else t0 + max_time, jit=jit)
    R.t0 = t0
    if R.sparse and options.get("tr_solver") is None:
        options["tr_solver"] = "lsmr"
    try:
        res = so.least_squares(R.fun, R.x0.copy(), jac=R.jac, method=method, bounds=bounds,
                               loss=loss, **options)
    except Halt as halt:
        return _stopped(halt, R, method)
    res.x = R.unravel(np.asarray(res.x, dtype=np.float64))
    res.update(nfev=R.nfev, njev=R.njev, nit=max(len(R.history) - 1, 0), method=method,
               history=R.history)
    return res


def check_lsq_options(options):
    """``options`` checked as ``least_squares`` checks them (names, then numbers: types and
    ranges), numbers made plain; unknown names are an :class:`UnknownOptionError` listing
    the valid ones.

    >>> check_lsq_options({"max_nfev": np.int64(50)})
    {'max_nfev': 50}
    """
    refuse_unknown_options(options, LSQ_OPTIONS, _HABITS, caller="least_squares",
                           owner="least_squares", also="and method, bounds, loss, args.")
    return validate.check_options("least_squares", None, options, rules=_RULES)


def _check_sparse(method):
    if method == "lm":
        raise ArgumentValueError("least_squares: sparse=True needs method 'trf' or 'dogbox'; "
                                 "MINPACK's lm works only with dense Jacobians.")
    if not has_sparse_jacobian():
        raise ArgumentValueError(
            "least_squares: sparse=True needs sparse Jacobians from optad "
            "(optad.jacobian(f, sparse=True)), which this version of optad does not have. "
            "Use the dense Jacobian (sparse=False), or tr_solver='lsmr' to keep SciPy's "
            "iterative solver.")


def _stopped(halt, R, method):
    """The result of a run that a Halt ended: the last iterate, never a NaN."""
    fields = dict(halt.fields)
    if R.last is None:                  # the start itself failed: nothing was optimized
        if halt.reason == "error" and halt.__cause__ is not None:
            cause = halt.__cause__
            if hasattr(cause, "add_note"):
                cause.add_note("(raised by the residual function at x0, before any "
                               "iteration)")
            raise cause
        if halt.reason == "nonfinite":
            message = (f"Stopped at the start: the {fields['what']} is {fields['bad']} at "
                       "x0; nothing was optimized.")
        else:
            message = stop_message(halt.reason, **fields)[2]
        return OptimizeResult(
            x=R.unravel(R.x0.copy()), cost=np.nan, fun=None, jac=None, grad=None,
            optimality=np.nan, active_mask=np.zeros(R.x0.size, dtype=int),
            nfev=R.nfev, njev=R.njev, nit=0, status=LSQ_STATUS[halt.reason], success=False,
            message=message, method=method, history=R.history)
    x, r, J = R.last
    F = float(r @ r)
    fields.update(iteration=len(R.history), fun=F)
    message = stop_message(halt.reason, **fields)[2].replace("(f = ", "(F = Σr² = ")
    grad = J.T @ r
    return OptimizeResult(
        x=R.unravel(x.copy()), cost=loss_cost(r, R.loss, R.f_scale), fun=r.copy(), jac=J,
        grad=grad, optimality=float(np.max(np.abs(grad))) if grad.size else 0.0,
        active_mask=np.zeros(x.size, dtype=int), nfev=R.nfev, njev=R.njev,
        nit=len(R.history) - 1, status=LSQ_STATUS[halt.reason], success=False,
        message=message, method=method, history=R.history)
