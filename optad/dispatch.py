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

import operator
import sys
import weakref

import numpy as np

from . import views
from .engine import Traced, TracedArray, bind, value_of
from .traced import is_jit, peek, plain, read
from .errors import TracerConversionError, UnsupportedFunctionError
from .primitive import FUNCTION_HANDLERS, UFUNC_PRIMITIVES
from .registry import load_scipy_families
from .prims import elementwise as ew
# (importing each family registers its handlers)
from .prims import calculus, complex, decompositions, fft, indexing, linalg  # noqa: F401
from .prims import pieces, reductions, select, shape, signal, statistics  # noqa: F401
from .prims.ufunc_methods import ufunc_method
from .sequences import stack_sequences

_EMPTY = {}


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


def _public_module(module):
    """``scipy.stats`` for ``scipy.stats._distn_infrastructure``: up to the first private part."""
    parts = module.split(".")
    for k, p in enumerate(parts):
        if p.startswith("_"):
            return ".".join(parts[:k])
    return module


def _owner_name(frame, module):
    """For a method of a public SciPy object (``scipy.stats.norm``, or a frozen
    distribution of it), that object's public name; else None."""
    code = frame.f_code
    if not code.co_argcount or code.co_varnames[0] != "self":
        return None
    owner = frame.f_locals.get("self")
    public = sys.modules.get(_public_module(module))
    if owner is None or public is None:
        return None
    for candidate in (owner, getattr(owner, "dist", None), getattr(owner, "_dist", None)):
        if candidate is None:
            continue
        # a frozen distribution holds a copy of its generator (norm_gen): match its class
        kind = type(candidate)
        same_kind = kind.__name__.endswith("_gen")
        for name, value in vars(public).items():
            if not name.startswith("_") and (
                    value is candidate or (same_kind and type(value) is kind)):
                return f"{public.__name__}.{name}"
    return None


def _frame_name(frame):
    """The public name of the NumPy/SciPy function a frame runs (a method as
    ``scipy.stats.norm.logpdf``), and whether that name is a public attribute."""
    module = frame.f_globals.get("__name__", "")
    name = frame.f_code.co_name
    owner = _owner_name(frame, module)
    if owner is not None:
        return f"{owner}.{name}", True
    qualified = _public_name(module, name)
    mod, _, attr = qualified.rpartition(".")
    if getattr(sys.modules.get(mod), attr, None) is not None:
        return qualified, True
    # a decorator's wrapper (SciPy's batching wrapper converts before calling the
    # function): the public function it wraps, found among its free variables
    for var in frame.f_code.co_freevars:
        wrapped = frame.f_locals.get(var)
        if callable(wrapped) and hasattr(wrapped, "__module__") and hasattr(wrapped, "__name__"):
            inner = _public_name(wrapped.__module__ or "", wrapped.__name__)
            mod, _, attr = inner.rpartition(".")
            if inner.split(".")[0] in ("numpy", "scipy") and getattr(
                    sys.modules.get(mod), attr, None) is not None:
                return inner, True
    return qualified, False


def _library_caller():
    """What NumPy/SciPy was running between the user's code and here: ``(library, where,
    drop_in)``, the outermost library function on the stack (preferring one with a public
    name over internal wrappers), the user's line that called it, and the optad.scipy
    drop-in of the outermost one that has one. Walks the stack only at error time."""
    frame = sys._getframe(2)
    found = fallback = drop_in = None
    drop_ins = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        top = module.split(".")[0]
        if top in ("numpy", "scipy"):
            name, public = _frame_name(frame)
            fallback = name
            if public:
                found = name
            if top == "scipy":
                if drop_ins is None:
                    from .scipy import DROP_INS as drop_ins
                if name in drop_ins:
                    drop_in = (name, drop_ins[name])
        elif top != "optad":
            return found or fallback, f"{frame.f_code.co_filename}:{frame.f_lineno}", drop_in
        frame = frame.f_back
    return found or fallback, None, drop_in


def conversion_error(what):
    """The error for forcing a traced value into a plain ``what`` (float, ndarray, ...)."""
    library, where, drop_in = _library_caller()
    if library and library.endswith(".__getitem__"):
        library = None      # np.r_[...], np.c_[...]: array builders, not functions to register
    at = f" (at {where})" if where else ""
    if drop_in is not None:
        scipy_name, optad_name = drop_in
        module, _, short = optad_name.rpartition(".")
        if short in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "pmf",
                     "logpmf"):
            module, _, short = module.rpartition(".")      # a method: import its object
        return TracerConversionError(
            f"{scipy_name} converts its input to a plain {what}{at}, which would drop its "
            f"gradient; use {optad_name}, a drop-in that optad can differentiate (same "
            f"arguments, same values):\n"
            f"    from {module} import {short}"
        )
    if library and _is_supported(library):
        return TracerConversionError(
            f"{library} received traced values inside a list or tuple{at}, which NumPy "
            f"converts to a plain {what}, dropping their gradients.\n"
            f"Combine them into one traced array first: {library}(np.stack([...])) for "
            f"scalars or equal shapes, np.concatenate([...]) to join arrays; or write "
            f"`import optad.numpy as np`, whose functions accept such lists."
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
            "np.array([...]) (or write `import optad.numpy as np`, whose np.array, np.asarray, "
            "np.r_ and np.c_ keep traced values), and fill arrays created with np.zeros_like(x) "
            "(which is traced) instead of np.zeros(n)/np.empty(n)."
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
    # A comparison has no derivative: it runs on the data (under optad.jit, as a step of
    # the program, so the mask is recomputed on every replay rather than frozen).
    def method(self, other):
        return plain(op, self, other)
    return method


def _refuse(what, convert=None):
    # Under optad.jit a value at the jit's own level holds plain data (no derivative to
    # lose), so converting it is allowed, as a guarded read; a value of a derivative
    # transform is refused: the conversion would drop its derivative.
    def method(self, *args, **kwargs):
        if convert is not None and is_jit(self):
            return read(self, convert)
        raise conversion_error(what)
    return method


def _as_array(self, dtype=None, copy=None):
    if is_jit(self):
        return np.array(value_of(self), dtype=dtype, copy=True)
    raise conversion_error("ndarray")


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
T.__invert__ = lambda self: plain(operator.invert, self)     # of masks: no derivative
T.__and__ = _compare(lambda a, b: a & b)
T.__rand__ = _compare(lambda a, b: b & a)
T.__or__ = _compare(lambda a, b: a | b)
T.__ror__ = _compare(lambda a, b: b | a)
T.__xor__ = _compare(lambda a, b: a ^ b)
T.__rxor__ = _compare(lambda a, b: b ^ a)
T.__hash__ = None
# bool(x), int(x), len(x): Python reads the value (under optad.jit, a guard); the length
# is a shape, fixed by the jit's signature.
T.__bool__ = lambda self: read(self, bool)
TracedArray.__len__ = lambda self: len(peek(self))
# float(x) is refused: the float would carry on without x's derivative, silently dropped.
# int(x) is allowed: it truncates, a piecewise constant function whose derivative really
# is 0 (as np.floor's), so dropping the trace loses nothing.
T.__float__ = _refuse("float", float)
T.__int__ = lambda self: read(self, int)
T.__complex__ = _refuse("complex", complex)


def _index(self):
    # operator.index (range(x), a[x]): NumPy refuses a float there (np.float64(2.0) is no
    # index), and traced values hold floats; an integer value (rare) indexes as NumPy's.
    value = peek(self)
    if np.result_type(value).kind in "iub":
        return read(self, operator.index)
    raise TracerConversionError(
        f"A traced value holds a float ({value!r}), which cannot be used as an index (NumPy "
        f"refuses np.float64 as an index too). Write int(x) to truncate it (its derivative "
        f"is 0), e.g. a[int(x)] or range(int(x)).")


T.__index__ = _index
T.__array__ = _as_array
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
    # (a look at the value, not a read: under optad.jit, printing shows the traced value)
    return f"Traced({peek(self)!r}, level={level})"


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
    inputs = stack_sequences(ufunc, inputs, _EMPTY)[0]   # np.add(x, [x[1], x[0]])
    if method == "__call__":
        prim = UFUNC_PRIMITIVES.get(ufunc)
        if prim is None and load_scipy_families():    # SciPy's ufuncs: rules load late
            prim = UFUNC_PRIMITIVES.get(ufunc)
        if prim is not None:
            if kwargs and any(v is not None for k, v in kwargs.items() if k != "dtype"):
                raise UnsupportedFunctionError(
                    f"np.{ufunc.__name__} with options {sorted(kwargs)} is not supported on "
                    f"traced values; call it without them."
                )
            return bind(prim, inputs, _EMPTY)
        if ufunc in ew.PIECEWISE_CONSTANT:
            return plain(ufunc, *inputs, **kwargs)
        raise unsupported(ufunc)
    if method == "at":
        return _ufunc_at(ufunc, *inputs)
    # reduce, accumulate, outer, reduceat (optad/prims/ufunc_methods.py)
    return ufunc_method(ufunc, method, inputs, kwargs)


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
    shape = np.shape(peek(target))
    if isinstance(values, Traced):
        spread = bind(indexing.untake, (values, key, shape), _EMPTY)
    else:
        spread = indexing.untake.impl(np.asarray(values, dtype=np.result_type(values, 1.0)),
                                       key, shape)
    views.write(target, target + spread if ufunc is np.add else target - spread)


def _array_function(self, func, types, args, kwargs):
    handler = FUNCTION_HANDLERS.get(func)
    if handler is None:
        raise unsupported(func)
    args, kwargs = stack_sequences(func, args, kwargs)   # np.dot([x[0], x[1]], y)
    return handler(*args, **kwargs)


T.__array_ufunc__ = _array_ufunc
T.__array_function__ = _array_function
