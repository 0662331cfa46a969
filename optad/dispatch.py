"""How a :class:`~optad.engine.Traced` value behaves like a NumPy array.

Operators (including reflected ones, ``@`` and indexing) and NumPy's two dispatch
protocols route every operation to a primitive:

* ``__array_ufunc__`` catches ``np.sin(x)``, ``a + x`` with ``a`` an ndarray, and so on;
* ``__array_function__`` catches ``np.sum(x)``, ``np.concatenate([x, a])``, ``np.linalg.solve``...

Anything without a rule raises :class:`~optad.errors.UnsupportedFunctionError` naming
the function; forcing a traced value into a plain float or ndarray raises
:class:`~optad.errors.TracerConversionError`. Comparisons and ``bool()`` work on the
values, so ordinary control flow keeps working.

>>> import numpy as np, optad
>>> def f(x):
...     return np.sum(x[1:] * x[:-1]) if x[0] > 0 else 0.0
>>> optad.grad(f)(np.array([1.0, 2.0, 3.0]))
array([2., 4., 2.])
"""

import sys
import weakref

import numpy as np

from . import views
from .engine import Traced, TracedArray, bind, value_of
from .errors import TracerConversionError, UnsupportedFunctionError
from .primitive import FUNCTION_HANDLERS, UFUNC_PRIMITIVES
from .prims import elementwise as ew
from .prims import indexing, linalg, reductions, select, shape  # noqa: F401  (register handlers)
from .prims import calculus, signal  # noqa: F401  (register handlers)

_EMPTY = {}
_REDUCE = {np.add: np.sum, np.multiply: np.prod, np.maximum: np.max, np.minimum: np.min}
_ACCUMULATE = {np.add: np.cumsum}


# --- errors --------------------------------------------------------------------------
def _qualified_name(func):
    name = getattr(func, "__name__", repr(func))
    if isinstance(func, np.ufunc):
        for modname in ("numpy", "scipy.special"):
            mod = sys.modules.get(modname)
            if mod is not None and getattr(mod, name, None) is func:
                return f"{modname}.{name}"
        return f"ufunc {name}"
    module = getattr(func, "__module__", None) or ""
    public = ".".join(p for p in module.split(".") if not p.startswith("_"))
    return f"{public}.{name}" if public else name


def unsupported(func, how=""):
    """The error for a NumPy/SciPy function (or ufunc method) that has no rule."""
    name = func if isinstance(func, str) else _qualified_name(func)
    short = name.rsplit(".", 1)[-1]
    return UnsupportedFunctionError(
        f"{name} has no differentiation rule in optad.{how}\n"
        f"Write the computation with supported functions (optad.supported() lists them), "
        f"or register {short} as a primitive with its derivative, for example:\n"
        f"    optad.defvjp({name}, lambda g, ans, x: g * <d{short}/dx>)\n"
        f"    optad.defjvp({name}, lambda t, ans, x: t * <d{short}/dx>)"
    )


def _public_name(module, name):
    """``numpy.sum`` rather than ``numpy._core.fromnumeric.sum``: the shortest public path."""
    parts = module.split(".")
    for k in range(1, len(parts) + 1):
        prefix = ".".join(parts[:k])
        mod = sys.modules.get(prefix)
        if mod is not None and getattr(mod, name, None) is not None and not parts[k - 1].startswith("_"):
            return f"{prefix}.{name}"
    return ".".join(p for p in parts if not p.startswith("_")) + f".{name}"


def _is_supported(qualified):
    module, _, name = qualified.rpartition(".")
    func = getattr(sys.modules.get(module), name, None)
    return func is not None and (func in FUNCTION_HANDLERS or func in UFUNC_PRIMITIVES)


def _library_caller():
    """The outermost NumPy/SciPy function on the stack between the user's code and here."""
    frame = sys._getframe(2)
    found = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        top = module.split(".")[0]
        if top in ("numpy", "scipy"):
            found = _public_name(module, frame.f_code.co_name)
        elif top != "optad":
            return found, f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return found, None


def conversion_error(what):
    """The error for forcing a traced value into a plain ``what`` (float, ndarray, ...)."""
    library, where = _library_caller()
    at = f" (at {where})" if where else ""
    if library and _is_supported(library):
        return TracerConversionError(
            f"{library} received traced values inside a list or tuple{at}, which NumPy "
            f"converts to a plain {what}, dropping their gradients.\n"
            f"Combine them into one traced array first: {library}(np.stack([...])) for "
            f"scalars or equal shapes, np.concatenate([...]) to join arrays."
        )
    if library:
        return TracerConversionError(
            f"{library} converted a traced value to a plain {what}{at}: it has no "
            f"differentiation rule in optad, so its gradient would be lost.\n"
            f"Write the computation with supported NumPy functions, or wrap it as a primitive "
            f"and give its derivative:\n"
            f"    f = optad.primitive({library}); optad.defvjp(f, lambda g, ans, x: ...)\n"
            f"and call f(x) in your function."
        )
    if what == "ndarray":
        advice = (
            "Traced values already behave like arrays: drop np.asarray/np.array around them, "
            "build arrays with np.stack([...]) or np.concatenate([...]) instead of "
            "np.array([...]), and fill arrays created with np.zeros_like(x) (which is traced) "
            "instead of np.zeros(n)/np.empty(n)."
        )
    else:
        advice = (
            "Keep it as an array expression (np.sum(x) instead of float(np.sum(x))); "
            "to write it into an array, create the array with np.zeros_like(x) instead of "
            "np.zeros(n). If you only need the number and no derivative through it, use "
            "float(optad.stop_gradient(x))."
        )
    return TracerConversionError(
        f"Cannot convert a traced value to a plain {what}{at}: optad would lose track of it "
        f"and its gradient would be silently dropped.\n{advice}"
    )


# --- operators -------------------------------------------------------------------------
def _binary(prim):
    # The hot path of recording: when the other operand is plain or of the same trace,
    # this value's trace handles it directly (bind's search for the innermost trace is
    # only needed when two transforms meet).
    def op(self, other):
        trace = self._trace
        if isinstance(other, Traced) and other._trace is not trace:
            return bind(prim, (self, other), _EMPTY)
        return trace.process_binary(prim, self, other)

    def rop(self, other):
        trace = self._trace
        if isinstance(other, Traced) and other._trace is not trace:
            return bind(prim, (other, self), _EMPTY)
        return trace.process_binary(prim, other, self)

    return op, rop


def _compare(op):
    def method(self, other):
        return op(value_of(self), value_of(other))
    return method


def _refuse(what):
    def method(self, *args, **kwargs):
        raise conversion_error(what)
    return method


T = Traced
T.__add__, T.__radd__ = _binary(ew.add)
T.__sub__, T.__rsub__ = _binary(ew.subtract)
T.__mul__, T.__rmul__ = _binary(ew.multiply)
T.__truediv__, T.__rtruediv__ = _binary(ew.divide)
T.__pow__, T.__rpow__ = _binary(ew.power)
T.__mod__, T.__rmod__ = _binary(ew.remainder)
T.__matmul__, T.__rmatmul__ = _binary(linalg.matmul)
T.__neg__ = lambda self: bind(ew.negative, (self,), _EMPTY)
T.__pos__ = lambda self: bind(shape.copy, (self,), _EMPTY)
T.__abs__ = lambda self: bind(ew.absolute, (self,), _EMPTY)
T.__lt__ = _compare(lambda a, b: a < b)
T.__le__ = _compare(lambda a, b: a <= b)
T.__gt__ = _compare(lambda a, b: a > b)
T.__ge__ = _compare(lambda a, b: a >= b)
T.__eq__ = _compare(lambda a, b: a == b)
T.__ne__ = _compare(lambda a, b: a != b)
T.__floordiv__ = _compare(lambda a, b: a // b)   # piecewise constant: derivative 0
T.__rfloordiv__ = _compare(lambda a, b: b // a)
T.__hash__ = None
T.__bool__ = lambda self: bool(value_of(self))
TracedArray.__len__ = lambda self: len(value_of(self))
T.__float__ = _refuse("float")
T.__int__ = _refuse("int")
T.__complex__ = _refuse("complex")
T.__index__ = _refuse("int (index)")
T.__array__ = _refuse("ndarray")
# Only arrays index (see TracedArray for why scalars must not look like sequences).
def _getitem(self, key):
    if type(key) is slice or type(key) is int:   # x[1:], x[0]: plain keys, straight to the trace
        trace = self._trace
        out = trace.process_slice(_GETITEM, self, key)
        if type(out) is not TracedArray:
            return out if type(out) is Traced else views.slice_view(self, out, ("getitem", key))
        # NumPy's x[1:] is a view of x: linked to it (optad.views.slice_view, inlined: the
        # commonest view of all)
        out._base = self
        out._how = ("getitem", key)
        registry = trace.views_of
        refs = registry.get(id(self))
        if refs is None:
            registry[id(self)] = [_weakref(out)]
        else:
            refs.append(_weakref(out))
        return out
    key = indexing.normalize_key(key)
    out = indexing.getitem(self, key)
    if indexing.is_advanced(key):
        return out          # advanced indexing copies
    return views.make_view(self, out, views.GETITEM, key)


_GETITEM = indexing.getitem_prim
_weakref = weakref.ref
TracedArray.__getitem__ = _getitem


def _setitem(self, key, value):
    # Functional update: record y_new = y_old with y_old[key] replaced, then rebind this
    # object (and every view NumPy would share it with) to the new value, so that
    # `y[1:] = ...` reads like plain NumPy (optad.views).
    key = indexing.normalize_key(key)
    if views.check_source(self, key, value):
        views.write(self, indexing.setitem(self, key, value))


def _iter(self):
    for i in range(len(self)):
        yield self[i]


def _repr(self):
    level = self._trace.level
    return f"Traced({value_of(self)!r}, level={level})"


def _in_place(prim):
    # x op= y on an array changes it in place in NumPy, so every name for it (and every
    # view sharing its memory) sees the change: record x op y and rebind, as __setitem__.
    def method(self, other):
        new = bind(prim, (self, other), _EMPTY)
        if new.shape != self.shape:
            raise ValueError(f"non-broadcastable output operand with shape {self.shape} "
                             f"doesn't match the broadcast shape {new.shape}")
        views.write(self, new)
        return self
    return method


TracedArray.__iadd__ = _in_place(ew.add)
TracedArray.__isub__ = _in_place(ew.subtract)
TracedArray.__imul__ = _in_place(ew.multiply)
TracedArray.__itruediv__ = _in_place(ew.divide)
TracedArray.__ipow__ = _in_place(ew.power)
TracedArray.__setitem__ = _setitem
TracedArray.__iter__ = _iter
T.__repr__ = _repr
T.__array_priority__ = 1000.0
# Methods and attributes (x.sum(), x.T, x.sort(), ...) live in optad/array_methods.py.


# --- NumPy's dispatch protocols ---------------------------------------------------------
def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    out = kwargs.pop("out", None)
    if out is not None:
        raise TracerConversionError(
            f"np.{ufunc.__name__}(..., out=...) (or an in-place operator such as +=) on a plain "
            f"array would write a traced value into it and drop its gradient. Write "
            f"y = np.{ufunc.__name__}(...) or y = y + ... instead."
        )
    if method == "__call__":
        prim = UFUNC_PRIMITIVES.get(ufunc)
        if prim is not None:
            if kwargs and any(v is not None for k, v in kwargs.items() if k != "dtype"):
                raise UnsupportedFunctionError(
                    f"np.{ufunc.__name__} with options {sorted(kwargs)} is not supported on "
                    f"traced values; call it without them."
                )
            return bind(prim, inputs, _EMPTY)
        if ufunc in ew.PIECEWISE_CONSTANT:
            return ufunc(*[value_of(a) for a in inputs], **kwargs)
        raise unsupported(ufunc)
    if method == "at":
        return _ufunc_at(ufunc, *inputs)
    if method == "reduce" and ufunc in _REDUCE:
        return _REDUCE[ufunc](inputs[0], **kwargs)
    if method == "accumulate" and ufunc in _ACCUMULATE:
        return _ACCUMULATE[ufunc](inputs[0], **kwargs)
    raise unsupported(f"numpy.{ufunc.__name__}.{method}",
                      " Use the equivalent function (np.sum, np.cumsum, indexing) instead.")


def _ufunc_at(ufunc, target, indices, values=None):
    """``np.add.at(y, idx, v)`` (and ``np.subtract.at``): unbuffered, so repeated indices
    all count; recorded as ``y ± scatter(v)`` and written into ``y`` like ``y += ...``."""
    if ufunc not in (np.add, np.subtract) or values is None:
        raise unsupported(f"numpy.{ufunc.__name__}.at",
                          " Of ufunc.at, optad supports np.add.at and np.subtract.at; write "
                          "the others with indexing (y[idx] = ..., which keeps the last "
                          "write where indices repeat).")
    if not isinstance(target, TracedArray):
        raise TracerConversionError(
            f"np.{ufunc.__name__}.at would add traced values into a plain array, dropping "
            f"their gradients. Create the array with np.zeros_like(x) (which is traced) "
            f"instead of np.zeros(n).")
    key = indexing.normalize_key(indices)
    shape = np.shape(value_of(target))
    if isinstance(values, Traced):
        spread = bind(indexing.untake, (values, key, shape), _EMPTY)
    else:
        spread = indexing.untake.impl(np.asarray(values, dtype=float), key, shape)
    views.write(target, target + spread if ufunc is np.add else target - spread)


def _array_function(self, func, types, args, kwargs):
    handler = FUNCTION_HANDLERS.get(func)
    if handler is None:
        raise unsupported(func)
    return handler(*args, **kwargs)


T.__array_ufunc__ = _array_ufunc
T.__array_function__ = _array_function
