"""The one place that decides when a run stops, and the loop for the first-order methods.

:class:`Run` watches a run, whoever owns the loop: our loop for ``"gd"`` and ``"adam"``
(:func:`first_order_loop`), SciPy's loop for the SciPy methods (through SciPy's callback).
At every iterate it appends a history row, calls the user's callback, and applies the
stopping tests; evaluations apply the budgets and the NaN guard
(:class:`~optimizers.objective.Objective`). Either way a stop raises
:class:`~optimizers.messages.Halt`, which :func:`optimizers.minimize` turns into the result.

>>> import numpy as np
>>> from optimizers.objective import Objective
>>> obj = Objective(lambda x: np.sum(x ** 2), np.array([3.0]))
>>> run = Run(obj, gtol=1e-6, maxiter=100)
>>> run.observe(obj.x0, *obj.value_and_grad(obj.x0))
>>> run.nit, len(run.history)
(0, 1)
"""

import inspect
import time

import numpy as np
from scipy.optimize import OptimizeResult

from .errors import LineSearchError
from .history import KEEP_X_MAX, History
from .messages import Halt

__all__ = ["Run", "first_order_loop"]


def _wants_result(callback):
    """SciPy's rule: a callback whose only parameter is ``intermediate_result`` gets an
    ``OptimizeResult``; any other gets a copy of ``x``."""
    try:
        params = inspect.signature(callback).parameters
    except (TypeError, ValueError):
        return False
    return set(params) == {"intermediate_result"}


class Run:
    """History, the user's callback and the stopping tests of one run.

    ``gtol`` (on ‖g‖∞) and ``ftol`` (relative reduction of f) are tested here only when
    given (not None); ``maxiter`` and ``max_time`` always when given.

    >>> from optimizers.objective import Objective
    >>> obj = Objective(lambda x: x ** 2, 1.0)
    >>> run = Run(obj, gtol=1.0)
    >>> run.observe(obj.x0, *obj.value_and_grad(obj.x0))
    >>> try:
    ...     run.observe(np.array([0.1]), *obj.value_and_grad(np.array([0.1])))
    ... except Halt as h:
    ...     print(h.reason, run.nit)
    gtol 1
    """

    def __init__(self, objective, *, gtol=None, ftol=None, maxiter=None, max_time=None,
                 callback=None):
        self.objective = objective
        self.gtol, self.ftol, self.maxiter, self.max_time = gtol, ftol, maxiter, max_time
        self.callback = callback
        self._cb_result = callback is not None and _wants_result(callback)
        self.history = History()
        self.keep_x = objective.x0.size <= KEEP_X_MAX
        self.nit = -1            # becomes 0 when the start is observed
        self.last = None         # (x, f, g, grad_norm) of the latest iterate
        self.t0 = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.t0

    def observe(self, x, f, g):
        """Record the next iterate (the first call records the start) and apply the tests;
        raises :class:`Halt` to stop."""
        g = np.asarray(g)
        self.record((np.array(x, dtype=np.float64).ravel(), float(f), g,
                     float(np.abs(g).max()) if g.size else 0.0))

    def record(self, point):
        """:meth:`observe` for a point ``(x, f, g, grad_norm)`` whose arrays nobody modifies
        (an entry of the objective's cache, :meth:`Objective.evaluate`): kept, not copied."""
        x, f, g, grad_norm = point
        prev = self.last
        self.nit += 1
        self.last = point
        obj = self.objective
        now = time.perf_counter() - self.t0
        self.history._add((self.nit, f, grad_norm, obj.nfev, obj.njev, now),
                          x if self.keep_x else None)
        if self.nit > 0 and self.callback is not None:
            self._call_callback(x, f, g, grad_norm, now)
        if self.gtol is not None and grad_norm <= self.gtol:
            raise Halt("gtol", grad_norm=grad_norm, gtol=self.gtol)
        if self.ftol is not None and prev is not None:
            reduction = (prev[1] - f) / max(abs(prev[1]), abs(f), 1.0)
            if 0.0 <= reduction <= self.ftol:
                raise Halt("ftol", reduction=reduction, ftol=self.ftol)
        if self.maxiter is not None and self.nit >= self.maxiter:
            raise Halt("maxiter", maxiter=self.maxiter)
        if self.max_time is not None and now >= self.max_time:
            raise Halt("max_time", max_time=self.max_time)

    def _call_callback(self, x, f, g, grad_norm, now):
        obj = self.objective
        if self._cb_result:
            arg = OptimizeResult(x=obj.unravel(x.copy()), fun=f, jac=obj.unravel(g.copy()),
                                 nit=self.nit, nfev=obj.nfev, njev=obj.njev,
                                 grad_norm=grad_norm, time=now)
            call = lambda: self.callback(intermediate_result=arg)  # noqa: E731
        else:
            call = lambda: self.callback(obj.unravel(x.copy()))  # noqa: E731
        try:
            stop = call()
        except StopIteration:
            raise Halt("callback", how="raised StopIteration") from None
        if stop is True:
            raise Halt("callback", how="returned True")


def first_order_loop(optimizer, run):
    """Drive an update rule (``init``/``step``) until :class:`Run` or a fault stops it.

    Each iteration: one ``step`` (GD's line search may evaluate f a few more times), then
    one value-and-gradient pass at the new point. Never returns: every way out is a Halt.
    """
    obj = run.objective
    x = obj.x0.copy()
    point = obj.evaluate(x)
    run.record(point)
    state = optimizer.init(x)
    while True:
        f, g = point[1:3]       # the cache's g: the update rules never modify their inputs
        try:
            x, state = optimizer.step(x, g, state, fun=obj.value, value=f)
        except LineSearchError as exc:
            if obj.bad_trial is not None:     # backtracked into NaN/inf down to the last try
                raise Halt("nonfinite", what="value", bad=obj.bad_trial) from None
            raise Halt("line_search", tries=exc.tries, step=exc.step) from None
        point = obj.evaluate(x)
        run.record(point)
