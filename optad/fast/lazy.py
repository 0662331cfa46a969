"""Primal values computed only when read: forward mode under ``hvp``.

Under ``hvp`` (reverse over forward) the inner forward pass's primal output is thrown
away, and so is every primal value that only leads to it (in Rosenbrock 5 of the 8
full-size operations). There the fast forward trace records such an operation as a
thunk (:class:`Deferred`); its value is computed (and recorded by the outer trace) when
first read: by a tangent rule, by an operation that is not deferred, or by user code.
Never read, never computed. Which values a tangent rule reads is declared per primitive
(``Speed.jvp_reads``).

>>> from optad.prims.elementwise import add
>>> node = Deferred(add, [1.0, 2.0], {}, ())
>>> node.get()
3.0
"""

import numpy as np

from ..engine import bind, plain_shape
from ..traced import Traced, TracedArray

__all__ = ["Deferred", "LazyArray", "LazyScalar", "LAZY", "defer"]

_get_value = Traced._value.__get__
_set_value = Traced._value.__set__


class Deferred:
    """An operation whose result is computed when first read: ``prim(*raw, **kwargs)``.

    ``raw`` holds plain or outer-traced values and other ``Deferred`` nodes (not the
    traced objects: ``y += 1`` rebinds a traced object, and what was computed from ``y``
    before must keep the old value).
    """

    __slots__ = ("thunk", "value", "shape")

    def __init__(self, prim, raw, kwargs, shape):
        self.thunk = (prim, raw, kwargs)
        self.value = None
        self.shape = shape

    def get(self):
        """Compute this value and the deferred ones it needs, oldest first (iteratively:
        chains may be longer than Python's recursion limit)."""
        stack = [self]
        while stack:
            node = stack[-1]
            if node.thunk is None:
                stack.pop()
                continue
            prim, raw, kwargs = node.thunk
            pending = [r for r in raw if type(r) is Deferred and r.thunk is not None]
            if pending:
                stack.extend(pending)
                continue
            vals = [r.value if type(r) is Deferred else r for r in raw]
            node.value = bind(prim, vals, kwargs)     # recorded by the outer trace now
            node.thunk = None
            stack.pop()
        return self.value


def _lazy_value(self):
    node = self._node
    if node is not None:
        _set_value(self, node.get())
        self._node = None
    return _get_value(self)


def _set_lazy_value(self, value):
    self._node = None
    _set_value(self, value)


class LazyArray(TracedArray):
    """A forward-mode traced array whose value (``_node``) is computed when first read."""

    __slots__ = ("_node",)
    _value = property(_lazy_value, _set_lazy_value)


class LazyScalar(Traced):
    """A forward-mode traced scalar whose value (``_node``) is computed when first read."""

    __slots__ = ("_node",)
    _value = property(_lazy_value, _set_lazy_value)


LAZY = (LazyArray, LazyScalar)


def defer(prim, raw, mine, reads):
    """The result shape if ``prim`` can be deferred here (else None); computes what rules read.

    ``reads[i]``: the argument positions the tangent rule of argument i reads (None:
    it reads the result, so the value is needed now).
    """
    for i, ti in mine:
        if ti is not None and (i >= len(reads) or reads[i] is None):
            return None
    shapes = []
    for r in raw:
        if type(r) is Deferred:
            shapes.append(r.shape)
        elif isinstance(r, Traced) or type(r) is np.ndarray:
            shapes.append(plain_shape(r))
        elif not isinstance(r, (float, int)):
            return None     # e.g. a list: leave it to the primitive
    if not shapes:
        return None
    if prim.fast.uniform:
        shape = shapes[0]
        if shapes.count(shape) != len(shapes):
            shape = np.broadcast_shapes(*shapes)   # raises NumPy's error for a mismatch
    else:
        shape = ()          # sum over all axes, the only other deferrable primitive
    for i, ti in mine:
        if ti is not None:
            for k in reads[i]:
                if type(raw[k]) is Deferred:
                    raw[k] = raw[k].get()   # a rule reads it: compute it now
    return shape

