"""The user's objective as the optimizers see it: one flat float vector in, counted,
cached and guarded evaluations out.

* ``x0`` may be a float, an array of any shape, a list of numbers (SciPy's convention:
  an array) or a pytree of arrays (``optad.tree.ravel`` flattens it); the user's ``fun``
  always receives the structure it was given.
* Value and gradient come from one ``optad.value_and_grad`` pass, cached for the last few
  points so SciPy's separate requests and our history never recompute them.
* Every evaluation is counted (``nfev``, ``njev``, ``nhev``), checked against ``maxfev``
  and the deadline, and guarded: a non-finite value, gradient, Hessian-vector product or
  Hessian (the value of f in the Hessian's own pass included), a value that is not a real
  number, or an exception, raises :class:`~optimizers.messages.Halt` carrying the cause.
  The best finite point evaluated is kept for the result of a run that stops on a fault.

>>> import numpy as np
>>> obj = Objective(lambda x: np.sum(x ** 2), np.array([1.0, 2.0]))
>>> obj.value_and_grad(obj.x0)
(5.0, array([2., 4.]))
>>> obj.value_and_grad(np.array([1.0, 2.0])), obj.nfev   # the second call is a cache hit
((5.0, array([2., 4.])), 1)
"""

import math
import time

import numpy as np
from scipy.linalg.blas import ddot, idamax

import optad

from .errors import ArgumentTypeError
from .messages import Halt
from .validate import real_value

__all__ = ["Objective", "flattener"]

_CACHE_SIZE = 4
_FLOAT64 = np.dtype(np.float64)
_F64 = np.float64


def flattener(x0):
    """``(vector, unravel, ravel)`` for a start ``x0``: the flat float64 start, the map from
    a flat vector back to ``x0``'s structure, and the map flattening a same-structure value.

    ``optad.tree.raveler`` (optad's one pytree flattener), after SciPy's convention that
    a list of numbers is an array.

    >>> vec, unravel, ravel = flattener({"w": np.ones(2), "b": 0.0})
    >>> vec, unravel(vec + 1)["w"]
    (array([0., 1., 1.]), array([2., 2.]))
    >>> flattener([1, 2])[1](np.array([3.0, 4.0]))    # a list of numbers is an array
    array([3., 4.])
    """
    if isinstance(x0, (list, tuple)) and all(
            isinstance(v, (int, float, complex, np.number)) and not isinstance(v, bool) for v in x0):
        x0 = np.asarray(x0)
        x0 = x0 if x0.dtype.kind in "fc" else x0.astype(float)
    return optad.tree.raveler(x0)


def _key(x):
    """The cache key of a flat point: its float64 bytes."""
    return (x if x.dtype == _FLOAT64 else x.astype(np.float64)).tobytes()


def _norm_if_finite(g, zeros):
    """‖g‖∞ of a flat float64 ``g``, or nan if a component is nan or ±inf (``zeros``: n zeros).

    0·v is 0 for a finite v and nan for nan or ±inf, so g·0 is finite exactly when every
    component is; then BLAS's index of the largest |g_i| gives the norm. Two BLAS calls
    take ~0.5 us at n = 1000, np.abs(g).max() ~1.5 us (and np.dot would warn on inf·0).

    >>> _norm_if_finite(np.array([1.0, -3.0, 2.0]), np.zeros(3))
    3.0
    >>> _norm_if_finite(np.array([1.0, np.inf, 2.0]), np.zeros(3))
    nan
    """
    if not math.isfinite(ddot(g, zeros)):
        return math.nan
    return abs(g.item(idamax(g)))


def _real(f):
    """``validate.real_value``, a fault (Halt) when the objective returned no number."""
    try:
        return real_value(f)
    except ArgumentTypeError as exc:
        raise _fault(exc) from exc


def _fault(exc):
    """The Halt for an exception raised by the user's objective (the run stops, keeping
    the cause)."""
    return Halt("error", error=f"{type(exc).__name__}: {exc}")


def _describe_bad(a):
    """'nan', 'inf' or 'nan in 3 of 100 components' for a non-finite value."""
    a = np.asarray(a)
    bad = ~np.isfinite(a)
    kind = "nan" if np.isnan(a[bad]).any() else "inf"
    if a.ndim == 0 or a.size == 1:
        return kind
    return f"{kind} in {int(bad.sum())} of {a.size} components"


class Objective:
    """``fun(x, *args)`` over a flat vector, with counts, a cache, limits and the NaN guard.

    >>> obj = Objective(lambda x: x ** 2, 3.0)
    >>> obj.value_and_grad(obj.x0), float(obj.unravel(obj.x0))
    ((9.0, array([6.])), 3.0)
    """

    def __init__(self, fun, x0, args=(), *, maxfev=None, deadline=None, jit=False):
        self.fun = fun
        self.args = tuple(args)
        self.x0, self.unravel, self.ravel = flattener(x0)
        # A 1-D start: the user's function takes our vectors as they are (no reshaping).
        self._plain = self.unravel(self.x0) is self.x0
        if self.x0.size == 0:
            raise ValueError("x0 has no entries: there is nothing to optimize.")
        if not np.all(np.isfinite(self.x0)):
            raise ValueError(f"x0 has non-finite entries ({_describe_bad(self.x0)}); "
                             "start from a finite point.")
        # jit: the value-and-gradient pass traced once and replayed (optad.jit); args are
        # arguments of the jitted call, so data passed there is never frozen.
        self._vg = optad.value_and_grad(fun)
        if jit:
            self._vg = optad.jit(self._vg)
        self._zeros = np.zeros(self.x0.size)   # for the gradient's finiteness test
        self.maxfev = maxfev
        self.deadline = deadline
        self.nfev = self.njev = self.nhev = 0
        self._keys = []         # x's bytes of the cached points, oldest first
        self._entries = []      # their (x, f, g, grad_norm)
        self.best = None        # the cache entry with the lowest finite f evaluated
        self.max_time = None    # for the message when the deadline passes
        self.bad_trial = None   # 'nan' when the last value-only trial was not finite

    # --- limits and faults -------------------------------------------------------------
    def _check_limits(self):
        if self.maxfev is not None and self.nfev >= self.maxfev:
            raise Halt("maxfev", maxfev=self.maxfev)
        # The start is evaluated whatever the clock says: a result needs one point.
        if self.deadline is not None and self.nfev and time.perf_counter() >= self.deadline:
            raise Halt("max_time", max_time=self.max_time)

    def _call(self, fn, x, *rest):
        try:
            return fn(self.unravel(x), *rest)
        except (Halt, optad.errors.OptadError):
            raise       # optad cannot differentiate this code: a usage error, not a fault
        except Exception as exc:  # the user's objective failed: stop the run, keep the cause
            raise _fault(exc) from exc

    # --- evaluations ---------------------------------------------------------------------
    # A cache entry is (x, f, g, grad_norm), stored with its key, x's float64 bytes. Points
    # match when their bytes do: `key in keys` is one C loop of memcmp's that stop at the
    # first differing byte, far cheaper than comparing values (which would also take 0.0
    # for -0.0, though f may tell them apart).
    def _find(self, key):
        keys = self._keys
        return self._entries[keys.index(key)] if key in keys else None

    def lookup(self, x):
        """The cached ``(f, g)`` at the flat point ``x``, or None (``g`` is the cache's own,
        read-only)."""
        hit = self._find(_key(x))
        return None if hit is None else hit[1:3]

    def value_and_grad(self, x):
        """``(f, g)`` at the flat point ``x`` (g flat and read-only: it is the cache's own),
        from one value-and-gradient pass."""
        entry = self.evaluate(x)
        return entry[1], entry[2]

    def evaluate(self, x):
        """The cache entry ``(x, f, g, grad_norm)`` at the flat point ``x`` (evaluated if not
        cached; ``grad_norm`` = ‖g‖∞). Its arrays are read-only: they are the cache's own.

        >>> obj = Objective(lambda x: np.sum(x ** 2), np.array([1.0, -2.0]))
        >>> obj.evaluate(obj.x0)
        (array([ 1., -2.]), 5.0, array([ 2., -4.]), 4.0)
        """
        key = _key(x)
        return self._find(key) or self._evaluate(x, key)

    def _evaluate(self, x, key):
        # The hot path of every run: calls are inlined here (each costs ~0.1 us).
        if self.maxfev is not None or self.deadline is not None:
            self._check_limits()
        try:
            f, g = self._vg(self.unravel(x), *self.args)
        except (Halt, optad.errors.OptadError):
            raise                       # as in _call: usage errors are not faults
        except Exception as exc:
            raise _fault(exc) from exc
        self.nfev += 1
        self.njev += 1
        f = float(f) if type(f) is _F64 else _real(f)     # "1.0", None: refused, named
        if not self._plain or type(g) is not np.ndarray or g.dtype != _FLOAT64:
            g = np.array(self.ravel(g), dtype=np.float64)
        # optad's g is a fresh array each call, never reused while referenced: the cache
        # keeps it without a copy and shares it with SciPy and the Run, read-only.
        g.setflags(write=False)
        if not math.isfinite(f):
            raise Halt("nonfinite", what="value", bad=_describe_bad(f))
        grad_norm = _norm_if_finite(g, self._zeros)
        if not math.isfinite(grad_norm):
            raise Halt("nonfinite", what="gradient", bad=_describe_bad(g))
        # The key is a copy of x (the caller's x may change; SciPy's does, in place): the
        # cached x is a read-only view of it.
        entry = (np.frombuffer(key), f, g, grad_norm)
        keys, entries = self._keys, self._entries
        keys.append(key)
        entries.append(entry)
        if len(keys) > _CACHE_SIZE:
            del keys[0], entries[0]
        if self.best is None or f < self.best[1]:
            self.best = entry
        return entry

    def value(self, x):
        """The value alone (no gradient, no tracing), for line-search trials.

        A non-finite trial value is returned, not raised: the line search rejects it and
        backtracks. Iterates always go through :meth:`value_and_grad`, which is guarded.
        """
        hit = self.lookup(x)
        if hit is not None:
            return hit[0]
        self._check_limits()
        f = self._call(self.fun, x, *self.args)
        self.nfev += 1
        f = float(f) if type(f) is _F64 or type(f) is float else _real(f)
        # A failed line search whose last trial was non-finite is a non-finite fault (the
        # driver reads this); one that backtracked to a finite point goes on.
        self.bad_trial = None if math.isfinite(f) else _describe_bad(f)
        return f

    def _watched(self):
        """``(f, seen)``: the objective, appending the value of each of its calls to ``seen``.

        A Hessian or Hessian-vector product does not show a NaN value: the hvp of
        ``sum(x) * nan`` is exactly 0. The value of the very call that gave it is checked
        instead (``stop_gradient`` reads it from the trace). hvp skips primal values that
        lead only to the output; reading the value computes them: measured +10 % per hvp
        of Rosenbrock at n = 10 and 1000, +1 % at 1e5 (a separate plain f(x) cost +5 %
        and +17 %, and would check another call than the one that gave the hvp).
        """
        fun, args, seen = self.fun, self.args, []

        def watched(t):
            out = fun(t, *args)
            seen.append(optad.stop_gradient(out))
            return out

        return watched, seen

    @staticmethod
    def _check_value(seen):
        for f in seen:
            f = float(f) if type(f) is _F64 or type(f) is float else _real(f)
            if not math.isfinite(f):
                raise Halt("nonfinite", what="value", bad=_describe_bad(f))

    def hessp(self, x, p):
        """H(x) p from ``optad.hvp`` (one reverse-over-forward pass), flat; the value of f
        at ``x`` in that pass is checked too."""
        self._check_limits()
        fun, seen = self._watched()
        hp = self._call(lambda xt, pt: optad.hvp(fun, xt, pt),
                        x, self.unravel(np.asarray(p, dtype=np.float64)))
        self.nhev += 1
        self._check_value(seen)
        hp = np.array(self.ravel(hp), dtype=np.float64)
        if not np.all(np.isfinite(hp)):
            raise Halt("nonfinite", what="Hessian-vector product", bad=_describe_bad(hp))
        return hp

    def hess(self, x):
        """The dense Hessian (n × n) from ``optad.hessian`` (columns of ``hvp`` for pytrees);
        the value of f at ``x`` in that pass is checked too."""
        self._check_limits()
        if self._plain:
            fun, seen = self._watched()
            H = self._call(lambda xt: optad.hessian(fun)(xt), x)
            self._check_value(seen)
        else:
            eye = np.eye(x.size)
            H = np.stack([self.hessp(x, e) for e in eye], axis=1)
            self.nhev -= x.size
        self.nhev += 1
        H = np.array(H, dtype=np.float64).reshape(x.size, x.size)
        if not np.all(np.isfinite(H)):
            raise Halt("nonfinite", what="Hessian", bad=_describe_bad(H))
        return H
