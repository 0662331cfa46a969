"""Signatures of a jitted call and the cache of programs per signature.

The signature of a call is what a program may depend on besides the values of its
traced inputs: the pytree structure of the arguments, the type, shape, dtype and strides
of each array (strides decide whether NumPy returns a view, which decides where a
write lands), the type of each float, and the value of every other leaf (ints,
strings, None, bools, any hashable object: *static* arguments, as ``jax.jit``'s
``static_argnums``, found by type instead of declared).

A signature maps to a few *variants*: programs traced at the same signature that took
different branches (a guard failed in the others). The most recently successful is
tried first.

>>> import numpy as np
>>> key, leaves = signature((np.ones(3), 2.0, 5), {})
>>> len(leaves)      # the array and the float are inputs; 5 is static
2
"""

import collections
import threading

import numpy as np

from .. import tree
from ..traced import Traced
from .trace import Unjittable

__all__ = ["signature", "ProgramCache", "INSIDE_TRANSFORM"]

#: ``signature``'s answer for a call with traced arguments (jit inside grad): run ``f``.
INSIDE_TRANSFORM = object()

_FLOATS = (float, np.float64, np.float32, np.float16, np.longdouble)
_COMPLEX = (complex, np.complex128, np.complex64)


def _array_key(a):
    if a.dtype.kind not in "biufc":
        raise Unjittable(f"an array of dtype {a.dtype} (only numbers are traced)")
    return (a.shape, a.dtype, a.strides)


def signature(args, kwargs):
    """``(key, inputs)`` of a call: the hashable signature and the leaves that are
    traced inputs, in order; ``INSIDE_TRANSFORM`` when an argument is already traced.
    Raises :class:`~optad.jit.trace.Unjittable` for a static leaf that is not hashable."""
    if not kwargs:
        # The common case, kept short: positional arrays and floats.
        key = []
        for a in args:
            kind = type(a)
            if kind is np.ndarray:
                key.append(_array_key(a))
            elif kind is float or kind is np.float64:
                key.append(kind)
            else:
                break
        else:
            return tuple(key), args
    leaves, treedef = tree.flatten((args, kwargs))
    key = [treedef]
    inputs = []
    for leaf in leaves:
        kind = type(leaf)
        if kind is np.ndarray:
            key.append(_array_key(leaf))
            inputs.append(leaf)
        elif kind in _FLOATS or kind in _COMPLEX:
            key.append(kind)
            inputs.append(leaf)
        elif isinstance(leaf, Traced):
            return INSIDE_TRANSFORM, None
        elif isinstance(leaf, np.ndarray):
            raise Unjittable(f"an argument of type {kind.__name__} (an ndarray subclass)")
        else:
            try:
                hash(leaf)
            except TypeError:
                raise Unjittable(f"an argument of type {kind.__name__}, which is neither "
                                 f"traced (arrays, floats) nor hashable (a static value)")
            key.append((kind, leaf))
    return tuple(key), inputs


def rebuild(args, kwargs, inputs):
    """``(args, kwargs)`` with the input leaves replaced by ``inputs`` (traced values)."""
    if not kwargs and len(inputs) == len(args) and all(
            type(a) is np.ndarray or type(a) is float or type(a) is np.float64 for a in args):
        return tuple(inputs), {}
    leaves, treedef = tree.flatten((args, kwargs))
    it = iter(inputs)
    new = []
    for leaf in leaves:
        kind = type(leaf)
        if kind is np.ndarray or kind in _FLOATS or kind in _COMPLEX:
            new.append(next(it))
        else:
            new.append(leaf)
    args, kwargs = tree.unflatten(treedef, new)
    return args, kwargs


class _Entry:
    __slots__ = ("variants", "traces", "retraces", "warned", "plain")

    def __init__(self):
        self.plain = False      # calls at this signature run without jit (Unjittable)
        self.variants = []      # programs, most recently successful first
        self.traces = 0         # how many times this signature was traced
        self.retraces = 0       # ... because the guards of every program kept failed
        self.warned = False


class ProgramCache:
    """Programs per signature, the least recently used signature dropped past ``size``;
    at most ``variants`` programs per signature. Safe to share between threads (the
    programs themselves hold no state)."""

    def __init__(self, size, variants):
        self.size = size
        self.variants = variants
        self.entries = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        return self.entries.get(key)

    def promote(self, entry, program):
        """``program`` just ran at ``entry``'s signature: try it first next time."""
        if entry.variants and entry.variants[0] is not program:
            with self.lock:
                # (a new list: other threads may be iterating over the old one)
                if program in entry.variants:
                    entry.variants = [program] + [p for p in entry.variants if p is not program]

    def add(self, key, program, failed=False):
        """Keep ``program`` for ``key`` (``failed``: traced because the guards of the
        programs kept failed); return the entry (with its trace counts). A program whose
        guards are those of a kept one (another thread traced the same branch) replaces it."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                entry = self.entries[key] = _Entry()
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
            else:
                self.entries.move_to_end(key)
            entry.traces += 1
            entry.retraces += failed
            if program is not None:
                variants = [p for p in entry.variants if p.guard_key != program.guard_key]
                variants.insert(0, program)
                entry.variants = variants[:self.variants]
            return entry

    def clear(self):
        with self.lock:
            self.entries.clear()
