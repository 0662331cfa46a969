"""The methods of ufuncs on traced values: ``reduce``, ``accumulate``, ``outer``, ``reduceat``.

Each is written with traced operations that already have rules, so it needs no rule of
its own (and its second derivatives come for free):

* ``reduce``: ``np.add`` / ``np.multiply`` / ``np.maximum`` / ``np.minimum`` are
  ``np.sum`` / ``np.prod`` / ``np.max`` / ``np.min`` (with NumPy's default ``axis=0``, and
  ``keepdims``, ``initial``, ``where``); ``np.logaddexp(2)`` is the shifted log-sum-exp
  ``m + log Σ exp(x - m)`` (``m`` the plain maximum: the shift cancels in the
  derivative); any other binary ufunc with a rule is the left fold NumPy computes,
  ``f(...f(f(x0, x1), x2)..., xn)``.
* ``accumulate``: ``np.add`` is ``np.cumsum``; ``np.maximum`` / ``np.minimum`` gather the
  running extreme, so its adjoint goes to the element that is the extreme so far (the
  first one, at ties, as ``argmax``); other binary ufuncs are the running fold.
* ``outer``: ``f.outer(a, b) = f(a[..., None, ...], b)``, broadcasting.
* ``reduceat``: the reduce of each slice ``x[i_k:i_{k+1}]`` (``x[i_k]`` where
  ``i_k >= i_{k+1}``), for add, multiply, maximum and minimum.

Ufuncs whose derivative is 0 wherever it exists (comparisons, ``floor``...) run their
methods on the plain values. ``ufunc.at`` lives with indexing (:mod:`optad.dispatch`).
Anything else is refused with what to write instead.

>>> import numpy as np, optad
>>> optad.grad(lambda x: np.sum(np.maximum.accumulate(x)))(np.array([1.0, 3.0, 2.0, 4.0]))
array([1., 2., 0., 1.])
"""

import functools

import numpy as np

from ..engine import Traced, value_of
from ..traced import data_of, peek, plain
from ..errors import UnsupportedFunctionError
from ..primitive import UFUNC_PRIMITIVES
from .elementwise import PIECEWISE_CONSTANT
from .reductions import _NO, float_dtype

__all__ = ["ufunc_method", "method_names"]

# reduce by the reduction function of the same meaning (which honours every keyword)
_REDUCTIONS = {np.add: np.sum, np.multiply: np.prod, np.maximum: np.max, np.minimum: np.min}
# ufunc.at: recorded as a scatter, in optad.dispatch
AT = (np.add, np.subtract)


def _binary(ufunc):
    """A binary ufunc (not a generalized one such as matmul) whose call works on traced
    values: it has a rule, or is piecewise constant."""
    return (isinstance(ufunc, np.ufunc) and ufunc.nin == 2 and ufunc.nout == 1
            and ufunc.signature is None
            and (ufunc in UFUNC_PRIMITIVES or ufunc in PIECEWISE_CONSTANT))


def method_names(ufunc):
    """The methods of ``ufunc`` that work on traced values (for :func:`optad.supported`).

    >>> method_names(np.add)
    ('reduce', 'accumulate', 'outer', 'reduceat', 'at')
    >>> method_names(np.sin)
    ()
    """
    if not _binary(ufunc):
        return ()
    prim = UFUNC_PRIMITIVES.get(ufunc)
    if prim is not None and prim.partials and any(getattr(p, "refuses", False)
                                                  for p in prim.partials):
        return ()   # a fold or an outer product feeds traced values to a refused argument
    names = ("reduce", "accumulate", "outer")
    if ufunc in PIECEWISE_CONSTANT:
        # run on the plain values: what NumPy itself does with floats (np.greater.reduce
        # has no float loop: its output is boolean)
        names = tuple(m for m in names + ("reduceat",) if _works_on_floats(ufunc, m))
    elif ufunc in _REDUCTIONS:
        names += ("reduceat",)
    if ufunc in AT:
        names += ("at",)
    return names


@functools.lru_cache(maxsize=None)
def _works_on_floats(ufunc, method):
    x = np.array([[0.5, 1.5], [2.5, 3.5]])
    args = {"reduce": (x,), "accumulate": (x,), "outer": (x, x), "reduceat": (x, [0, 1])}
    try:
        with np.errstate(all="ignore"):
            getattr(ufunc, method)(*args[method])
    except (TypeError, ValueError):
        return False
    return True


def _refuse(ufunc, method, how):
    return UnsupportedFunctionError(
        f"numpy.{ufunc.__name__}.{method} is not supported on traced values by optad. {how}")


def ufunc_method(ufunc, method, inputs, kwargs):
    """``ufunc.method(*inputs, **kwargs)`` on traced values (``method`` not ``__call__``).

    >>> import optad
    >>> optad.grad(lambda x: np.multiply.outer(x, x).sum())(np.array([1.0, 2.0]))
    array([6., 6.])
    """
    if ufunc in PIECEWISE_CONSTANT and method != "at":
        # derivative 0 wherever it exists: the method of the plain values is the answer
        return plain(getattr(ufunc, method), *inputs, **kwargs)
    if method == "outer":
        return _outer(ufunc, *inputs, **kwargs)
    if not _binary(ufunc):
        raise _refuse(ufunc, method,
                      f"Of its methods only calls np.{ufunc.__name__}(...) are; "
                      f"optad.supported() lists the ufunc methods that are."
                      if ufunc.nin == 1 or ufunc in UFUNC_PRIMITIVES else
                      f"np.{ufunc.__name__} itself has no differentiation rule.")
    if method == "reduce":
        return _reduce(ufunc, *inputs, **kwargs)
    if method == "accumulate":
        return _accumulate(ufunc, *inputs, **kwargs)
    if method == "reduceat":
        return _reduceat(ufunc, *inputs, **kwargs)
    raise _refuse(ufunc, method, "Write it with indexing and supported functions.")


# --- reduce ------------------------------------------------------------------------------
def _reduce(ufunc, a, axis=0, dtype=None, out=None, keepdims=False, initial=_NO, where=True):
    name = f"np.{ufunc.__name__}.reduce"
    float_dtype(name, dtype)
    if out is not None:
        raise _refuse(ufunc, "reduce", "with out=: write y = ... instead.")
    extra = {} if initial is _NO else {"initial": initial}
    if where is not True:
        extra["where"] = where
    if ufunc in _REDUCTIONS:
        return _REDUCTIONS[ufunc](a, axis=axis, keepdims=keepdims, **extra)
    # NumPy's own checks (the axis of a non-reorderable ufunc, an empty reduction without
    # identity) and the result's shape, from the plain values
    expected = ufunc.reduce(peek(a), axis=axis, keepdims=keepdims,     # (its shape only)
                            **{k: peek(v) for k, v in extra.items()})
    if np.size(expected) == 0:
        return expected
    if ufunc in (np.logaddexp, np.logaddexp2):
        return _logsumexp(ufunc, a, axis, keepdims, initial, where)
    if where is not True:
        raise _refuse(ufunc, "reduce", "with where=: select the entries first (x[mask]), or "
                                       "use np.add/np.multiply/np.maximum/np.minimum.reduce.")
    moved, axis = _along_first(a, axis)
    if np.shape(moved)[0] == 0:            # nothing to fold: the identity or initial
        return np.broadcast_to(initial, np.shape(expected)) + np.zeros(np.shape(expected))
    acc = moved[0] if initial is _NO else ufunc(initial, moved[0])
    for k in range(1, np.shape(moved)[0]):
        acc = ufunc(acc, moved[k])
    return np.reshape(acc, np.shape(expected)) if keepdims else acc


def _along_first(a, axis):
    """``a`` with the (single) reduced axis first; ``axis=None`` flattens (NumPy allows it
    for a non-reorderable ufunc only on 1-D input, already checked)."""
    if axis is None:
        return np.ravel(a), 0
    if isinstance(axis, tuple):
        axis = axis[0] if axis else 0
    axis = int(axis) % max(np.ndim(a), 1)
    return (a if axis == 0 else np.moveaxis(a, axis, 0)), axis


def _logsumexp(ufunc, a, axis, keepdims, initial, where):
    """logaddexp.reduce = m + log Σ exp(x - m), with m the plain maximum (a constant: the
    shift cancels in the derivative, and keeps exp from overflowing). Base 2 for
    logaddexp2. Masked entries are -inf (the identity); ``initial`` joins at the end."""
    exp, log = (np.exp, np.log) if ufunc is np.logaddexp else (np.exp2, np.log2)
    if where is not True:
        where = data_of(where)
        x = np.where(where if isinstance(where, Traced) else np.asarray(where), a, -np.inf)
    else:
        x = a
    data = data_of(x)       # (a constant shift: under optad.jit recomputed, not frozen)
    m = np.max(data, axis=axis, keepdims=True) if np.size(data) else np.zeros(())
    m = np.where(np.isfinite(m), m, 0.0)
    res = log(np.sum(exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        res = np.reshape(res, np.shape(np.sum(peek(x), axis=axis)))
    return res if initial is _NO else ufunc(res, initial)


# --- accumulate -------------------------------------------------------------------------
def _accumulate(ufunc, a, axis=0, dtype=None, out=None):
    float_dtype(f"np.{ufunc.__name__}.accumulate", dtype)
    if out is not None:
        raise _refuse(ufunc, "accumulate", "with out=: write y = ... instead.")
    expected = ufunc.accumulate(peek(a), axis=axis)   # NumPy's checks of the axis
    axis = int(axis) % max(np.ndim(a), 1)
    if ufunc is np.add:
        return np.cumsum(a, axis=axis)
    if ufunc in (np.maximum, np.minimum):
        return _running_extreme(ufunc, a, axis)
    moved = a if axis == 0 else np.moveaxis(a, axis, 0)
    if np.shape(moved)[0] == 0:
        return expected
    acc = [moved[0]]
    for k in range(1, np.shape(moved)[0]):
        acc.append(ufunc(acc[-1], moved[k]))
    res = np.stack(acc)
    return res if axis == 0 else np.moveaxis(res, 0, axis)


def _running_extreme(ufunc, a, axis):
    """maximum.accumulate(x)[k] = x[j_k], j_k the first index where the running maximum
    took its value: a gather, so the adjoint goes to the extreme so far (NaN propagates as
    in NumPy: from the first NaN on, j_k is that NaN). The indices are data (under
    optad.jit, recomputed on every replay)."""
    if np.shape(a)[axis] == 0:
        return ufunc.accumulate(peek(a), axis=axis)
    index = plain(_running_index, ufunc, a, axis)
    return np.take_along_axis(a, index, axis=axis)


def _running_index(ufunc, a, axis):
    """The indices j_k of :func:`_running_extreme`, from plain values."""
    extreme = ufunc.accumulate(a, axis=axis)
    moved = np.moveaxis(extreme, axis, -1)
    n = moved.shape[-1]
    prev, cur = moved[..., :-1], moved[..., 1:]
    changed = (cur != prev) & ~(np.isnan(cur) & np.isnan(prev))
    first = np.ones(moved.shape[:-1] + (1,), dtype=bool)
    start = np.concatenate([first, changed], axis=-1)
    index = np.maximum.accumulate(np.where(start, np.arange(n), 0), axis=-1)
    return np.moveaxis(index, -1, axis)


# --- outer and reduceat --------------------------------------------------------------------
def _outer(ufunc, a, b, **kwargs):
    """f.outer(a, b) = f(a reshaped to a.shape + (1,)*b.ndim, b): broadcasting."""
    if ufunc.nin != 2:
        raise ValueError("method outer is only supported for binary functions")
    a = a if isinstance(a, Traced) else np.asarray(a)
    b = b if isinstance(b, Traced) else np.asarray(b)
    return ufunc(np.reshape(a, np.shape(a) + (1,) * np.ndim(b)), b, **kwargs)


def _reduceat(ufunc, a, indices, axis=0, dtype=None, out=None):
    if ufunc not in _REDUCTIONS:
        raise _refuse(ufunc, "reduceat", "optad supports reduceat for np.add, np.multiply, "
                                         "np.maximum and np.minimum; reduce slices "
                                         f"(np.{ufunc.__name__}.reduce(x[i:j])) instead.")
    float_dtype(f"np.{ufunc.__name__}.reduceat", dtype)
    if out is not None:
        raise _refuse(ufunc, "reduceat", "with out=: write y = ... instead.")
    ufunc.reduceat(peek(a), indices, axis=axis)          # NumPy's checks of the indices
    axis = int(axis) % max(np.ndim(a), 1)
    indices = [int(i) for i in np.ravel(indices)]
    n = np.shape(a)[axis]
    pieces = []
    for k, start in enumerate(indices):
        stop = indices[k + 1] if k + 1 < len(indices) else n
        where = [slice(None)] * np.ndim(a)
        if start < stop:
            where[axis] = slice(start, stop)
            pieces.append(_REDUCTIONS[ufunc](a[tuple(where)], axis=axis, keepdims=True))
        else:                                 # NumPy's rule: the single entry x[start]
            where[axis] = slice(start, start + 1)
            pieces.append(a[tuple(where)])
    return np.concatenate(pieces, axis=axis)
