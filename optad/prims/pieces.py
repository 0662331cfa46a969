"""Rearranging arrays: ``np.pad``, the split family, ``flipud``/``fliplr``/``rot90``,
``append``, ``insert``, ``delete``, ``meshgrid`` and ``select``.

These functions only move, copy or pick numbers, so each is written with traced NumPy
operations optad already differentiates (indexing, ``concatenate``, ``where``): none needs
a derivative rule of its own, and second derivatives come for free.

Where NumPy's rule for *which* input lands where is intricate (``np.pad``'s reflections
past the array's length, ``np.insert``'s index arithmetic, ``np.delete``'s masks), NumPy
itself answers: the function runs on plain integer *labels* (``0 .. n-1``), and the
labelled result, a map from output positions to input positions, gathers the traced
values. The gather's adjoint adds each output adjoint back at its label, so an input
copied several times (``np.pad``'s edge mode) collects them all.

``np.pad`` pads one axis after another, as NumPy does (so the corners come from the
padding of the earlier axes), each axis by joining two blocks to the array: broadcast
constants, gathers of the labels NumPy's padding of ``arange(n)`` gives, ramps, or
statistics of the edges. ``reflect_type='odd'`` (2·edge - mirror image, again past each
new edge) is linear along the axis; its matrix is NumPy's padding of the identity's
columns near the edges (the only entries a pad reads).
"""

import numpy as np

from ..engine import Traced, value_of
from ..traced import carries_derivative, data_of, peek, value_of
from ..errors import NotDifferentiableError, UnsupportedFunctionError
from .declare import implements

__all__ = []   # everything here is reached through NumPy's own names (np.pad(x, 1), ...)

# As the running NumPy: np.pad takes a dict pad_width from NumPy 2.4 on (before, NumPy's
# "must be of integral type" TypeError), and np.meshgrid's copies come in a tuple from
# NumPy 2.0 on (a list before).
_PAD_DICT = np.lib.NumpyVersion(np.__version__) >= "2.4.0"
NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"

_PAD_KEYWORDS = {
    "constant": ("constant_values",), "empty": (), "edge": (), "wrap": (),
    "reflect": ("reflect_type",), "symmetric": ("reflect_type",),
    "linear_ramp": ("end_values",), "maximum": ("stat_length",),
    "minimum": ("stat_length",), "mean": ("stat_length",), "median": ("stat_length",),
}
_PAD_STATS = {"maximum": np.max, "minimum": np.min, "mean": np.mean, "median": np.median}


def _labels(shape):
    return np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)


def _pair_positions(shape, ndim):
    """Flat positions, as an (ndim, 2) array, of the per-axis (before, after) entries that
    np.pad reads from an argument of this shape (NumPy's ``_as_pairs``): one value for all,
    one pair for every axis, or one pair per axis."""
    labels = _labels(shape)
    if labels.ndim < 3 and labels.size == 1:
        return np.zeros((ndim, 2), dtype=np.intp)
    if labels.ndim < 3 and labels.size == 2 and labels.shape != (2, 1):
        return np.broadcast_to(labels.ravel(), (ndim, 2))
    return np.broadcast_to(labels, (ndim, 2))


def _holds_traced(value):
    return isinstance(value, Traced) or isinstance(value, (list, tuple)) and any(
        _holds_traced(v) for v in value)


def _holds_derivative(value):
    return carries_derivative(value) or isinstance(value, (list, tuple)) and any(
        _holds_derivative(v) for v in value)


def _read(value):
    """A count or position: its plain value (under optad.jit, a guard)."""
    if isinstance(value, (list, tuple)):
        return type(value)(_read(v) for v in value)
    return value_of(value)


def _array(value):
    """A value of np.pad's (constant_values, end_values) as an array: a nested list or
    tuple holding traced values becomes one traced array (np.stack)."""
    if isinstance(value, Traced):
        return value
    if _holds_traced(value):
        return np.stack([_array(v) for v in value])
    return np.asarray(value, dtype=float)


def _pairs(value, ndim, index=False):
    """``value`` (plain or traced) read as np.pad reads it: an (ndim, 2) table of entries;
    ``index``: plain non-negative counts (pad widths, stat lengths), with NumPy's errors."""
    value = np.round(np.asarray(value)).astype(np.intp) if index else _array(value)
    flat = np.ravel(value)
    table = [[flat[int(k)] for k in pair] for pair in _pair_positions(np.shape(value), ndim)]
    if index and np.any(np.asarray(table) < 0):
        raise ValueError("index can't contain negative values")
    return table


@implements(np.pad)
def _pad(array, pad_width, mode="constant", **kwargs):
    """``np.pad`` on traced arrays: every mode but a user function.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.sum(np.pad(x, (2, 1), mode="edge")))(np.ones(3))
    array([3., 1., 2.])
    """
    if callable(mode) or mode not in _PAD_KEYWORDS:
        raise (UnsupportedFunctionError if callable(mode) else ValueError)(
            f"np.pad mode {mode!r} is not supported on traced arrays; the modes are "
            + ", ".join(repr(m) for m in _PAD_KEYWORDS) + " (or build the padding with "
            "np.concatenate).")
    unsupported = set(kwargs) - set(_PAD_KEYWORDS[mode])
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    for name, value in [("pad_width", pad_width), ("stat_length", kwargs.get("stat_length"))]:
        if _holds_derivative(value):
            raise NotDifferentiableError(f"np.pad's {name} was a traced value: it is a count "
                                         f"and cannot carry a derivative.")
    shape, ndim = np.shape(array), np.ndim(array)
    if isinstance(pad_width, dict) and _PAD_DICT:   # {axis: width or (before, after)}
        sequence = [(0, 0)] * ndim
        for axis, width in pad_width.items():
            sequence[axis] = (width, width) if isinstance(width, int) else tuple(width)
        pad_width = sequence
    if np.asarray(pad_width).dtype.kind not in "iu":
        raise TypeError("`pad_width` must be of integral type.")
    widths = _pairs(pad_width, ndim, index=True)
    if mode not in ("constant", "empty") and np.size(array) == 0:
        for axis, pair in enumerate(widths):
            if shape[axis] == 0 and any(pair):
                raise ValueError(f"can't extend empty axis {axis} using modes other than "
                                 f"'constant' or 'empty'")
        mode, kwargs = "empty", {}   # nothing to copy from: the result is empty
    if mode == "constant":
        kwargs = {"constant_values": _pairs(kwargs.get("constant_values", 0.0), ndim)}
    elif mode == "linear_ramp":
        kwargs = {"end_values": _pairs(kwargs.get("end_values", 0.0), ndim)}
    elif mode in _PAD_STATS and kwargs.get("stat_length") is not None:
        kwargs = {"stat_length": _pairs(kwargs["stat_length"], ndim, index=True)}
        if mode in ("maximum", "minimum") and 0 in np.ravel(kwargs["stat_length"]):
            raise ValueError("stat_length of 0 yields no value for padding")
    x = array
    for axis, (before, after) in enumerate(widths):
        if before or after:
            x = _pad_axis(x, axis, int(before), int(after), mode, kwargs)
    return x if x is not array else np.copy(x)


def _at_axis(ndim, axis, index):
    key = [slice(None)] * ndim
    key[axis] = index
    return tuple(key)


def _ramp(edge, end, width, axis, ndim):
    """NumPy's ``linspace(end, edge, width, endpoint=False)`` along ``axis``, op for op."""
    if width == 0:
        return edge[_at_axis(ndim, axis, slice(0, 0))]
    k = np.arange(width, dtype=float).reshape([-1 if d == axis else 1 for d in range(ndim)])
    delta = edge - end
    step = delta / width
    if np.any(data_of(step) == 0):
        return (k / width) * delta + end
    return k * step + end


def _pad_axis(x, axis, before, after, mode, kwargs):
    """``x`` with ``before`` and ``after`` entries joined along ``axis``."""
    ndim, n = np.ndim(x), np.shape(x)[axis]
    block = lambda width: tuple(width if d == axis else s for d, s in enumerate(np.shape(x)))
    if mode in ("constant", "empty"):
        value = kwargs["constant_values"][axis] if mode == "constant" else (0.0, 0.0)
        left, right = (np.broadcast_to(value[0], block(before)),
                       np.broadcast_to(value[1], block(after)))
    elif mode in ("edge", "wrap") or mode in ("reflect", "symmetric") and kwargs.get(
            "reflect_type") != "odd":
        labels = np.pad(np.arange(n), (before, after), mode)
        left = np.take(x, labels[:before], axis=axis)
        right = np.take(x, labels[before + n:], axis=axis)
    elif mode in ("reflect", "symmetric"):
        near = max(before, after) + 2
        columns = np.union1d(np.arange(min(n, near)), np.arange(max(0, n - near), n))
        rows = np.pad(np.eye(n)[:, columns], ((before, after), (0, 0)), mode, reflect_type="odd")
        edges = np.take(x, columns, axis=axis)
        side = lambda m: np.moveaxis(np.tensordot(m, edges, axes=([1], [axis])), 0, axis)
        left, right = side(rows[:before]), side(rows[before + n:])
    elif mode == "linear_ramp":
        end = kwargs["end_values"][axis]
        left = _ramp(x[_at_axis(ndim, axis, slice(0, 1))], end[0], before, axis, ndim)
        right = np.flip(_ramp(x[_at_axis(ndim, axis, slice(n - 1, n))], end[1], after,
                              axis, ndim), axis)
    else:   # a statistic of the first / last stat_length entries (all by default)
        stat, lengths = _PAD_STATS[mode], kwargs.get("stat_length")
        lo, hi = (n, n) if lengths is None else (min(n, int(k)) for k in lengths[axis])
        left = stat(x[_at_axis(ndim, axis, slice(0, lo))], axis=axis, keepdims=True)
        right = left if lo == hi == n else stat(x[_at_axis(ndim, axis, slice(n - hi, n))],
                                                axis=axis, keepdims=True)
        left, right = np.broadcast_to(left, block(before)), np.broadcast_to(right, block(after))
    return np.concatenate([left, x, right], axis=axis)


# --- splitting ---------------------------------------------------------------------------
@implements(np.array_split)
def _array_split(ary, indices_or_sections, axis=0):
    """``np.array_split``: a list of views of ``ary`` (basic slices, as NumPy's).

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.sum(np.array_split(x, 2)[0] * 2.0))(np.ones(3))
    array([2., 2., 0.])
    """
    n = np.shape(ary)[axis]
    try:
        bounds = [0, *indices_or_sections, n]
    except TypeError:   # a number of sections: the first n % sections get one more
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.") from None
        each, extras = divmod(n, sections)
        bounds = np.cumsum([0] + extras * [each + 1] + (sections - extras) * [each]).tolist()
    return [ary[_at_axis(np.ndim(ary), axis, slice(start, stop))]
            for start, stop in zip(bounds[:-1], bounds[1:])]


@implements(np.split)
def _split(ary, indices_or_sections, axis=0):
    """``np.split``: as ``np.array_split``, but a number of sections must divide the axis.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.sum(np.split(x, 3)[1] ** 2))(np.arange(3.0))
    array([0., 2., 0.])
    """
    if np.ndim(indices_or_sections) == 0 and np.shape(ary)[axis] % indices_or_sections:
        raise ValueError("array split does not result in an equal division")
    return _array_split(ary, indices_or_sections, axis)


def _split_along(name, min_ndim, axis_of):
    def split(ary, indices_or_sections):
        if np.ndim(ary) < min_ndim:
            raise ValueError(f"{name} only works on arrays of {min_ndim} or more dimensions")
        return _split(ary, indices_or_sections, axis_of(np.ndim(ary)))
    split.__name__ = name
    split.__doc__ = f"""``np.{name}``: ``np.split`` along axis {axis_of(3)}{
        " (0 for 1-d arrays)" if name == "hsplit" else ""}.

    >>> import numpy as np, optad
    >>> [p.shape for p in np.{name}(np.zeros((4, 4, 4)), 2)]
    {[tuple(2 if k == axis_of(3) else 4 for k in range(3))] * 2}
    """
    return implements(getattr(np, name))(split)


_hsplit = _split_along("hsplit", 1, lambda ndim: 1 if ndim > 1 else 0)
_vsplit = _split_along("vsplit", 2, lambda ndim: 0)
_dsplit = _split_along("dsplit", 3, lambda ndim: 2)


# --- flips and rotations -------------------------------------------------------------------
@implements(np.flipud)
def _flipud(m):
    """``np.flipud``: ``m[::-1]``, a view.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.flipud(x)[0])(np.arange(3.0))
    array([0., 0., 1.])
    """
    if np.ndim(m) < 1:
        raise ValueError("Input must be >= 1-d.")
    return m[::-1, ...]


@implements(np.fliplr)
def _fliplr(m):
    """``np.fliplr``: ``m[:, ::-1]``, a view.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.fliplr(x)[0, 0])(np.ones((2, 2)))
    array([[0., 1.],
           [0., 0.]])
    """
    if np.ndim(m) < 2:
        raise ValueError("Input must be >= 2-d.")
    return m[:, ::-1]


@implements(np.rot90)
def _rot90(m, k=1, axes=(0, 1)):
    """``np.rot90``: ``k`` quarter turns from ``axes[0]`` towards ``axes[1]`` (flips and a
    transpose, as in NumPy).

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.rot90(x)[0, 0])(np.ones((2, 2)))
    array([[0., 1.],
           [0., 0.]])
    """
    axes, ndim = tuple(axes), np.ndim(m)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == ndim:
        raise ValueError("Axes must be different.")
    if not all(-ndim <= a < ndim for a in axes):
        raise ValueError(f"Axes={axes} out of range for array of ndim={ndim}.")
    k %= 4
    if k == 0:
        return m[:]
    if k == 2:
        return np.flip(np.flip(m, axes[0]), axes[1])
    order = list(range(ndim))
    order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
    if k == 1:
        return np.transpose(np.flip(m, axes[1]), order)
    return np.flip(np.transpose(m, order), axes[1])


# --- adding and removing entries -------------------------------------------------------------
@implements(np.append)
def _append(arr, values, axis=None):
    """``np.append``: ``np.concatenate`` of the two (both flattened when ``axis`` is None).

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.sum(np.append(x, x[:1]) ** 2))(np.ones(2))
    array([4., 2.])
    """
    if axis is None:
        arr = arr if np.ndim(arr) == 1 else np.ravel(arr)
        values, axis = np.ravel(values), np.ndim(arr) - 1
    return np.concatenate((arr, values), axis=axis)


def _plain_index(name, obj):
    if _holds_derivative(obj):
        raise NotDifferentiableError(f"np.{name}'s obj (the positions) was a traced value: "
                                     f"positions cannot carry derivatives.")
    return _read(obj)


@implements(np.insert)
def _insert(arr, obj, values, axis=None):
    """``np.insert`` with ``obj`` an int, a slice or a sequence, ``values`` plain or traced.

    NumPy's insert of labels says where each entry of ``arr`` and of ``values`` lands.

    >>> import numpy as np, optad
    >>> float(optad.grad(lambda v: np.sum(np.insert(np.ones(3), [0, 2], v) * np.arange(5.0)))(1.0))
    3.0
    """
    obj = _plain_index("insert", obj)
    if carries_derivative(values) and not isinstance(arr, Traced) and (
            np.asarray(arr).dtype.kind not in "fc"):
        raise NotDifferentiableError(
            "np.insert into a plain integer array casts the inserted values to integers, "
            "which drops their derivative; insert into arr.astype(float) instead.")
    size = np.size(arr)
    where = np.insert(_labels(np.shape(arr)), obj, size + _labels(np.shape(values)), axis=axis)
    return np.concatenate([np.ravel(arr), np.ravel(values)])[where]


@implements(np.delete)
def _delete(arr, obj, axis=None):
    """``np.delete`` with ``obj`` an int, a slice, a sequence or a boolean mask.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.sum(np.delete(x, 1)))(np.ones(3))
    array([1., 0., 1.])
    """
    obj = _plain_index("delete", obj)
    return np.ravel(arr)[np.delete(_labels(np.shape(arr)), obj, axis=axis)]


# --- grids and selection -------------------------------------------------------------------
@implements(np.meshgrid)
def _meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """``np.meshgrid`` of traced (or mixed) 1-d inputs, NumPy's code on traced values.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.sum(np.meshgrid(x, np.arange(3.0))[0]))(np.ones(2))
    array([3., 3.])
    """
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    ones = (1,) * ndim
    output = [np.reshape(x, ones[:i] + (-1,) + ones[i + 1:]) for i, x in enumerate(xi)]
    if indexing == "xy" and ndim > 1:   # the first two axes swap
        output[0] = np.reshape(output[0], (1, -1) + ones[2:])
        output[1] = np.reshape(output[1], (-1, 1) + ones[2:])
    if not sparse:
        output = np.broadcast_arrays(*output)
    if copy:
        output = [np.copy(x) for x in output]
    # a list or a tuple, as the running NumPy returns (it changed between releases)
    kind = type(np.meshgrid(*([np.zeros(1)] * ndim), copy=copy, sparse=sparse, indexing=indexing))
    return kind(output)


@implements(np.select)
def _select(condlist, choicelist, default=0):
    """``np.select``: the first choice whose condition holds, else ``default``; a chain of
    ``np.where``, so an entry's derivative flows only to the choice it took (the others
    contribute exactly 0, also where their slope is infinite or NaN).

    >>> import numpy as np, optad
    >>> f = lambda x: np.sum(np.select([x < 0, x < 2], [-x, x ** 2], default=np.sqrt(np.abs(x))))
    >>> optad.grad(f)(np.array([-1.0, 1.0, 4.0]))
    array([-1.  ,  2.  ,  0.25])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    for i, cond in enumerate(condlist):
        if carries_derivative(cond) or np.result_type(peek(cond)) != bool:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    result = default
    for cond, choice in zip(condlist[::-1], choicelist[::-1]):
        result = np.where(cond, choice, result)
    if not isinstance(result, Traced):
        result = np.asarray(result)
    return result
