"""Drop-ins for ``scipy.stats``: ``norm``, ``multivariate_normal``, ``t``, ``gamma``, ``chi2``,
``beta``, ``expon``, ``laplace``, ``logistic``, ``cauchy``, ``uniform``, ``poisson`` and
``dirichlet``.

``norm``'s methods are SciPy's formulas in ``scipy.special`` ufuncs on the standardized
z = (x − loc)/scale (``ndtr``, ``log_ndtr``, ``ndtri``: differentiable, see
:mod:`optad.prims.special`), differentiable in ``x``, ``loc`` and ``scale``; like SciPy
they give nan where ``scale <= 0``. ``multivariate_normal.logpdf(x, mean, cov)`` goes
through a Cholesky factor L of ``cov`` (:func:`optad.scipy.linalg.cholesky`):
−½(d log 2π + 2 Σ log Lᵢᵢ + ‖L⁻¹(x − mean)‖²), differentiable in all three.

The other univariate families share SciPy's machinery (:class:`_Univariate`): the same
signatures (shape parameters positional, then ``loc`` and ``scale``; ``dist(*shapes, loc,
scale)`` freezes them), the same values inside the support and the same fills outside it
or for invalid parameters (nan). Their formulas are SciPy's, in traced NumPy and
``scipy.special`` calls (``xlogy``, ``gammaln``, ``betaln``, ``log_expit``, ...), so the
densities are differentiable to any order in ``x``, ``loc``, ``scale`` and every shape
parameter. The cdfs of ``t``, ``gamma``, ``chi2`` and ``beta`` are regularized incomplete
functions (``stdtr``, ``gammainc``, ``betainc``): differentiable in ``x``, ``loc`` and
``scale`` (the derivative in x is the density), while their derivatives in the shape
parameters have no closed form and are refused with
:class:`~optad.errors.NotDifferentiableError` when a traced shape reaches a cdf.
``poisson``'s pmf and cdf are differentiable in ``mu``; ``dirichlet``'s density in ``x``
and ``alpha``.

>>> import numpy as np, optad
>>> bool(norm.logpdf(0.0) == -0.5 * np.log(2 * np.pi))
True
>>> logpdf = lambda m: multivariate_normal.logpdf(np.zeros(2), m, np.eye(2))
>>> float(optad.grad(logpdf)(np.ones(2))[0])
-1.0
"""

import numpy as np
import scipy.special as _sp

from ..engine import Traced
from ..traced import carries_derivative, data_of, decide, is_jit, peek, plain
from ..errors import NotDifferentiableError
from ..registry import load_scipy_families
from .linalg import cholesky, solve_triangular
from .special import _array as _plain_or_traced   # (one helper: lists of traced values stacked)

__all__ = ["norm", "multivariate_normal", "t", "gamma", "chi2", "beta", "expon", "laplace",
           "logistic", "cauchy", "uniform", "poisson", "dirichlet"]

load_scipy_families()      # the scipy.special ufuncs used below get their rules

_LOG_SQRT_2PI = np.log(np.sqrt(2 * np.pi))     # SciPy's _norm_pdf_logC
_SQRT_2PI = np.sqrt(2 * np.pi)                 # SciPy's _norm_pdf_C
_LOG_PI = np.log(np.pi)


def _bad_scale(scale, result):
    """``result`` with nan where ``scale <= 0`` (SciPy's answer there)."""
    scale = data_of(scale)
    bad = ~((scale if isinstance(scale, Traced) else np.asarray(scale)) > 0)
    if not np.any(bad):
        return result
    return np.where(bad, np.nan, result)


def _log_scale(scale):
    """log(scale), without a warning where scale <= 0 (the result is nan there anyway)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(scale)


def _scalar(v):
    """SciPy returns a NumPy scalar, not a 0-d array, for scalar arguments."""
    return v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v


class _Normal:
    """``scipy.stats.norm``: the normal distribution, with ``loc`` (mean) and ``scale``
    (standard deviation) keywords as in SciPy; ``norm(loc, scale)`` freezes them.

    >>> import numpy as np, optad
    >>> float(norm.cdf(1.0, loc=1.0)), float(norm(loc=1.0).cdf(1.0))
    (0.5, 0.5)
    >>> float(optad.grad(lambda s: norm.logpdf(1.0, scale=s))(1.0))      # −1/s + x²/s³
    0.0
    """

    def __call__(self, loc=0.0, scale=1.0):
        return _FrozenNormal(loc, scale)

    def logpdf(self, x, loc=0.0, scale=1.0):
        """log of the density at ``x``.

        >>> round(float(norm.logpdf(1.0, loc=1.0, scale=2.0)), 6)
        -1.612086
        """
        z = (_plain_or_traced(x) - loc) / scale
        return _scalar(_bad_scale(scale, -z ** 2 / 2.0 - _LOG_SQRT_2PI - _log_scale(scale)))

    def pdf(self, x, loc=0.0, scale=1.0):
        """The density at ``x``.

        >>> round(float(norm.pdf(0.0)), 6)
        0.398942
        """
        z = (_plain_or_traced(x) - loc) / scale
        return _scalar(_bad_scale(scale, np.exp(-z ** 2 / 2.0) / _SQRT_2PI / scale))

    def cdf(self, x, loc=0.0, scale=1.0):
        """P(X <= x).

        >>> round(float(norm.cdf(1.0)), 6)
        0.841345
        """
        return _scalar(_bad_scale(scale, _sp.ndtr((_plain_or_traced(x) - loc) / scale)))

    def logcdf(self, x, loc=0.0, scale=1.0):
        """log P(X <= x), accurate far in the left tail.

        >>> round(float(norm.logcdf(-40.0)), 3)
        -804.608
        """
        return _scalar(_bad_scale(scale, _sp.log_ndtr((_plain_or_traced(x) - loc) / scale)))

    def sf(self, x, loc=0.0, scale=1.0):
        """P(X > x) = 1 − cdf, accurate in the right tail.

        >>> round(float(norm.sf(1.0)), 6)
        0.158655
        """
        return _scalar(_bad_scale(scale, _sp.ndtr(-((_plain_or_traced(x) - loc) / scale))))

    def logsf(self, x, loc=0.0, scale=1.0):
        """log P(X > x).

        >>> round(float(norm.logsf(40.0)), 3)
        -804.608
        """
        return _scalar(_bad_scale(scale, _sp.log_ndtr(-((_plain_or_traced(x) - loc) / scale))))

    def ppf(self, q, loc=0.0, scale=1.0):
        """The quantile: x with cdf(x) = q.

        >>> round(float(norm.ppf(0.975)), 6)
        1.959964
        """
        return _scalar(_bad_scale(scale, _sp.ndtri(_plain_or_traced(q)) * scale + loc))

    def isf(self, q, loc=0.0, scale=1.0):
        """The inverse of sf: x with sf(x) = q.

        >>> round(float(norm.isf(0.025)), 6)
        1.959964
        """
        return _scalar(_bad_scale(scale, -_sp.ndtri(_plain_or_traced(q)) * scale + loc))

    def __repr__(self):
        return "optad.scipy.stats.norm"


class _FrozenNormal:
    """``norm(loc, scale)``: the same methods with ``loc`` and ``scale`` fixed.

    >>> round(float(norm(1.0, 2.0).logpdf(1.0)), 6)
    -1.612086
    """

    def __init__(self, loc, scale):
        self.loc, self.scale = loc, scale

    def __getattr__(self, name):
        method = getattr(norm, name)    # logpdf, pdf, cdf, ...
        return lambda x: method(x, loc=self.loc, scale=self.scale)


norm = _Normal()


class _MultivariateNormal:
    """``scipy.stats.multivariate_normal``: ``logpdf(x, mean, cov)`` and ``pdf``, with
    SciPy's conventions (``x``'s last axis is the dimension; a scalar ``cov`` is a multiple
    of the identity, a 1-D one a diagonal; the result is squeezed to a scalar for one
    point), differentiable in ``x``, ``mean`` and ``cov`` through its Cholesky factor
    (``cov`` must be positive definite: its lower triangle is read).
    ``multivariate_normal(mean, cov)`` freezes them.

    >>> import numpy as np
    >>> cov = [[2.0, 0.0], [0.0, 1.0]]
    >>> round(float(multivariate_normal.logpdf([1.0, 0.0], [0.0, 0.0], cov)), 6)
    -2.434451
    """

    def __call__(self, mean=None, cov=1, allow_singular=False):
        return _FrozenMultivariateNormal(mean, cov, allow_singular)

    def logpdf(self, x, mean=None, cov=1, allow_singular=False):
        """log of the density at the points ``x`` (one per row; the last axis is the dimension).

        >>> import numpy as np
        >>> multivariate_normal.logpdf(np.zeros((2, 2)), cov=np.eye(2)).shape
        (2,)
        """
        if allow_singular:
            raise NotDifferentiableError(
                "optad.scipy.stats.multivariate_normal refuses allow_singular=True: its "
                "Cholesky factor needs a positive definite cov. Add a small multiple of the "
                "identity to cov, or call scipy.stats.multivariate_normal on plain values.")
        mean, cov, dim = _parameters(mean, cov)
        x = _plain_or_traced(x)
        if np.ndim(x) == 0:
            x = np.reshape(x, (1,))
        if np.ndim(x) == 1:
            x = np.reshape(x, (-1, 1)) if dim == 1 else np.reshape(x, (1, -1))
        points = np.shape(x)[:-1]
        diff = np.reshape(x - mean, (-1, dim))
        L = cholesky(cov)
        z = solve_triangular(L, np.swapaxes(diff, 0, 1), lower=True)       # L⁻¹ (x − mean)ᵀ
        maha = np.sum(z * z, axis=0)
        logdet = 2.0 * np.sum(np.log(np.diagonal(L)))
        out = -0.5 * (dim * np.log(2 * np.pi) + logdet + maha)
        return _scalar(np.squeeze(np.reshape(out, points)))

    def pdf(self, x, mean=None, cov=1, allow_singular=False):
        """The density at the points ``x``.

        >>> round(float(multivariate_normal.pdf([0.0, 0.0], [0.0, 0.0], [1.0, 1.0])), 6)
        0.159155
        """
        return np.exp(self.logpdf(x, mean, cov, allow_singular))

    def __repr__(self):
        return "optad.scipy.stats.multivariate_normal"


def _parameters(mean, cov):
    """``(mean, cov as a matrix, dim)`` as SciPy reads them."""
    if mean is not None:
        mean = np.ravel(_plain_or_traced(mean))
        dim = np.shape(mean)[0]
    else:
        dim = np.shape(cov)[0] if np.ndim(cov) == 2 else 1    # SciPy's reading
        mean = np.zeros(dim)
    cov = _plain_or_traced(cov)
    if np.ndim(cov) == 0:
        cov = cov * np.eye(dim)
    elif np.ndim(cov) == 1:
        cov = np.diag(cov)
    if np.shape(cov) != (dim, dim):
        raise ValueError(f"Array 'cov' must be of shape ({dim}, {dim}) for a mean of "
                         f"{dim} entries; it has shape {np.shape(cov)}.")
    return mean, cov, dim


class _FrozenMultivariateNormal:
    """``multivariate_normal(mean, cov)``: ``logpdf(x)`` and ``pdf(x)`` with them fixed.

    >>> round(float(multivariate_normal([0.0, 0.0]).pdf([0.0, 0.0])), 6)
    0.159155
    """

    def __init__(self, mean, cov, allow_singular):
        self.mean, self.cov, self.allow_singular = mean, cov, allow_singular

    def logpdf(self, x):
        return multivariate_normal.logpdf(x, self.mean, self.cov, self.allow_singular)

    def pdf(self, x):
        return multivariate_normal.pdf(x, self.mean, self.cov, self.allow_singular)


multivariate_normal = _MultivariateNormal()


# === the univariate families: SciPy's masks around per-family formulas ======================
#
# SciPy's rv_continuous.logpdf(x, *shapes, loc, scale) standardizes z = (x − loc)/scale,
# evaluates the family's formula where the parameters are valid and z is in the support
# (closed for densities, open for cdfs), and fills the rest: nan for invalid parameters or
# a nan x, else the value beyond the support's edge (0 or 1, −inf or 0). The masks are
# read off plain values; the formula runs on traced ones. Where anything is masked, the
# masked entries are first replaced by a point inside the support and valid parameters, so
# that the discarded formula (a log of 0, an overflow) cannot send NaN back through the
# np.where (its adjoint there is 0, and 0·inf is NaN).

_DENSITIES = ("logpdf", "pdf")
_CDFS = ("cdf", "logcdf", "sf", "logsf")
#: method -> (value below the support, value at or above its upper edge), outside it
_OUTSIDE = {"logpdf": (-np.inf, -np.inf), "pdf": (0.0, 0.0), "cdf": (0.0, 1.0),
            "logcdf": (-np.inf, 0.0), "sf": (1.0, 0.0), "logsf": (0.0, -np.inf)}


def _log(v):
    """log v, without a warning at 0 (−inf: SciPy's value there)."""
    with np.errstate(divide="ignore"):
        return np.log(v)


def _log1p(v):
    with np.errstate(divide="ignore"):
        return np.log1p(v)


def _branches(cond, z, f, g, f_point, g_point):
    """``f(z)`` where the plain mask ``cond`` holds, ``g(z)`` elsewhere, each evaluated only
    on its own side (the other side's entries replaced by ``f_point`` / ``g_point``, points
    where it is finite), so neither side's overflow or log of 0 reaches the result or its
    derivative as NaN. Under optad.jit (a mask recomputed on every call) both sides are
    always evaluated, so that no call traces again when the mask changes."""
    if not is_jit(cond):
        if np.all(cond):
            return f(z)
        if not np.any(cond):
            return g(z)
    return np.where(cond, f(np.where(cond, z, f_point)), g(np.where(cond, g_point, z)))


def _is_traced(v):
    """Whether ``v`` carries a derivative (the values of optad.jit's own trace are data)."""
    return carries_derivative(v)


class _Univariate:
    """A continuous family of ``scipy.stats``, with SciPy's signatures: ``method(x, *shapes,
    loc=0, scale=1)`` (shapes and then loc and scale positional or by name), and
    ``dist(*shapes, loc, scale)`` freezing them. Subclasses give the standardized formulas.
    """

    name = ""
    shapes = ()                     # the shape parameters' names, in SciPy's order
    lower, upper = -np.inf, np.inf  # the standardized support
    inside = 0.0                    # a point inside it (stands in for masked-out entries)
    cdf_in_shapes = True            # whether the cdfs are differentiable in the shapes

    # --- the formulas, on z = (x − loc)/scale (SciPy's defaults where a family has none) ---
    def _argcheck(self, *shapes):
        ok = np.asarray(True)
        for s in shapes:
            ok = ok & (s > 0)
        return ok

    def _median(self, *shapes):
        """The standardized median (plain), where logcdf/logsf switch formulas as SciPy's."""
        import scipy.stats
        return getattr(scipy.stats, self.name).ppf(0.5, *shapes)

    def _pdf(self, z, *shapes):
        return np.exp(self._logpdf(z, *shapes))

    def _logpdf(self, z, *shapes):
        return _log(self._pdf(z, *shapes))

    def _sf(self, z, *shapes):
        return 1.0 - self._cdf(z, *shapes)

    def _logcdf(self, z, *shapes):
        # SciPy's rv_continuous: log(cdf) below the median, log1p(−sf) above (accurate
        # in both tails)
        m = plain(self._median, *shapes)      # (under optad.jit: recomputed steps)
        return _branches(plain(np.less, z, m), z, lambda z: _log(self._cdf(z, *shapes)),
                         lambda z: _log1p(-self._sf(z, *shapes)), m, m)

    def _logsf(self, z, *shapes):
        m = plain(self._median, *shapes)
        return _branches(plain(np.greater, z, m), z, lambda z: _log(self._sf(z, *shapes)),
                         lambda z: _log1p(-self._cdf(z, *shapes)), m, m)

    # --- SciPy's methods ---------------------------------------------------------------
    def __call__(self, *args, **kwds):
        shapes, loc, scale = self._parse("__call__", args, kwds)
        return _Frozen(self, shapes, loc, scale)

    def logpdf(self, x, *args, **kwds):
        """log of the density at ``x`` (−inf outside the support, nan for invalid parameters).

        >>> round(float(gamma.logpdf(1.0, 2.0)), 6), float(gamma.logpdf(-1.0, 2.0))
        (-1.0, -inf)
        """
        return self._evaluate("logpdf", x, args, kwds)

    def pdf(self, x, *args, **kwds):
        """The density at ``x``.

        >>> float(uniform.pdf(1.0, loc=0.0, scale=4.0))
        0.25
        """
        return self._evaluate("pdf", x, args, kwds)

    def cdf(self, x, *args, **kwds):
        """P(X <= x).

        >>> float(t.cdf(0.0, 5.0)), float(beta.cdf(2.0, 2.0, 3.0))
        (0.5, 1.0)
        """
        return self._evaluate("cdf", x, args, kwds)

    def logcdf(self, x, *args, **kwds):
        """log P(X <= x), accurate in both tails.

        >>> round(float(logistic.logcdf(-50.0)), 6)
        -50.0
        """
        return self._evaluate("logcdf", x, args, kwds)

    def sf(self, x, *args, **kwds):
        """P(X > x) = 1 − cdf, accurate in the right tail.

        >>> round(float(expon.sf(2.0)), 6)
        0.135335
        """
        return self._evaluate("sf", x, args, kwds)

    def logsf(self, x, *args, **kwds):
        """log P(X > x).

        >>> float(expon.logsf(30.0))
        -30.0
        """
        return self._evaluate("logsf", x, args, kwds)

    def __repr__(self):
        return f"optad.scipy.stats.{self.name}"

    # --- the machinery -------------------------------------------------------------------
    def _parse(self, method, args, kwds):
        """``(shapes, loc, scale)`` from SciPy's arguments, with Python's errors."""
        names = self.shapes + ("loc", "scale")
        where = f"{self.name}.{method}" if method != "__call__" else self.name
        if len(args) > len(names):
            raise TypeError(f"{where} takes at most {len(names)} parameters after x "
                            f"({', '.join(names)}); {len(args)} were given.")
        values = dict(zip(names, args))
        for key, v in kwds.items():
            if key not in names:
                raise TypeError(f"{where} got an unexpected keyword argument {key!r}; its "
                                f"parameters are {', '.join(names)}.")
            if key in values:
                raise TypeError(f"{where} got multiple values for argument {key!r}.")
            values[key] = v
        missing = [n for n in self.shapes if n not in values]
        if missing:
            raise TypeError(f"{where} is missing the shape parameter(s) {', '.join(missing)}.")
        return (tuple(values[n] for n in self.shapes), values.get("loc", 0.0),
                values.get("scale", 1.0))

    def _evaluate(self, method, x, args, kwds):
        shapes, loc, scale = self._parse(method, args, kwds)
        x, loc, scale = _plain_or_traced(x), _plain_or_traced(loc), _plain_or_traced(scale)
        shapes = tuple(_plain_or_traced(s) for s in shapes)
        if method in _CDFS and not self.cdf_in_shapes:
            self._refuse_shape_derivative(method, shapes)
        out_shape = np.broadcast_shapes(np.shape(x), np.shape(loc), np.shape(scale),
                                        *(np.shape(s) for s in shapes))
        # Masks of the data (under optad.jit, recomputed steps; the shortcuts where they
        # are all True are taken for plain masks only, so that a jitted call never traces
        # again when they change: the masked formulas give the same values there)
        good = plain(self._good, scale, *shapes)
        jitted = is_jit(good)
        if jitted or not np.all(good):     # valid stand-ins for the masked-out parameters
            shapes = tuple(np.where(good, s, 1.0) for s in shapes)
            scale = np.where(good, scale, 1.0)
        z = (x - loc) / scale
        zv = data_of(z)
        zv = zv if isinstance(zv, Traced) else np.asarray(zv)
        with np.errstate(invalid="ignore"):
            if method in _DENSITIES:
                inside = (self.lower <= zv) & (zv <= self.upper)
            else:
                inside = (self.lower < zv) & (zv < self.upper)
        keep = good & inside
        if not (jitted or is_jit(keep)) and np.all(keep):
            out = self._formula(method, z, shapes, scale)
        else:
            below, above = _OUTSIDE[method]
            with np.errstate(invalid="ignore"):
                at_top = (zv <= self.lower) if method in ("sf", "logsf") else (zv >= self.upper)
            top = above if method not in ("sf", "logsf") else below
            bottom = below if method not in ("sf", "logsf") else above
            fill = np.where(at_top & good, top, bottom)
            fill = np.where(~good | np.isnan(zv), np.nan, fill)
            # (pdf/logpdf: the same value on both sides; sf: 1 at or below the lower edge)
            out = np.where(keep, self._formula(method, np.where(keep, z, self.inside), shapes,
                                               scale), fill)
        if np.shape(out) != out_shape:
            out = out + np.zeros(out_shape)
        return _scalar(out)

    def _good(self, scale, *shapes):
        """Where the parameters are valid (plain values)."""
        with np.errstate(invalid="ignore"):
            return self._argcheck(*(np.asarray(s) for s in shapes)) & (np.asarray(scale) > 0)

    def _formula(self, method, z, shapes, scale):
        if method == "logpdf":
            return self._logpdf(z, *shapes) - _log_scale(scale)
        if method == "pdf":
            return self._pdf(z, *shapes) / scale
        return getattr(self, "_" + method)(z, *shapes)

    def _refuse_shape_derivative(self, method, shapes):
        for name, s in zip(self.shapes, shapes):
            if _is_traced(s):
                raise NotDifferentiableError(
                    f"optad.scipy.stats.{self.name}.{method}: the derivative with respect to "
                    f"the shape parameter {name} has no closed form (it is the derivative of "
                    f"a regularized incomplete {self._incomplete} function in its parameter), "
                    f"and optad refuses it rather than approximate it. The derivatives in x, "
                    f"loc and scale exist.\nPass {name} as a plain value "
                    f"(optad.stop_gradient({name})), or fit it through logpdf, which is "
                    f"differentiable in {name}.")


class _Frozen:
    """``dist(*shapes, loc=..., scale=...)``: the same methods with the parameters fixed."""

    _METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "logpmf", "pmf")

    def __init__(self, dist, shapes, loc, scale):
        self.dist, self.args = dist, tuple(shapes)
        self.kwds = {"loc": loc} if scale is None else {"loc": loc, "scale": scale}

    def __getattr__(self, name):
        if name not in self._METHODS or not hasattr(self.dist, name):
            raise AttributeError(f"the frozen optad.scipy.stats.{self.dist.name} has no "
                                 f"method {name!r}")
        method = getattr(self.dist, name)
        return lambda x: method(x, *self.args, **self.kwds)

    def __repr__(self):
        return f"optad.scipy.stats.{self.dist.name}({', '.join(map(repr, self.args))}, **{self.kwds})"


def _t_or_normal(df, z, t_formula, normal_formula):
    """Student's t formula, and the normal one where df = inf (SciPy's limit)."""
    inf = plain(np.isinf, df)
    if not decide(np.any, inf):        # (under optad.jit: a guard on this bool)
        return t_formula(z, df)
    return np.where(inf, normal_formula(z), t_formula(z, np.where(inf, 1.0, df)))


class _T(_Univariate):
    """``scipy.stats.t``: Student's t with ``df`` degrees of freedom (df = inf: the normal),
    ``loc`` and ``scale``. Densities are differentiable in x, df, loc and scale; the cdfs
    (``scipy.special.stdtr``) in x, loc and scale (their df-derivative is refused).

    >>> import optad
    >>> round(float(t.logpdf(0.5, 3.0, loc=0.0, scale=2.0)), 6)
    -1.735275
    >>> round(float(t(3.0).cdf(0.0)), 6), round(float(optad.grad(lambda x: t.cdf(x, 3.0))(0.0)), 6)
    (0.5, 0.367553)
    """

    name, shapes, cdf_in_shapes, _incomplete = "t", ("df",), False, "beta"

    def _logpdf(self, z, df):
        # log Γ((df+1)/2) − log Γ(df/2) is ½ log π − log B(df/2, ½): betaln stays accurate
        # for large df, where the difference of two gammaln's would cancel (SciPy: poch)
        return _t_or_normal(df, z, lambda z, df: -_sp.betaln(0.5 * df, 0.5) - 0.5 * np.log(df)
                            - (df + 1.0) / 2.0 * np.log1p(z * z / df),
                            lambda z: -z * z / 2.0 - _LOG_SQRT_2PI)

    def _cdf(self, z, df):
        return _sp.stdtr(df, z)

    def _sf(self, z, df):
        return _sp.stdtr(df, -z)

    def _median(self, df):
        return 0.0


class _Gamma(_Univariate):
    """``scipy.stats.gamma``: the gamma distribution with shape ``a``, ``loc`` and ``scale``
    (rate = 1/scale). Densities are differentiable in x, a, loc and scale; the cdfs
    (``gammainc``, ``gammaincc``) in x, loc and scale (their a-derivative is refused).

    >>> import optad
    >>> round(float(gamma.logpdf(2.0, 3.0, scale=0.5)), 6)
    -1.227411
    >>> round(float(optad.grad(lambda x: gamma(1.0).cdf(x))(1.0)), 6)   # (1 − e^(−x))' = e^(−x)
    0.367879
    """

    name, shapes, lower, inside, cdf_in_shapes, _incomplete = "gamma", ("a",), 0.0, 1.0, False, "gamma"

    def _logpdf(self, z, a):
        return _sp.xlogy(a - 1.0, z) - z - _sp.gammaln(a)

    def _cdf(self, z, a):
        return _sp.gammainc(a, z)

    def _median(self, a):
        return _sp.gammaincinv(a, 0.5)              # SciPy's gamma._ppf(0.5, a)

    def _sf(self, z, a):
        return _sp.gammaincc(a, z)


class _Chi2(_Univariate):
    """``scipy.stats.chi2``: the chi-squared distribution with ``df`` degrees of freedom
    (gamma with a = df/2, scale 2). Densities are differentiable in x, df, loc and scale;
    the cdfs in x, loc and scale (their df-derivative is refused).

    >>> round(float(chi2.pdf(1.0, 2.0)), 6), round(float(chi2.cdf(2.0, 2.0)), 6)
    (0.303265, 0.632121)
    """

    name, shapes, lower, inside, cdf_in_shapes, _incomplete = "chi2", ("df",), 0.0, 1.0, False, "gamma"

    def _logpdf(self, z, df):
        return _sp.xlogy(df / 2.0 - 1.0, z) - z / 2.0 - _sp.gammaln(df / 2.0) - np.log(2.0) * df / 2.0

    def _cdf(self, z, df):
        return _sp.gammainc(df / 2.0, z / 2.0)          # SciPy's chdtr, the same values

    def _sf(self, z, df):
        return _sp.gammaincc(df / 2.0, z / 2.0)

    def _median(self, df):
        return 2.0 * _sp.gammaincinv(df / 2.0, 0.5)  # SciPy's chi2._ppf(0.5, df)


class _Beta(_Univariate):
    """``scipy.stats.beta``: the beta distribution on [loc, loc + scale] with shapes ``a``,
    ``b``. Densities are differentiable in x, a, b, loc and scale; the cdfs (``betainc``,
    ``betaincc``) in x, loc and scale (their a- and b-derivatives are refused).

    >>> round(float(beta.pdf(0.5, 2.0, 2.0)), 6), round(float(beta.cdf(0.5, 2.0, 3.0)), 6)
    (1.5, 0.6875)
    """

    name, shapes, lower, upper, inside = "beta", ("a", "b"), 0.0, 1.0, 0.5
    cdf_in_shapes, _incomplete = False, "beta"

    def _logpdf(self, z, a, b):
        return _sp.xlog1py(b - 1.0, -z) + _sp.xlogy(a - 1.0, z) - _sp.betaln(a, b)

    def _cdf(self, z, a, b):
        return _sp.betainc(a, b, z)

    def _sf(self, z, a, b):
        if hasattr(_sp, "betaincc"):
            return _sp.betaincc(a, b, z)
        # SciPy 1.11 has no betaincc: 1 - I_z(a, b) = I_(1-z)(b, a), without 1 - (≈1)
        return _sp.betainc(b, a, 1.0 - z)

    def _median(self, a, b):
        return _sp.betaincinv(a, b, 0.5)


class _Expon(_Univariate):
    """``scipy.stats.expon``: the exponential distribution on [loc, ∞), mean ``scale``.

    >>> import optad
    >>> float(expon.logpdf(1.0, scale=2.0)) == -0.5 - float(np.log(2.0))
    True
    >>> float(optad.grad(lambda s: expon.logpdf(1.0, scale=s))(2.0))   # −1/s + x/s²
    -0.25
    """

    name, lower, inside = "expon", 0.0, 1.0

    def _logpdf(self, z):
        return -z

    def _pdf(self, z):
        return np.exp(-z)

    def _cdf(self, z):
        return -np.expm1(-z)

    def _sf(self, z):
        return np.exp(-z)

    def _logsf(self, z):
        return -z

    def _median(self):
        return np.log(2.0)


class _Laplace(_Univariate):
    """``scipy.stats.laplace``: the double exponential, density e^(−|x−loc|/scale)/(2 scale).
    (Its logpdf is −|z| − log 2 − log scale, finite far in the tails where SciPy's
    log(½e^(−|z|)) underflows to −inf; elsewhere the same values.) At x = loc the kink of
    |z| has the subgradient 0.

    >>> round(float(laplace.logpdf(1.0, scale=2.0)), 6), float(laplace.cdf(0.0))
    (-1.886294, 0.5)
    """

    name = "laplace"

    def _pdf(self, z):
        return 0.5 * np.exp(-np.abs(z))

    def _logpdf(self, z):
        return -np.abs(z) - np.log(2.0)

    def _cdf(self, z):
        return _branches(plain(np.greater, z, 0.0), z, lambda z: 1.0 - 0.5 * np.exp(-z),
                         lambda z: 0.5 * np.exp(z), 0.0, 0.0)

    def _sf(self, z):
        return self._cdf(-z)

    def _median(self):
        return 0.0


class _Logistic(_Univariate):
    """``scipy.stats.logistic``: cdf expit((x − loc)/scale). (Its logpdf is written
    log_expit(z) + log_expit(−z), smooth at z = 0, where SciPy's −|z| − 2 log1p(e^(−|z|))
    has the same values but a kink that would lose the second derivative.)

    >>> import optad
    >>> float(logistic.cdf(0.0)), round(float(logistic.logpdf(0.0)), 6)
    (0.5, -1.386294)
    >>> float(optad.hessian(lambda x: logistic.logpdf(x))(0.0))
    -0.5
    """

    name = "logistic"

    def _logpdf(self, z):
        return _sp.log_expit(z) + _sp.log_expit(-z)

    def _cdf(self, z):
        return _sp.expit(z)

    def _logcdf(self, z):
        return _sp.log_expit(z)

    def _sf(self, z):
        return _sp.expit(-z)

    def _logsf(self, z):
        return _sp.log_expit(-z)


class _Cauchy(_Univariate):
    """``scipy.stats.cauchy``: density 1/(π scale (1 + z²)), z = (x − loc)/scale.

    >>> round(float(cauchy.pdf(0.0)), 6), float(cauchy.cdf(1.0))
    (0.31831, 0.75)
    """

    name = "cauchy"

    def _pdf(self, z):
        with np.errstate(over="ignore"):
            return 1.0 / np.pi / (1.0 + z * z)

    def _logpdf(self, z):
        # SciPy's: log1p(z²) inside |z| < 1, 2 log|z| + log1p(1/z²) outside (no overflow)
        return _branches(plain(lambda z: np.abs(z) < 1, z), z, lambda z: -_LOG_PI - np.log1p(z * z),
                         lambda z: -_LOG_PI - (2.0 * np.log(np.abs(z)) + np.log1p((1.0 / z) ** 2)),
                         0.0, 2.0)

    def _cdf(self, z):
        return np.arctan2(1.0, -z) / np.pi

    def _sf(self, z):
        return np.arctan2(1.0, z) / np.pi

    def _median(self):
        return 0.0


class _Uniform(_Univariate):
    """``scipy.stats.uniform``: uniform on [loc, loc + scale]; the density 1/scale is
    differentiable in scale, the cdf (x − loc)/scale in all three.

    >>> import optad
    >>> float(uniform.pdf(0.5, 0.0, 2.0)), float(uniform.cdf(0.5, scale=2.0))
    (0.5, 0.25)
    >>> float(optad.grad(lambda s: uniform.logpdf(0.5, scale=s))(2.0))
    -0.5
    """

    name, lower, upper, inside = "uniform", 0.0, 1.0, 0.5

    def _pdf(self, z):
        return np.ones(np.shape(z))

    def _logpdf(self, z):
        return np.zeros(np.shape(z))

    def _cdf(self, z):
        return z

    def _median(self):
        return 0.5


t, gamma, chi2, beta = _T(), _Gamma(), _Chi2(), _Beta()
expon, laplace, logistic, cauchy, uniform = _Expon(), _Laplace(), _Logistic(), _Cauchy(), _Uniform()


class _Poisson:
    """``scipy.stats.poisson``: counts k with mean ``mu``, shifted by an integer ``loc``.

    ``logpmf = xlogy(k, mu) − gammaln(k + 1) − mu`` and ``pmf`` are differentiable in
    ``mu``; ``cdf(k) = gammaincc(⌊k⌋ + 1, mu)`` (SciPy's pdtr) and ``sf = gammainc(⌊k⌋ + 1,
    mu)`` too, through the incomplete gamma function's derivative in its second argument,
    −mu^⌊k⌋e^(−mu)/⌊k⌋!. The counts ``k`` and ``loc`` are whole numbers: traced ones are
    refused. ``poisson(mu, loc)`` freezes the parameters. (At k = inf the pmf is 0, where
    SciPy's formula gives nan for mu > 1.)

    >>> import optad
    >>> round(float(poisson.pmf(2, 3.0)), 6), round(float(poisson.cdf(2, 3.0)), 6)
    (0.224042, 0.42319)
    >>> round(float(optad.grad(lambda mu: poisson.logpmf(2, mu))(3.0)), 6)      # k/mu − 1
    -0.333333
    """

    name = "poisson"

    def __call__(self, mu, loc=0):
        return _Frozen(self, (mu,), loc, None)

    def pmf(self, k, mu, loc=0):
        """P(X = k) (0 off the whole numbers k >= loc)."""
        return self._evaluate("pmf", k, mu, loc)

    def logpmf(self, k, mu, loc=0):
        """log P(X = k)."""
        return self._evaluate("logpmf", k, mu, loc)

    def cdf(self, k, mu, loc=0):
        """P(X <= k)."""
        return self._evaluate("cdf", k, mu, loc)

    def logcdf(self, k, mu, loc=0):
        """log P(X <= k)."""
        return self._evaluate("logcdf", k, mu, loc)

    def sf(self, k, mu, loc=0):
        """P(X > k)."""
        return self._evaluate("sf", k, mu, loc)

    def logsf(self, k, mu, loc=0):
        """log P(X > k)."""
        return self._evaluate("logsf", k, mu, loc)

    def __repr__(self):
        return "optad.scipy.stats.poisson"

    def _evaluate(self, method, k, mu, loc):
        for name, v in (("k", k), ("loc", loc)):
            if _is_traced(v) or (isinstance(v, (list, tuple)) and any(map(_is_traced, v))):
                raise NotDifferentiableError(
                    f"optad.scipy.stats.poisson.{method}: {name} is a count, a whole number, "
                    f"with no derivative; a traced value reached it. Pass it as a plain value "
                    f"(optad.stop_gradient({name})); the derivative in mu exists.")
        mu = _plain_or_traced(mu)
        # k, loc and masks of mu: data (under optad.jit, recomputed steps; the shortcuts
        # where every mask entry holds are taken for plain masks only, as in _evaluate)
        k = plain(_counts_less_loc, _plain_or_traced(k), _plain_or_traced(loc))
        good = plain(_nonnegative, mu)
        jitted = is_jit(good) or is_jit(k)
        if jitted or not np.all(good):
            mu = np.where(good, mu, 1.0)
        with np.errstate(invalid="ignore"):
            if method in ("pmf", "logpmf"):
                keep = good & (k >= 0) & (k == np.floor(k)) & np.isfinite(k)
                fill = np.where(~good | np.isnan(k), np.nan, 0.0 if method == "pmf" else -np.inf)
            else:
                keep = good & (k >= 0) & np.isfinite(k)
                top = (k >= np.inf) if method in ("cdf", "logcdf") else (k < 0)
                fill = np.where(top & good, 1.0, 0.0)
                if method in ("logcdf", "logsf"):
                    fill = np.where(top & good, 0.0, -np.inf)
                fill = np.where(~good | np.isnan(k), np.nan, fill)
                if method == "logcdf":      # SciPy gives 0 at k = inf even for a bad mu
                    fill = np.where(top, 0.0, fill)
        kk = np.where(keep, k, 0.0)           # whole numbers in the support, as stand-ins
        if method in ("pmf", "logpmf"):
            out = _sp.xlogy(kk, mu) - _sp.gammaln(kk + 1.0) - mu
            out = np.exp(out) if method == "pmf" else out
        else:
            kf = np.floor(kk) + 1.0
            out = _sp.gammaincc(kf, mu) if method in ("cdf", "logcdf") else _sp.gammainc(kf, mu)
            out = _log(out) if method in ("logcdf", "logsf") else out
        if jitted or not np.all(keep):
            out = np.where(keep, out, fill)
        out_shape = np.broadcast_shapes(np.shape(peek(k)), np.shape(mu))
        if np.shape(out) != out_shape:
            out = out + np.zeros(out_shape)
        return _scalar(out)


def _counts_less_loc(k, loc):
    with np.errstate(invalid="ignore"):
        return np.asarray(k, dtype=float) - np.asarray(loc, dtype=float)


def _nonnegative(mu):
    with np.errstate(invalid="ignore"):
        return np.asarray(mu) >= 0


poisson = _Poisson()


class _Dirichlet:
    """``scipy.stats.dirichlet``: ``logpdf(x, alpha)`` and ``pdf`` with SciPy's conventions
    (``alpha`` 1-D with K > 0 entries; ``x``'s FIRST axis holds the K components, or K − 1 of
    them, the last then being 1 − their sum; points on the simplex, checked as SciPy does),
    differentiable in ``x`` and ``alpha``: Σ (αᵢ − 1) log xᵢ − (Σ log Γ(αᵢ) − log Γ(Σ αᵢ)).
    ``dirichlet(alpha)`` freezes ``alpha``.

    >>> import numpy as np, optad
    >>> round(float(dirichlet.logpdf([0.2, 0.3, 0.5], [1.0, 2.0, 3.0])), 6)
    1.504077
    >>> g = optad.grad(lambda a: dirichlet.logpdf([0.2, 0.3, 0.5], a))(np.array([1.0, 2.0, 3.0]))
    >>> g.shape
    (3,)
    """

    name = "dirichlet"

    def __call__(self, alpha, seed=None):
        return _FrozenDirichlet(alpha)

    def logpdf(self, x, alpha):
        """log of the density at ``x`` (one point per column when 2-D)."""
        alpha = _plain_or_traced(alpha)
        # (the checks read the data: under optad.jit each guards one bool, not the arrays)
        if decide(lambda a: bool(np.min(a) <= 0), alpha):
            raise ValueError("All parameters must be greater than 0")
        if np.ndim(peek(alpha)) != 1:
            raise ValueError(f"Parameter vector 'a' must be one dimensional, but a.shape = "
                             f"{np.shape(peek(alpha))}.")
        x = _checked_simplex(_plain_or_traced(x), alpha)
        lnB = np.sum(_sp.gammaln(alpha)) - _sp.gammaln(np.sum(alpha))
        terms = _sp.xlogy(alpha - 1.0, np.swapaxes(x, 0, -1) if np.ndim(x) > 1 else x)
        out = -lnB + np.sum(np.swapaxes(terms, 0, -1) if np.ndim(x) > 1 else terms, axis=0)
        return _scalar(np.squeeze(out))

    def pdf(self, x, alpha):
        """The density at ``x``.

        >>> round(float(dirichlet.pdf([0.5, 0.5], [2.0, 2.0])), 6)
        1.5
        """
        return np.exp(self.logpdf(x, alpha))

    def __repr__(self):
        return "optad.scipy.stats.dirichlet"


def _checked_simplex(x, alpha):
    """``x`` with its K-th component appended if missing, checked as SciPy checks it."""
    k = np.shape(peek(alpha))[0]
    if np.shape(x)[0] + 1 != k and np.shape(x)[0] != k:
        raise ValueError(f"Vector 'x' must have either the same number of entries as, or one "
                         f"entry fewer than, parameter vector 'a', but alpha.shape = "
                         f"{np.shape(peek(alpha))} and x.shape = {np.shape(x)}.")
    if np.shape(x)[0] != k:
        if np.ndim(x) > 2:
            raise ValueError("The input must be one dimensional or a two dimensional matrix "
                             "containing the entries.")
        last = 1.0 - np.sum(x, axis=0)
        x = np.concatenate([x, np.reshape(last, (1,) + np.shape(last))], axis=0)
    problem = decide(_simplex_problem, x, alpha)   # (under optad.jit: a guard on it)
    if problem is not None:
        raise ValueError(problem)
    return x


def _simplex_problem(v, alpha):
    """SciPy's complaint about the points ``v`` (plain), or None."""
    v, alpha = np.asarray(v), np.asarray(alpha)
    if np.min(v) < 0:
        return "Each entry in 'x' must be greater than or equal to zero."
    if np.max(v) > 1:
        return "Each entry in 'x' must be smaller or equal one."
    low = alpha < 1
    if v.shape != alpha.shape:
        low = np.repeat(low, v.shape[-1], axis=-1).reshape(v.shape)
    if np.sum((v == 0) & low):
        return "Each entry in 'x' must be greater than zero if its alpha is less than one."
    if (np.abs(np.sum(v, 0) - 1.0) > 10e-10).any():
        return (f"The input vector 'x' must lie within the normal simplex. but "
                f"np.sum(x, 0) = {np.sum(v, 0)}.")
    return None


class _FrozenDirichlet:
    """``dirichlet(alpha)``: ``logpdf(x)`` and ``pdf(x)`` with ``alpha`` fixed.

    >>> round(float(dirichlet([2.0, 2.0]).pdf([0.5, 0.5])), 6)
    1.5
    """

    def __init__(self, alpha):
        self.alpha = alpha

    def logpdf(self, x):
        return dirichlet.logpdf(x, self.alpha)

    def pdf(self, x):
        return dirichlet.pdf(x, self.alpha)


dirichlet = _Dirichlet()
