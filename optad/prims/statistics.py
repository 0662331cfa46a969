"""Order statistics and NaN-aware reductions: ``np.median``, ``np.percentile``,
``np.quantile`` (and ``nanmedian``, ``nanpercentile``, ``nanquantile``), ``np.ptp``, and
``np.nansum``, ``nanmean``, ``nanmax``, ``nanmin``, ``nanprod``, ``nanvar``, ``nanstd``.

All are written with traced NumPy operations (``sort``, indexing, ``where``, ``sum``), so
none needs a rule of its own and second derivatives come for free.

**NaN-aware reductions** replace the entries they skip (NaNs, and those ``where=False``
leaves out) by the reduction's neutral element with ``np.where`` (0 for sums, 1 for
products, -inf / +inf for max / min). The branch ``where`` does not take contributes
exactly 0, so a NaN entry's gradient is 0.

**Order statistics** sort along the reduced axes (``np.sort``: a gather by the argsort of
the plain values; NaNs sort last) and read the sorted positions they need. Each of NumPy's
quantile methods locates a *virtual index* v among the n sorted values s (for
``'linear'``, the default, v = (n-1)·q). With i = ⌊v⌋ and γ = v - i the quantile is
s_i + γ·(s_{i+1} - s_i) (NumPy's ``_lerp``, op for op). Its derivative is therefore
1-γ on the entry holding s_i and γ on the one holding s_{i+1}, and (n-1)·(s_{i+1} - s_i)
with respect to a traced ``q``. The methods that pick one order statistic (``'lower'``,
``'nearest'``, ``'inverted_cdf'``, ...) have derivative 1 on it and 0 with respect to ``q``.

**Ties**: an order statistic equal to several entries shares its adjoint among all of
them evenly, as ``np.max`` does (``optad.prims.reductions._extreme_mask``).
``np.median([1, 2, 2, 3])`` sends 1/2 to each 2, whatever order the sort left them in,
and ``np.quantile(x, 1.0)`` has the gradient of ``np.max(x)``. A slice holding a NaN has
the quantile NaN (as in NumPy), taken from that NaN entry.

**NumPy versions**: the values and shapes are those of the NumPy that runs, where they
differ: ``'closest_observation'`` rounds ties to the even order statistic (1-based) from
NumPy 2.0 on and to the odd one before; the nan-functions order the axes of a
multi-dimensional ``q`` as NumPy's ``apply_along_axis`` leaves them (not as ``quantile``
does), differently before and after 2.0; ``weights=`` (quantiles) and ``mean=`` /
``correction=`` (``nanvar``, ``nanstd``) exist from NumPy 2.0 on, and before it NumPy
itself refuses them with its TypeError before optad sees the call.
"""

import operator
import warnings

import numpy as np

from ..engine import Traced
from ..traced import carries_derivative, data_of, decide, peek, plain
from ..errors import UnsupportedFunctionError
from .declare import implements, no_out

__all__ = []   # reached through NumPy's own names (np.median(x), np.nansum(x), ...)
_NO = np._NoValue
NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"   # the behaviours noted above


def _axes(axis, ndim):
    """``axis`` (None, an int or a tuple) as sorted non-negative ints, with NumPy's errors."""
    if axis is None:
        return tuple(range(ndim))
    out = []
    for a in ((axis,) if np.ndim(axis) == 0 else tuple(axis)):
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError("repeated axis")
    return tuple(sorted(out))


def _flag(value):
    return False if value is _NO else bool(value)


def _warn(message):
    warnings.warn(message, RuntimeWarning, stacklevel=4)


# --- order statistics --------------------------------------------------------------------
def _rows(a, axis):
    """``a`` with the reduced axes moved last and merged into one (NumPy's ``_ureduce``), and
    the result's shape under ``keepdims=True``."""
    shape = np.shape(a)
    axes = _axes(axis, len(shape))
    rest = [k for k in range(len(shape)) if k not in axes]
    if list(axes) != list(range(len(rest), len(shape))):
        a = np.transpose(a, rest + list(axes))
    size = int(np.prod([shape[k] for k in axes], dtype=np.int64))
    kept = tuple(1 if k in axes else d for k, d in enumerate(shape))
    return np.reshape(a, [shape[k] for k in rest] + [size]), kept


def _data(x):
    """The data of ``x`` (:func:`data_of`): under :func:`optad.jit` the jit's traced value,
    so that what is computed from it is a recomputed step, not a guard on the whole array."""
    d = data_of(x)
    return d if isinstance(d, Traced) else np.asarray(d)


def _sorted(x):
    """``x`` sorted along its last axis, and its data. Entries that tie share their
    derivative evenly: each sorted position carries the mean derivative of its tie group,
    through a term whose value is exactly 0 (``s - value(s)``, averaged by cumulative sums).
    Whether there are ties is the only decision (under optad.jit, a guard on one bool)."""
    s = np.sort(x, axis=-1)
    values = _data(s)
    if not carries_derivative(s) or not decide(_has_ties, values):
        return s, values
    first, stop = plain(_tie_groups, values)
    finite = np.isfinite(values)
    delta = np.where(finite, s - np.where(finite, values, 0.0), 0.0)   # value 0, slope of s
    sums = np.concatenate([np.zeros(1), np.cumsum(np.ravel(delta))])
    means = (sums[stop] - sums[first]) / (stop - first)
    return values + np.reshape(means, np.shape(peek(values))), values


def _has_ties(values):
    return bool(np.any(values[..., 1:] == values[..., :-1]))


def _tie_groups(values):
    """For each sorted position (flat), where its tie group starts and stops: shapes fixed
    by ``values``'s (so under optad.jit a recomputed step)."""
    start = np.ones(values.shape, dtype=bool)
    start[..., 1:] = values[..., 1:] != values[..., :-1]
    flags = start.ravel()
    index = np.arange(flags.size)
    first = np.maximum.accumulate(np.where(flags, index, 0))
    after = np.append(np.where(flags, index, flags.size)[1:], flags.size)
    stop = np.minimum.accumulate(after[::-1])[::-1]     # the next group's start
    return first, stop


def _pick(s, index):
    """``s[..., index]`` row by row: ``index`` has shape Q + rows, so does the result."""
    rows = np.shape(s)[:-1]
    grids = tuple(np.arange(d).reshape((d,) + (1,) * (len(rows) - 1 - k))
                  for k, d in enumerate(rows))
    key = grids + (np.clip(index, 0, max(np.shape(s)[-1] - 1, 0)),)
    if isinstance(s, Traced):
        return s[key]
    # plain data at traced positions (a traced q): a recomputed step under optad.jit
    return plain(lambda s, key: s[key], s, key)


def _lerp(a, b, t):
    """NumPy's ``_lerp``: a + (b-a)·t, or b - (b-a)·(1-t) where t >= 1/2 (same values)."""
    diff = b - a
    return np.where(data_of(t) >= 0.5, b - diff * (1 - t), a + diff * t)


def _continuous(alpha, beta):
    return lambda n, q: n * q + (alpha + q * (1 - alpha - beta)) - 1


def _boundaries(index, take_previous):
    previous = np.floor(index)
    chosen = np.where(take_previous(index - previous, index), previous, previous + 1)
    return np.maximum(chosen.astype(np.intp), 0)


def _same(gamma, index):
    return gamma


# name: (virtual index (n, q) -> v, gamma's fix; None for the methods that pick an index)
_METHODS = {
    "inverted_cdf": (lambda n, q: _boundaries(n * q - 1, lambda g, i: g == 0), None),
    "averaged_inverted_cdf": (lambda n, q: (n * q) - 1,
                              lambda g, i: np.where(data_of(g) == 0, 0.5, 1.0)),
    # at a tie, the even order statistic (1-based) from NumPy 2.0 on, the odd one before
    "closest_observation": (lambda n, q: _boundaries(
        (n * q) - 1 - 0.5, lambda g, i: (g == 0) & (np.floor(i) % 2 == (1 if NUMPY2 else 0))),
        None),
    "interpolated_inverted_cdf": (_continuous(0, 1), _same),
    "hazen": (_continuous(0.5, 0.5), _same),
    "weibull": (_continuous(0, 0), _same),
    "linear": (lambda n, q: (n - 1) * q, _same),
    "median_unbiased": (_continuous(1 / 3.0, 1 / 3.0), _same),
    "normal_unbiased": (_continuous(3 / 8.0, 3 / 8.0), _same),
    "lower": (lambda n, q: np.floor((n - 1) * q).astype(np.intp), None),
    "higher": (lambda n, q: np.ceil((n - 1) * q).astype(np.intp), None),
    "midpoint": (lambda n, q: 0.5 * (np.floor((n - 1) * q) + np.ceil((n - 1) * q)),
                 lambda g, i: np.where(i % 1 == 0, 0.0, 0.5)),
    "nearest": (lambda n, q: np.around((n - 1) * q).astype(np.intp), None),
}


def _counts(values, skip_nan):
    """How many values each row holds (its non-NaN ones for the nan-functions)."""
    m = np.shape(peek(values))[-1]
    if skip_nan:
        n = m - np.sum(np.isnan(values), axis=-1)
        if decide(lambda n: bool(np.any(n == 0)), n):
            _warn("All-NaN slice encountered")
        return n
    return np.full(np.shape(peek(values))[:-1], m)


def _empty(rows, q_shape, kept, keepdims, skip_nan):
    """NumPy's answer when there are no entries: NaN (np.mean's for median, np.nanmean's,
    without ``q``'s axes, for the nan-quantiles), warned where a slice is empty."""
    result = np.full(q_shape + (kept if keepdims else rows), np.nan)
    if result.size or not skip_nan:
        _warn("Mean of empty slice")
    return result


def _nan_layout(result, q_ndim, axes, ndim):
    """``result`` (``q``'s axes, then the kept ones) in the axis order of NumPy's
    nan-quantiles, which run ``apply_along_axis`` over the reduced axis and move ``q``'s
    axes to the front afterwards: all of them from NumPy 2.0 on (from where the reduced
    axis was, counted as NumPy counts it), only the first one before. A ``q`` of one axis
    lands in front either way; only ``q.ndim >= 2`` with kept axes differs."""
    kept = ndim - len(axes)
    if q_ndim < 2 or kept == 0:   # (axis=None, or every axis: NumPy ravels, q stays first)
        return result
    # apply_along_axis puts q's axes where the reduced axis was: at axes[0] for one axis,
    # last for several (merged last by _ureduce, which then passes axis=-1)
    at, numpy_axis = (axes[0], axes[0]) if len(axes) == 1 else (kept, -1)
    applied = list(range(q_ndim, q_ndim + at)) + list(range(q_ndim)) + list(
        range(q_ndim + at, q_ndim + kept))
    source = [numpy_axis + i for i in range(q_ndim)] if NUMPY2 else [numpy_axis]
    order = _moveaxis_order(q_ndim + kept, source, list(range(len(source))))
    return np.transpose(result, [applied[k] for k in order])


def _moveaxis_order(ndim, source, destination):
    """The permutation np.moveaxis(x, source, destination) applies (NumPy's own code)."""
    source, destination = [k % ndim for k in source], [k % ndim for k in destination]
    order = [k for k in range(ndim) if k not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return order


def _finish(result, s, values, n, skip_nan, q_ndim, axes, ndim, keepdims):
    """The rows' results (``q``'s axes, then the kept ones) as NumPy returns them: NaN
    where NumPy's is, its axis order, and NumPy's ``keepdims``."""
    if skip_nan:
        if decide(lambda n: bool(np.any(n == 0)), n):
            result = np.where(n == 0, np.nan, result)
        result = _nan_layout(result, q_ndim, axes, ndim)
    elif np.shape(peek(values))[-1] and decide(lambda v: bool(np.isnan(v[..., -1]).any()),
                                               values):
        result = np.where(np.isnan(values[..., -1]), s[..., -1], result)   # NaN, from the NaN
    if keepdims:   # NumPy's _ureduce: a 1 for each reduced axis, among the last axes
        shape = np.shape(peek(result))
        cut = len(shape) - (ndim - len(axes))
        tail = iter(shape[cut:])
        result = np.reshape(result, shape[:cut] + tuple(1 if k in axes else next(tail)
                                                        for k in range(ndim)))
    return result


def _quantile(name, a, q, axis, out, method, keepdims, weights, scale, skip_nan):
    no_out(f"np.{name}", out)
    if weights is not None:
        raise UnsupportedFunctionError(
            f"np.{name}(..., weights=...) is not supported on traced values in optad; "
            f"without weights every method is.")
    if method not in _METHODS:
        raise ValueError(f"{method!r} is not a valid method. Use one of: {list(_METHODS)}")
    q = q if isinstance(q, Traced) else np.asarray(q, dtype=float)
    q = q / scale if scale != 1 else q
    q_data, q_shape = _data(q), np.shape(peek(q))
    if len(q_shape) > 2:
        raise ValueError("q must be a scalar or 1d")
    if not decide(lambda q: bool(np.all(q >= 0) and np.all(q <= 1)), q_data):
        what = "Percentiles" if scale == 100 else "Quantiles"
        raise ValueError(f"{what} must be in the range [0, {scale}]")
    x, kept = _rows(a, axis)
    if skip_nan and np.size(x) == 0:   # NumPy answers np.nanmean(a, axis): no q axes
        return _empty(np.shape(x)[:-1], (), kept, _flag(keepdims), skip_nan)
    s, values = _sorted(x)
    n = _counts(values, skip_nan)
    virtual_index, fix_gamma = _METHODS[method]
    traced_q = fix_gamma is _same and isinstance(q, Traced)   # only these move with q
    q_rows = np.reshape(q if traced_q else q_data, q_shape + (1,) * np.ndim(peek(n)))
    v = virtual_index(n, q_rows)
    # the positions read: under optad.jit, recomputed steps (not guards on their values)
    v_data = _data(v)
    if fix_gamma is None:
        result = _pick(s, v_data)
    else:   # NumPy's _get_indexes and _get_gamma
        above, below = v_data >= n - 1, v_data < 0
        previous = np.where(above, -1.0, np.where(below, 0.0, np.floor(v_data)))
        low = np.where(above, n - 1, previous).astype(np.intp)
        high = np.where(above | below, low, low + 1)
        gamma = fix_gamma(v - previous, v_data)
        result = _lerp(_pick(s, low), _pick(s, high), gamma)
    return _finish(result, s, values, n, skip_nan, len(q_shape), _axes(axis, np.ndim(a)),
                   np.ndim(a), _flag(keepdims))


def _quantile_handler(name, scale, skip_nan):
    def handler(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
        # overwrite_input only allows NumPy to scribble on `a`; optad never does.
        return _quantile(name, a, q, axis, out, method, keepdims, weights, scale, skip_nan)
    handler.__name__ = name
    handler.__doc__ = f"""``np.{name}`` with every method NumPy has (``'linear'`` by default),
    ``q`` plain or traced, ``axis`` an int or a tuple, ``keepdims``.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.{name}(x, {0.25 * scale:g}))(np.array([3.0, 1.0, 2.0, 4.0]))
    array([0.25, 0.  , 0.75, 0.  ])
    """
    return implements(getattr(np, name))(handler)


_quantile_handler("quantile", 1, False)
_quantile_handler("percentile", 100, False)
_quantile_handler("nanquantile", 1, True)
_quantile_handler("nanpercentile", 100, True)


def _median(name, skip_nan):
    def handler(a, axis=None, out=None, overwrite_input=False, keepdims=False):
        no_out(f"np.{name}", out)
        x, kept = _rows(a, axis)
        if np.shape(x)[-1] == 0:
            return _empty(np.shape(x)[:-1], (), kept, _flag(keepdims), skip_nan)
        s, values = _sorted(x)
        n = _counts(values, skip_nan)
        # the mean of the middle two (of the middle one twice for odd n), as NumPy's
        result = (_pick(s, (n - 1) // 2) + _pick(s, n // 2)) / 2.0
        return _finish(result, s, values, n, skip_nan, 0, _axes(axis, np.ndim(a)),
                       np.ndim(a), _flag(keepdims))
    handler.__name__ = name
    handler.__doc__ = f"""``np.{name}`` with ``axis`` (an int or a tuple) and ``keepdims``.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.{name}(x))(np.array([4.0, 1.0, 3.0, 2.0]))
    array([0. , 0. , 0.5, 0.5])
    """
    return implements(getattr(np, name))(handler)


_median("median", False)
_median("nanmedian", True)


@implements(np.ptp)
def _ptp(a, axis=None, out=None, keepdims=False):
    """``np.ptp``: ``np.max - np.min`` (ties share as in ``np.max``).

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.ptp(x))(np.array([1.0, 3.0, 2.0]))
    array([-1.,  1.,  0.])
    """
    no_out("np.ptp", out)
    keepdims = _flag(keepdims)
    return np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)


# --- NaN-aware reductions ----------------------------------------------------------------
def _skipped(a, where):
    """The entries a nan-reduction leaves out (a mask without derivative; under optad.jit
    recomputed on every replay): NaNs, and where=False."""
    if where is _NO or where is True:
        return plain(lambda v: np.isnan(np.asarray(v)), a)
    return plain(_skipped_plain, a, where)


def _skipped_plain(a, where):
    a = np.asarray(a)
    return np.isnan(a) | ~np.broadcast_to(np.asarray(where, dtype=bool), a.shape)


def _filled(a, skip, neutral):
    return np.where(skip, neutral, a) if skip.any() else a


def _check_dtype(name, dtype):
    if dtype is not None and np.dtype(dtype) != np.float64:
        raise UnsupportedFunctionError(
            f"np.{name}(..., dtype={np.dtype(dtype)}) is not supported on traced values: optad "
            f"computes in float64. Call it without dtype=.")


@implements(np.nansum)
def _nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NO, where=_NO):
    """``np.nansum``: NaNs (and ``where=False`` entries) count as 0, with gradient 0.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.nansum(np.where(np.array([False, True]), np.nan, x) ** 2))(
    ...     np.ones(2))
    array([2., 0.])
    """
    no_out("np.nansum", out)
    _check_dtype("nansum", dtype)
    total = np.sum(_filled(a, _skipped(a, where), 0.0), axis=axis, keepdims=_flag(keepdims))
    return total if initial is _NO else total + initial


@implements(np.nanprod)
def _nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NO, where=_NO):
    """``np.nanprod``: NaNs (and ``where=False`` entries) count as 1, with gradient 0.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.nanprod(np.where(np.array([False, True, False]), np.nan, x)))(
    ...     np.array([2.0, 5.0, 3.0]))
    array([3., 0., 2.])
    """
    no_out("np.nanprod", out)
    _check_dtype("nanprod", dtype)
    total = np.prod(_filled(a, _skipped(a, where), 1.0), axis=axis, keepdims=_flag(keepdims))
    return total if initial is _NO else total * initial


def _divide(total, count, message):
    """total / count, NaN (with NumPy's warning) where the count is not positive."""
    bad = count <= 0
    if not np.any(bad):
        return total / count
    _warn(message)
    return np.where(bad, np.nan, total / np.where(bad, 1, count))


@implements(np.nanmean)
def _nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=_NO):
    """``np.nanmean``: the mean of the non-NaN entries; NaNs get gradient 0.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.nanmean(np.where(np.array([False, True, False]), np.nan, x)))(
    ...     np.ones(3))
    array([0.5, 0. , 0.5])
    """
    no_out("np.nanmean", out)
    _check_dtype("nanmean", dtype)
    skip, keepdims = _skipped(a, where), _flag(keepdims)
    total = np.sum(_filled(a, skip, 0.0), axis=axis, keepdims=keepdims)
    return _divide(total, np.sum(~skip, axis=axis, keepdims=keepdims), "Mean of empty slice")


def _nanvar(name, a, axis, dtype, out, ddof, keepdims, where, mean, correction):
    no_out(f"np.{name}", out)
    _check_dtype(name, dtype)
    if correction is not _NO:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    skip, keepdims = _skipped(a, where), _flag(keepdims)
    if mean is _NO:
        count = np.sum(~skip, axis=axis, keepdims=True)
        mean = np.sum(_filled(a, skip, 0.0), axis=axis, keepdims=True) / np.maximum(count, 1)
    centered = _filled(a - mean, skip, 0.0)
    return _divide(np.sum(centered * centered, axis=axis, keepdims=keepdims),
                   np.sum(~skip, axis=axis, keepdims=keepdims) - ddof,
                   "Degrees of freedom <= 0 for slice.")


@implements(np.nanvar)
def _nanvar_handler(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=_NO,
                    mean=_NO, correction=_NO):
    """``np.nanvar`` with ``ddof`` (or ``correction``), ``where`` and a given ``mean``.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.nanvar(np.where(np.array([False, False, True]), np.nan, x)))(
    ...     np.array([1.0, 3.0, 0.0]))
    array([-1.,  1.,  0.])
    """
    return _nanvar("nanvar", a, axis, dtype, out, ddof, keepdims, where, mean, correction)


@implements(np.nanstd)
def _nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=_NO,
            mean=_NO, correction=_NO):
    """``np.nanstd``: the square root of ``np.nanvar``, with the subgradient 0 at zero
    spread (as ``np.std``), not 0·∞.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.nanstd(np.where(np.array([False, False, True]), np.nan, x)))(
    ...     np.array([1.0, 3.0, 0.0]))
    array([-0.5,  0.5,  0. ])
    """
    var = _nanvar("nanstd", a, axis, dtype, out, ddof, keepdims, where, mean, correction)
    zero = data_of(var) == 0
    if not np.any(zero):
        return np.sqrt(var)
    return np.where(zero, 0.0, np.sqrt(np.where(zero, 1.0, var)))


def _nan_extreme(name, reduce, neutral, pairwise):
    def handler(a, axis=None, out=None, keepdims=False, initial=_NO, where=_NO):
        no_out(f"np.{name}", out)
        if where is not _NO and where is not True and initial is _NO:
            raise ValueError(f"reduction operation 'f{name[3:]}' does not have an identity, "
                             f"so to use a where mask one has to specify 'initial'")
        skip, keepdims = _skipped(a, where), _flag(keepdims)
        result = reduce(_filled(a, skip, neutral), axis=axis, keepdims=keepdims)
        if initial is not _NO:
            return pairwise(result, initial)
        empty = np.all(skip, axis=axis, keepdims=keepdims)
        if np.any(empty):
            _warn("All-NaN slice encountered")
            result = np.where(empty, np.nan, result)
        return result
    handler.__name__ = name
    handler.__doc__ = f"""``np.{name}``: NaNs (and ``where=False`` entries) are skipped, with
    gradient 0; ties share the adjoint as in ``np.{name[3:]}``.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.{name}(np.where(np.array([True, False, False]), np.nan, x)))(
    ...     np.array([5.0, {'2.0, 1.0' if name == 'nanmax' else '1.0, 2.0'}]))
    array([0., 1., 0.])
    """
    return implements(getattr(np, name))(handler)


_nan_extreme("nanmax", np.max, -np.inf, np.maximum)
_nan_extreme("nanmin", np.min, np.inf, np.minimum)
