"""The machinery of :mod:`optad.numpy` (read that module's docstring first).

Its own array builders (:func:`array` and its kind, :data:`r_`, :data:`c_`) and the
namespaces that wrap NumPy's functions. Kept apart from ``optad/numpy.py`` because that
module stores the wrappers in its globals (so that ``onp.sum`` is a plain attribute
lookup, not a ``__getattr__`` call of a microsecond or two), and those wrappers
(``sum``, ``any``, ``max``...) would shadow the builtins of any code written there.

>>> import optad, numpy
>>> optad.grad(lambda x: numpy.sum(array([[x[0], 1.0], [2.0, x[1]]]) ** 2))(numpy.ones(2))
array([2., 2.])
"""

import functools
import sys
import types

import numpy as _np

from .errors import TracerConversionError, UnsupportedFunctionError
from .sequences import UNTOUCHED, as_array, holds_traced, plain_values, stack_sequences
from .traced import Traced, value_of

__all__ = ["array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
           "asarray_chkfinite", "r_", "c_", "linalg", "fft", "forwarding", "OWN", "ALL"]

_SEQUENCE = (list, tuple)
_ORDERS = (None, "K", "A", "C", "F")
_NO_COPY = "Unable to avoid copy while creating an array as requested."


def _holds(obj):
    """Whether ``obj`` is a traced value or a (nested) list or tuple holding one."""
    return isinstance(obj, Traced) or (type(obj) in _SEQUENCE and holds_traced(obj))


def _check_options(name, order, like=None, device=None, ndmax=0, **unknown):
    """Refuse, on traced input, the options that would change what is built."""
    if unknown:
        raise TypeError(f"{name}() got unexpected keyword arguments {sorted(unknown)}")
    if order not in _ORDERS:
        raise ValueError(f"order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")
    if like is not None:
        raise UnsupportedFunctionError(
            f"optad.numpy.{name}(..., like=...) on traced values is not supported; "
            f"drop like= (the result is a traced array whenever the input is traced).")
    if device not in (None, "cpu"):
        raise ValueError(f"Device not understood. Only \"cpu\" is allowed, but received: {device}")
    if ndmax:
        raise UnsupportedFunctionError(
            f"optad.numpy.{name}(..., ndmax=...) on traced values is not supported: it "
            f"would build an object array, which optad cannot differentiate.")


NUMPY2 = _np.lib.NumpyVersion(_np.__version__) >= "2.0.0"


def _copy_arg(copy):
    """``copy=`` for the running NumPy's np.array: NumPy 1 takes True/False only, its False
    meaning "only if needed" (NumPy 2's None)."""
    return copy if NUMPY2 else bool(copy)


def _as(function, a, dtype, order, copy, like, kwargs):
    """np.asarray / np.asanyarray of plain input; NumPy 1 has no ``copy=`` there."""
    if NUMPY2:
        return function(a, dtype, order, copy=copy, like=like, **kwargs)
    if copy:
        return _np.array(a, dtype, copy=True, order=order or "K",
                         subok=function is _np.asanyarray, like=like)
    return function(a, dtype, order, like=like, **kwargs)


def _traced_array(obj, dtype, copy, ndmin):
    """The array of ``obj`` (a traced value or a list holding some), as ``np.array(obj,
    dtype, copy=copy, ndmin=ndmin)`` would build it, traced."""
    if dtype is not None:
        dtype = _np.dtype(dtype)
        if dtype.kind in "iub":
            # piecewise constant, derivative 0: NumPy's cast of the plain values
            return _np.array(plain_values(obj), dtype=dtype, copy=_copy_arg(copy), ndmin=ndmin)
    if isinstance(obj, Traced):
        out, fresh = obj, False
    else:
        if copy is False:           # building from a list always copies
            raise ValueError(_NO_COPY)
        out, fresh = as_array(obj), True
    if dtype is not None and dtype != out.dtype:
        if copy is False:
            raise ValueError(_NO_COPY)
        out, fresh = out.astype(dtype), True    # refuses float32 and the like, clearly
    if copy and not fresh:
        out = out.copy()            # np.array(x) is a copy of x: a traced copy
    if out.ndim < ndmin:
        out = _np.reshape(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out


# --- array creation ------------------------------------------------------------------
def array(object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, like=None,
          **kwargs):
    """``np.array`` that keeps traced values: a (nested) list or tuple holding them
    becomes one traced array, ``array(x)`` is a traced copy of ``x``; plain input gives
    NumPy's result (see the module docstring for dtypes).

    >>> import optad, numpy
    >>> optad.grad(lambda x: array([x[0] * x[1], 2.0]) @ x)(numpy.array([1.0, 3.0]))
    array([6., 3.])
    """
    if not _holds(object):
        return _np.array(object, dtype, copy=_copy_arg(copy), order=order, subok=subok,
                         ndmin=ndmin, like=like, **kwargs)
    _check_options("array", order, like=like, **kwargs)
    return _traced_array(object, dtype, copy, ndmin)


def asarray(a, dtype=None, order=None, *, copy=None, like=None, **kwargs):
    """``np.asarray`` that keeps traced values: a traced array comes back as it is, a list
    holding traced values becomes a traced array; plain input gives NumPy's result.

    >>> import optad, numpy
    >>> optad.grad(lambda x: asarray(x) is x and numpy.sum(asarray([x[0], x[0]])))(
    ...     numpy.array([1.0]))
    array([2.])
    """
    if not _holds(a):
        return _as(_np.asarray, a, dtype, order, copy, like, kwargs)
    _check_options("asarray", order, like=like, **kwargs)
    return _traced_array(a, dtype, copy, 0)


def asanyarray(a, dtype=None, order=None, *, copy=None, like=None, **kwargs):
    """``np.asanyarray``: as :func:`asarray` (traced values are no ndarray subclass).

    >>> asanyarray([1.0, 2.0])
    array([1., 2.])
    """
    if not _holds(a):
        return _as(_np.asanyarray, a, dtype, order, copy, like, kwargs)
    _check_options("asanyarray", order, like=like, **kwargs)
    return _traced_array(a, dtype, copy, 0)


def ascontiguousarray(a, dtype=None, *, like=None):
    """``np.ascontiguousarray``: as :func:`asarray`, with at least one dimension (as
    NumPy's; memory layout means nothing to a traced value).

    >>> import optad, numpy
    >>> optad.jacobian(lambda x: ascontiguousarray(x[0] * x[1]))(numpy.array([2.0, 3.0]))
    array([[3., 2.]])
    """
    if not _holds(a):
        return _np.ascontiguousarray(a, dtype, like=like)
    _check_options("ascontiguousarray", None, like=like)
    return _traced_array(a, dtype, None, 1)


def asfortranarray(a, dtype=None, *, like=None):
    """``np.asfortranarray``: as :func:`ascontiguousarray` (Fortran order is a layout).

    >>> asfortranarray(2.0)
    array([2.])
    """
    if not _holds(a):
        return _np.asfortranarray(a, dtype, like=like)
    _check_options("asfortranarray", None, like=like)
    return _traced_array(a, dtype, None, 1)


def asarray_chkfinite(a, dtype=None, order=None):
    """``np.asarray_chkfinite``: as :func:`asarray`, raising NumPy's ValueError if a value
    is inf or NaN.

    >>> import numpy
    >>> asarray_chkfinite([1.0, numpy.inf])
    Traceback (most recent call last):
    ...
    ValueError: array must not contain infs or NaNs
    """
    if not _holds(a):
        return _np.asarray_chkfinite(a, dtype, order)
    _check_options("asarray_chkfinite", order)
    out = _traced_array(a, dtype, None, 0)
    _np.asarray_chkfinite(value_of(out))     # NumPy's check and message, on the values
    return out


# --- np.r_ and np.c_ ---------------------------------------------------------------------
def _directive(item, axis, ndmin, trans1d):
    """``'0,2,1'``-style directives of np.r_ (axis, ndmin, trans1d), as NumPy reads them."""
    if "," in item:
        vec = item.split(",")
        try:
            axis, ndmin = [int(v) for v in vec[:2]]
            if len(vec) == 3:
                trans1d = int(vec[2])
            return axis, ndmin, trans1d
        except Exception as e:
            raise ValueError(f"unknown special directive {item!r}") from e
    try:
        return int(item), ndmin, trans1d
    except (ValueError, TypeError) as e:
        raise ValueError("unknown special directive") from e


def _slice_piece(item, ndmin, trans1d):
    """The piece np.r_ makes of ``start:stop:step`` (``arange``, or ``linspace`` for an
    imaginary step), as NumPy's AxisConcatenator makes it."""
    if any(isinstance(b, Traced) for b in (item.start, item.stop, item.step)):
        raise TracerConversionError(
            "A slice in optad.numpy.r_/c_ has a traced bound: it builds a plain np.arange "
            "or np.linspace. Give it plain numbers, or write np.linspace(start, stop, n) "
            "with the traced values yourself.")
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    if isinstance(step, (complex, _np.complexfloating)):
        piece = _np.linspace(start, item.stop, num=int(abs(step)))
    else:
        piece = _np.arange(start, item.stop, step)
    if ndmin > 1:
        piece = _np.array(piece, copy=_copy_arg(None), ndmin=ndmin)
        if trans1d != -1:
            piece = piece.swapaxes(-1, trans1d)
    return piece


class AxisConcatenator:
    """np.r_/np.c_ whose pieces may be traced: NumPy's algorithm
    (``numpy.lib.index_tricks.AxisConcatenator``) with this module's :func:`array` and
    the traced ``np.concatenate``. A key without traced values goes to NumPy's object.

    >>> import optad, numpy
    >>> optad.grad(lambda x: numpy.sum(r_[x, 0.0, x[::-1]] * r_[1:6]))(numpy.array([1.0, 2.0]))
    array([6., 6.])
    """

    __slots__ = ("_numpy", "axis", "ndmin", "trans1d")

    def __init__(self, numpy_object, axis=0, ndmin=1, trans1d=-1):
        self._numpy = numpy_object
        self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

    def __len__(self):
        return 0

    def __getitem__(self, key):
        if isinstance(key, str):        # np.r_['a, b; c, d']: a matrix of the caller's names
            frame = sys._getframe(1)
            return _np.bmat(key, frame.f_locals, frame.f_globals)
        items = key if type(key) is tuple else (key,)
        if not (holds_traced(items) or any(
                type(s) is slice and holds_traced((s.start, s.stop, s.step)) for s in items)):
            return self._numpy[key]
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        pieces, kinds = [], []        # kinds: dtypes, or scalars (weakly typed in NumPy)
        for k, item in enumerate(items):
            if isinstance(item, slice):
                piece = _slice_piece(item, ndmin, trans1d)
            elif isinstance(item, str):
                if k != 0:
                    raise ValueError("special directives must be the first entry.")
                if item in ("r", "c"):
                    raise UnsupportedFunctionError(
                        f"optad.numpy.r_[{item!r}, ...] builds an np.matrix, which cannot "
                        f"hold traced values; drop {item!r} (and reshape the result).")
                axis, ndmin, trans1d = _directive(item, axis, ndmin, trans1d)
                continue
            elif type(item) in _np.ScalarType:
                pieces.append(item)
                kinds.append(item)
                continue
            else:
                item_ndim = _np.ndim(plain_values(item))
                piece = array(item, copy=None, ndmin=ndmin)
                if trans1d != -1 and item_ndim < ndmin:
                    # where the original dimensions go among the ndmin (NumPy's rule)
                    k2 = ndmin - item_ndim
                    k1 = trans1d + k2 + 1 if trans1d < 0 else trans1d
                    axes = list(range(ndmin))
                    piece = _np.transpose(piece, axes[:k1] + axes[k2:] + axes[k1:k2])
            pieces.append(piece)
            kinds.append(piece.dtype)
        if kinds:
            final = _np.result_type(*kinds)
            pieces = [array(p, copy=None, ndmin=ndmin, dtype=final) for p in pieces]
        return _np.concatenate(tuple(pieces), axis=axis)


#: ``np.r_`` that concatenates traced pieces (along the first axis).
r_ = AxisConcatenator(_np.r_)
#: ``np.c_`` that concatenates traced pieces (1-d pieces as columns, along the last axis).
c_ = AxisConcatenator(_np.c_, -1, ndmin=2, trans1d=0)


# --- every other function: NumPy's, with lists of traced values stacked first -------------
def _lifted(func, module_name):
    """``func`` with its list and tuple arguments holding traced values turned into traced
    arrays first, so NumPy's dispatch sees them."""
    if func in UNTOUCHED:        # np.block: its nested lists are rows of blocks
        return func

    @functools.wraps(func)
    def lifted(*args, **kwargs):
        args, kwargs = stack_sequences(func, args, kwargs)
        return func(*args, **kwargs)

    lifted.__module__ = module_name    # pickle finds it by name: this very object
    return lifted


# What is wrapped: functions (Python, C, and NumPy's dispatching ones); not ufuncs, classes,
# modules, nor other callable objects (np.test, a test runner that pytest must not
# mistake for a test function).
_FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, type(_np.concatenate))


def _namespace(module, name):
    """A module ``name`` (registered in sys.modules, so ``from optad.numpy.linalg import
    norm`` works) forwarding to NumPy's ``module``: its functions wrapped (:func:`_lifted`),
    each once, kept in the namespace so that the next lookup does not reach ``__getattr__``;
    the rest NumPy's own objects. ``__path__`` is not forwarded: with NumPy's, ``import
    optad.numpy.polynomial`` would load a second copy of numpy.polynomial."""
    ns = types.ModuleType(name, f"NumPy's {module.__name__}, with lists of traced values "
                                f"stacked before each function runs (see optad.numpy).")
    store = vars(ns)

    def __getattr__(attr):
        if attr == "__path__":
            raise AttributeError(f"module {name!r} has no attribute '__path__'")
        obj = getattr(module, attr)
        if isinstance(obj, _FUNCTIONS):
            obj = store[attr] = _lifted(obj, name)
        return obj

    ns.__getattr__ = __getattr__
    ns.__dir__ = lambda: dir(module)
    sys.modules[name] = ns
    return ns


linalg = _namespace(_np.linalg, "optad.numpy.linalg")
fft = _namespace(_np.fft, "optad.numpy.fft")
# optad.numpy's own wrappers: made and named here (see forwarding)
_functions = _namespace(_np, "optad.numpy._functions")
# the public builders are optad.numpy's (their doctests run there; pickle finds them there)
for _builder in (array, asarray, asanyarray, ascontiguousarray, asfortranarray,
                 asarray_chkfinite):
    _builder.__module__ = "optad.numpy"
del _builder

#: optad.numpy's own names
OWN = ("array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
       "asarray_chkfinite", "r_", "c_", "linalg", "fft")
#: optad.numpy's ``__all__``: NumPy's, so that ``from optad.numpy import *`` (the
#: autograd idiom ``from autograd.numpy import *``) imports what ``from numpy import *`` does
ALL = list(OWN) + [name for name in _np.__all__ if name not in OWN]


def forwarding(store, own):
    """``(__getattr__, __dir__)`` for the module whose globals are ``store`` (optad.numpy):
    NumPy's attributes, its functions wrapped; a wrapper is stored in ``store`` on first
    use, so the next lookup finds it there without a call. (Stored under their NumPy
    names, but named as members of optad.numpy._functions: pickle finds them there, and
    doctest, which collects a module's functions by their ``__module__``, does not run
    NumPy's examples, copied with the docstrings, as optad.numpy's.)

    >>> import numpy
    >>> namespace = {}
    >>> get, _ = forwarding(namespace, ())
    >>> get("mean") is namespace["mean"], get("sin") is numpy.sin, "sin" in namespace
    (True, True, False)
    """
    def __getattr__(name):
        obj = getattr(_functions, name)
        if not name.startswith("__") and name in vars(_functions):
            store[name] = obj
        return obj

    def __dir__():
        return sorted(set(dir(_np)) | set(own))

    return __getattr__, __dir__
