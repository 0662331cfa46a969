"""Gradient descent: fixed step, heavy-ball or Nesterov momentum, Armijo backtracking.

>>> import numpy as np
>>> opt = GradientDescent(lr=0.1)
>>> x = np.array([1.0, -2.0]); state = opt.init(x)
>>> for _ in range(100):
...     x, state = opt.step(x, 2 * x, state)        # f = ‖x‖², g = 2x
>>> np.round(x, 6) + 0.0
array([0., 0.])
"""

from typing import NamedTuple

import numpy as np

from .errors import ArgumentValueError, LineSearchError
from .objective import flattener
from .validate import check_options

__all__ = ["GradientDescent", "GDState"]


class GDState(NamedTuple):
    """State of :class:`GradientDescent`: the update count, the momentum buffer, the last
    step length (``lr``, or what the line search accepted) and the last slope gᵀd (for the
    line search's first trial step).

    >>> import numpy as np
    >>> GradientDescent(lr=0.1).init(np.zeros(2)).count
    0
    """

    count: int
    velocity: object
    step_size: float
    slope: float = 0.0


class GradientDescent:
    r"""Gradient descent with optional momentum and Armijo backtracking line search.

    With gradient :math:`g_k = \nabla f(x_k)`, momentum :math:`\mu` and step :math:`t_k`:

    * plain (``momentum=0``): :math:`d_k = g_k`;
    * heavy ball (Polyak, 1964): :math:`b_k = \mu b_{k-1} + g_k`, :math:`d_k = b_k`;
    * Nesterov (1983), in the form of Sutskever et al. (ICML 2013) used by PyTorch:
      :math:`b_k = \mu b_{k-1} + g_k`, :math:`d_k = g_k + \mu b_k`;

    then :math:`x_{k+1} = x_k - t_k d_k`. Without a line search :math:`t_k` = ``lr``. With
    ``line_search=True``, :math:`t_k` is found by Armijo backtracking (Nocedal & Wright,
    *Numerical Optimization*, 2nd ed., Algorithm 3.1): multiply a first trial step by
    ``shrink`` until :math:`f(x_k - t d_k) \le f(x_k) - c_1 t\, g_k^\top d_k`. The first
    trial is ``lr`` at the first step, then the step whose first-order decrease matches the
    last one, :math:`t_{k-1}\, g_{k-1}^\top d_{k-1} / g_k^\top d_k` (N&W eq. 3.60), doubled and
    capped at ``lr``; so ``lr`` is the largest step tried. If momentum makes :math:`d_k` an
    ascent direction (:math:`g_k^\top d_k \le 0`) the buffer restarts from :math:`g_k`. The
    line search needs the objective: pass ``fun=`` to :meth:`step`.

    Parameters: ``lr`` (step, or first trial step with a line search; default 0.01, or 1.0
    with a line search), ``momentum`` in [0, 1), ``nesterov``, ``line_search``, ``c1``
    (sufficient-decrease constant), ``shrink`` (backtracking factor), ``max_backtracks``.

    >>> import numpy as np
    >>> f = lambda x: (x[0] - 3.0) ** 2 + 10 * x[1] ** 2
    >>> opt = GradientDescent(line_search=True)
    >>> x = np.zeros(2); state = opt.init(x)
    >>> for _ in range(60):
    ...     g = np.array([2 * (x[0] - 3.0), 20 * x[1]])
    ...     x, state = opt.step(x, g, state, fun=f)
    >>> np.round(x, 6) + 0.0
    array([3., 0.])
    """

    def __init__(self, lr=None, momentum=0.0, nesterov=False, line_search=False, c1=1e-4,
                 shrink=0.5, max_backtracks=60):
        given = check_options("GradientDescent", "gd", {
            "lr": lr, "momentum": momentum, "nesterov": nesterov, "line_search": line_search,
            "c1": c1, "shrink": shrink, "max_backtracks": max_backtracks})
        lr, momentum = given["lr"], given["momentum"]
        if lr is None:
            lr = 1.0 if given["line_search"] else 0.01
        if given["nesterov"] and momentum == 0:
            raise ArgumentValueError("GradientDescent: nesterov=True needs a momentum > 0 "
                                     "(e.g. 0.9).")
        self.lr, self.momentum, self.nesterov = lr, momentum, given["nesterov"]
        self.line_search, self.c1, self.shrink = given["line_search"], given["c1"], given["shrink"]
        self.max_backtracks = given["max_backtracks"]

    def __repr__(self):
        return (f"GradientDescent(lr={self.lr:g}, momentum={self.momentum:g}, "
                f"nesterov={self.nesterov}, line_search={self.line_search})")

    def init(self, params):
        """The state before the first step (zero momentum buffer).

        >>> GradientDescent().init(np.ones(2))
        GDState(count=0, velocity=array([0., 0.]), step_size=0.01, slope=0.0)
        """
        p = flattener(params)[0]
        return GDState(0, np.zeros_like(p), self.lr, 0.0)

    def step(self, params, grads, state, *, fun=None, value=None):
        """One update: ``(new_params, new_state)``. ``fun`` (the objective, same structure
        as ``params``) and optionally ``value`` = f(params) are used by the line search.

        >>> opt = GradientDescent(lr=0.5, momentum=0.5)
        >>> x, s = opt.step(np.array([1.0]), np.array([2.0]), opt.init(np.array([1.0])))
        >>> x, s.velocity
        (array([0.]), array([2.]))
        """
        p, back, ravel = flattener(params)
        g = ravel(grads)
        velocity = state.velocity
        if self.momentum:
            velocity = self.momentum * velocity + g
            d = g + self.momentum * velocity if self.nesterov else velocity
        else:
            d = g
        t = self.lr
        if self.line_search:
            if fun is None:
                raise TypeError("GradientDescent(line_search=True).step needs fun=, the "
                                "objective, to backtrack; or use line_search=False and a "
                                "fixed lr.")
            slope = float(np.vdot(g, d))
            if slope <= 0 and self.momentum:
                velocity = g.copy() if isinstance(g, np.ndarray) else g
                d = g
                slope = float(np.vdot(g, g))
            if slope == 0.0:                    # a stationary point: nothing to search
                return back(p), GDState(state.count + 1, velocity, 0.0, 0.0)
            if state.count and state.slope > 0 and state.step_size > 0:
                t = min(self.lr, 2.0 * state.step_size * state.slope / slope)
            f0 = float(fun(params)) if value is None else float(value)
            for tries in range(1, self.max_backtracks + 1):
                trial = p - t * d
                if np.array_equal(trial, p):    # the step no longer moves x: give up
                    break
                if float(fun(back(trial))) <= f0 - self.c1 * t * slope:  # nan: backtrack
                    return back(trial), GDState(state.count + 1, velocity, t, slope)
                t *= self.shrink
            raise LineSearchError(
                f"Armijo backtracking found no sufficient decrease in {tries} trials (last "
                f"step {t:.3g}).", tries=tries, step=t)
        return back(p - t * d), GDState(state.count + 1, velocity, t, 0.0)
