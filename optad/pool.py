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

# Same flag as the engine's: reference counts are exact on CPython before 3.14.
REFCOUNTS_EXACT = sys.implementation.name == "cpython" and sys.version_info < (3, 14)

__all__ = ["POOL", "release_memory", "MIN_BYTES", "out_for"]

#: Arrays smaller than this are left to the allocator (faults are cheap for them).
MIN_BYTES = 256 * 1024
#: At most this many bytes are kept per thread.
MAX_BYTES = 256 * 1024 * 1024
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
                    and a.flags.writeable and a.flags.c_contiguous and a.base is None):
                stack = self.free.setdefault(a.shape, [])
                if len(stack) < _PER_SHAPE:
                    stack.append(a)
                    self.nbytes += a.nbytes
            del a

    def offer(self, a):
        """Keep ``a`` if the caller's name for it is its only reference."""
        # References: the caller's local, this parameter, getrefcount's argument.
        if (REFCOUNTS_EXACT and sys.getrefcount(a) == 3 and a.dtype == np.float64
                and self.nbytes + a.nbytes <= MAX_BYTES and a.flags.writeable
                and a.flags.c_contiguous and a.base is None):
            stack = self.free.setdefault(a.shape, [])
            if len(stack) < _PER_SHAPE:
                stack.append(a)
                self.nbytes += a.nbytes

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


def out_for(*operands):
    """A pooled buffer for an elementwise result of plain float64 ``operands``, or None.

    ``np.multiply(a, b, out=out_for(a, b))`` then reuses memory when it can and
    allocates as usual (``out=None``) when it cannot (small, broadcast, traced, other
    dtypes).

    >>> out_for(np.ones(3), 2.0) is None     # small arrays are left to the allocator
    True
    """
    big = None
    ones_ndim = 0           # the most dimensions of a size-1 array operand
    for x in operands:
        if type(x) is np.ndarray:
            if x.nbytes >= MIN_BYTES and x.dtype == np.float64:
                if big is not None and x.shape != big.shape:
                    return None     # broadcasting: let NumPy size the result
                big = x
            elif x.size == 1:
                ones_ndim = max(ones_ndim, x.ndim)
            else:
                return None
        elif isinstance(x, Traced) or not isinstance(x, (float, int)):
            return None
    if big is None or ones_ndim > big.ndim or not POOL.free:
        return None         # (a (1, 1) operand makes an (n,) result (1, n): not big's shape)
    return POOL.take(big.shape)
