"""Shape primitives: reshape, transpose, broadcast_to, concatenate and what is built on them.

Their rules only move numbers around, so each adjoint is the inverse movement:
reshape back, transpose with the inverse permutation, slice the concatenation apart.
``broadcast_to``'s adjoint is the identity: the engine sums broadcast axes back.
"""

import numpy as np

from .. import views
from ..engine import Traced, bind, value_of
from ..primitive import Primitive, Variadic
from ..traced import TracedArray, peek, plain
from .declare import implements, no_out

NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"   # np.broadcast_arrays: a tuple, else a list

reshape = Primitive(
    "reshape", lambda x, shape: np.reshape(x, shape),
    vjps=(lambda g, ans, x, shape: np.reshape(g, np.shape(x)),),
    jvps=(lambda t, ans, x, shape: np.reshape(t, shape),),
    entry_map=True, complex_safe=True, explain=("reshape({0})", ("1",)), needs=((),))


def _inverse_permutation(axes):
    return tuple(np.argsort(axes))


transpose = Primitive(
    "transpose", lambda x, axes: np.transpose(x, axes),
    vjps=(lambda g, ans, x, axes: np.transpose(g, _inverse_permutation(axes)),),
    jvps=(lambda t, ans, x, axes: np.transpose(t, axes),),
    entry_map=True, complex_safe=True, explain=("{0}ᵀ", ("1",)), needs=((),))

broadcast_to = Primitive(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    vjps=(lambda g, ans, x, shape: g,),
    jvps=(lambda t, ans, x, shape: np.broadcast_to(t, shape),),
    entry_map=True, complex_safe=True, explain=("broadcast({0})", ("1",)), needs=((),))


# copy: the identity on values (optad never mutates a recorded value), but a new node, so
# that writing into the copy (recorded as a new value) leaves the original alone.
copy = Primitive(
    "copy", lambda x: x,
    vjps=(lambda g, ans, x: g,), jvps=(lambda t, ans, x: t,),
    entry_map=True, complex_safe=True, explain=("copy({0})", ("1",)), needs=((),))


def _concat_impl(*arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


def _concat_vjp(k):
    def rule(g, ans, *arrays, axis=0):
        sizes = [np.shape(a)[axis] for a in arrays]
        start = sum(sizes[:k])
        index = [slice(None)] * np.ndim(ans)
        index[axis] = slice(start, start + sizes[k])
        return g[tuple(index)]
    return rule


def _concat_jvp(tangents, ans, *arrays, axis=0):
    parts = [np.zeros(np.shape(a)) if t is None else np.broadcast_to(t, np.shape(a))
             for t, a in zip(tangents, arrays)]
    return np.concatenate(parts, axis=axis)


def _concat_placement(k, *arrays, axis=0):
    """Where input k sits in the output, for the explain view: w̄[2:4], w̄[:, 0:3]."""
    start = sum(np.shape(a)[axis] for a in arrays[:k])
    stop = start + np.shape(arrays[k])[axis]
    axis = axis % max(len(np.shape(arrays[k])), 1)
    return "slice:[" + ", ".join([":"] * axis + [f"{start}:{stop}"]) + "]"


concatenate = Primitive("concatenate", _concat_impl, vjps=Variadic(_concat_vjp),
                        jvp_joint=_concat_jvp, entry_map=True, complex_safe=True, explain=("concat", _concat_placement),
                        needs=Variadic(lambda k: ()))


def _normalize_shape(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


@implements(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    shape = _normalize_shape(shape if shape is not None else newshape)
    size = int(np.size(a))
    if -1 in shape:  # resolve -1 so the rules see a concrete shape
        known = int(np.prod([s for s in shape if s != -1]))
        shape = tuple(size // known if s == -1 else s for s in shape)
    return _reshaped(a, shape)


def _reshaped(a, shape, contiguous_only=False):
    out = bind(reshape, (a,), {"shape": shape})
    # NumPy answers with a view unless it had to copy (a transposed array, say); the
    # values under a traced array have NumPy's own layout, so their memory tells which.
    # ravel copies anything that is not C-contiguous, even where a reshape would not.
    # (memory layout, not data: the jit's signature holds the strides of its inputs)
    if isinstance(a, TracedArray) and np.may_share_memory(peek(out), peek(a)) and (
            not contiguous_only or np.asarray(peek(a)).flags.c_contiguous):
        return views.make_view(a, out, views.RESHAPE, shape)
    return out


@implements(np.ravel)
def _ravel(a, order="C"):
    return _reshaped(a, (int(np.size(a)),), contiguous_only=True)


@implements(np.transpose)
def _transpose(a, axes=None):
    ndim = np.ndim(a)
    axes = tuple(range(ndim))[::-1] if axes is None else tuple(int(x) % ndim for x in axes)
    return views.make_view(a, bind(transpose, (a,), {"axes": axes}), views.TRANSPOSE, axes)


@implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    axes = list(range(np.ndim(a)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return np.transpose(a, axes)


@implements(np.moveaxis)
def _moveaxis(a, source, destination):
    ndim = np.ndim(a)
    src = [s % ndim for s in np.atleast_1d(source)]
    dst = [d % ndim for d in np.atleast_1d(destination)]
    order = [k for k in range(ndim) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return np.transpose(a, order)


@implements(np.expand_dims)
def _expand_dims(a, axis):
    shape = list(np.shape(a))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = len(shape) + len(axes)
    for ax in sorted(x % ndim for x in axes):
        shape.insert(ax, 1)
    return np.reshape(a, shape)


@implements(np.squeeze)
def _squeeze(a, axis=None):
    shape = np.shape(a)
    if axis is None:
        keep = [d for d in shape if d != 1]
    else:
        axes = {x % len(shape) for x in ((axis,) if isinstance(axis, (int, np.integer)) else axis)}
        for ax in axes:
            if shape[ax] != 1:
                raise ValueError(f"cannot squeeze axis {ax} of size {shape[ax]}")
        keep = [d for k, d in enumerate(shape) if k not in axes]
    return np.reshape(a, keep)


@implements(np.broadcast_to)
def _broadcast_to(array, shape, subok=False):
    shape = _normalize_shape(shape)
    if np.shape(array) == shape:
        return array
    out = bind(broadcast_to, (array,), {"shape": shape})
    return views.make_view(array, out, views.READONLY,
                           lambda base: bind(broadcast_to, (base,), {"shape": shape}))


@implements(np.broadcast_arrays)
def _broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    out = [np.broadcast_to(a, shape) for a in args]
    return tuple(out) if NUMPY2 else out   # NumPy's container on each version


@implements(np.concatenate)
def _concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = tuple(arrays)
    if axis is None:
        arrays = tuple(np.ravel(a) for a in arrays)
        axis = 0
    axis = int(axis) % max(np.ndim(arrays[0]), 1)
    return bind(concatenate, arrays, {"axis": axis})


@implements(np.stack)
def _stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = tuple(arrays)
    ndim = np.ndim(arrays[0]) + 1
    axis = int(axis) % ndim
    return np.concatenate([np.expand_dims(a, axis) for a in arrays], axis=axis)


@implements(np.atleast_1d)
def _atleast_1d(*arys):
    out = [a if np.ndim(a) >= 1 else np.reshape(a, (1,)) for a in arys]
    return out[0] if len(out) == 1 else out


@implements(np.atleast_2d)
def _atleast_2d(*arys):
    out = []
    for a in arys:
        nd = np.ndim(a)
        out.append(a if nd >= 2 else np.reshape(a, (1,) * (2 - nd) + np.shape(a)))
    return out[0] if len(out) == 1 else out


@implements(np.hstack)
def _hstack(tup, dtype=None, casting="same_kind"):
    arrs = [np.atleast_1d(a) for a in tup]
    return np.concatenate(arrs, axis=0 if np.ndim(arrs[0]) == 1 else 1)


@implements(np.vstack)
def _vstack(tup, dtype=None, casting="same_kind"):
    return np.concatenate([np.atleast_2d(a) for a in tup], axis=0)


@implements(np.column_stack)
def _column_stack(tup):
    cols = [np.reshape(a, (-1, 1)) if np.ndim(a) < 2 else a for a in tup]
    return np.concatenate(cols, axis=1)


@implements(np.flip)
def _flip(m, axis=None):
    ndim = np.ndim(m)
    axes = range(ndim) if axis is None else (
        (axis,) if isinstance(axis, (int, np.integer)) else axis)
    index = [slice(None)] * ndim
    for ax in axes:
        index[ax % ndim] = slice(None, None, -1)
    return m[tuple(index)]


@implements(np.roll)
def _roll(a, shift, axis=None):
    if axis is None:
        return np.reshape(np.roll(np.ravel(a), shift, 0), np.shape(a))
    n = np.shape(a)[axis]
    shift = int(shift) % n if n else 0
    if shift == 0:
        return bind(copy, (a,), {})    # NumPy's roll is always a new array
    index_tail = [slice(None)] * np.ndim(a)
    index_head = [slice(None)] * np.ndim(a)
    index_tail[axis] = slice(n - shift, None)
    index_head[axis] = slice(None, n - shift)
    return np.concatenate([a[tuple(index_tail)], a[tuple(index_head)]], axis=axis)


@implements(np.copy)
def _copy(a, order="K", subok=False):
    return bind(copy, (a,), {})


@implements(np.diag)
def _diag(v, k=0):
    if np.ndim(v) == 1:
        n = np.shape(v)[0] + abs(k)
        rows = np.arange(np.shape(v)[0]) + max(-k, 0)
        cols = np.arange(np.shape(v)[0]) + max(k, 0)
        out = np.zeros_like(v, shape=(n, n))
        out[rows, cols] = v
        return out
    return np.diagonal(v, offset=k)


@implements(np.diagonal)
def _diagonal(a, offset=0, axis1=0, axis2=1):
    # NumPy's diagonal is a read-only view: a later write into `a` reaches it.
    return views.make_view(a, _take_diagonal(a, offset, axis1, axis2), views.READONLY,
                           lambda base: _take_diagonal(base, offset, axis1, axis2))


def _take_diagonal(a, offset, axis1, axis2):
    if np.ndim(a) != 2 or (axis1, axis2) not in ((0, 1), (-2, -1)):
        a = np.moveaxis(a, (axis1, axis2), (-2, -1))
    n, m = np.shape(a)[-2:]
    length = max(0, min(n - max(-offset, 0), m - max(offset, 0)))
    rows = np.arange(length) + max(-offset, 0)
    cols = np.arange(length) + max(offset, 0)
    return a[..., rows, cols]


@implements(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    no_out("np.trace", out)
    return np.sum(np.diagonal(a, offset, axis1, axis2), axis=-1)


@implements(np.triu)
def _triu(m, k=0):
    n, p = np.shape(m)[-2:]
    return np.where(np.triu(np.ones((n, p), dtype=bool), k), m, 0.0)


@implements(np.tril)
def _tril(m, k=0):
    n, p = np.shape(m)[-2:]
    return np.where(np.tril(np.ones((n, p), dtype=bool), k), m, 0.0)


@implements(np.tile)
def _tile(A, reps):
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    a = A
    nd = max(np.ndim(a), len(reps))
    a = np.reshape(a, (1,) * (nd - np.ndim(a)) + np.shape(a))
    reps = (1,) * (nd - len(reps)) + reps
    shape = np.shape(a)
    # Insert a repeat axis in front of each axis, broadcast, then merge the pairs.
    expanded = np.reshape(a, tuple(x for d in shape for x in (1, d)))
    target = tuple(x for r, d in zip(reps, shape) for x in (r, d))
    tiled = np.reshape(np.broadcast_to(expanded, target), tuple(r * d for r, d in zip(reps, shape)))
    # NumPy's tile is a new array; the reshape of a broadcast can be a (read-only) view of
    # it, so it is made a copy of its own (found by the fuzzer: a write into it failed)
    return bind(copy, (tiled,), {})


@implements(np.repeat)
def _repeat(a, repeats, axis=None):
    if axis is None:
        a, axis = np.ravel(a), 0
    index = np.repeat(np.arange(np.shape(a)[axis]), repeats)
    full = [slice(None)] * np.ndim(a)
    full[axis] = index
    return a[tuple(full)]


# --- functions whose result does not depend on the values ---------------------------------
def _float_like(a):
    # The dtype of a *_like constant: complex for a complex value (writes of complex values
    # into it must keep their imaginary parts), else float64 (writable with derivatives).
    return np.complex128 if np.iscomplexobj(a) else np.float64


def _constant_like(maker):
    def handler(a, *args, **kwargs):
        value = maker(a._value if isinstance(a, Traced) else a, *args, **kwargs)
        if isinstance(a, Traced) and np.result_type(value).kind in "fc":
            # A traced constant, so that `y = np.zeros_like(x); y[1:] = ...` is recorded.
            return a._trace.constant(value)
        return value
    return handler


implements(np.zeros_like)(_constant_like(lambda a, dtype=None, order="K", subok=True, shape=None:
                                         np.zeros(np.shape(a) if shape is None else shape,
                                                  dtype=dtype or _float_like(a))))
implements(np.ones_like)(_constant_like(lambda a, dtype=None, order="K", subok=True, shape=None:
                                        np.ones(np.shape(a) if shape is None else shape,
                                                dtype=dtype or _float_like(a))))
implements(np.empty_like)(_constant_like(lambda a, dtype=None, order="K", subok=True, shape=None:
                                         np.zeros(np.shape(a) if shape is None else shape,
                                                  dtype=dtype or _float_like(a))))
_full_like_constant = _constant_like(
    lambda a, fill_value, dtype=None, order="K", subok=True, shape=None:
    np.full(np.shape(a) if shape is None else shape, value_of(fill_value),
            dtype=dtype or _float_like(a)))


@implements(np.full_like)
def _full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None):
    if isinstance(fill_value, Traced):
        # A traced fill value carries its derivative: zeros of the shape plus the value
        # (broadcast), never its plain value.
        zeros = np.zeros_like(a, dtype=dtype, shape=shape)
        return zeros + fill_value
    return _full_like_constant(a, fill_value, dtype=dtype, order=order, subok=subok, shape=shape)


def _on_values(func):
    """Run ``func`` on the data: its result carries no derivative (under optad.jit it is
    a step of the program, recomputed on every replay: indices, masks, truth values)."""
    def handler(*args, **kwargs):
        return plain(func, *args, **kwargs)
    handler.value_only = True
    return handler


def _on_metadata(func):
    """Run ``func`` on the plain values for what it reads of them: shapes and dtypes only
    (never a guard under optad.jit, whose signature fixes them)."""
    def handler(*args, **kwargs):
        args = [peek(a) if not isinstance(a, (list, tuple)) else type(a)(
            peek(x) for x in a) for a in args]
        kwargs = {k: peek(v) for k, v in kwargs.items()}
        return func(*args, **kwargs)
    handler.value_only = True
    return handler


for _f in (np.argmax, np.argmin, np.argsort, np.nonzero,
           np.count_nonzero, np.isclose, np.allclose, np.array_equal, np.any, np.all,
           np.round, np.around, np.searchsorted, np.argwhere, np.flatnonzero,
           np.array_equiv, np.isreal, np.iscomplex):
    implements(_f)(_on_values(_f))
for _f in (np.shape, np.ndim, np.size, np.iscomplexobj, np.isrealobj, np.result_type,
           np.min_scalar_type, np.can_cast):
    implements(_f)(_on_metadata(_f))
