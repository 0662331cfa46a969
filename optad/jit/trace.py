"""Recording a call for :func:`optad.jit`: concrete tracing into a list of steps.

A :class:`JitTrace` is always the outermost trace. Its traced values hold real values,
so the function runs as usual while every primitive applied to them (and every plain
computation made from them: comparisons, masks, indices) is appended to a list of
steps: the function called, its arguments as references to earlier values or as
constants, its keyword arguments. Derivative transforms inside the jitted function run
nested in it (``jit(value_and_grad(f))``), so the NumPy calls of their backward pass
are steps too.

Every read of a traced value's *data* by Python code (``bool``, ``int``, an ``if`` on a
comparison, :func:`optad.value_of`) is a guard step: the value read is stored, and the
replay checks it (:mod:`optad.jit.program`).

>>> import numpy as np
>>> with JitTrace() as tr:
...     x = tr.new_input(np.array([1.0, -2.0]))
...     y = np.sum(x * x)
>>> [step[0] for step in tr.steps], float(y._value)
(['call', 'call'], 5.0)
"""

import numpy as np

from ..engine import Trace, recording
from ..errors import LeakedTracerError
from ..traced import Traced, TracedArray, traced

__all__ = ["JitTrace", "Unjittable", "Ref", "Const", "Seq", "Dict", "Slice"]

#: Step kinds: ``(CALL, fn, args, kwargs, out, shape_guard)``, ``(CONST, template, out)``,
#: ``(ITEM, var, index, out, shape_guard)``, ``(GUARD, var, convert, expected)``,
#: ``(RAISES, fn, args, kwargs)`` (a call that raised while tracing). A shape guard checks
#: that the output has its traced shape (for data-dependent shapes).
CALL, CONST, ITEM, GUARD, RAISES = "call", "const", "item", "guard", "raises"


class Unjittable(Exception):
    """The call cannot be recorded (a value of a transform outside the jitted function,
    complex numbers inside a derivative, an argument that cannot be a key): the jitted
    function runs it without ``jit``. Internal: it never reaches the user."""


# --- argument templates: how a step's arguments are rebuilt on replay -----------------------
class Ref:
    """A reference to value number ``var`` of the program."""

    __slots__ = ("var",)

    def __init__(self, var):
        self.var = var


class Const:
    """A constant of the program (arrays are read-only copies: frozen, as in ``jax.jit``)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Seq:
    """A tuple or list some of whose items are references or constants."""

    __slots__ = ("kind", "items")

    def __init__(self, kind, items):
        self.kind = kind
        self.items = items


class Dict:
    __slots__ = ("keys", "items")

    def __init__(self, keys, items):
        self.keys = keys
        self.items = items


class Slice:
    __slots__ = ("start", "stop", "step")

    def __init__(self, start, stop, step):
        self.start, self.stop, self.step = start, stop, step


_LITERAL = (type(None), bool, int, str)
_FLOAT64 = np.dtype(np.float64)
_SCALARS = (float, np.float64, complex, np.complex128, np.float32, np.int64, np.bool_,
            np.int32, np.intp, np.uint8)
# Functions whose results have a shape that depends on the data (not only on the shapes
# of their arguments): their outputs' shapes are guarded on replay.
DATA_SHAPED = {np.nonzero, np.argwhere, np.flatnonzero, np.unique, np.extract,
               np.compress, np.trim_zeros}


def _index_like(value):
    """Whether a value may serve as an index or mask (its data may decide a shape)."""
    kind = type(value)
    if kind is np.ndarray:
        return value.dtype.kind in "biu"
    return kind is int or kind is bool or isinstance(value, (np.integer, np.bool_))


class JitTrace(Trace):
    """The recording of one call of a jitted function (see the module docstring).

    ``steps`` is the program in order; values are numbered (inputs first) and
    ``kinds[var]`` is the type of value ``var`` when it was traced (the code generator
    specializes scalar arithmetic with it).
    """

    guards_reads = True
    __slots__ = ("steps", "kinds", "shapes", "dtypes", "owned", "refs", "copies", "depth",
                 "nested", "complex")

    def __init__(self):
        super().__init__()
        self.steps = []
        self.kinds = []         # per value: its type when traced
        self.shapes = []        # per value: its shape when traced (None for non-arrays)
        self.dtypes = []        # per value: its dtype when traced (None for non-arrays)
        self.owned = set()      # values that were new arrays, not views nor arguments
        self.refs = []          # per value: its Ref (shared by every step that reads it)
        self.copies = {}        # id(plain array) -> (array, its read-only copy)
        self.depth = 0          # traces open in this thread outside this one
        self.nested = False     # whether a derivative transform recorded inside this one
        self.complex = False    # whether a complex value appeared

    def __enter__(self):
        self.depth = recording()
        return super().__enter__()

    # --- values ------------------------------------------------------------------------
    def _new(self, value):
        var = len(self.kinds)
        self.kinds.append(type(value))
        if type(value) is np.ndarray:
            self.shapes.append(value.shape)
            self.dtypes.append(value.dtype)
        else:
            self.shapes.append(None)
            self.dtypes.append(None)
        self.refs.append(Ref(var))
        return var

    def new_input(self, value):
        """Value number ``k`` for the k-th input of the program."""
        return traced(value, self, self._new(value))

    def constant(self, value):
        """A traced constant (``np.zeros_like(x)``): a fresh copy of it on every replay is
        not needed (steps never write into their arguments), one read-only copy serves."""
        var = self._new(value)
        self.steps.append((CONST, self._scan(value)[1], var))
        return traced(value, self, var)

    # --- recording -----------------------------------------------------------------------
    def _scan(self, a):
        """``(raw value, template)`` of an argument: traced values become references,
        plain arrays read-only copies (a later change to the original must not reach the
        program), containers are scanned item by item."""
        if isinstance(a, Traced):
            if a._trace is not self:
                raise Unjittable("a value of a transform outside the jitted function")
            if not self.active:
                self.check_active()
            return a._value, self.refs[a._aux]
        kind = type(a)
        if kind in _LITERAL:
            return a, a
        if kind is np.ndarray:
            return a, Const(self._copy(a))
        if kind is tuple or kind is list:
            pairs = [self._scan(b) for b in a]
            return kind(p[0] for p in pairs), Seq(kind, [p[1] for p in pairs])
        if kind is dict:
            keys = list(a)
            pairs = [self._scan(a[k]) for k in keys]
            return dict(zip(keys, (p[0] for p in pairs))), Dict(keys, [p[1] for p in pairs])
        if kind is slice:
            (r0, t0), (r1, t1), (r2, t2) = (self._scan(a.start), self._scan(a.stop),
                                            self._scan(a.step))
            return slice(r0, r1, r2), Slice(t0, t1, t2)
        return a, Const(a)     # numbers (immutable), dtypes, functions, other objects

    def _copy(self, array):
        hit = self.copies.get(id(array))
        if hit is None or hit[0] is not array:
            copy = array.copy()
            copy.flags.writeable = False
            hit = self.copies[id(array)] = (array, copy)
        return hit[1]

    def record(self, fn, args, kwargs):
        """Run ``fn(*args, **kwargs)`` on the values and append it as a step; return its
        result as traced values (a tuple or list result item by item)."""
        # The hot path of tracing: traced values and numbers inline, the rest by _scan.
        if not self.active:
            self.check_active()
        raw = list(args)
        tmpl = list(args)
        index_like = fn in DATA_SHAPED
        refs = self.refs
        for i, a in enumerate(args):
            kind = type(a)
            if kind is TracedArray or kind is Traced:
                if a._trace is not self:
                    raise Unjittable("a value of a transform outside the jitted function")
                v = raw[i] = a._value
                tmpl[i] = refs[a._aux]
                if not index_like and (v.dtype is not _FLOAT64 if kind is TracedArray
                                       else _index_like(v)):
                    index_like = _index_like(v)
            elif kind is float or kind is np.float64:
                tmpl[i] = Const(a)
            elif kind is not int:
                r, t = raw[i], tmpl[i] = self._scan(a)
                if not index_like and type(t) is Ref and _index_like(r):
                    index_like = True
        kw_raw = kw_tmpl = None
        if kwargs:
            kw_raw = {}
            kw_tmpl = {}
            for k, v in kwargs.items():
                kw_raw[k], kw_tmpl[k] = self._scan(v)
        try:
            out = fn(*raw, **kw_raw) if kwargs else fn(*raw)
        except Exception:
            # The caller may catch it and go another way: the replay checks that this
            # step still raises (a replay that raises where tracing did not traces again).
            self.steps.append((RAISES, fn, tmpl, kw_tmpl))
            raise
        if not self.nested and recording() > self.depth + 1:
            self.nested = True
        kind = type(out)
        if kind is np.ndarray and out.dtype.kind != "c":
            # (the commonest result, inlined: _new and _result)
            var = len(self.kinds)
            self.kinds.append(kind)
            self.shapes.append(out.shape)
            self.dtypes.append(out.dtype)
            self.refs.append(Ref(var))
            self.steps.append((CALL, fn, tmpl, kw_tmpl, var, index_like))
            if out.base is None:
                for r in raw:
                    if r is out:
                        break
                else:
                    self.owned.add(var)     # a new array: the program may write into it
            return TracedArray(out, self, var)
        if kind is np.float64 or kind is float:
            var = len(self.kinds)
            self.kinds.append(kind)
            self.shapes.append(None)
            self.dtypes.append(None)
            self.refs.append(Ref(var))
            self.steps.append((CALL, fn, tmpl, kw_tmpl, var, False))
            return Traced(out, self, var)
        return self._result(out, (CALL, fn, tmpl, kw_tmpl), index_like)

    def _result(self, out, head, shape_guard):
        kind = type(out)
        if kind is np.ndarray:
            if out.dtype.kind == "c":
                self._complex()
        elif kind is complex or kind is np.complex128:
            self._complex()
        var = self._new(out)
        self.steps.append(head + (var, shape_guard and kind is np.ndarray))
        if kind is tuple or kind is list:
            items = []
            for i, item in enumerate(out):
                k = self._new(item)
                self.steps.append((ITEM, var, i, k, shape_guard and type(item) is np.ndarray))
                items.append(self._wrap(item, k))
            return kind(items)
        return self._wrap(out, var)

    def _wrap(self, value, var):
        if isinstance(value, (np.ndarray, np.generic, float, int, complex)):
            return traced(value, self, var)
        if isinstance(value, (tuple, list)):
            raise Unjittable("a nested tuple result")
        # Anything else (None, a string...) is returned as it is, its value guarded.
        self.steps.append((GUARD, var, None, value))
        return value

    def _complex(self):
        # The fast engine hands complex computations to the reference engine, which it
        # cannot do from inside a jit; a derivative of complex values runs without jit.
        self.complex = True
        if self.nested or recording() > self.depth + 1:
            raise Unjittable("complex values inside a derivative transform")

    def process(self, prim, args, kwargs):
        return self.record(prim.impl, args, kwargs)

    def process_binary(self, prim, x, y):
        return self.record(prim.impl, (x, y), None)

    def process_slice(self, prim, x, key):
        return self.record(prim.impl, (x, key), None)

    # --- reads of data: guards -------------------------------------------------------------
    def read(self, x, convert=None):
        """``convert(value)`` of the traced ``x`` (its value for None), recorded as a guard:
        the replay computes it again and traces anew if it differs."""
        if not self.active:
            raise LeakedTracerError(
                "A value traced by optad.jit was read after the jitted call had finished "
                "(it was stored outside the function, e.g. in a list or a global). Return "
                "it from the function instead.")
        value = x._value
        if convert is not None:
            value = convert(value)
        expected = value.copy() if type(value) is np.ndarray else value
        self.steps.append((GUARD, x._aux, convert, expected))
        return value
