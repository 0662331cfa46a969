"""Signals, interpolation and polynomials: ``np.convolve``, ``np.correlate``,
``np.interp``, ``np.polyval`` and ``np.i0``.

``correlate`` is a primitive (``convolve`` is NumPy's own reduction to it: swap so that
``a`` is the longer, then correlate with ``v`` reversed). Its rules are correlations and
convolutions themselves, so they run at NumPy's speed and trace again. With
``c = correlate(a, v, 'full')``, ``c_k = sum_n a_{n+k-(M-1)} v_n`` (M = len(v)); the
other modes are windows ``c[s:s+L]`` of it. The adjoint ``c̄`` is placed back in a zero
array of the full length, and then::

    ā = convolve(c̄, v, 'valid')            v̄ = correlate(c̄, a, 'valid')[::-1]

``interp`` is a composition: NumPy's interval search (on plain values, as NumPy does it)
then NumPy's formula ``slope·(x - xp_j) + fp_j`` on traced values, so it is
differentiable in ``x``, ``fp``, ``xp``, ``left``, ``right`` and ``period``. At a knot
``x = xp_j`` NumPy picks the interval [xp_j, xp_j+1): the derivative is that right-hand
segment's (at ``x = xp[-1]``, and outside [xp[0], xp[-1]], it is 0 in ``x``).

``polyval`` is Horner's rule on traced values (NumPy's loop). ``i0`` (NumPy's Bessel
function I₀) is elementwise with i0' = i1, where ``i1`` is an internal primitive
(SciPy's ``scipy.special.i1``, imported when first used) with i1' = i0 - i1/x (1/2 at 0).

>>> import numpy as np, optad
>>> optad.grad(lambda v: np.sum(np.convolve([1.0, 2.0], v)))(np.array([1.0, 1.0]))
array([3., 3.])
>>> optad.grad(lambda x: np.sum(np.i0(x)))(np.array([0.0, 1.0]))   # i1(0), i1(1)
array([0.        , 0.5651591])
"""

import numpy as np

from ..traced import data_of, decide, peek, plain
from ..engine import Traced, bind
from ..errors import NotDifferentiableError
from ..primitive import Primitive
from .declare import elementwise, implements

_MODES = ("valid", "same", "full")


def _mode(mode):
    """The mode's name: 'valid', 'same', 'full', or 0, 1, 2 (what NumPy accepts)."""
    if isinstance(mode, str) and mode in _MODES:
        return mode
    np.correlate(np.ones(1), np.ones(1), mode)   # NumPy's own error for what it refuses
    if isinstance(mode, str):
        return {m[0]: m for m in _MODES}[mode.lower()[0]]   # NumPy 1.x read first letters
    return _MODES[int(mode)]


def _window(n1, n2, mode):
    """(start, length) of ``mode``'s output inside the full correlation of lengths n1, n2
    (NumPy's C ``_pyarray_correlate``: it swaps so the first is the longer, pads
    ``n_left`` on the left, and reverses the output if it swapped)."""
    full = n1 + n2 - 1
    long, short = max(n1, n2), min(n1, n2)
    if mode == "full":
        return 0, full
    if mode == "valid":
        start, length = short - 1, long - short + 1
    else:
        start, length = short - 1 - short // 2, long
    if n1 < n2:
        start = full - length - start
    return start, length


def _full_adjoint(g, a, v, mode):
    """The output adjoint of ``correlate(a, v, mode)`` placed in the full-length output."""
    n1, n2 = np.shape(a)[0], np.shape(v)[0]
    start, length = _window(n1, n2, mode)
    full = n1 + n2 - 1
    if mode == "full":
        return g
    return np.concatenate([np.zeros(start), g, np.zeros(full - start - length)])


correlate = Primitive(
    "correlate", lambda a, v, mode: np.correlate(a, v, mode),
    vjps=(lambda g, ans, a, v, mode: np.convolve(_full_adjoint(g, a, v, mode), v, "valid"),
          lambda g, ans, a, v, mode: np.correlate(_full_adjoint(g, a, v, mode), a, "valid")[::-1]),
    jvps=(lambda t, ans, a, v, mode: np.correlate(np.broadcast_to(t, np.shape(a)), v, mode),
          lambda t, ans, a, v, mode: np.correlate(a, np.broadcast_to(t, np.shape(v)), mode)),
    explain=("correlate({0}, {1})", ("⋆{1}", "{0}⋆")), needs=((1,), (0,)))


def _signal(x, name):
    """A 1-D operand as NumPy takes it (convolve reads a scalar as one sample; correlate
    refuses it, as NumPy does)."""
    if not isinstance(x, Traced):
        x = np.asarray(x)
    if np.ndim(x) == 0:
        if name == "correlate":
            raise ValueError("object of too small depth for desired array")
        x = np.reshape(x, (1,))
    if np.ndim(x) > 1:
        raise ValueError(f"np.{name} takes 1-D sequences; got an operand of shape {np.shape(x)}.")
    return x


@implements(np.correlate)
def _correlate(a, v, mode="valid"):
    """``np.correlate`` of 1-D signals, both traced or one constant.

    >>> import numpy as np, optad
    >>> optad.grad(lambda a: np.sum(np.correlate(a, [1.0, -1.0])))(np.array([1.0, 2.0, 4.0]))
    array([ 1.,  0., -1.])
    """
    a, v = _signal(a, "correlate"), _signal(v, "correlate")
    if np.shape(a)[0] == 0 or np.shape(v)[0] == 0:
        raise ValueError("first array argument cannot be empty" if np.shape(a)[0] == 0
                         else "second array argument cannot be empty")
    return bind(correlate, (a, v), {"mode": _mode(mode)})


@implements(np.convolve)
def _convolve(a, v, mode="full"):
    """``np.convolve`` of 1-D signals, both traced or one constant.

    >>> import numpy as np, optad
    >>> optad.grad(lambda a: np.convolve(a, [1.0, 2.0], "valid")[0])(np.array([1.0, 2.0]))
    array([2., 1.])
    """
    a, v = _signal(a, "convolve"), _signal(v, "convolve")
    if np.shape(a)[0] == 0:
        raise ValueError("a cannot be empty")
    if np.shape(v)[0] == 0:
        raise ValueError("v cannot be empty")
    if np.shape(v)[0] > np.shape(a)[0]:
        a, v = v, a
    return bind(correlate, (a, v[::-1]), {"mode": _mode(mode)})


# --- interpolation --------------------------------------------------------------------------
@implements(np.interp)
def _interp(x, xp, fp, left=None, right=None, period=None):
    """``np.interp``, differentiable in every argument (see the module docstring for the
    derivative at the knots).

    >>> import numpy as np, optad
    >>> optad.grad(lambda fp: np.interp(1.5, [1.0, 2.0, 3.0], fp))(np.array([0.0, 1.0, 4.0]))
    array([0.5, 0.5, 0. ])
    >>> float(optad.grad(lambda x: np.interp(x, [1.0, 2.0, 3.0], [0.0, 1.0, 4.0]))(2.0))
    3.0
    """
    x, xp, fp = (v if isinstance(v, Traced) else np.asarray(v, dtype=np.float64)
                 for v in (x, xp, fp))
    # NumPy checks the arguments (lengths, dimensions, period != 0) with its own messages
    # (period: only whether it is 0 is read; under optad.jit a guard on that alone)
    np.interp(np.zeros(1), peek(xp), peek(fp), peek(left), peek(right),   # (their shapes)
              None if period is None else decide(lambda p: 0.0 if p == 0 else 1.0, period))
    if period is not None:
        period = abs(period)
        left = right = None
        x = x % period
        xp = xp % period
        order = np.argsort(data_of(xp))     # (data: under optad.jit, recomputed)
        xp, fp = _take(xp, order), _take(fp, order)
        xp = np.concatenate((xp[-1:] - period, xp, xp[0:1] + period))
        fp = np.concatenate((fp[-1:], fp, fp[0:1]))
    return _interp_values(x, xp, fp, left, right)


def _take(table, index):
    """``table[index]`` for a 1-d table. A plain table at a jit's traced index is a step of
    the program (NumPy's take and indexing would read the index's values: a guard on them,
    as NumPy dispatches np.take on the table alone)."""
    if isinstance(table, Traced):
        return np.take(table, index)
    return plain(np.take, table, index)


def _interp_values(x, xp, fp, left, right):
    # (the data of x and xp: under optad.jit, the masks and intervals are recomputed)
    xv, xpv = data_of(x), data_of(xp)
    n = np.shape(peek(xp))[0]
    below, above = xv < xpv[0], xv > xpv[-1]
    lo = fp[0] if left is None else left
    hi = fp[-1] if right is None else right
    if n == 1:
        inside = fp[0]
    else:
        # j: the interval [xp_j, xp_j+1) NumPy's binary search picks (a NaN x lands past
        # the end, clipped: the formula then gives NaN, as NumPy does)
        j = np.clip(np.searchsorted(xpv, xv, side="right") - 1, 0, n - 2)
        x0, f0 = _take(xp, j), _take(fp, j)
        slope = (_take(fp, j + 1) - f0) / (_take(xp, j + 1) - x0)
        inside = np.where(xv == xpv[-1], fp[-1], slope * (x - x0) + f0)
    return np.where(below, lo, np.where(above, hi, inside))


# --- polynomials ----------------------------------------------------------------------------
@implements(np.polyval)
def _polyval(p, x):
    """``np.polyval`` by Horner's rule, differentiable in the coefficients and in ``x``.

    >>> import numpy as np, optad
    >>> optad.grad(lambda p: np.polyval(p, 2.0))(np.array([1.0, 0.0, 3.0]))
    array([4., 2., 1.])
    """
    if isinstance(x, np.poly1d) or isinstance(p, np.poly1d):
        raise NotDifferentiableError(
            "np.polyval with a np.poly1d on traced values is not supported; pass the "
            "coefficients as an array (np.polyval(poly.coeffs, x)).")
    if not isinstance(p, Traced):
        p = np.asarray(p)
    if not isinstance(x, Traced):
        x = np.asanyarray(x)
    y = np.zeros_like(x)
    for coefficient in p:
        y = y * x + coefficient
    return y


# --- the modified Bessel function I0 ----------------------------------------------------------
def _i1(x):
    # SciPy is imported here, not at import time: `import optad` loads no SciPy
    from scipy.special import i1
    return i1(x)


def _i1_slope(ans, x):
    # i1'(x) = i0(x) - i1(x)/x, whose limit at 0 is 1/2 (i1(x) = x/2 + x³/16 + ...)
    at_zero = data_of(x) == 0
    if not np.any(at_zero):
        return np.i0(x) - ans / x
    return np.where(at_zero, 0.5, np.i0(x) - ans / np.where(at_zero, 1.0, x))


#: I₁, the derivative of I₀: internal (not registered for scipy.special.i1).
i1 = Primitive("i1", _i1, partials=(_i1_slope,), explain=("i1({0})", ("i1'({0})",)),
               needs=((0, -1),))

i0 = elementwise(np.i0, lambda ans, x: i1(x), expr="i0({0})", texts=("i1({0})",), reads=(0,))
