"""The user's residual function as SciPy's least-squares solvers see it: one flat float
vector in; counted, guarded residual vectors and exact Jacobians out; a history row per
Jacobian.

* ``x0`` may be a float, an array, a list of numbers or a pytree (flattened by
  :func:`optimizers.objective.flattener`, i.e. ``optad.tree.raveler``); the user's
  function always receives the structure it was given and may return residuals of any
  shape (they are raveled: r ∈ ℝᵐ).
* :meth:`Residuals.fun` is a plain NumPy call (no tracing); :meth:`Residuals.jac` is
  ``optad.jacobian`` of the flat function, which records once and takes m backward
  passes or n forward passes, whichever is cheaper. The residuals of that very pass are
  read back (``optad.stop_gradient``) for the history row, so a row's F, cost and
  gradient all belong to one evaluation.
* ``sparse=True`` takes ``optad.jacobian(f, sparse=True)``; ``sparse=None`` decides at
  ``x0`` (large and sparse: :data:`AUTO_SPARSE_MIN_N`, :data:`AUTO_SPARSE_DENSITY`).
  ``jit=True`` replays the residuals and the Jacobian's pass with ``optad.jit`` (the
  user's ``args`` are arguments of the jitted calls, never frozen).
* Counts: ``nfev`` residual evaluations, ``njev`` Jacobian evaluations.
* The NaN guard: a non-finite Jacobian (or residual vector in the Jacobian's pass), or
  an exception from the user's function, raises :class:`~optimizers.messages.Halt`.
  A non-finite residual vector at a *trial* point is handed back to trf and dogbox when
  ``trials_may_fail``: SciPy rejects such a step and shrinks its trust region (its
  documented behaviour), so the run goes on, up to :data:`NONFINITE_TRIALS` in a row;
  MINPACK's lm cannot do that, so there (and at the start) it halts at once.

>>> import numpy as np
>>> res = Residuals(lambda x: np.stack([x[0] - 1.0, 10.0 * x[1] * x[0]]), np.array([2.0, 1.0]))
>>> res.fun(res.x0), res.jac(res.x0)
(array([ 1., 20.]), array([[ 1.,  0.],
       [10., 20.]]))
>>> res.nfev, res.njev, res.history[0]["f"], res.history[0]["cost"]
(1, 1, 401.0, 200.5)
"""

import inspect
import time
import warnings

import numpy as np
from scipy import sparse as sp

import optad

from .errors import ArgumentTypeError, ArgumentValueError
from .history import KEEP_X_MAX, LeastSquaresHistory
from .messages import Halt
from .objective import _describe_bad, flattener

__all__ = ["Residuals", "loss_cost", "has_sparse_jacobian", "replayed_value_and_jacobian",
           "NONFINITE_TRIALS", "AUTO_SPARSE_MIN_N", "AUTO_SPARSE_DENSITY"]

#: ``sparse=None`` (the default) traces the Jacobian's pattern when there are at least
#: this many variables (a dense Jacobian of 1000 × 1000 is 8 MB and 1000 passes) ...
AUTO_SPARSE_MIN_N = 1000
#: ... and uses the sparse Jacobian when at most this fraction of its entries can be
#: nonzero (below it, LSMR on a sparse matrix beats a dense SVD-based step).
AUTO_SPARSE_DENSITY = 0.05

#: trf and dogbox may try this many non-finite trial points in a row (each rejection
#: quarters the trust radius: 4⁴ = 256 times smaller by the last) before the NaN guard
#: stops the run: a step that overshot into NaN recovers, residuals that are NaN all
#: around the iterate do not spend the whole max_nfev budget first.
NONFINITE_TRIALS = 5

# SciPy's named losses ρ(z) of z = (r / f_scale)² (scipy.optimize.least_squares).
_LOSSES = {
    "linear": lambda z: z,
    "soft_l1": lambda z: 2.0 * (np.sqrt(1.0 + z) - 1.0),
    "huber": lambda z: np.where(z <= 1.0, z, 2.0 * np.sqrt(z) - 1.0),
    "cauchy": np.log1p,
    "arctan": np.arctan,
}


def loss_cost(r, loss="linear", f_scale=1.0):
    """SciPy's ``cost`` of residuals ``r``: ½ f_scale² Σ ρ((r_i / f_scale)²), which is
    ½ Σ r_i² for the linear loss; ``loss`` a SciPy loss name or a callable returning ρ
    as SciPy's callables do (an array of shape (3, m) whose row 0 is ρ).

    >>> loss_cost(np.array([3.0, 4.0])), round(loss_cost(np.array([3.0]), "huber"), 6)
    (12.5, 2.5)
    """
    if loss == "linear":
        return 0.5 * float(r @ r)
    z = (r / f_scale) ** 2
    rho = np.asarray(loss(z))[0] if callable(loss) else _LOSSES[loss](z)
    return 0.5 * f_scale ** 2 * float(np.sum(rho))


def has_sparse_jacobian():
    """Whether ``optad.jacobian`` takes ``sparse=True`` (a feature test, at call time:
    sparse Jacobians arrive in optad separately).

    >>> has_sparse_jacobian() in (True, False)
    True
    """
    try:
        return "sparse" in inspect.signature(optad.jacobian).parameters
    except (TypeError, ValueError):
        return False


def _vector(out, where):
    """The residuals as a fresh 1-D float64 vector; text, None, bools or complex refused."""
    a = np.asarray(out) if not isinstance(out, np.ndarray) else out
    if a.dtype.kind not in "iuf":
        got = (f"an array of dtype {a.dtype}" if isinstance(out, np.ndarray)
               else f"{out!r} (a {type(out).__name__})")
        raise ArgumentTypeError(f"{where}: the residual function must return real numbers "
                                f"(an array, or a number); it returned {got}.")
    return np.array(a, dtype=np.float64).reshape(-1)


def replayed_value_and_jacobian(flat):
    """``optad.jit`` of ``(x, *args) -> (flat(x, *args), its Jacobian in x)``: one
    recorded pass gives both (``args`` are arguments of the replay, never frozen).

    >>> replay = replayed_value_and_jacobian(lambda x, c: x * x - c)
    >>> replay(np.array([1.0, 2.0]), 1.0)
    (array([0., 3.]), array([[2., 0.],
           [0., 4.]]))
    """
    jac = optad.jacobian(flat)
    return optad.jit(lambda x, *args: (flat(x, *args), jac(x, *args)))


class Residuals:
    """``residuals(x, *args)`` over a flat vector: counts, the NaN guard, optad's Jacobian
    and the history.

    ``sparse=True`` asks ``optad.jacobian(f, sparse=True)`` for a ``scipy.sparse``
    Jacobian (refused when optad has no such option). ``deadline``/``max_time``: stop
    with Halt("max_time") once ``time.perf_counter()`` passes ``deadline``; ``maxiter``:
    with Halt("maxiter") once that many iterates follow the start.

    >>> res = Residuals(lambda p: p["a"] * np.arange(3.0) - 1.0, {"a": 2.0})
    >>> res.x0, res.jac(res.x0).ravel()
    (array([2.]), array([0., 1., 2.]))
    """

    def __init__(self, residuals, x0, args=(), *, loss="linear", f_scale=1.0, sparse=False,
                 trials_may_fail=False, deadline=None, max_time=None, maxiter=None,
                 owner="least_squares", jit=False):
        self.residuals = residuals
        self.args = tuple(args)
        self.owner = owner
        self.x0, self.unravel, _ = flattener(x0)
        if self.x0.size == 0:
            raise ArgumentValueError(f"{owner}: x0 has no entries: there is nothing to fit.")
        if not np.all(np.isfinite(self.x0)):
            raise ArgumentValueError(f"{owner}: x0 has non-finite entries "
                                     f"({_describe_bad(self.x0)}); start from a finite point.")
        self.loss, self.f_scale = loss, f_scale
        self.trials_may_fail = trials_may_fail
        self.deadline, self.max_time, self.maxiter = deadline, max_time, maxiter
        self.jit = bool(jit)
        self._sparse = None
        if sparse is None:
            sparse = self._large_and_sparse()
        self.sparse = bool(sparse)
        self._value_and_jacobian = self._make_jacobian()
        self._fun = self._flat if not self.jit else optad.jit(self._flat)
        self._bad_trials = 0            # non-finite trial residual vectors in a row
        self._seen = []                 # residuals read back from the Jacobian's pass
        self.nfev = self.njev = 0
        self.history = LeastSquaresHistory()
        self.keep_x = self.x0.size <= KEEP_X_MAX
        self.last = None                # (x, r, J) of the latest iterate (a history row)
        self.t0 = time.perf_counter()

    def _traced(self, v):
        out = self.residuals(self.unravel(v), *self.args)
        self._seen.append(optad.stop_gradient(out))
        return np.reshape(out, (-1,))

    def _flat(self, v, *args):
        """The residual vector at the flat point ``v`` (``args``: the user's)."""
        return np.reshape(self.residuals(self.unravel(v), *args), (-1,))

    def _make_jacobian(self):
        """``x -> (residuals, Jacobian)`` from one pass (see the module docstring)."""
        if self.sparse:
            jac = self._sparse or self._sparse_jacobian()
            return jac.value_and_jacobian
        if self.jit:
            replay = replayed_value_and_jacobian(self._flat)
            return lambda x: replay(x, *self.args)
        jac = optad.jacobian(self._traced)

        def value_and_jacobian(x):
            self._seen = []
            J = jac(x)
            value, self._seen = self._seen[0], []
            return value, J
        return value_and_jacobian

    def _sparse_jacobian(self):
        return optad.jacobian(lambda v: self._flat(v, *self.args), sparse=True, jit=self.jit)

    def _large_and_sparse(self):
        """``sparse=None``: whether the Jacobian at ``x0`` is large (at least
        :data:`AUTO_SPARSE_MIN_N` variables) and sparse (at most :data:`AUTO_SPARSE_DENSITY`
        of its entries in the pattern traced there). The pattern is kept for the run."""
        if self.x0.size < AUTO_SPARSE_MIN_N or not has_sparse_jacobian():
            return False
        from optad.sparse import SparsityWarning
        jac = self._sparse_jacobian()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", SparsityWarning)
                pattern = jac.sparsity(self.x0)
        except (optad.errors.OptadError, SparsityWarning):
            # (a pattern that depends on the point, or a function the pattern tracer
            # refuses: the dense Jacobian, which says what is wrong if anything is)
            return False
        m, n = pattern.shape
        if pattern.nnz > AUTO_SPARSE_DENSITY * m * n:
            return False
        self._sparse = jac
        return True

    def _check_time(self):
        if self.deadline is not None and self.last is not None \
                and time.perf_counter() >= self.deadline:
            raise Halt("max_time", max_time=self.max_time)

    @staticmethod
    def _call(fn, *a):
        try:
            return fn(*a)
        except (Halt, optad.errors.OptadError):
            raise       # optad cannot differentiate this code: a usage error, not a fault
        except Exception as exc:    # the user's function failed: stop, keeping the cause
            raise Halt("error", error=f"{type(exc).__name__}: {exc}") from exc

    def fun(self, x):
        """The residual vector at the flat point ``x`` (one plain call of the user's code)."""
        self._check_time()
        out = (self._call(self._fun, np.asarray(x, dtype=np.float64), *self.args) if self.jit
               else self._call(self.residuals, self.unravel(x), *self.args))
        try:
            r = _vector(out, self.owner)
        except ArgumentTypeError as exc:
            raise Halt("error", error=f"{type(exc).__name__}: {exc}") from exc
        self.nfev += 1
        if np.all(np.isfinite(r)):
            self._bad_trials = 0
            return r
        self._bad_trials += 1
        if (self.trials_may_fail and self.last is not None
                and self._bad_trials < NONFINITE_TRIALS):
            return r            # SciPy rejects the step and shrinks its trust region
        raise Halt("nonfinite", what="residual vector", bad=_describe_bad(r))

    def jac(self, x, *_):
        """The exact Jacobian (m × n; ``scipy.sparse`` when asked) at the flat point ``x``,
        from one optad recording; records a history row (one per iterate)."""
        self._check_time()
        x = np.array(x, dtype=np.float64)
        value, J = self._call(self._value_and_jacobian, x)
        self.njev += 1
        r = _vector(optad.value_of(value), self.owner)
        if not np.all(np.isfinite(r)):
            raise Halt("nonfinite", what="residual vector", bad=_describe_bad(r))
        if sp.issparse(J):
            J = sp.csr_array(J, dtype=np.float64)
            finite = np.all(np.isfinite(J.data))
            Jdata = J.data
        else:
            J = np.array(J, dtype=np.float64).reshape(r.size, x.size)
            finite = np.all(np.isfinite(J))
            Jdata = J
        if not finite:
            raise Halt("nonfinite", what="Jacobian", bad=_describe_bad(Jdata))
        # lm's solution gets a Jacobian SciPy asks for again at the last iterate: one row.
        if self.last is None or not np.array_equal(self.last[0], x):
            self._record(x, r, J)
        # SciPy scales J in place for robust losses: it gets its own copy.
        return J.copy()

    def _record(self, x, r, J):
        self.last = (x, r, J)
        grad_norm = 2.0 * float(np.max(np.abs(J.T @ r))) if r.size and x.size else 0.0
        F = float(r @ r)
        cost = loss_cost(r, self.loss, self.f_scale)
        self.history.append(len(self.history), F, grad_norm, self.nfev, self.njev,
                            time.perf_counter() - self.t0, cost,
                            x=x if self.keep_x else None)
        if self.maxiter is not None and len(self.history) > self.maxiter:
            raise Halt("maxiter", maxiter=self.maxiter)
