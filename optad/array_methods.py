"""The ndarray methods and attributes of traced values: ``x.sum()``, ``x.T``, ``y.sort()``...

A method forwards to the NumPy function of the same name, so it differentiates exactly
as that function does. In-place methods (``sort``, ``fill``, ``put``) are recorded as
functional updates, the way ``x[i] = v`` is. Every other public name of ``np.ndarray``
(a method whose NumPy function has no rule yet, or an attribute about memory such as
``flags``) raises :class:`~optad.errors.UnsupportedMethodError` saying what to write
instead; converting methods (``item``, ``tolist``, ``tobytes``...) raise
:class:`~optad.errors.TracerConversionError`.

>>> import numpy as np, optad
>>> def f(x):
...     y = x.copy()
...     y.sort()                                  # in place, as in NumPy
...     return y.take([0, -1]).dot([1.0, 10.0])   # smallest + 10 * largest
>>> optad.grad(f)(np.array([3.0, 1.0, 2.0]))
array([10.,  1.,  0.])
"""

import math

import numpy as np

from .engine import Traced, TracedArray, bind
from .traced import is_jit, peek, plain, read
from .errors import UnsupportedMethodError
from .prims import shape as _shape
from .prims.declare import no_out
from .registry import supported
from .dispatch import conversion_error

__all__ = ["unsupported_method"]

_EMPTY = {}
T = Traced


# --- attributes --------------------------------------------------------------------------
# (metadata: looked at, never a guard under optad.jit, whose signature fixes it)
T.shape = property(lambda self: getattr(peek(self), "shape", ()))   # (raw values: arrays, numbers)
T.ndim = property(lambda self: len(getattr(peek(self), "shape", ())))
T.size = property(lambda self: math.prod(getattr(peek(self), "shape", ())))
T.dtype = property(lambda self: np.result_type(peek(self)))
T.itemsize = property(lambda self: np.result_type(peek(self)).itemsize)
T.nbytes = property(lambda self: np.size(peek(self)) * np.result_type(peek(self)).itemsize)
T.T = property(lambda self: np.transpose(self))
T.mT = property(lambda self: np.swapaxes(self, -1, -2))
T.real = property(lambda self: np.real(self))
T.imag = property(lambda self: np.imag(self))
T.conj = T.conjugate = lambda self: np.conjugate(self)
T.device = property(lambda self: "cpu")


def _to_device(self, device, /, *, stream=None):
    if device != "cpu":
        raise ValueError(f'Unsupported device {device!r}: traced values live on "cpu".')
    return self


T.to_device = _to_device


# --- conversions to plain data: refused (they would drop the gradient) --------------------
def _refuse(what, convert=None):
    # (a value at optad.jit's own level holds plain data: converting it is a guarded read)
    def method(self, *args, **kwargs):
        if convert is not None and is_jit(self):
            return read(self, lambda v: convert(v, *args, **kwargs))
        raise conversion_error(what)
    return method


T.item = _refuse("Python scalar (.item())", lambda v, *a: np.asarray(v).item(*a))
T.tolist = _refuse("list (.tolist())", lambda v: np.asarray(v).tolist())
T.tobytes = _refuse("bytes (.tobytes())")
T.tostring = _refuse("bytes (.tostring())")
T.tofile = _refuse("file (.tofile())")
T.dump = _refuse("pickle file (.dump())")
T.dumps = _refuse("pickle (.dumps())")


# --- methods that forward to their NumPy function ------------------------------------------
def _astype(self, dtype, *args, **kwargs):
    dtype = np.dtype(dtype)
    complex_self = np.iscomplexobj(peek(self))
    if dtype == np.float64:
        if complex_self:   # NumPy drops the imaginary part (with a ComplexWarning)
            return np.real(self)
        return bind(_shape.copy, (self,), _EMPTY)   # astype copies, as in NumPy
    if dtype == np.complex128:
        return bind(_shape.copy, (self,), _EMPTY) if complex_self else self + 0j
    if dtype.kind in "iub":
        return plain(lambda v: v.astype(dtype), self)  # piecewise constant: no derivative
    raise TypeError(
        f"optad differentiates in float64 and complex128; astype({dtype}) on a traced value "
        f"is not supported. Keep the value in float64 (or complex128)."
    )


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return np.reshape(self, shape)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    return np.transpose(self, axes or None)


def _round(self, decimals=0, out=None):
    no_out("x.round", out)
    return np.round(self, decimals)


def _trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    no_out("x.trace", out)
    return np.trace(self, offset, axis1, axis2)


def _take(self, indices, axis=None, out=None, mode="raise"):
    no_out("x.take", out)
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"mode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    if mode != "raise":
        n = self.size if axis is None else self.shape[axis]
        indices = np.asarray(indices)
        indices = indices % n if mode == "wrap" else np.clip(indices, 0, n - 1)
    return np.take(self, indices, axis=axis)


def _dot(self, b, out=None):
    no_out("x.dot", out)
    # A list operand becomes an array here: matmul's rules multiply by the raw operand,
    # and a scalar times a Python list is list repetition, not arithmetic.
    return np.dot(self, b if isinstance(b, Traced) else np.asarray(b))


T.astype = _astype
T.copy = lambda self, *a, **k: bind(_shape.copy, (self,), _EMPTY)
# (every keyword goes on to the NumPy function, whose handler checks it: a dtype= or
# where= must never be dropped here)
T.sum = lambda self, *args, **kwargs: np.sum(self, *args, **kwargs)
T.mean = lambda self, *args, **kwargs: np.mean(self, *args, **kwargs)
T.prod = lambda self, *args, **kwargs: np.prod(self, *args, **kwargs)
T.max = lambda self, *args, **kwargs: np.max(self, *args, **kwargs)
T.min = lambda self, *args, **kwargs: np.min(self, *args, **kwargs)
T.var = lambda self, *args, **kwargs: np.var(self, *args, **kwargs)
T.std = lambda self, *args, **kwargs: np.std(self, *args, **kwargs)
if np.lib.NumpyVersion(np.__version__) < "2.0.0":   # NumPy 2.0 removed ndarray.ptp
    T.ptp = lambda self, *args, **kwargs: np.ptp(self, *args, **kwargs)
T.cumsum = lambda self, *args, **kwargs: np.cumsum(self, *args, **kwargs)
T.cumprod = lambda self, *args, **kwargs: np.cumprod(self, *args, **kwargs)
T.dot = _dot
T.clip = lambda self, min=None, max=None: np.clip(self, min, max)
T.ravel = lambda self, order="C": np.ravel(self)
T.flatten = lambda self, order="C": np.copy(np.ravel(self))   # a copy, never a view
T.squeeze = lambda self, axis=None: np.squeeze(self, axis=axis)
T.swapaxes = lambda self, a, b: np.swapaxes(self, a, b)
T.diagonal = lambda self, offset=0, axis1=0, axis2=1: np.diagonal(self, offset, axis1, axis2)
T.repeat = lambda self, repeats, axis=None: np.repeat(self, repeats, axis=axis)
T.round = _round
T.trace = _trace
T.take = _take
T.searchsorted = lambda self, v, side="left", sorter=None: np.searchsorted(
    self, v, side=side, sorter=sorter)
# Indices and truth values carry no derivative: computed on the data (under optad.jit,
# recomputed on every replay).
T.argmax = lambda self, *a, **k: np.argmax(self, *a, **k)
T.argmin = lambda self, *a, **k: np.argmin(self, *a, **k)
T.argsort = lambda self, *a, **k: np.argsort(self, *a, **k)
T.nonzero = lambda self: np.nonzero(self)
T.any = lambda self, *a, **k: np.any(self, *a, **k)
T.all = lambda self, *a, **k: np.all(self, *a, **k)
T.reshape = _reshape
T.transpose = _transpose


# --- in-place methods: recorded as functional updates, like x[key] = v --------------------
# Each writes through __setitem__, so a write into a view of another array is refused
# there with the same error as x[1:][0] = v.
def _sort(self, axis=-1, kind=None, order=None, *, stable=None):
    if axis is None:
        # ndarray.sort has no flattening form (np.sort(x, axis=None) does).
        raise TypeError("x.sort(axis=None) is not supported by NumPy either: give an int "
                        "axis, or write y = np.sort(x, axis=None) for the flattened sort.")
    self[...] = np.sort(self, axis=axis)


def _fill(self, value):
    if np.ndim(value) != 0:
        raise ValueError(f"x.fill(value) needs a scalar value; got one of shape {np.shape(value)}. "
                         f"Write x[...] = value to broadcast an array into x.")
    self[...] = value


def _put(self, indices, values, mode="raise"):
    # ndarray.put writes into the flattened array, repeating `values` to the number of
    # indices; a later duplicate index wins, as in NumPy.
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"mode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    n = self.size
    flat = np.asarray(indices, dtype=np.intp).ravel()
    if n == 0 and flat.size:
        raise IndexError("cannot put into an empty array")
    if mode == "wrap":
        flat = flat % n
    elif mode == "clip":
        flat = np.clip(flat, 0, n - 1)
    elif flat.size and (flat.max() >= n or flat.min() < -n):
        bad = flat[(flat >= n) | (flat < -n)][0]
        raise IndexError(f"index {bad} is out of bounds for axis 0 with size {n}")
    if flat.size == 0:
        return
    values = np.ravel(values)
    count = np.shape(values)[0]
    if count == 0:
        return   # NumPy: nothing to put
    if count != flat.size:
        values = np.tile(values, -(-flat.size // count))[:flat.size]
    flat = flat % n
    if np.unique(flat).size < flat.size:
        # Only the last write to an index stays (NumPy's order); pass only those on, so
        # no overwritten value receives a gradient.
        _, last_reversed = np.unique(flat[::-1], return_index=True)
        keep = np.sort(flat.size - 1 - last_reversed)
        flat, values = flat[keep], values[keep]
    self[np.unravel_index(flat, self.shape)] = values


TracedArray.sort = _sort
TracedArray.fill = _fill
TracedArray.put = _put


# --- every other public name of np.ndarray: a clear error --------------------------------
_MEMORY = {"base", "ctypes", "data", "flags", "strides", "byteswap", "getfield", "setfield",
           "setflags", "newbyteorder", "view"}
_HINTS = {
    "partition": "np.sort(x) (or y.sort() on a copy) is a valid partition: write that.",
    "argpartition": "np.argsort(x) is a valid argpartition: write that.",
    "compress": "select with x[np.flatnonzero(condition)] (or np.take along an axis).",
    "flat": "read with x.ravel()[i]; write with x.put(i, v) or x[np.unravel_index(i, x.shape)] = v.",
    "itemset": "write x[index] = value instead.",
    "resize": "build the new array with np.concatenate, np.tile or slicing instead.",
    "view": "use x itself, or x.copy().",
}


def unsupported_method(name):
    """The error for the public ``np.ndarray`` attribute ``name`` that traced arrays lack.

    >>> print(unsupported_method("flags"))  # doctest: +ELLIPSIS
    x.flags is not supported on traced arrays: it describes the memory of a plain array...
    """
    called = callable(getattr(np.ndarray, name, None))
    shown = f"x.{name}()" if called else f"x.{name}"
    if name in ("sort", "fill", "put"):
        why = "a traced scalar cannot change in place; give the new value a name (x = ...)."
    elif name in _MEMORY:
        why = "it describes the memory of a plain array, which a traced value does not have."
    elif callable(getattr(np, name, None)) and f"numpy.{name}" not in supported():
        why = f"numpy.{name} has no differentiation rule in optad."
    else:
        why = "optad has no rule for it yet."
    hint = _HINTS.get(name, "Write the computation with supported functions "
                            "(optad.supported() lists them).")
    return UnsupportedMethodError(f"{shown} is not supported on traced arrays: {why}\n{hint}")


def _refuse_name(name):
    def get(self):
        raise unsupported_method(name)
    return property(get)


for _name in dir(np.ndarray):
    if not _name.startswith("_") and not hasattr(T, _name):
        setattr(T, _name, _refuse_name(_name))
del _name
