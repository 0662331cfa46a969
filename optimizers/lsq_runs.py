"""Least-squares methods in studies: ``compare`` runs ``"lsq-trf"``, ``"lsq-dogbox"`` and
``"lsq-lm"`` (:func:`optimizers.least_squares`) on problems that have residuals.

A problem takes part when it has a ``residuals`` attribute r with ``fun(x) = Σ r_i(x)²``
(every Moré–Garbow–Hillstrom problem does); a problem without one gives a failed run
saying so. The study's budget maps onto ``least_squares``: ``maxiter`` (Jacobians after
the start) and ``max_time`` as they are, ``maxfev`` as ``max_nfev`` (residual
evaluations), ``gtol`` and ``ftol`` as SciPy's own ``gtol`` and ``ftol`` (SciPy's
meaning: for trf, ‖scaled Jᵀr‖∞ < gtol, i.e. ‖∇F‖∞ ≲ 2·gtol for F = Σ r²; a relative
decrease of the cost below ftol), and a study's ``jit=True`` as ``least_squares``'s.
The result is shaped like ``minimize``'s, so its
record is the same as every other run's: ``fun`` is F = Σ r², the history's ``f``
column too (``cost`` = SciPy's cost rides along as a column of its own).

>>> lsq_method("LSQ-TRF"), lsq_method("BFGS")
('trf', None)
"""

import numpy as np
from scipy.optimize import OptimizeResult

from .least_squares import LSQ_METHODS, check_lsq_options, least_squares

__all__ = ["LSQ_NAMES", "lsq_method", "check_study_options", "run_lsq", "as_minimize_result"]

_LOSSES = ("linear", "soft_l1", "huber", "cauchy", "arctan")

#: The method names ``compare`` takes for ``least_squares``.
LSQ_NAMES = tuple(f"lsq-{m}" for m in LSQ_METHODS)


def lsq_method(name):
    """SciPy's method name for a study's ``lsq-...`` name (any case), else None.

    >>> lsq_method("lsq-lm")
    'lm'
    """
    if isinstance(name, str) and name.lower() in LSQ_NAMES:
        return name.lower()[4:]
    return None


def check_study_options(options):
    """The options of a study's ``lsq-...`` method checked before anything runs:
    ``least_squares``'s own, and ``loss`` (a SciPy loss name or a callable).

    >>> check_study_options({"loss": "huber", "f_scale": 0.5})
    {'loss': 'huber', 'f_scale': 0.5}
    """
    options = dict(options)
    loss = options.pop("loss", "linear")
    if not (callable(loss) or loss in _LOSSES):
        raise ValueError(f"least_squares: loss must be one of {', '.join(_LOSSES)} or a "
                         f"callable; got {loss!r}.")
    checked = check_lsq_options(options)
    return {"loss": loss, **checked} if loss != "linear" else checked


def as_minimize_result(res):
    """A ``least_squares`` result shaped like ``minimize``'s: ``fun`` = F = Σ r_i²,
    ``jac`` = ∇F = 2 Jᵀr, ``status`` in minimize's table (0 converged, 1 a budget, 4
    non-finite, 5 an exception); SciPy's status stays in ``lsq_status``.

    >>> import numpy as np
    >>> r = as_minimize_result(least_squares(lambda x: x - 2.0, np.zeros(2)))
    >>> r.fun, r.status, r.method, r.history.columns[-2]
    (0.0, 0, 'lsq-trf', 'cost')
    """
    fun = np.nan if res.fun is None else float(np.dot(res.fun, res.fun))
    status = 0 if res.success else {-3: 4, -4: 5}.get(res.status, 1)
    return OptimizeResult(
        x=res.x, fun=fun, jac=None if res.grad is None else 2.0 * np.asarray(res.grad),
        nit=res.nit, nfev=res.nfev, njev=res.njev, success=bool(res.success), status=status,
        lsq_status=res.status, message=res.message, method=f"lsq-{res.method}",
        history=res.history)


def run_lsq(problem, start, name, budget, options):
    """Run study method ``name`` (``"lsq-trf"``, ...) on ``problem`` from ``start``.

    >>> import numpy as np
    >>> class Line:
    ...     name, n, x0 = "line", 2, np.zeros(2)
    ...     residuals = staticmethod(lambda x: x - 1.0)
    ...     fun = staticmethod(lambda x: np.sum((x - 1.0) ** 2))
    >>> run_lsq(Line(), Line.x0, "lsq-lm", {"maxiter": 50}, {}).fun
    0.0
    """
    residuals = getattr(problem, "residuals", None)
    if residuals is None:
        raise TypeError(f"{name} needs a sum-of-squares problem with residuals "
                        f"(problem.residuals); {getattr(problem, 'name', problem)!r} has none.")
    given = {"maxiter": "maxiter", "max_time": "max_time", "maxfev": "max_nfev",
             "gtol": "gtol", "ftol": "ftol", "jit": "jit"}
    kw = {given[k]: v for k, v in budget.items() if v is not None and k in given}
    return as_minimize_result(least_squares(residuals, start, lsq_method(name), **kw,
                                            **options))
