"""Writes into traced arrays, with NumPy's view semantics.

optad never mutates a recorded value: ``y[key] = v`` records ``y_new = setitem(y, key, v)``
and rebinds the object ``y`` to it, so every name for ``y`` sees the write, as in NumPy.
NumPy also carries a write into every array that shares the memory:

* a write into a view reaches the array it views (``v = y[:2]; v[0] = 5`` changes ``y``);
* a view taken before a write sees it (``v = y[:2]; y[0] = 5`` changes ``v``).

optad follows both. A traced array that NumPy would have made a view (basic indexing,
reshape and ravel when they do not copy, transpose, broadcast_to, diagonal) knows its
base and how it was taken (``_base``, ``_how``; :func:`~optad.traced.is_view`). A write
into a view is written back into its base; after a write into an array, each of its
live views is taken again from the new value. The links are object references (weak
from a base to its views), never reference counts, so this holds on every interpreter.

A write whose right side is a view overlapping the written region (``d[::2] = d[:5]``)
is refused: NumPy may read elements it has already overwritten, so its result depends
on memory order.

>>> import numpy as np, optad
>>> def f(x):
...     y = x * 1.0
...     v = y[:2]          # a view of y
...     y[0] = 5.0         # NumPy's v sees this write; so does optad's
...     return np.sum(v ** 2)
>>> value, gradient = optad.value_and_grad(f)(np.array([1.0, 2.0, 3.0]))
>>> float(value), gradient
(29.0, array([0., 4., 0.]))
"""

import weakref

import numpy as np

from .errors import ViewWriteError
from .traced import TracedArray, is_view, value_of, peek

__all__ = ["make_view", "write", "check_source"]

# How a view was taken, as (kind, argument); the functions below take it again from a
# new base value (`_retake`) and carry a write into the view back to the base (`_back`).
GETITEM, RESHAPE, TRANSPOSE, READONLY = "getitem", "reshape", "transpose", "readonly"
#: a view a write cannot be carried back through (arg: (retake, the function's name))
NO_WRITE_BACK = "no write-back"


def make_view(base, out, kind, arg):
    """``out``, just computed from ``base`` by an operation NumPy answers with a view, made
    a view of ``base``; for ``READONLY`` views ``arg`` is a function that takes the view
    again from a new value of the base."""
    if not isinstance(base, TracedArray) or not isinstance(out, TracedArray):
        return out          # a plain base (no traced write can reach it), or a scalar result
    return slice_view(base, out, (kind, arg))


def slice_view(base, out, how):
    """:func:`make_view` for a traced array ``base`` (the caller checked), ``how`` as the
    pair (kind, argument): the path of ``x[1:]``, kept short."""
    if not isinstance(out, TracedArray):
        return out          # x[0] of a vector: a scalar, a copy
    out._base = base
    out._how = how
    registry = base._trace.views_of
    refs = registry.get(id(base))
    if refs is None:
        registry[id(base)] = [weakref.ref(out)]
    else:
        refs.append(weakref.ref(out))
    return out


def write(target, new):
    """Make the traced array ``target`` hold ``new`` (a value of its shape), as NumPy's
    in-place write would: through to its base if it is a view, then into every live view."""
    base = getattr(target, "_base", None)
    if base is not None:
        base_new = _back(base, target._how, new)
        write(base, base_new)        # also takes `target` again, as one of base's views
        return
    _rebind(target, new)
    _refresh(target)


def _rebind(obj, new):
    old_trace = obj._trace
    obj._value, obj._trace, obj._aux = new._value, new._trace, new._aux
    if new._trace is not old_trace:
        # A write of an inner transform's value into an outer array: the object now
        # belongs to the inner trace, and so does the list of its views.
        refs = old_trace.views_of.pop(id(obj), None)
        if refs:
            new._trace.views_of.setdefault(id(obj), []).extend(refs)


def _refresh(obj):
    """Take every live view of ``obj`` again from its current value (and theirs, in turn)."""
    registry = obj._trace.views_of
    refs = registry.get(id(obj))
    if not refs:
        return
    alive = []
    for ref in refs:
        view = ref()
        if view is None:
            continue
        alive.append(ref)
        _rebind(view, _retake(obj, view._how))
        _refresh(view)
    registry[id(obj)] = alive


def _retake(base, how):
    from .prims import indexing, shape

    kind, arg = how
    if kind == GETITEM:
        return indexing.getitem_raw(base, arg)
    if kind == RESHAPE:
        return shape.reshape(base, shape=arg)
    if kind == TRANSPOSE:
        return shape.transpose(base, axes=arg)
    if kind == NO_WRITE_BACK:
        return arg[0](base)
    return arg(base)


def _back(base, how, new):
    """The base's value after ``new`` was written into its view taken by ``how``."""
    from .prims import indexing, shape

    kind, arg = how
    if kind == GETITEM:
        return indexing.setitem(base, arg, new)
    if kind == RESHAPE:
        return shape.reshape(new, shape=np.shape(peek(base)))
    if kind == TRANSPOSE:
        return shape.transpose(new, axes=tuple(int(a) for a in np.argsort(arg)))
    if kind == NO_WRITE_BACK:
        raise ViewWriteError(
            f"A write into the result of {arg[1]}, which NumPy returns here as a view of its "
            f"operand: optad cannot carry the write back into the operand.\nWrite into the "
            f"operand instead, or write into a copy (y = {arg[1]}(...).copy()).")
    raise ValueError("assignment destination is read-only")   # NumPy's words


def _root(obj):
    while True:
        base = getattr(obj, "_base", None)
        if base is None:
            return obj
        obj = base


def check_source(target, key, value):
    """Whether ``target[key] = value`` can be recorded as it stands.

    Returns False for a write that changes nothing (``x[1:] = v`` where ``v`` is still
    the view ``x[1:]``: what Python does after ``x[1:] += y``); raises
    :class:`ViewWriteError` when ``value`` is a view overlapping the written region;
    True otherwise.
    """
    if not is_view(value) or _root(value) is not _root(target):
        return True
    if value._base is target and value._how[0] == GETITEM and _same_basic_key(value._how[1], key):
        return False
    region = peek(target)       # (memory: which elements overlap)
    parts = key if isinstance(key, tuple) else (key,)
    if not any(isinstance(p, np.ndarray) for p in parts):
        region = region[key]     # basic indexing: exactly the memory written
    if np.may_share_memory(np.asarray(region), np.asarray(peek(value))):
        raise ViewWriteError(
            "The right side of this write is a view of the array being written, and the two "
            "overlap: NumPy may read elements it has already overwritten, so the result "
            "depends on memory order.\nCopy the right side first: y[key] = v.copy()."
        )
    return True


def _same_basic_key(a, b):
    if isinstance(a, tuple) != isinstance(b, tuple):
        return False
    pa = a if isinstance(a, tuple) else (a,)
    pb = b if isinstance(b, tuple) else (b,)
    if len(pa) != len(pb):
        return False
    for x, y in zip(pa, pb):
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray) or type(x) is not type(y):
            return False
        if x != y:
            return False
    return True

