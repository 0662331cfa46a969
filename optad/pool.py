"""A per-thread pool of large float64 buffers, reused by later operations and calls.

On machines where a page fault is expensive, an array that is freed and allocated again
on the next gradient call can cost more in faults than in arithmetic (measured here:
~2 us per 4 KiB page, so a 1e6-element temporary costs ~1 ms to fault in). NumPy's own
temporary elision spares plain code most of that; a tape must keep values alive, so it
cannot elide. Instead, the large arrays a call creates (forward values, tangents,
adjoints) are kept here once nothing references them any more: as soon as they die
during the call (:class:`CallArrays`), or when the call ends. Later elementwise
operations write into them (``out=``). Only dead arrays are kept: a reference count that
shows any other holder (the user, a view, the tape) leaves the array alone. The pool is
bounded and can be emptied, every thread's at once, with :func:`release_memory`.

>>> import numpy as np, optad
>>> _ = optad.grad(lambda x: np.sum(np.sin(x) * x))(np.ones(200_000))
>>> optad.release_memory() >= 0
True
"""

import itertools
import os
import sys
import threading
import weakref

import numpy as np

from .settings import config
from .traced import Traced


__all__ = ["POOL", "BufferPool", "CallArrays", "release_memory", "pooled_bytes",
           "out_for"]

# Sizes and counts are optad.config's pool_min_bytes, pool_max_bytes, pool_per_shape and
# reclaim_window.
#: A call's list of large arrays is first checked in full at this length.
_FIRST_SCAN = 32


class _Free(dict):
    """One thread's pooled arrays by shape: a dict that a weak reference can point to."""

    __slots__ = ("__weakref__",)


# Every thread's pool, weakly: a thread's pool goes when the thread ends (its
# ``threading.local`` storage is dropped), and :func:`release_memory` reaches the rest.
_POOLS = weakref.WeakValueDictionary()     # a number -> that thread's _Free
_POOLS_LOCK = threading.Lock()
_NUMBERS = itertools.count()


def _new_lock_after_fork():
    # A fork while another thread held the lock would leave it held forever in the child.
    global _POOLS_LOCK
    _POOLS_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_after_fork)


def _held(free):
    """Bytes in ``free``. Lists are copied first (each copy is one atomic step), as another
    thread may be emptying ``free`` or its owner taking from a list meanwhile."""
    return sum(a.nbytes for stack in list(free.values()) for a in list(stack))


class BufferPool(threading.local):
    """Dead large arrays by shape, for ``out=`` of the next forward pass; one per thread.

    Another thread's :func:`release_memory` may empty this thread's ``free`` at any time.
    It only removes lists from the dict (``dict.clear``, one atomic step) and never
    changes a list, so the owner's ``take``/``_keep`` need no lock: at worst they pop
    from, or push onto, a list just detached (that array is then freed with it).
    ``bound`` is an upper bound of the bytes held, raised by every array kept and never
    lowered by a take (which keeps :meth:`take` to a lookup and a pop); when it would pass
    ``config.pool_max_bytes`` it is recounted from what is really held, so releases elsewhere and
    takes are caught up then.
    """

    def __init__(self):             # runs once in each thread that uses the pool
        self.free = _Free()
        self.bound = 0
        with _POOLS_LOCK:
            _POOLS[next(_NUMBERS)] = self.free

    @property
    def nbytes(self):
        """Bytes this thread's pool holds now."""
        return _held(self.free)

    def take(self, shape):
        """A pooled array of ``shape`` (float64, C-contiguous, nobody else holds it), or None."""
        stack = self.free.get(shape)
        if not stack:
            return None
        return stack.pop()

    def recycle(self, arrays):
        """Keep the arrays of ``arrays`` that nothing else references; empties the list."""
        getrefcount = sys.getrefcount
        while arrays:
            a = arrays.pop()
            # References: the local name `a` and getrefcount's argument; any other holder
            # (a user variable, a view's base, a tape entry) raises the count.
            if getrefcount(a) == 2:
                self._keep(a)
            del a

    def _room(self, nbytes):
        """Whether ``nbytes`` more fit under ``config.pool_max_bytes`` (recounting when near it)."""
        if self.bound + nbytes <= config.pool_max_bytes:
            return True
        self.bound = _held(self.free)
        return self.bound + nbytes <= config.pool_max_bytes

    def _keep(self, a):
        """Keep the dead array ``a`` if it fits the pool (the caller checked it is dead)."""
        if (a.flags.writeable and a.flags.c_contiguous and a.base is None
                and self._room(a.nbytes)):
            stack = self.free.setdefault(a.shape, [])
            if len(stack) < config.pool_per_shape:
                stack.append(a)
                self.bound += a.nbytes

    def offer(self, a):
        """Keep ``a`` if the caller's name for it is its only reference."""
        # References: the caller's local, this parameter, getrefcount's argument.
        if (config.refcounts and sys.getrefcount(a) == 3 and a.dtype == np.float64
                and a.flags.writeable and a.flags.c_contiguous and a.base is None
                and (self.bound + a.nbytes <= config.pool_max_bytes or self._room(a.nbytes))):
            stack = self.free.setdefault(a.shape, [])
            if len(stack) < config.pool_per_shape:
                stack.append(a)
                self.bound += a.nbytes

    def clear(self):
        """Empty this thread's pool; return the bytes it held."""
        released = _empty(self.free)
        self.bound = 0
        return released


def _empty(free):
    """Detach every list of ``free`` (one atomic ``clear``); return the bytes they held."""
    stacks = list(free.values())
    free.clear()
    return sum(a.nbytes for stack in stacks for a in list(stack))


POOL = BufferPool()


class CallArrays:
    """The large arrays one transform call created; each goes to the pool once dead.

    Holding them in a list keeps them alive, so the list is checked: its recent end before
    each pooled operation (:meth:`reclaim`: a temporary that died a moment ago is reused
    while still in cache, as NumPy's temporary elision does for plain code) and all of it
    whenever it has doubled. A long forward pass therefore holds what plain NumPy would,
    not every intermediate. An array is listed once (tangents pass through operations
    unchanged), or its own entries would keep it looking alive.

    >>> arrays = CallArrays()
    >>> arrays.note(np.empty(100_000)); len(arrays.arrays)
    1
    >>> arrays.release()    # the end of the call: the dead array goes to the pool
    >>> len(arrays.arrays)
    0
    """

    __slots__ = ("arrays", "ids", "scan_at")

    def __init__(self):
        self.arrays = []
        self.ids = set()    # ids of the listed arrays (alive while listed: ids stay unique)
        self.scan_at = _FIRST_SCAN

    def note(self, a):
        """List ``a``, an array this call created (or passed on), if it is not listed yet."""
        ids = self.ids
        if id(a) in ids:
            return
        ids.add(id(a))
        arrays = self.arrays
        arrays.append(a)
        if len(arrays) >= self.scan_at:
            self.reclaim(len(arrays))
            self.scan_at = max(_FIRST_SCAN, 2 * len(arrays))

    def reclaim(self, window=None):
        """Give the pool the dead arrays among the last ``window`` listed (default
        ``config.reclaim_window``)."""
        if window is None:
            window = config.reclaim_window
        arrays = self.arrays
        getrefcount = sys.getrefcount
        i = len(arrays) - 1
        stop = max(0, i + 1 - window)
        while i >= stop:
            # References: the list's entry and getrefcount's argument; any other holder (a
            # traced value, a tangent, a view's base, a tape entry, the user) raises it.
            if getrefcount(arrays[i]) == 2:
                a = arrays.pop(i)
                self.ids.discard(id(a))
                POOL._keep(a)
                del a
            i -= 1

    def release(self):
        """The end of the call: the pool keeps the dead arrays; the list is emptied."""
        self.ids.clear()
        POOL.recycle(self.arrays)


def release_memory():
    """Free the buffers every thread's pool keeps for reuse; return how many bytes they held.

    Threads that are still running keep their pools (empty now) and refill them as they
    compute; a thread's pool also goes by itself when the thread ends.

    >>> release_memory() >= 0
    True
    >>> pooled_bytes()
    0
    """
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
    released = sum(_empty(free) for free in pools)
    POOL.bound = 0      # other threads' bounds are recounted when they next reach the cap
    return released


def pooled_bytes():
    """Bytes held by the pools of all threads together (what :func:`release_memory` frees).

    >>> _ = release_memory(); pooled_bytes()
    0
    """
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
    return sum(_held(free) for free in pools)


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
            if x.nbytes >= config.pool_min_bytes and x.dtype == np.float64:
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
