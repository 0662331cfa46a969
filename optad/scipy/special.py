"""Drop-ins for ``scipy.special``'s Python functions: ``logsumexp``, ``softmax``,
``log_softmax`` and ``polygamma``. (Its ufuncs, ``erf``, ``expit``, ``gammaln``, ..., need
no drop-in: call SciPy's own; see :mod:`optad.prims.special`.)

``logsumexp`` is one primitive whose value is SciPy's own (computed by SciPy on the plain
values, with its max shift and its ``log1p`` of the small terms). Its rules are the
softmax weights: with ``r = log|s|``, ``s = Σ b·e^a`` and ``σ = sign(s)``,
``∂r/∂a = σ·b·exp(a − r)`` and ``∂r/∂b = σ·exp(a − r)``, written with traced NumPy
calls (second derivatives trace them again). ``softmax`` and ``log_softmax`` are SciPy's own
formulas on traced values, shifted by the maximum as a constant (the results do not
depend on the shift, so neither do their derivatives).

>>> import numpy as np, optad
>>> from optad.scipy.special import logsumexp, softmax
>>> x = np.array([1.0, 2.0, 3.0])
>>> np.allclose(optad.grad(logsumexp)(x), softmax(x))
True
"""

import numpy as np
import scipy.special as _sp

from ..engine import Traced, bind, value_of
from ..traced import carries_derivative, data_of, plain
from ..errors import NotDifferentiableError
from ..primitive import Primitive
from ..prims import special as _rules
from ..registry import load_scipy_families

__all__ = ["logsumexp", "softmax", "log_softmax", "polygamma"]

load_scipy_families()      # SciPy's ufuncs (used below on traced values) get their rules


# --- logsumexp ----------------------------------------------------------------------------
def _axes(axis, ndim):
    """``axis`` as a tuple of non-negative axes of an ``ndim``-dimensional array."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(int(k) % ndim for k in axis) if ndim else ()


def _shape(a, b):
    return np.broadcast_shapes(np.shape(a), np.shape(b)) if b is not None else np.shape(a)


def _expanded(v, a, b, axis, keepdims):
    """A reduced value (the result, its adjoint) with the reduced axes back, as size 1."""
    if keepdims:
        return v
    shape = _shape(a, b)
    axes = _axes(axis, len(shape))
    return np.reshape(v, [1 if k in axes else d for k, d in enumerate(shape)]) if axes else v


def _weights(ans, a, b, axis, keepdims, signed, with_b):
    """exp(a − r) (times b if ``with_b``) and, for ``signed``, times σ = sign(s): the
    partials of r = log|Σ b·e^a|. σ is read off the plain weights, which sum to it."""
    e = np.exp(a - _expanded(ans, a, b, axis, keepdims))
    w = e * b if (with_b and b is not None) else e
    if signed and b is not None:
        weighted = data_of(e) * data_of(b)
        sigma = np.sign(np.sum(weighted, axis=_axes(axis, len(_shape(a, b))), keepdims=True))
        w = w * sigma
    return w


def _lse_vjp(wrt):
    def rule(g, ans, a, b=None, *, axis, keepdims, signed):
        return _expanded(g, a, b, axis, keepdims) * _weights(ans, a, b, axis, keepdims, signed,
                                                             wrt == 0)
    return rule


def _lse_jvp(wrt):
    def rule(t, ans, a, b=None, *, axis, keepdims, signed):
        w = _weights(ans, a, b, axis, keepdims, signed, wrt == 0)
        return np.sum(t * w, axis=_axes(axis, len(_shape(a, b))), keepdims=keepdims)
    return rule


def _lse_impl(a, b=None, *, axis, keepdims, signed):
    out = _sp.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=signed)
    return out[0] if signed else out


_logsumexp = Primitive(
    "logsumexp", _lse_impl, vjps=(_lse_vjp(0), _lse_vjp(1)), jvps=(_lse_jvp(0), _lse_jvp(1)),
    explain=("logsumexp({0})", ("b·exp({0} - ans)", "exp({0} - ans)")),
    needs=((0, 1, -1), (0, 1, -1)))


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``scipy.special.logsumexp``: log Σ b·exp(a) over ``axis``, computed by SciPy (its
    values exactly), differentiable in ``a`` and in the weights ``b``.

    With ``return_sign``, ``(log|s|, sign(s))``, the sign plain (its derivative is 0
    wherever it is defined); without it a negative sum gives nan, as in SciPy.

    >>> import numpy as np, optad
    >>> float(logsumexp(np.array([0.0, np.log(3.0)])))                  # log(1 + 3)
    1.386294
    >>> optad.grad(lambda b: logsumexp(np.zeros(2), b=b))(np.array([1.0, 3.0]))
    array([0.25, 0.25])
    >>> [float(v) for v in logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True)]
    [1.541325, -1.0]
    """
    a = _array(a)
    b = None if b is None else _array(b)
    kwargs = {"axis": axis if axis is None or isinstance(axis, (int, np.integer)) else tuple(axis),
              "keepdims": bool(keepdims), "signed": bool(return_sign)}
    out = bind(_logsumexp, (a,) if b is None else (a, b), kwargs)
    if not return_sign:
        return out
    # the sign is data (under optad.jit, a recomputed step)
    sign = plain(lambda a, b: _sp.logsumexp(a, axis=axis, b=b, keepdims=keepdims,
                                            return_sign=True)[1], a, b)
    return out, sign


# --- softmax and log_softmax: SciPy's formulas, on traced values ---------------------------
def _shift(x, axis):
    """The maximum over ``axis`` (kept), a constant: 0 where it is not finite (SciPy's)."""
    m = np.amax(data_of(x), axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def softmax(x, axis=None):
    """``scipy.special.softmax``: exp(x) / Σ exp(x) over ``axis``, shifted by the maximum.

    >>> import numpy as np, optad
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    >>> optad.jacobian(softmax)(np.zeros(2))
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    x = _array(x)
    e = np.exp(x - np.amax(data_of(x), axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=None):
    """``scipy.special.log_softmax``: x − logsumexp(x) over ``axis``, accurately.

    >>> import numpy as np, optad
    >>> np.round(log_softmax(np.array([0.0, np.log(3.0)])), 6)
    array([-1.386294, -0.287682])
    >>> optad.grad(lambda x: log_softmax(x)[0])(np.zeros(2))
    array([ 0.5, -0.5])
    """
    x = _array(x)
    tmp = x - _shift(x, axis)
    with np.errstate(divide="ignore"):
        return tmp - np.log(np.sum(np.exp(tmp), axis=axis, keepdims=True))


def _array(x):
    """``x`` as a float array: traced as it is, a list holding traced values stacked."""
    if isinstance(x, Traced):
        return x
    if isinstance(x, (list, tuple)) and any(isinstance(v, Traced) for v in x):
        return np.stack(x)
    return np.asarray(x, dtype=float)


# --- polygamma -------------------------------------------------------------------------------
def polygamma(n, x):
    """``scipy.special.polygamma``: ψ⁽ⁿ⁾(x), the n-th derivative of digamma, differentiable
    in ``x`` (the order ``n``, whole numbers, is plain: a scalar or an array).

    >>> import numpy as np, optad
    >>> float(polygamma(1, 2.0))                  # π²/6 − 1
    0.644934
    >>> round(float(optad.grad(lambda x: polygamma(1, x))(2.0)), 6)
    -0.404114
    >>> polygamma(np.array([0, 1]), np.array([2.0, 2.0]))
    array([0.42278434, 0.64493407])
    """
    if carries_derivative(n):
        raise NotDifferentiableError(
            "polygamma's order n is a whole number, not differentiable; pass it as a plain "
            "int (optad.stop_gradient(n)).")
    n = value_of(n)         # the orders: plain (under optad.jit, a guard)
    if not isinstance(x, Traced):
        return _sp.polygamma(n, x)
    if np.ndim(n) == 0:
        return _rules.polygamma(x, n=int(n))
    # One primitive per order present, each picked where n has that order.
    n = np.asarray(n)
    orders = [int(k) for k in np.unique(n)]
    out = _rules.polygamma(x, n=orders[0])
    for k in orders[1:]:
        out = np.where(n == k, _rules.polygamma(x, n=k), out)
    return np.broadcast_to(out, np.broadcast_shapes(np.shape(n), np.shape(out)))
