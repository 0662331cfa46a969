"""A per-thread pool of large float64 buffers, reused by the forward pass of the next call.

On machines where a page fault is expensive, an array that is freed and allocated again
on the next gradient call can cost more in faults than in arithmetic (measured here:
~2 us per 4 KiB page, so a 1e6-element temporary costs ~1 ms to fault in). NumPy's own
temporary elision spares plain code most of that; a tape must keep values alive, so it
cannot elide. Instead, when a gradient call ends, the large arrays that its forward
pass created and that nothing references any more are kept here, and the next call's
elementwise operations write into them (``out=``). Only dead arrays are kept: a
reference count that shows any other holder (the user, a view, the tape) leaves the
array alone. The pool is bounded and can be emptied with :func:`release_memory`.

>>> import numpy as np, optad
>>> _ = optad.grad(lambda x: np.sum(np.sin(x) * x))(np.ones(200_000))
>>> optad.release_memory() >= 0
True
"""

import sys
import threading

import numpy as np

from .traced import Traced

__all__ = ["POOL", "release_memory", "MIN_BYTES"]

#: Arrays smaller than this are left to the allocator (faults are cheap for them).
MIN_BYTES = 256 * 1024
#: At most this many bytes are kept per thread.
MAX_BYTES = 512 * 1024 * 1024
_PER_SHAPE = 16


class BufferPool(threading.local):
    """Dead large arrays by shape, for ``out=`` of the next forward pass."""

    def __init__(self):
        self.free = {}
        self.nbytes = 0

    def take(self, shape):
        """A pooled array of ``shape`` (float64, C-contiguous, nobody else holds it), or None."""
        stack = self.free.get(shape)
        if not stack:
            return None
        buf = stack.pop()
        self.nbytes -= buf.nbytes
        return buf

    def recycle(self, arrays):
        """Keep the arrays of ``arrays`` that nothing else references; empties the list."""
        getrefcount = sys.getrefcount
        while arrays:
            a = arrays.pop()
            # References: the local name `a` and getrefcount's argument; any other holder
            # (a user variable, a view's base, a tape entry) raises the count.
            if (getrefcount(a) == 2 and self.nbytes + a.nbytes <= MAX_BYTES
                    and a.flags.writeable and a.flags.c_contiguous):
                stack = self.free.setdefault(a.shape, [])
                if len(stack) < _PER_SHAPE:
                    stack.append(a)
                    self.nbytes += a.nbytes
            del a

    def clear(self):
        released = self.nbytes
        self.free.clear()
        self.nbytes = 0
        return released


POOL = BufferPool()


def release_memory():
    """Free the buffers this thread's pool keeps for reuse; return how many bytes it held.

    >>> release_memory() >= 0
    True
    """
    return POOL.clear()


def poolable(x):
    """Whether ``x`` is a plain float64 array large enough to pool (or a scalar)."""
    return type(x) is not np.ndarray or x.dtype == np.float64 and not isinstance(x, Traced)
