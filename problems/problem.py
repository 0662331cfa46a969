"""The `Problem` record: an objective in plain NumPy with the facts that make it a benchmark.

>>> import numpy as np
>>> p = Problem("bowl", lambda x: np.sum(x ** 2), np.array([1.0, -2.0]), f_star=0.0,
...             x_star=np.zeros(2))
>>> p.value(p.x0), p.gradient(p.x0)
(5.0, array([ 2., -4.]))
"""

from collections import namedtuple

import numpy as np

import optad
from optad import tree

__all__ = ["Problem", "Minimum"]

Minimum = namedtuple("Minimum", ["f", "x", "note"])
Minimum.__doc__ = """A known minimum of a problem: its value ``f``, its point ``x`` (or None
when the literature gives only the value) and a short ``note`` (global or local, source).

>>> Minimum(0.0, None, "global").f
0.0
"""


class Problem:
    """An objective to minimize, with its standard start and known optimum.

    ``fun`` is plain NumPy code (optad differentiates it); ``x0`` is the standard start (a
    float array, or a pytree such as a dict of arrays); ``n`` is the number of variables
    (the total size of ``x0``). ``f_star`` is the known minimum value (None if unknown)
    and ``x_star`` a point where it is attained (None if the source gives none).
    ``minima`` lists every known minimum, global and local, as :class:`Minimum` records.
    ``bounds`` is the usual search domain as ``[(lo, hi), ...]`` (None when the problem
    has none); optima lie inside it. ``residuals`` is, for sums of squares, the function
    ``r`` with ``fun(x) == np.sum(r(x) ** 2)``.

    ``f_star``/``x_star`` may also come from ``solve``, a function returning
    ``(x_star, f_star)`` that runs once, the first time either is asked for (used where the
    optimum is computed numerically, so that importing stays fast).

    >>> import numpy as np
    >>> p = Problem("line", lambda x: np.sum((x - 1.0) ** 2), np.zeros(3), f_star=0.0,
    ...             x_star=np.ones(3), tags=("convex",))
    >>> p.n, p.value(p.x_star), p.start(1).shape
    (3, 0.0, (3,))
    """

    def __init__(self, name, fun, x0, *, f_star=None, x_star=None, bounds=None, tags=(),
                 description="", reference="", minima=(), residuals=None, solve=None,
                 params=None):
        self.name = name
        self.fun = fun
        self.x0 = x0
        self.n = int(tree.ravel(x0)[0].size)
        self._f_star = None if f_star is None else float(f_star)
        self._x_star = x_star
        self._solve = solve
        self.bounds = None if bounds is None else [tuple(map(float, b)) for b in bounds]
        self.tags = tuple(tags)
        self.description = description
        self.reference = reference
        self.minima = tuple(minima)
        self.residuals = residuals
        self.params = dict(params or {})
        self._spec = None  # (registry name, n, params), set by the registry for pickling

    # -- known optimum, possibly computed on first use ---------------------------------
    def _solved(self):
        if self._solve is not None:
            x, f = self._solve()
            self._x_star, self._f_star, self._solve = x, float(f), None

    @property
    def f_star(self):
        """The known minimum value, or None.

        >>> import numpy as np
        >>> Problem("p", np.sum, np.ones(2), f_star=0).f_star
        0.0
        """
        self._solved()
        return self._f_star

    @property
    def x_star(self):
        """A minimizer with value ``f_star``, or None when only the value is known.

        >>> import numpy as np
        >>> Problem("p", np.sum, np.ones(2)).x_star is None
        True
        """
        self._solved()
        return self._x_star

    # -- evaluation ----------------------------------------------------------------------
    def value(self, x):
        """``fun(x)`` as a Python float.

        >>> import numpy as np
        >>> Problem("p", lambda x: np.sum(x ** 2), np.ones(2)).value(np.array([1.0, 2.0]))
        5.0
        """
        return float(self.fun(x))

    def gradient(self, x):
        """The exact gradient of ``fun`` at ``x`` by optad, with the structure of ``x``.

        >>> import numpy as np
        >>> Problem("p", lambda x: np.sum(x ** 2), np.ones(2)).gradient(np.array([1.0, 2.0]))
        array([2., 4.])
        """
        return optad.grad(self.fun)(x)

    def value_and_grad(self, x):
        """``(value, gradient)`` from one forward and one backward pass.

        >>> import numpy as np
        >>> f, g = Problem("p", lambda x: np.sum(x ** 2), np.ones(2)).value_and_grad(np.ones(2))
        >>> float(f), g
        (2.0, array([2., 2.]))
        """
        return optad.value_and_grad(self.fun)(x)

    def start(self, seed=0):
        """The start for run number ``seed``: ``x0`` itself for 0, else a reproducible perturbation.

        Seed k > 0 moves every entry by ``s_i * N(0, 1)`` drawn from
        ``numpy.random.default_rng(k)``, with ``s_i = 0.1 |x0_i|`` (10 % of the entry) or
        0.1 where ``x0_i = 0``, then clips to ``bounds`` if any; the structure of ``x0``
        (array or pytree) is kept. Relative noise respects each variable's scale
        (Osborne 1 has entries 1.5 and 0.01).

        >>> import numpy as np
        >>> p = Problem("p", np.sum, np.array([1.0, 2.0]))
        >>> p.start(0)
        array([1., 2.])
        >>> bool(np.all(p.start(3) == p.start(3))), bool(np.any(p.start(3) != p.x0))
        (True, True)
        """
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"start(seed) needs a seed >= 0; got {seed}.")
        vec, unravel = tree.ravel(self.x0)
        vec = np.array(vec, dtype=float)
        if seed > 0:
            rng = np.random.default_rng(seed)
            scale = np.where(vec != 0.0, 0.1 * np.abs(vec), 0.1)
            vec = vec + scale * rng.standard_normal(vec.size)
            if self.bounds is not None:
                lo, hi = np.array(self.bounds, dtype=float).T
                vec = np.clip(vec, lo, hi)
        return unravel(vec)

    def check(self, *, tol=1e-6):
        """Quick self-check: finite ``fun(x0)``, optad gradient at ``x0`` against fourth-order
        central differences (``optad.numerical_grad(order=4)``: accurate to ~1e-10 even on
        badly scaled problems), and ``fun(x_star) == f_star`` where both are known.

        Returns a dict of the measured errors; raises ``ValueError`` naming what failed.

        >>> import numpy as np
        >>> p = Problem("p", lambda x: np.sum((x - 1) ** 2), np.zeros(2), f_star=0.0,
        ...             x_star=np.ones(2))
        >>> sorted(p.check())
        ['f_star_error', 'f_x0', 'grad_error']
        """
        report = {"f_x0": self.value(self.x0)}
        if not np.isfinite(report["f_x0"]):
            raise ValueError(f"{self.name}: fun(x0) is not finite ({report['f_x0']}).")
        g_ad = tree.ravel(self.gradient(self.x0))[0]
        g_fd = tree.ravel(optad.numerical_grad(self.fun, self.x0, order=4))[0]
        report["grad_error"] = float(np.linalg.norm(g_ad - g_fd) / max(np.linalg.norm(g_fd), 1.0))
        if not report["grad_error"] <= tol:
            raise ValueError(
                f"{self.name}: gradient at x0 differs from central differences by "
                f"{report['grad_error']:.3g} (relative); tolerance {tol:g}.")
        if self.x_star is not None and self.f_star is not None:
            err = abs(self.value(self.x_star) - self.f_star) / max(1.0, abs(self.f_star))
            report["f_star_error"] = err
            if not err <= 1e-8:
                raise ValueError(
                    f"{self.name}: fun(x_star) = {self.value(self.x_star)!r} but f_star = "
                    f"{self.f_star!r}.")
        return report

    # -- plumbing ------------------------------------------------------------------------
    def __reduce__(self):
        # Registry-made problems pickle as the call that rebuilds them (their objectives
        # are closures, which pickle cannot carry), so they travel to process pools.
        if self._spec is None:
            return object.__reduce__(self)
        from .registry import get
        name, n, params = self._spec
        return (_rebuild, (get, name, n, params))

    def __repr__(self):
        fs = "unknown" if self._f_star is None and self._solve is None else (
            "computed on demand" if self._f_star is None else f"{self._f_star:.6g}")
        return f"Problem({self.name!r}, n={self.n}, f_star={fs})"


def _rebuild(get, name, n, params):
    return get(name, n=n, **params)
