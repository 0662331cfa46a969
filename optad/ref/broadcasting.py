"""Undoing broadcasting, in the one place both engines share.

A rule may return a contribution of its output's (broadcast) shape; the argument it
belongs to may be smaller (``x + y`` with ``x`` of shape ``(3,)`` and ``y`` of shape
``(2, 3)``). Summing over the axes broadcasting added gives the argument's adjoint.

>>> import numpy as np
>>> unbroadcast(np.ones((2, 3)), np.zeros(3))
array([2., 2., 2.])
>>> unbroadcast(2.0, np.zeros((2, 2)))          # a scalar stands for its broadcast
array([[2., 2.],
       [2., 2.]])
"""

import numpy as np

from ..traced import broadcast, value_of, peek

__all__ = ["unbroadcast", "sum_to_shape"]


def unbroadcast(c, like):
    """The contribution ``c`` summed (or broadcast) to the shape of the value ``like``."""
    shape = np.shape(peek(like))
    return sum_to_shape(c, shape)


def sum_to_shape(c, shape):
    """``c`` summed over the axes broadcasting added to ``shape`` (broadcast if smaller)."""
    cshape = np.shape(peek(c))
    if cshape == shape:
        return c
    extra = len(cshape) - len(shape)
    if extra < 0 or (extra == 0 and any(d == 1 and s != 1 for d, s in zip(cshape, shape))):
        # A rule returned fewer (or size-1) dimensions than the argument: a scalar for a
        # whole array stands for its broadcast.
        return broadcast(c, shape)
    axes = tuple(range(extra)) + tuple(
        extra + k for k, d in enumerate(shape) if d == 1 and cshape[extra + k] != 1)
    if axes:
        c = np.sum(c, axis=axes, keepdims=True)
    if extra:
        c = np.reshape(c, shape)
    return c
