"""The engine's core: applying a primitive (``bind``) and what both traces share.

The engine knows nothing about NumPy's namespace: it records primitives and calls
their rules. Each transform call opens its own trace with a fresh ``level``; a traced
value belongs to exactly one trace. When an operation mixes values of several traces
(nested transforms), the innermost trace (highest level) handles it and passes the
rest down, so perturbations of different transforms never mix. The two traces live
beside this module: :mod:`optad.reverse` (the tape and the backward pass) and
:mod:`optad.forward` (tangents, with the deferred arithmetic of :mod:`optad.tangents`).

>>> from optad.engine import bind
>>> from optad.primitive import Primitive
>>> mul = Primitive("mul", lambda a, b: a * b)
>>> bind(mul, (3.0, 2.0), {})                 # no traced argument: just run it
6.0
"""

import itertools

import numpy as np

from .errors import ComplexValueError, LeakedTracerError
from .gcpause import gc_pause as _gc_pause
from .gcpause import pause_gc
from .pool import POOL, CallArrays
from .settings import config
from .traced import Traced, TracedArray, traced, value_of

__all__ = ["Traced", "TracedArray", "traced", "bind", "value_of", "pause_gc"]

_levels = itertools.count(1)

_EMPTY = {}


def _shape(v):
    return getattr(v, "shape", ())


class Shaped:
    """Stands on the tape for an array that no reverse rule reads: its shape, not its memory.

    Any arithmetic on it fails loudly, so a wrongly declared ``needs`` cannot give a
    silently wrong gradient.
    """

    __slots__ = ("shape", "ndim", "size", "dtype")

    def __init__(self, array):
        self.shape = array.shape
        self.ndim = array.ndim
        self.size = array.size
        self.dtype = array.dtype

    def __repr__(self):
        return f"Shaped({self.shape})"


def bind(prim, args, kwargs):
    """Apply ``prim`` to ``args``: record it in the innermost trace among them, or just run it."""
    top = None
    for a in args:
        if isinstance(a, Traced):
            t = a._trace
            if top is None or t.level > top.level:
                top = t
    if top is None:
        return prim.impl(*args, **kwargs)
    return top.process(prim, args, kwargs)


class _Trace:
    __slots__ = ("level", "active", "observer", "allocated", "views_of")

    def __init__(self):
        self.level = next(_levels)
        self.active = True
        self.observer = None
        self.allocated = CallArrays()   # large arrays this trace's operations created
        self.views_of = {}              # id(array) -> weak references to its views (optad.views)

    def _into_pooled_buffer(self, prim, raw):
        """Run an elementwise primitive on large plain arrays, reusing a dead buffer if any."""
        shape = None
        shapes = []
        for r in raw:
            if type(r) is np.ndarray:
                if r.dtype != np.float64 or not r.flags.c_contiguous:
                    # (a pooled buffer is C-ordered; NumPy would give a transposed input's
                    # result its layout, and later reshapes copy or not by that layout)
                    return prim.impl(*raw)
                if shape is None:
                    shape = r.shape
                shapes.append(r.shape)
            elif not isinstance(r, (float, int)):
                return prim.impl(*raw)
        if len(shapes) > 1 and shapes.count(shape) != len(shapes):
            shape = np.broadcast_shapes(*shapes)   # (1.5 us: only when shapes differ)
        if config.refcounts:
            self.allocated.reclaim()   # temporaries that died since: reuse them while hot
        buf = POOL.take(shape)
        ans = prim.impl(*raw) if buf is None else prim.ufunc(*raw, out=buf)
        if config.refcounts:
            self.allocated.note(ans)   # back to the pool once dead
        return ans

    def __enter__(self):
        _gc_pause.enter()
        return self

    def __exit__(self, *exc):
        self.active = False
        _gc_pause.exit()
        return False

    def _check(self):
        if not self.active:
            raise LeakedTracerError(
                "A traced value was used after the transform that created it had finished "
                "(it was stored outside the function being differentiated, e.g. in a list or "
                "a global). Return it from the function instead, or convert the finished "
                "result with optad.value_of(...)."
            )

    def _unbox(self, args):
        """Raw arguments, this trace's traced arguments, and whether outer traces remain."""
        raw = list(args)
        mine = []
        nested = False
        for i, a in enumerate(args):
            if isinstance(a, Traced):
                if a._trace is self:
                    raw[i] = v = a._value
                    mine.append((i, a))
                    if isinstance(v, Traced):
                        nested = True   # a value of an outer transform: it must see this op
                else:
                    a._trace._check()
                    nested = True
        return raw, mine, nested

    def process_binary(self, prim, x, y):
        """Record ``prim(x, y)`` (an operator); traces may specialize this common case."""
        return self.process(prim, (x, y), _EMPTY)

    def constant(self, value):
        """A traced value with no dependence on the inputs (for ``np.zeros_like(x)``)."""
        raise NotImplementedError

    #: whether x[slice] goes through process_binary (forward mode's short path)
    fast_slices = False


def _plain_shape(v):
    """The shape of ``v`` or of the plain value under it (cheaper than a traced ``.shape``)."""
    while isinstance(v, Traced):
        v = v._value
    return getattr(v, "shape", ())


def is_complex(v):
    """Whether a raw result is complex (a value the engine refuses: see ``refuse_complex``)."""
    kind = type(v)
    if kind is float or kind is np.float64:
        return False
    if kind is np.ndarray:
        return v.dtype.kind == "c"
    return kind is complex or isinstance(v, np.complexfloating)


def refuse_complex(prim):
    """The error for a complex value entering a traced computation (``x * 1j``).

    Until optad supports complex numbers, letting one through would give wrong gradients
    (NumPy drops the imaginary part of an adjoint with only a ComplexWarning).
    """
    return ComplexValueError(
        f"{prim.name} gave a complex result inside a traced computation; optad "
        f"differentiates real (float64) code only.\nKeep the computation real: write "
        f"complex arithmetic with pairs of real arrays (re, im), e.g. |a + ib| as "
        f"np.hypot(a, b)."
    )


def _no_rule_message(prim, argnum, register, first):
    mode = "reverse-mode (vector-Jacobian)" if register == "defvjp" else "forward-mode (Jacobian-vector)"
    return (
        f"{prim.name} has no {mode} rule for its argument {argnum}, but a traced value "
        f"reached it.\nGive it one with optad.{register}({prim.name}, ..., "
        f"lambda {first}, ans, *args: ...) (one rule per positional argument, None where it "
        f"is not differentiable), or pass a plain value there (optad.stop_gradient(x))."
    )
