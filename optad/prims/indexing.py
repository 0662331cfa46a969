"""Indexing: reading (``x[key]``), scatter-adding (its adjoint) and functional writes.

``getitem`` and ``untake`` are each other's adjoint: reading ``x[key]`` sends the adjoint
back by adding it at ``key`` into zeros of ``x``'s shape (``np.add.at``, so repeated
indices add up), and the adjoint of that scatter is reading again. Writing
``y[key] = v`` on a traced ``y`` is recorded as ``y_new = setitem(y_old, key, v)``, a
new value, so the tape never sees a mutation.
"""

import numpy as np

from ..engine import Traced, bind, value_of
from ..traced import data_of, decide, is_jit, peek
from ..errors import NotDifferentiableError
from ..primitive import Primitive, Speed, Variadic
from . import shape as shape_prims
from .declare import implements, no_out


def normalize_key(key):
    """A hashable-enough, plain index: lists become arrays; traced indices are refused,
    except the plain data of ``optad.jit`` (an index computed from its inputs, such as
    ``np.argmax(x)``, which the program recomputes on every replay)."""
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for p in parts:
        if isinstance(p, Traced) and not is_jit(p):
            raise NotDifferentiableError(
                "An index was a traced value: indices cannot carry derivatives. Compute the "
                "index from plain values (e.g. np.argmax(x) gives a plain int), or use "
                "optad.stop_gradient(i)."
            )
        if isinstance(p, list):
            p = np.asarray(p)
        out.append(p)
    return tuple(out) if isinstance(key, tuple) else out[0]


def is_advanced(key):
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(p, np.ndarray) or (isinstance(p, Traced) and isinstance(
        peek(p), np.ndarray)) for p in parts)


# --- keys holding optad.jit's traced indices ---------------------------------------------
# An index array computed from the inputs of a jitted function (an argsort permutation, an
# argmax) is a traced value of the jit. Inside a key (a tuple) no trace would see it, so
# such keys travel as a template plus the traced parts as positional arguments: every
# trace then sees them, and the jit records them as arguments of the step.
class _Slot:
    """Where the i-th traced part goes in a key template."""

    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i

    def __repr__(self):
        return f"<part {self.i}>"


def split_key(key):
    """``(template, parts)`` for a key with traced (jit) parts, or None for a plain key."""
    if type(key) is slice or type(key) is int:
        return None
    parts = key if isinstance(key, tuple) else (key,)
    if not any(isinstance(p, Traced) for p in parts):
        return None
    traced_parts = []
    tmpl = []
    for p in parts:
        if isinstance(p, Traced):
            tmpl.append(_Slot(len(traced_parts)))
            traced_parts.append(data_of(p))
        else:
            tmpl.append(p)
    return (tuple(tmpl) if isinstance(key, tuple) else tmpl[0]), traced_parts


def fill_key(tmpl, parts):
    """The key ``split_key`` took apart."""
    if type(tmpl) is tuple:
        return tuple(parts[p.i] if type(p) is _Slot else p for p in tmpl)
    return parts[tmpl.i] if type(tmpl) is _Slot else tmpl


def _first_only(rule):
    return Variadic(lambda k: rule if k == 0 else None)


getitem_dyn = Primitive(
    "getitem", lambda x, tmpl, *parts: x[fill_key(tmpl, parts)],
    vjps=_first_only(lambda g, ans, x, tmpl, *parts:
                     bind(untake_dyn, (g, tmpl, np.shape(x), *parts), {})),
    jvps=_first_only(lambda t, ans, x, tmpl, *parts: bind(getitem_dyn, (t, tmpl, *parts), {})),
    complex_safe=True, explain=("{0}[...]", ("1",)))
untake_dyn = Primitive(
    "untake", lambda g, tmpl, shape, *parts: _untake_impl(g, fill_key(tmpl, parts), shape),
    vjps=_first_only(lambda g, ans, x, tmpl, shape, *parts:
                     bind(getitem_dyn, (g, tmpl, *parts), {})),
    jvps=_first_only(lambda t, ans, x, tmpl, shape, *parts:
                     bind(untake_dyn, (t, tmpl, shape, *parts), {})),
    complex_safe=True, explain=("scatter({0})", ("1",)))


def _untake_impl(g, key, shape):
    out = np.zeros(shape, dtype=np.result_type(g, np.float64))
    if is_advanced(key):
        np.add.at(out, key, g)   # repeated indices accumulate
    else:
        out[key] = g             # basic indices never repeat: a plain write is enough
    return out


def _scatter_into(buf, g, key):
    if type(key) is slice:          # the common case (x[1:], x[:-1]): a view, added into
        view = buf[key]
        np.add(view, g, out=view)
    elif is_advanced(key):
        np.add.at(buf, key, g)      # unbuffered: repeated indices accumulate
    else:
        # Basic indices never repeat. Adding into the view skips the copy back that
        # `buf[key] += g` makes; a single element (a scalar, not a view) is written.
        view = buf[key]
        if type(view) is np.ndarray:
            np.add(view, g, out=view)
        else:
            buf[key] = view + g


def _scatter_fresh(buf, g, key):
    """Write g at key into the uninitialized buf, zeros elsewhere."""
    if type(key) is slice and buf.ndim:
        start, stop, step = key.indices(buf.shape[0])
        if step == 1:
            # x[a:b]: copy g in and zero only the rest (one pass over buf, not two).
            buf[:start] = 0.0
            buf[max(stop, start):] = 0.0
            buf[start:stop] = g
            return
    buf.fill(0.0)
    _scatter_into(buf, g, key)


untake = Primitive(
    "untake", _untake_impl,
    vjps=(lambda g, ans, x, key, shape: getitem_raw(g, key),),
    jvps=(lambda t, ans, x, key, shape: bind(untake, (t, key, shape), {}),),
    entry_map=True, complex_safe=True, explain=("scatter({0})", ("1",)), needs=((1, 2),))


def getitem_raw(x, key):
    split = split_key(key)
    if split is not None:
        return bind(getitem_dyn, (x, split[0], *split[1]), {})
    return bind(getitem_prim, (x, key), {})


getitem_prim = Primitive(
    "getitem", lambda x, key: x[key],
    vjps=(lambda g, ans, x, key: bind(untake, (g, key, np.shape(x)), {}), None),
    jvps=(lambda t, ans, x, key: getitem_raw(t, key), None),
    entry_map=True, complex_safe=True, explain=("{0}[{1}]", (("slice:[{1}]", "1"), None)), needs=((1,), ()),
    speed=Speed(scatter=lambda buf, g, fresh, x, key:
                (_scatter_fresh if fresh else _scatter_into)(buf, g, key)))


def getitem(x, key):
    """``x[key]`` on a traced ``x`` (basic and advanced indexing)."""
    return getitem_raw(x, normalize_key(key))


def _setitem_impl(x, key, v):
    y = np.array(x, dtype=np.result_type(x, np.float64), copy=True)
    y[key] = v
    return y


def _setitem_jvp(tangents, ans, x, key, v):
    tx, tv = tangents[0], tangents[2]
    base = np.zeros(np.shape(x), dtype=np.result_type(peek(x), np.float64)) if tx is None else tx
    return bind(setitem_prim, (base, key, 0.0 if tv is None else tv), {})


setitem_prim = Primitive(
    "setitem", _setitem_impl,
    vjps=(lambda g, ans, x, key, v: bind(setitem_prim, (g, key, 0.0), {}),
          None,
          lambda g, ans, x, key, v: getitem_raw(g, key)),
    jvp_joint=_setitem_jvp,
    entry_map=True, complex_safe=True, explain=("{0} with [{1}] = {2}", ("1 off [{1}]", None, ("1", "slice:[{1}]"))), needs=((1,), (), (1,)))


def _setitem_dyn_impl(x, v, tmpl, *parts):
    return _setitem_impl(x, fill_key(tmpl, parts), v)


def _zeros_of(x):
    return np.zeros(np.shape(x), dtype=np.result_type(peek(x), np.float64))


setitem_dyn = Primitive(
    "setitem", _setitem_dyn_impl,
    vjps=Variadic(lambda k: (lambda g, ans, x, v, tmpl, *parts:
                             bind(setitem_dyn, (g, 0.0, tmpl, *parts), {})) if k == 0 else
                  (lambda g, ans, x, v, tmpl, *parts:
                   bind(getitem_dyn, (g, tmpl, *parts), {})) if k == 1 else None),
    jvps=Variadic(lambda k: (lambda t, ans, x, v, tmpl, *parts:
                             bind(setitem_dyn, (t, 0.0, tmpl, *parts), {})) if k == 0 else
                  (lambda t, ans, x, v, tmpl, *parts:
                   bind(setitem_dyn, (_zeros_of(x), t, tmpl, *parts), {})) if k == 1 else None),
    complex_safe=True, explain=("{0} with [...] = {1}", ("1 off [...]", "1")))


def setitem(x, key, v):
    """The value of ``x`` after ``x[key] = v``, recorded as a new value.

    Where integer indices repeat, NumPy keeps the last write to each element (also for
    ``y[idx] += v``, which Python runs as a read, an add and this write); the recorded
    write keeps exactly those, so the gradient goes only to the values NumPy kept.
    """
    key = normalize_key(key)
    split = split_key(key)
    if split is not None:
        tmpl, parts = split
        if all(np.result_type(peek(p)) == bool for p in parts):
            # masks computed from a jitted function's inputs: never a repeated write
            return bind(setitem_dyn, (x, v, tmpl, *parts), {})
        # Integer indices computed from a jitted function's inputs: where none repeats (a
        # permutation, an argmax) the write is a recomputed step, and only "none repeats"
        # is a guard; where some do, which writes win depends on their values, read here
        # (a guard on the indices: a repeated write at changing indices traces again).
        if any(isinstance(p, Traced) for p in parts):
            shape = np.shape(peek(x))
            if not decide(lambda *ps: _last_writes(shape, fill_key(tmpl, ps)) is not None,
                          *parts):
                return bind(setitem_dyn, (x, v, tmpl, *parts), {})
        key = fill_key(tmpl, [value_of(p) for p in parts])
    kept = _last_writes(np.shape(peek(x)), key)
    if kept is None:
        return bind(setitem_prim, (x, key, v), {})
    positions, picks, selection_shape = kept
    if isinstance(v, Traced):
        if np.shape(peek(v)) != selection_shape:
            v = bind(shape_prims.broadcast_to, (v,), {"shape": selection_shape})
        v = bind(shape_prims.reshape, (v,), {"shape": (int(np.prod(selection_shape)),)})
        v = getitem_raw(v, picks)
    else:
        v = np.broadcast_to(v, selection_shape).reshape(-1)[picks]
    shape = np.shape(peek(x))
    flat = bind(shape_prims.reshape, (x,), {"shape": (int(np.prod(shape)),)})
    flat = bind(setitem_prim, (flat, positions, v), {})
    return bind(shape_prims.reshape, (flat,), {"shape": shape})


def _last_writes(shape, key):
    """For a write ``x[key] = v`` whose integer indices repeat: the flat positions written,
    which element of the selection (in C order) each one keeps, and the selection's
    shape; None when no element is written twice."""
    parts = key if isinstance(key, tuple) else (key,)
    if not any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts):
        return None         # basic indices, slices and masks never write an element twice
    selected = np.arange(int(np.prod(shape))).reshape(shape)[key]
    flat = selected.reshape(-1)
    # The last write wins: the first occurrence of each position in the reversed order.
    positions, first_reversed = np.unique(flat[::-1], return_index=True)
    if positions.size == flat.size:
        return None
    return positions, flat.size - 1 - first_reversed, selected.shape


@implements(np.take)
def _take(a, indices, axis=None, out=None, mode="raise"):
    no_out("np.take", out)
    indices = data_of(indices) if isinstance(indices, Traced) else np.asarray(indices)
    n = int(np.size(a)) if axis is None else np.shape(a)[axis]
    if mode == "wrap":
        indices = indices % n
    elif mode == "clip":
        indices = np.clip(indices, 0, n - 1)   # (NumPy's clip mode: no negative indices)
    elif mode != "raise":
        raise ValueError(f"np.take: mode must be 'raise', 'wrap' or 'clip'; got {mode!r}.")
    if axis is None:
        return getitem(np.ravel(a), indices)
    index = [slice(None)] * np.ndim(a)
    index[axis] = indices
    return getitem(a, tuple(index))


@implements(np.take_along_axis)
def _take_along_axis(arr, indices, axis):
    if axis is None:
        arr, axis = np.ravel(arr), 0
    indices = data_of(indices) if isinstance(indices, Traced) else np.asarray(indices)
    if indices.ndim == np.ndim(arr):
        # NumPy broadcasts the index against arr on every axis but `axis`: so must the
        # grid, or a (1, k) index of a (n, k) array would take only the first row.
        axis = axis % indices.ndim
        arr_shape, idx_shape = list(np.shape(arr)), list(indices.shape)
        arr_shape[axis] = idx_shape[axis] = 1
        shape = list(np.broadcast_shapes(tuple(arr_shape), tuple(idx_shape)))
        shape[axis] = indices.shape[axis]
        indices = np.broadcast_to(indices, tuple(shape))
    grid = list(np.indices(indices.shape, sparse=True))
    grid[axis] = indices
    return getitem(arr, tuple(grid))


@implements(np.sort)
def _sort(a, axis=-1, kind=None, order=None, stable=None):
    if axis is None:
        a, axis = np.ravel(a), 0
    # The permutation is data: under optad.jit it is recomputed on every replay.
    return np.take_along_axis(a, np.argsort(data_of(a), axis=axis), axis)
