"""Differences, integrals and products along an axis: ``np.diff``, ``np.ediff1d``,
``np.gradient``, ``np.trapezoid`` (and ``np.trapz`` where NumPy still has it),
``np.cumprod`` (and ``np.cumulative_prod`` on NumPy >= 2.1), ``np.nancumsum``,
``np.nancumprod`` and ``np.cross``.

All but ``cumprod`` are compositions of traced slicing and arithmetic written with the
very floating-point operations NumPy's own code performs, so their values equal NumPy's
bit for bit and their first and higher derivatives come from the parts' rules.
``np.gradient`` with traced coordinates always uses the non-uniform formula, even where
the coordinates happen to be evenly spaced (NumPy then switches to the uniform one, equal
to rounding): the derivative with respect to the coordinates is that of the general
formula, the function that moving a coordinate actually changes.

``cumprod`` is a primitive. Along the axis, with ``y = cumprod(x)``::

    ∂y_j/∂x_k = prod_{i<=j, i!=k} x_i   (j >= k)

Without zeros that is ``y_j / x_k``, so x̄ = revcumsum(ȳ·y)/x and ẏ = y·cumsum(ẋ/x).
With zeros (z the first zero of a lane, x' = x with x_z set to 1, y' = cumprod(x')):
x̄_k = revcumsum(ȳ·y')_z at k = z, and revcumsum(ȳ·y)_k / x_k elsewhere (exactly 0 past
z in value, as it must be); ẏ = y·cumsum(ẋ/x over the nonzeros) + y'·cumsum(ẋ at z).
These are exact first derivatives for any zeros, and exact again when differentiated
(Hessians) while each lane holds at most one zero; with two or more zeros in a lane the
second derivatives are refused, as for ``np.prod``.

>>> import numpy as np, optad
>>> optad.grad(lambda x: np.sum(np.cumprod(x)))(np.array([2.0, 0.0, 3.0]))
array([1., 8., 0.])
"""

import warnings

import numpy as np

from ..engine import Traced, bind
from ..traced import carries_derivative, data_of, decide, peek, plain
from ..errors import NotDifferentiableError
from ..primitive import Primitive
from .declare import implements, no_out

try:
    from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import normalize_axis_index
    from numpy.core.numeric import normalize_axis_tuple

_NUMPY2 = int(np.__version__.split(".")[0]) >= 2


def _along(ndim, axis, key):
    """The index that applies ``key`` on ``axis`` and takes everything elsewhere."""
    index = [slice(None)] * ndim
    index[axis] = key
    return tuple(index)


def _plain(a):
    return a if isinstance(a, Traced) else np.asanyarray(a)


# --- differences ----------------------------------------------------------------------
@implements(np.diff)
def _diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    """``np.diff`` as slicing and subtraction (NumPy's own algorithm).

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.sum(np.diff(x, prepend=0.0) ** 2))(np.array([1.0, 3.0]))
    array([-2.,  4.])
    """
    if n == 0:
        return a
    if n < 0:
        raise ValueError("order must be non-negative but got " + repr(n))
    a = _plain(a)
    nd = np.ndim(a)
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis_index(axis, nd)
    parts = [a]
    if prepend is not np._NoValue:
        parts.insert(0, _edge(prepend, a, axis))
    if append is not np._NoValue:
        parts.append(_edge(append, a, axis))
    if len(parts) > 1:
        a = np.concatenate(parts, axis)
    upper, lower = _along(nd, axis, slice(1, None)), _along(nd, axis, slice(None, -1))
    for _ in range(n):
        a = a[upper] - a[lower]
    return a


def _edge(value, a, axis):
    """A scalar prepend/append is broadcast to one slice along ``axis``, as NumPy does."""
    value = _plain(value)
    if np.ndim(value) == 0:
        shape = list(np.shape(a))
        shape[axis] = 1
        return np.broadcast_to(value, tuple(shape))
    return value


@implements(np.ediff1d)
def _ediff1d(ary, to_end=None, to_begin=None):
    """``np.ediff1d``: differences of the flattened array, with ``to_begin``/``to_end``.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.sum(np.ediff1d(x, to_begin=x[0]) * [1.0, 2.0]))(np.array([1.0, 3.0]))
    array([-1.,  2.])
    """
    ary = np.ravel(_plain(ary))
    dtype = np.result_type(peek(ary))
    begin, end = (_end_part(name, extra, dtype) for name, extra in
                  (("to_begin", to_begin), ("to_end", to_end)))
    parts = begin + [ary[1:] - ary[:-1]] + end
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _end_part(name, extra, dtype):
    """[the flattened to_begin/to_end], or [] for None; NumPy's same_kind check."""
    if extra is None:
        return []
    extra = _plain(extra)
    if not np.can_cast(np.asarray(peek(extra)).dtype, dtype, casting="same_kind"):
        raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the "
                        f"`same_kind` rule.")
    return [np.ravel(extra)]


# --- np.gradient ------------------------------------------------------------------------
@implements(np.gradient)
def _gradient(f, *varargs, axis=None, edge_order=1):
    """``np.gradient`` (second-order central differences inside, one-sided of order
    ``edge_order`` at the ends; spacing as scalars or coordinates, which may be traced).

    >>> import numpy as np, optad
    >>> optad.grad(lambda f: np.gradient(f)[1])(np.array([1.0, 2.0, 4.0]))
    array([-0.5,  0. ,  0.5])
    """
    f = _plain(f)
    if not isinstance(f, Traced) and not np.issubdtype(f.dtype, np.inexact):
        f = f.astype(np.float64)
    N = np.ndim(f)
    axes = tuple(range(N)) if axis is None else normalize_axis_tuple(axis, N)
    n = len(varargs)
    if n == 0:
        dx = [1.0] * len(axes)
    elif n == 1 and np.ndim(varargs[0]) == 0:
        dx = list(varargs) * len(axes)
    elif n == len(axes):
        dx = [_spacing(d, np.shape(f)[ax]) for d, ax in zip(varargs, axes)]
    else:
        raise TypeError("invalid number of arguments")
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    out = [_gradient_along(f, ax, d, edge_order) for ax, d in zip(axes, dx)]
    if len(axes) == 1:
        return out[0]
    return tuple(out) if _NUMPY2 else out     # NumPy 1.x returns a list


def _spacing(distances, length):
    """One axis's spacing as NumPy reads it: a scalar, or the differences of coordinates
    (a scalar again when plain coordinates are evenly spaced, as in NumPy)."""
    if np.ndim(distances) == 0:
        return distances
    if np.ndim(distances) != 1:
        raise ValueError("distances must be either scalars or 1d")
    if len(distances) != length:
        raise ValueError("when 1d, distances must match the length of the corresponding "
                         "dimension")
    if carries_derivative(distances):
        return np.diff(distances)   # the general formula: see the module docstring
    # The coordinates are data (under optad.jit, their differences are recomputed steps);
    # only whether they are evenly spaced decides the formula (a guard on one bool).
    diffx = plain(_differences, distances)
    if decide(lambda d: bool((d == d[0]).all()), diffx):
        diffx = diffx[0]
    return diffx


def _differences(distances):
    distances = np.asanyarray(distances)
    if np.issubdtype(distances.dtype, np.integer):
        distances = distances.astype(np.float64)
    return np.diff(distances)


def _gradient_along(f, axis, dx, edge_order):
    N = np.ndim(f)
    if np.shape(f)[axis] < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at least "
                         "(edge_order + 1) elements are required.")

    def at(start, stop):    # f[start:stop] along the axis (dimensions kept)
        return f[_along(N, axis, slice(start, stop))]

    uniform = np.ndim(dx) == 0
    if uniform:
        interior = (at(2, None) - at(None, -2)) / (2. * dx)
    else:
        dx1, dx2 = dx[0:-1], dx[1:]
        shape = [1] * N
        shape[axis] = -1
        a = np.reshape(-(dx2) / (dx1 * (dx1 + dx2)), shape)
        b = np.reshape((dx2 - dx1) / (dx1 * dx2), shape)
        c = np.reshape(dx1 / (dx2 * (dx1 + dx2)), shape)
        interior = a * at(None, -2) + b * at(1, -1) + c * at(2, None)
    if edge_order == 1:
        first = (at(1, 2) - at(0, 1)) / (dx if uniform else dx[0])
        last = (at(-1, None) - at(-2, -1)) / (dx if uniform else dx[-1])
    else:
        if uniform:
            a, b, c = -1.5 / dx, 2. / dx, -0.5 / dx
        else:
            dx1, dx2 = dx[0], dx[1]
            a = -(2. * dx1 + dx2) / (dx1 * (dx1 + dx2))
            b = (dx1 + dx2) / (dx1 * dx2)
            c = - dx1 / (dx2 * (dx1 + dx2))
        first = a * at(0, 1) + b * at(1, 2) + c * at(2, 3)
        if uniform:
            a, b, c = 0.5 / dx, -2. / dx, 1.5 / dx
        else:
            dx1, dx2 = dx[-2], dx[-1]
            a = (dx2) / (dx1 * (dx1 + dx2))
            b = - (dx2 + dx1) / (dx1 * dx2)
            c = (2. * dx2 + dx1) / (dx2 * (dx1 + dx2))
        last = a * at(-3, -2) + b * at(-2, -1) + c * at(-1, None)
    return np.concatenate([first, interior, last], axis)


# --- integrals ----------------------------------------------------------------------------
def _trapezoid(y, x=None, dx=1.0, axis=-1):
    """``np.trapezoid``: the trapezoidal rule along ``axis``, with sample points ``x``
    (1-D, or of ``y``'s shape) or a spacing ``dx``; any of them may be traced.

    >>> import numpy as np, optad
    >>> trapezoid = getattr(np, "trapezoid", None) or np.trapz   # NumPy 1.x: np.trapz
    >>> optad.grad(lambda y: trapezoid(y, dx=0.5))(np.array([1.0, 2.0, 3.0]))
    array([0.25, 0.5 , 0.25])
    """
    y = _plain(y)
    nd = np.ndim(y)
    if x is None:
        d = dx
    else:
        x = _plain(x)
        if np.ndim(x) == 1:
            d = np.diff(x)
            shape = [1] * nd
            shape[axis] = np.shape(d)[0]
            d = np.reshape(d, shape)
        else:
            d = np.diff(x, axis=axis)
    upper = _along(nd, axis, slice(1, None))
    lower = _along(nd, axis, slice(None, -1))
    return np.sum(d * (y[upper] + y[lower]) / 2.0, axis=axis)


if hasattr(np, "trapezoid"):        # NumPy >= 2.0
    implements(np.trapezoid)(_trapezoid)
if hasattr(np, "trapz"):            # NumPy < 2.4 (deprecated from 2.0 on)
    @implements(np.trapz)
    def _trapz(y, x=None, dx=1.0, axis=-1):
        """``np.trapz``, NumPy's older name of ``np.trapezoid`` (with its warning on 2.x)."""
        if _NUMPY2:
            warnings.warn("`trapz` is deprecated. Use `trapezoid` instead, or one of the "
                          "numerical integration functions in `scipy.integrate`.",
                          DeprecationWarning, stacklevel=3)
        return _trapezoid(y, x=x, dx=dx, axis=axis)


# --- cumulative products ------------------------------------------------------------------
def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def _zeros(x, axis):
    """(is zero, is the first zero of its lane), or None when x has no exact zero; refuses
    traced x (second derivatives) with two zeros in a lane (see the module docstring)."""
    zero = data_of(x) == 0      # (under optad.jit: a recorded mask; its truth a guard)
    if not zero.any():
        return None
    seen = np.cumsum(zero, axis=axis)
    if carries_derivative(x) and np.any(seen >= 2):
        raise NotDifferentiableError(
            "Higher derivatives of np.cumprod at a point with two or more exact zeros along "
            "the axis are not implemented in optad (first derivatives are). Perturb the "
            "point, or differentiate once.")
    return zero, zero & (seen == 1)


def _cumprod_vjp(g, ans, x, axis):
    zeros = _zeros(x, axis)
    if zeros is None:
        return _reverse_cumsum(g * ans, axis) / x
    zero, first = zeros
    rest = _reverse_cumsum(g * ans, axis) / np.where(zero, 1.0, x)
    at_first = _reverse_cumsum(g * np.cumprod(np.where(first, 1.0, x), axis=axis), axis)
    return np.where(first, at_first, rest)


def _cumprod_jvp(t, ans, x, axis):
    zeros = _zeros(x, axis)
    if zeros is None:
        return ans * np.cumsum(t / x, axis=axis)
    zero, first = zeros
    t = np.broadcast_to(t, np.shape(x))
    others = ans * np.cumsum(np.where(zero, 0.0, t) / np.where(zero, 1.0, x), axis=axis)
    return others + (np.cumprod(np.where(first, 1.0, x), axis=axis)
                     * np.cumsum(np.where(first, t, 0.0), axis=axis))


cumprod = Primitive(
    "cumprod", lambda x, axis: np.cumprod(x, axis=axis),
    vjps=(_cumprod_vjp,), jvps=(_cumprod_jvp,),
    explain=("cumprod({0})", ("cumprod/{0}",)), needs=((0, -1),))


def _check_dtype(name, dtype):
    if dtype is not None and np.dtype(dtype) != np.float64:
        raise NotDifferentiableError(
            f"{name}(..., dtype={np.dtype(dtype).name}) is not supported on traced values "
            f"(they are float64); leave dtype out, or cast the result with .astype(...).")


def _cumulative_axis(name, a, axis, dtype, out):
    no_out(name, out)
    _check_dtype(name, dtype)
    if axis is None:
        return np.ravel(_plain(a)), 0
    return a, normalize_axis_index(axis, np.ndim(a))


@implements(np.cumprod)
def _cumprod(a, axis=None, dtype=None, out=None):
    """``np.cumprod``, exact also where the input has zeros (see the module docstring).

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.cumprod(x)[-1])(np.array([2.0, 3.0, 4.0]))
    array([12.,  8.,  6.])
    """
    a, axis = _cumulative_axis("np.cumprod", a, axis, dtype, out)
    return bind(cumprod, (a,), {"axis": axis})


if hasattr(np, "cumulative_prod"):     # NumPy >= 2.1 (the array API's name)
    @implements(np.cumulative_prod)
    def _cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        """``np.cumulative_prod``: ``cumprod`` with ``include_initial`` (a leading 1)."""
        if axis is None and np.ndim(x) > 1:
            raise ValueError("For arrays which have more than one dimension ``axis`` "
                             "argument is required.")
        x, axis = _cumulative_axis("np.cumulative_prod", x, axis, dtype, out)
        y = bind(cumprod, (x,), {"axis": axis})
        if include_initial:
            shape = list(np.shape(x))
            shape[axis] = 1
            y = np.concatenate([np.ones(shape), y], axis)
        return y


@implements(np.nancumsum)
def _nancumsum(a, axis=None, dtype=None, out=None):
    """``np.nancumsum``: NaNs count as 0 (and get the derivative 0).

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.nancumsum(x)[-1])(np.array([1.0, np.nan, 2.0]))
    array([1., 0., 1.])
    """
    _check_dtype("np.nancumsum", dtype)
    no_out("np.nancumsum", out)
    return np.cumsum(np.where(np.isnan(data_of(a)), 0.0, a), axis=axis)


@implements(np.nancumprod)
def _nancumprod(a, axis=None, dtype=None, out=None):
    """``np.nancumprod``: NaNs count as 1 (and get the derivative 0).

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.nancumprod(x)[-1])(np.array([2.0, np.nan, 3.0]))
    array([3., 0., 2.])
    """
    a, axis = _cumulative_axis("np.nancumprod", a, axis, dtype, out)
    return bind(cumprod, (np.where(np.isnan(data_of(a)), 1.0, a),), {"axis": axis})


# --- cross product ------------------------------------------------------------------------
def _takes_two_vectors():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            np.cross([1.0, 0.0], [0.0, 1.0])
        return True
    except ValueError:
        return False


#: Whether the running NumPy still takes 2-vectors in np.cross (deprecated in 2.0, gone in 2.5).
TWO_VECTORS = _takes_two_vectors()


@implements(np.cross)
def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``np.cross`` of 3-vectors (and of 2-vectors, deprecated by NumPy 2) along any axes.

    >>> import numpy as np, optad
    >>> optad.grad(lambda a: np.cross(a, [0.0, 0.0, 1.0])[0])(np.array([1.0, 2.0, 3.0]))
    array([0., 1., 0.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _plain(a), _plain(b)
    if np.ndim(a) < 1 or np.ndim(b) < 1:
        raise ValueError("At least one array has zero dimension")
    a = np.moveaxis(a, normalize_axis_index(axisa, np.ndim(a), msg_prefix="axisa"), -1)
    b = np.moveaxis(b, normalize_axis_index(axisb, np.ndim(b), msg_prefix="axisb"), -1)
    na, nb = np.shape(a)[-1], np.shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3) or (2 in (na, nb) and not TWO_VECTORS):
        np.cross(np.zeros(na), np.zeros(nb))      # NumPy's own error, as this NumPy words it
    if _NUMPY2 and 2 in (na, nb):
        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=3)
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    third = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return third
    # NumPy's products, operation for operation (a missing third component is 0)
    if na == 2:
        b2 = b[..., 2]
        parts = [a1 * b2, -(a0 * b2), third]
    elif nb == 2:
        a2 = a[..., 2]
        parts = [-(a2 * b1), a2 * b0, third]
    else:
        a2, b2 = a[..., 2], b[..., 2]
        parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, third]
    cp = np.stack(parts, axis=-1)
    return np.moveaxis(cp, -1, normalize_axis_index(axisc, np.ndim(cp), msg_prefix="axisc"))
