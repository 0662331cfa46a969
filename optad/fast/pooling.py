"""Pooled outputs: large elementwise results written into dead buffers of the pool.

A forward pass of a large objective allocates a full-size array per operation; on
machines where page faults are expensive that costs more than the arithmetic. Instead,
an elementwise primitive with a ``Speed.ufunc`` writes its result (``out=``) into a
buffer of the same shape that an earlier operation or call no longer needs
(:mod:`optad.pool`), and the result is noted in the call's :class:`CallArrays` so it
goes back to the pool once it dies.

>>> import numpy as np
>>> from optad.prims.elementwise import sin
>>> out = into_pooled_buffer(CallArrays(), sin, sin.fast.ufunc, [np.zeros(3)])
>>> out
array([0., 0., 0.])
"""

import numpy as np

from ..pool import POOL, CallArrays
from ..settings import config

__all__ = ["into_pooled_buffer", "CallArrays"]


def into_pooled_buffer(allocated, prim, ufunc, raw):
    """``prim.impl(*raw)`` computed by ``ufunc(*raw, out=buffer)`` into a pooled buffer
    when all array arguments are C-ordered float64 (else as usual); ``allocated`` lists
    the result so it returns to the pool once dead."""
    shape = None
    shapes = []
    for r in raw:
        if type(r) is np.ndarray:
            if r.dtype != np.float64 or not r.flags.c_contiguous:
                # (a pooled buffer is C-ordered; NumPy gives a transposed input's result
                # its layout, and later reshapes copy or make views by that layout)
                return prim.impl(*raw)
            if shape is None:
                shape = r.shape
            shapes.append(r.shape)
        elif not isinstance(r, (float, int)):
            return prim.impl(*raw)
    if len(shapes) > 1 and shapes.count(shape) != len(shapes):
        shape = np.broadcast_shapes(*shapes)   # (1.5 us: only when shapes differ)
    if config.refcounts:
        allocated.reclaim()   # temporaries that died since: reuse them while hot
    buf = POOL.take(shape)
    ans = prim.impl(*raw) if buf is None else ufunc(*raw, out=buf)
    if config.refcounts:
        allocated.note(ans)   # back to the pool once dead
    return ans
