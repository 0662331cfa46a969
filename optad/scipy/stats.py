"""Drop-ins for ``scipy.stats``: the normal distribution ``norm`` and ``multivariate_normal``.

``norm``'s methods are SciPy's formulas in ``scipy.special`` ufuncs on the standardized
z = (x − loc)/scale (``ndtr``, ``log_ndtr``, ``ndtri``: differentiable, see
:mod:`optad.prims.special`), differentiable in ``x``, ``loc`` and ``scale``; like SciPy
they give nan where ``scale <= 0``. ``multivariate_normal.logpdf(x, mean, cov)`` goes
through a Cholesky factor L of ``cov`` (:func:`optad.scipy.linalg.cholesky`):
−½(d log 2π + 2 Σ log Lᵢᵢ + ‖L⁻¹(x − mean)‖²), differentiable in all three.

>>> import numpy as np, optad
>>> bool(norm.logpdf(0.0) == -0.5 * np.log(2 * np.pi))
True
>>> logpdf = lambda m: multivariate_normal.logpdf(np.zeros(2), m, np.eye(2))
>>> float(optad.grad(logpdf)(np.ones(2))[0])
-1.0
"""

import numpy as np
import scipy.special as _sp

from ..engine import Traced, value_of
from ..traced import data_of
from ..errors import NotDifferentiableError
from ..registry import load_scipy_families
from .linalg import cholesky, solve_triangular

__all__ = ["norm", "multivariate_normal"]

load_scipy_families()      # the scipy.special ufuncs used below get their rules

_LOG_SQRT_2PI = np.log(np.sqrt(2 * np.pi))     # SciPy's _norm_pdf_logC
_SQRT_2PI = np.sqrt(2 * np.pi)                 # SciPy's _norm_pdf_C


def _plain_or_traced(v):
    """``v`` as a float array: traced as it is, a list holding traced values stacked."""
    if isinstance(v, Traced):
        return v
    if isinstance(v, (list, tuple)) and any(isinstance(e, Traced) for e in v):
        return np.stack(v)
    return np.asarray(v, dtype=float)


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
