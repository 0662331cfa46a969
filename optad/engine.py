"""What every trace shares: applying a primitive (``bind``) and the trace's life cycle.

The engine knows nothing about NumPy's namespace: it records primitives and calls
their rules. Each transform call opens its own trace with a fresh ``level``; a traced
value belongs to exactly one trace. When an operation mixes values of several traces
(nested transforms), the innermost trace (highest level) handles it and passes the
rest down, so perturbations of different transforms never mix. Two engines implement
traces: the reference engine (:mod:`optad.ref`, plain, the specification) and the
fast engine (:mod:`optad.fast`, a layer of speed tricks over it).

>>> from optad.engine import bind
>>> from optad.primitive import Primitive
>>> mul = Primitive("mul", lambda a, b: a * b)
>>> bind(mul, (3.0, 2.0), {})                 # no traced argument: just run it
6.0
"""

import itertools
import threading

import numpy as np

from .errors import ComplexValueError, LeakedTracerError, NotDifferentiableError
from .gcpause import gc_pause
from .traced import Traced, TracedArray, peek, traced, value_of

__all__ = ["Trace", "Traced", "TracedArray", "traced", "bind", "value_of", "check_complex",
           "missing_rule", "NeedsReference", "recording"]

_levels = itertools.count(1)


class _Open(threading.local):
    depth = 0       # traces open in this thread (a class attribute: each thread starts at 0)


_open = _Open()


def recording():
    """How many traces (of any transform, ``optad.jit``'s included) are open in this thread.

    >>> recording()
    0
    """
    return _open.depth


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


class Trace:
    """A recording in progress: its nesting ``level``, whether it is still ``active``, and
    the views NumPy would share memory with (``views_of``, see :mod:`optad.views`).

    Use it as a context manager: the cyclic garbage collector is paused while any trace
    records (a tape is many small objects made in a burst), and a traced value used
    after its trace ended raises :class:`~optad.errors.LeakedTracerError`.
    """

    __slots__ = ("level", "active", "views_of")

    #: Whether a read of this trace's values is a guard (:func:`optad.jit`'s trace only).
    guards_reads = False

    def __init__(self):
        self.level = next(_levels)
        self.active = True
        self.views_of = {}      # id(array) -> weak references to its views

    def __enter__(self):
        _open.depth += 1
        gc_pause.enter()
        return self

    def __exit__(self, *exc):
        self.active = False
        _open.depth -= 1
        gc_pause.exit()
        return False

    def check_active(self):
        if not self.active:
            raise LeakedTracerError(
                "A traced value was used after the transform that created it had finished "
                "(it was stored outside the function being differentiated, e.g. in a list or "
                "a global). Return it from the function instead, or convert the finished "
                "result with optad.value_of(...)."
            )

    def process_binary(self, prim, x, y):
        """Record ``prim(x, y)`` (an operator); engines may specialize this common case."""
        return self.process(prim, (x, y), {})

    def process_slice(self, prim, x, key):
        """Record ``x[key]`` for a plain slice or int ``key`` (``prim`` is getitem), the
        commonest view of all (``x[1:] - x[:-1]``); engines may specialize it."""
        return self.process(prim, (x, key), {})

    def finish(self):
        """The transform call is over: engines may recycle what they allocated."""


def is_complex(v):
    """Whether a raw result is complex (a value the engine refuses: see ``check_real``).

    >>> is_complex(1j), is_complex(np.ones(2)), is_complex(np.float64(1.0))
    (True, False, False)
    """
    kind = type(v)
    if kind is float or kind is np.float64:
        return False
    if kind is np.ndarray:
        return v.dtype.kind == "c"
    return kind is complex or isinstance(v, np.complexfloating)


def has_complex(v):
    """Whether ``v`` (a raw argument or result, or a traced value) holds complex numbers.

    >>> has_complex(np.ones(2) * 1j), has_complex([1j]), has_complex(2.0)
    (True, False, False)
    """
    return is_complex(peek(v))


def check_complex(prim, args, value):
    """Refuse complex values in a primitive whose rules are written for real ones only
    (``Primitive.complex_safe`` False: ``sign``, ``clip``, a user's primitive): their
    rules would give wrong derivatives for complex inputs, silently."""
    if prim.complex_safe:
        return
    if is_complex(peek(value)) or any(is_complex(peek(a)) for a in args):
        raise refuse_complex(prim)


def refuse_complex(prim):
    return ComplexValueError(
        f"{prim.name} got a complex value inside a traced computation, and optad has no "
        f"complex derivative rule for it (its rules hold for real values only).\nKeep "
        f"that step real (np.real, np.imag, np.abs of the complex value first), or "
        f"register a primitive with complex-aware rules (Primitive(..., complex_safe=True): "
        f"the convention is in optad.prims.complex)."
    )


def hand_over(trace):
    """The fast engine met a complex value: mark ``trace`` (so a caught exception cannot
    hide it) and return the exception that sends the call to the reference engine."""
    trace.handed_over = True
    return NeedsReference()


class NeedsReference(Exception):
    """Raised by the fast engine when a complex value appears: complex computations run
    on the reference engine, so the transform records the call again there (see
    :mod:`optad.transforms`). Internal: it never reaches the user."""


def missing_rule(prim, argnum, register):
    """The error for a traced value reaching an argument that has no rule."""
    mode = "reverse-mode (vector-Jacobian)" if register == "defvjp" else "forward-mode (Jacobian-vector)"
    first = "g" if register == "defvjp" else "t"
    return NotDifferentiableError(
        f"{prim.name} has no {mode} rule for its argument {argnum}, but a traced value "
        f"reached it.\nGive it one with optad.{register}({prim.name}, ..., "
        f"lambda {first}, ans, *args: ...) (one rule per positional argument, None where it "
        f"is not differentiable), or pass a plain value there (optad.stop_gradient(x))."
    )


def plain_shape(v):
    """The shape of ``v`` or of the plain value under it (cheaper than a traced ``.shape``;
    a metadata read: never a guard under ``optad.jit``)."""
    while isinstance(v, Traced):
        v = v._value
    return getattr(v, "shape", ())
