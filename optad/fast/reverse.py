"""The fast reverse engine: the reference tape and backward loop with speed tricks.

Every trick lives in one named place and must agree with the reference engine
(:mod:`optad.ref.reverse`); property tests compare the two at sizes past every
threshold (``optad.config``):

* **value dropping** (:meth:`ReverseTrace._drop_unneeded`): of arrays of at least
  ``config.drop_min_size`` elements, only the values some rule reads (``Primitive.needs``)
  stay on the tape; the others become :class:`Shaped` placeholders, so memory is freed
  during the forward pass as in plain NumPy;
* **pooled outputs** (:func:`optad.fast.pooling.into_pooled_buffer`): large elementwise
  results are written into dead buffers of the pool (:mod:`optad.pool`);
* **short paths for operators and slices** (:meth:`ReverseTrace.process_binary`,
  :meth:`ReverseTrace.process_slice`);
* in the backward loop, inlined because they run once per operation and a call each
  would cost more than most scalar operations (each marked ``[name]`` there):
  **[uniform adjoints]** (what ``sum`` sends back travels as a float), **[in-place
  rules]** (``Speed.vjps_inplace`` writing into an adjoint this pass owns), **[scatter]**
  (indexing adds into its parent's buffer), **[owned adjoints]** (contributions added
  into an array this pass made, not a new one), **[pool]** (consumed adjoints back to the
  pool for the next rule or call).

>>> import numpy as np
>>> from optad.fast import ReverseTrace
>>> with ReverseTrace() as tr:
...     x = tr.new_input(np.full(5000, 2.0))
...     y = np.sum(x * x)
>>> tr.backward([(y, 1.0)])[x._aux][:3]
array([4., 4., 4.])
"""

import sys
from typing import NamedTuple

import numpy as np

from ..engine import _levels, bind, hand_over, is_complex, missing_rule
from ..pool import POOL
from ..ref import reverse as reference
from ..ref.broadcasting import sum_to_shape
from ..settings import config
from ..traced import Traced, TracedArray, broadcast, is_array, peek
from .pooling import CallArrays, into_pooled_buffer

__all__ = ["ReverseTrace", "Shaped", "FastEntry"]

_EMPTY = {}
_FLOAT64 = np.dtype(np.float64)


class FastEntry(NamedTuple):
    """The layout of a fast tape entry: the reference :class:`~optad.ref.Entry` plus the
    value's shape (its value may have been dropped) and whether an outer trace also
    recorded it (``nested``: the rules must then run on traced values, never in place).

    Entries are stored as plain tuples in this order (a tuple display costs a third of a
    NamedTuple's construction, on the hottest path); code reads them by unpacking, or
    by the index :data:`SHAPE`.
    """

    prim: object
    args: list
    kwargs: dict
    value: object
    parents: list
    shape: tuple
    nested: bool


SHAPE = FastEntry._fields.index("shape")


class Shaped:
    """Stands on the tape for an array that no reverse rule reads: its shape, not its memory.

    Any arithmetic on it fails loudly, so a wrongly declared ``needs`` cannot give a
    silently wrong gradient.

    >>> Shaped(np.zeros((2, 3)))
    Shaped((2, 3))
    """

    __slots__ = ("shape", "ndim", "size", "dtype")

    def __init__(self, array):
        self.shape = array.shape
        self.ndim = array.ndim
        self.size = array.size
        self.dtype = array.dtype

    def __repr__(self):
        return f"Shaped({self.shape})"


def _droppable(v, min_size):
    # Plain arrays, and traced arrays of an outer transform (their memory is the same).
    if type(v) is np.ndarray:
        return v.size >= min_size
    return isinstance(v, TracedArray) and peek(v).size >= min_size


class ReverseTrace(reference.ReverseTrace):
    """The reference reverse trace, recorded and run back with the tricks listed above."""

    __slots__ = ("allocated", "singular", "handed_over")

    def __init__(self):
        # (the fields of Trace and the reference trace set here directly: one call, not
        # three, on every transform call)
        self.level = next(_levels)
        self.active = True
        self.views_of = {}
        self.tape = []
        self.allocated = CallArrays()   # large arrays this trace's operations created
        self.singular = False           # whether a singular rule ran (see Primitive)
        self.handed_over = False        # a complex value appeared (engine.hand_over)

    def new_input(self, value):
        """A leaf of the tape: an input (or constant) that adjoints flow into."""
        tape = self.tape
        tape.append((None, None, None, value, (), getattr(value, "shape", ()), False))
        return (TracedArray if is_array(value) else Traced)(value, self, len(tape) - 1)

    constant = new_input

    def finish(self):
        self.allocated.release()   # the forward pass's dead large arrays, for the next call

    def process(self, prim, args, kwargs):
        # The hot path of recording: kept flat (one loop, no helper calls) on purpose.
        if not self.active:
            self.check_active()
        raw = list(args)
        parents = []
        nested = False
        big = False             # an array worth dropping or pooling among the arguments
        drop_min = config.drop_min_size
        vjps = prim.vjps
        for i, a in enumerate(args):
            if isinstance(a, Traced):
                if a._trace is self:
                    if i >= len(vjps) or vjps[i] is None:
                        raise missing_rule(prim, i, "defvjp")
                    raw[i] = v = a._value
                    parents.append((i, a._aux))
                    if type(v) is np.ndarray:
                        big = big or v.size >= drop_min
                    elif isinstance(v, Traced):
                        nested = True   # a value of an outer transform: it must see this op
                else:
                    a._trace.check_active()
                    nested = True
            elif type(a) is np.ndarray:
                big = big or a.size >= drop_min
        if nested:
            ans = bind(prim, raw, kwargs)
        elif big and prim.fast.ufunc is not None and not kwargs:
            ans = into_pooled_buffer(self.allocated, prim, prim.fast.ufunc, raw)
        else:
            ans = prim.impl(*raw, **kwargs) if kwargs else prim.impl(*raw)
        if not nested:
            kind = type(ans)
            if kind is np.ndarray:
                if ans.dtype.kind == "c":
                    raise hand_over(self)   # complex values: the reference engine's job
            elif kind is not np.float64 and kind is not float and is_complex(ans):
                raise hand_over(self)
        tape = self.tape
        shape = getattr(ans, "shape", ())
        stored = ans
        if (big or nested or (type(ans) is np.ndarray and ans.size >= drop_min)) and (
                prim.needs is not None):
            stored = self._drop_unneeded(prim.needs, parents, raw, ans, drop_min)
        tape.append((prim, raw, kwargs, stored, parents, shape, nested))
        return (TracedArray if shape or type(ans) is np.ndarray or type(ans) is TracedArray
                else Traced)(ans, self, len(tape) - 1)

    def process_binary(self, prim, x, y):
        """:meth:`process` for an operator (``x - y``, ``2 * x``): the commonest case, small
        values of this trace only, recorded with less bookkeeping; anything else goes to
        :meth:`process`."""
        parents = []
        xv = x
        yv = y
        if isinstance(x, Traced):
            if x._trace is not self:
                return self.process(prim, (x, y), _EMPTY)
            xv = x._value
            parents.append((0, x._aux))
        if isinstance(y, Traced):
            if y._trace is not self:
                return self.process(prim, (x, y), _EMPTY)
            yv = y._value
            parents.append((1, y._aux))
        kx = type(xv)
        ky = type(yv)
        drop_min = config.drop_min_size
        if (not self.active or kx is not float and kx is not np.float64 and kx is not int
                and (kx is not np.ndarray or xv.size >= drop_min)
                or ky is not float and ky is not np.float64 and ky is not int
                and (ky is not np.ndarray or yv.size >= drop_min)
                or len(prim.vjps) < 2 or prim.vjps[0] is None or prim.vjps[1] is None):
            return self.process(prim, (x, y), _EMPTY)   # large, nested, or unusual
        ans = prim.impl(xv, yv)
        ka = type(ans)
        if ka is np.ndarray:
            if ans.dtype.kind == "c":
                raise hand_over(self)
        elif ka is not float and ka is not np.float64 and is_complex(ans):
            raise hand_over(self)
        shape = getattr(ans, "shape", ())
        if shape and ans.size >= drop_min:     # broadcasting made it large
            return self.process(prim, (x, y), _EMPTY)
        tape = self.tape
        tape.append((prim, [xv, yv], _EMPTY, ans, parents, shape, False))
        # (plain values only here: an ndarray, 0-d included, or a number)
        kind = TracedArray if shape or type(ans) is np.ndarray else Traced
        return kind(ans, self, len(tape) - 1)

    def process_slice(self, prim, x, key):
        """:meth:`process` for ``x[1:]``, ``x[0]`` (``prim`` is getitem) on a small plain
        float array of this trace: nothing to drop, pool or refuse, so only the entry is
        recorded. Anything else goes to :meth:`process`."""
        xv = x._value
        if (not self.active or type(xv) is not np.ndarray or xv.dtype is not _FLOAT64
                or xv.size >= config.drop_min_size):
            return self.process(prim, (x, key), _EMPTY)
        ans = xv[key]
        shape = ans.shape
        tape = self.tape
        tape.append((prim, [xv, key], _EMPTY, ans, [(0, x._aux)], shape, False))
        return (TracedArray if type(ans) is np.ndarray else Traced)(ans, self, len(tape) - 1)

    @staticmethod
    def _drop_unneeded(needs, parents, raw, ans, min_size):
        """Replace large arrays that no rule of the traced arguments reads by their shapes."""
        keep = set()
        for i, _ in parents:
            keep.update(needs[i])
        for k, v in enumerate(raw):
            if k not in keep and _droppable(v, min_size):
                raw[k] = Shaped(v)
        if -1 not in keep and _droppable(ans, min_size):
            return Shaped(ans)
        return ans

    def backward(self, seeds, *, free=True):
        """The reference backward loop (:meth:`optad.ref.ReverseTrace.backward`) with
        the tricks of this module: uniform adjoints travel as floats; adjoints this pass
        owns are added into (and handed to in-place rules) rather than reallocated; indexing
        scatters into its parent's buffer; consumed adjoints go to the pool. With ``free``,
        each entry is dropped as soon as it has been used, so memory falls during the pass.
        Leaf adjoints stay in the returned list, indexed by tape position.
        """
        tape = self.tape
        n = (seeds[0][0]._aux if len(seeds) == 1 else max(out._aux for out, _ in seeds)) + 1
        adj = [None] * n
        owned = bytearray(n)  # 1 where adj[i] is an ndarray this pass created (safe to add into)
        for out, seed in seeds:
            i = out._aux
            adj[i] = seed if adj[i] is None else adj[i] + seed
        pool_min = config.pool_min_bytes
        refcounts = config.refcounts
        getrefcount = sys.getrefcount
        singular = False
        for i in range(n - 1, -1, -1):
            g = adj[i]
            if g is None:
                continue
            prim, raw, kwargs, ans, parents, shape, nested = tape[i]
            # [uniform adjoints] A plain float adjoint of an array value is *uniform*: it
            # stands for its broadcast over the value's shape (what a sum sends back). It
            # travels as the float, so elementwise rules do scalar work, not full passes.
            uniform = shape and (type(g) is np.float64 or type(g) is float)
            if prim is None:
                if uniform:   # a leaf: its gradient is handed out in full
                    adj[i] = full = np.empty(shape)
                    full.fill(g)
                continue
            # [in-place rules] g may be overwritten by an in-place rule when this pass owns
            # it and no one else reads it (one parent). Not when nested: there the rules'
            # operations must be recorded by outer traces.
            g_free = owned[i] and len(parents) == 1 and not nested
            adj[i] = None  # consumed: free it
            fast = prim.fast
            vjps = fast.vjps
            scatter = fast.scatter
            if not singular and prim.singular is not False:
                singular = prim.singular is True or prim.singular(*raw, **kwargs)
            if uniform and not (fast.uniform or scatter is not None):
                g = broadcast(g, shape)    # this rule needs the adjoint in full
                uniform = False
            passed_to = None   # the one parent g itself was handed to (identity rules)
            for argnum, j in parents:
                cur = adj[j]
                pshape = tape[j][5]     # FastEntry.shape (SHAPE)
                if (scatter is not None and not isinstance(g, Traced)
                        and not isinstance(cur, Traced)):
                    # [scatter] Indexing adds g into the parent's buffer in place: no
                    # full-size temporary.
                    fresh = cur is None
                    if fresh:
                        cur = POOL.take(pshape)
                        if cur is None:
                            cur = np.empty(pshape)
                    elif not owned[j] or type(cur) is not np.ndarray:
                        cur = np.array(broadcast(cur, pshape) if pshape else cur, dtype=float)
                    scatter(cur, g, fresh, *raw, **kwargs)
                    adj[j] = cur
                    owned[j] = 1
                    continue
                if uniform and not fast.uniform:
                    g = broadcast(g, shape)    # indexing whose scatter cannot run here
                    uniform = False
                inplace = fast.vjps_inplace
                if g_free and inplace is not None and inplace[argnum] is not None:
                    c = inplace[argnum](g, ans, *raw, **kwargs)
                    c_owned = True
                else:
                    if kwargs:
                        c = vjps[argnum](g, ans, *raw, **kwargs)
                    else:
                        c = vjps[argnum](g, ans, *raw)
                    # A fresh array only this loop references (no base, no other owner).
                    c_owned = (type(c) is np.ndarray and refcounts and c.base is None
                               and getrefcount(c) == 2)
                if c is g:
                    passed_to = j if passed_to is None else -1   # -1: shared, owned by none
                cshape = getattr(c, "shape", ())
                if uniform and cshape != shape:
                    if type(c) is np.float64 or type(c) is float:
                        # Uniform over `shape`: summing it back over the broadcast axes
                        # multiplies it by the number of elements folded into each.
                        if pshape != shape:
                            folded = _size(pshape)
                            if folded:
                                c = c * (_size(shape) // folded)
                        cshape = pshape
                    else:
                        # Computed from the scalar: it stands for its broadcast over shape.
                        c = broadcast(c, shape)
                        cshape = shape
                        c_owned = False
                if cshape != pshape and (cshape or not (
                        type(c) is np.float64 or type(c) is float)):   # else: uniform, as is
                    c = sum_to_shape(c, pshape)
                    c_owned = (refcounts and type(c) is np.ndarray and c.base is None
                               and getrefcount(c) == 2)
                # [owned adjoints] The sum of the contributions: added into whichever of the
                # two this pass owns, rather than into a new array.
                if cur is None:
                    adj[j] = c
                    owned[j] = c_owned
                elif owned[j] and not isinstance(c, Traced):
                    np.add(cur, c, out=cur)
                    if c_owned and type(c) is np.ndarray and c.nbytes >= pool_min:
                        POOL.offer(c)   # added in and dead: for the next rule or call
                elif c_owned and not isinstance(cur, Traced):
                    np.add(c, cur, out=c)
                    adj[j] = c
                    owned[j] = 1
                else:
                    s = cur + c
                    adj[j] = s
                    owned[j] = type(s) is np.ndarray
            if free:
                tape[i] = None
            if owned[i] and type(g) is np.ndarray:
                # [pool] The consumed adjoint, if it is this pass's own.
                c = cur = None
                if (passed_to is not None and passed_to >= 0 and adj[passed_to] is g
                        and refcounts and getrefcount(g) == 3):
                    # Handed whole to its one parent (x - y gives x the adjoint itself), and
                    # only that parent's slot holds it now: still this pass's own array.
                    owned[passed_to] = 1
                elif g.nbytes >= pool_min:
                    # A consumed adjoint this pass created: if nothing else holds it now,
                    # later rules (and the next call) write into it instead of faulting.
                    POOL.offer(g)
        self.singular = self.singular or singular
        return adj


def _size(shape):
    size = 1
    for d in shape:
        size *= d
    return size
