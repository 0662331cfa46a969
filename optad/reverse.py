"""Reverse mode: the tape of primitive applications and the backward pass over it.

>>> from optad.reverse import ReverseTrace
>>> from optad.primitive import Primitive
>>> mul = Primitive("mul", lambda a, b: a * b,
...                 vjps=(lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a))
>>> with ReverseTrace() as tr:
...     x = tr.new_input(3.0)
...     y = mul(x, x)                       # Python floats only: no NumPy needed
...     adjoints = tr.backward([(y, 1.0)])
>>> adjoints[x._aux]
6.0
"""

import sys

import numpy as np

from .engine import _EMPTY, Shaped, _no_rule_message, _shape, _Trace, bind, is_complex, refuse_complex
from .errors import NotDifferentiableError
from .settings import config
from .pool import MIN_BYTES as POOL_MIN
from .pool import POOL
from .traced import Traced, TracedArray, broadcast, traced

__all__ = ["ReverseTrace"]

# Arrays smaller than this are always kept: dropping them saves nothing worth the bookkeeping.
_DROP_MIN_SIZE = 4096


def _droppable(v):
    # Plain arrays, and traced arrays of an outer transform (their memory is the same).
    return (type(v) is np.ndarray or isinstance(v, TracedArray)) and v.size >= _DROP_MIN_SIZE


class ReverseTrace(_Trace):
    """Records a tape of primitive applications and runs the backward pass over it.

    Each tape entry is ``(prim, raw_args, kwargs, ans, parents, shape)``; ``parents`` are
    ``(argnum, tape_index)`` pairs. Entries are appended in execution order, which is a
    topological order, so the backward pass is a single reverse loop.
    """

    __slots__ = ("tape", "keep_all")

    def __init__(self, keep_all=False):
        super().__init__()
        self.tape = []
        self.keep_all = keep_all  # the explain view shows every value, so it keeps them all

    def new_input(self, value):
        """A leaf of the tape: an input (or constant) that adjoints flow into."""
        tape = self.tape
        tape.append((None, None, None, value, (), _shape(value), False))
        return traced(value, self, len(tape) - 1)

    constant = new_input

    def process(self, prim, args, kwargs):
        # The hot path of recording: kept flat (one loop, no helper calls) on purpose.
        if not self.active:
            self._check()
        raw = list(args)
        parents = []
        nested = False
        big = False             # an array worth freeing among the arguments
        vjps = prim.vjps
        for i, a in enumerate(args):
            if isinstance(a, Traced):
                if a._trace is self:
                    if i >= len(vjps) or vjps[i] is None:
                        raise NotDifferentiableError(_no_rule_message(prim, i, "defvjp", "g"))
                    raw[i] = v = a._value
                    parents.append((i, a._aux))
                    if type(v) is np.ndarray:
                        big = big or v.size >= _DROP_MIN_SIZE
                    elif isinstance(v, Traced):
                        nested = True   # a value of an outer transform: it must see this op
                else:
                    a._trace._check()
                    nested = True
            elif type(a) is np.ndarray:
                big = big or a.size >= _DROP_MIN_SIZE
        if nested:
            ans = bind(prim, raw, kwargs)
        elif big and prim.ufunc is not None and not kwargs:
            ans = self._into_pooled_buffer(prim, raw)
        else:
            ans = prim.impl(*raw, **kwargs) if kwargs else prim.impl(*raw)
        if not nested and is_complex(ans):
            raise refuse_complex(prim)
        tape = self.tape
        shape = getattr(ans, "shape", ())
        stored = ans
        if (big or nested or (type(ans) is np.ndarray and ans.size >= _DROP_MIN_SIZE)) and (
                prim.needs is not None and not self.keep_all):
            stored = self._drop_unneeded(prim.needs, parents, raw, ans)
        tape.append((prim, raw, kwargs, stored, parents, shape, nested))
        return (TracedArray if shape else Traced)(ans, self, len(tape) - 1)

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
        if (not self.active or kx is not float and kx is not np.float64 and kx is not int
                and (kx is not np.ndarray or xv.size >= _DROP_MIN_SIZE)
                or ky is not float and ky is not np.float64 and ky is not int
                and (ky is not np.ndarray or yv.size >= _DROP_MIN_SIZE)
                or len(prim.vjps) < 2 or prim.vjps[0] is None or prim.vjps[1] is None):
            return self.process(prim, (x, y), _EMPTY)   # large, nested, or unusual
        ans = prim.impl(xv, yv)
        if type(ans) is not float and type(ans) is not np.float64 and is_complex(ans):
            raise refuse_complex(prim)
        shape = getattr(ans, "shape", ())
        if shape and ans.size >= _DROP_MIN_SIZE:     # broadcasting made it large
            return self.process(prim, (x, y), _EMPTY)
        tape = self.tape
        tape.append((prim, [xv, yv], _EMPTY, ans, parents, shape, False))
        return (TracedArray if shape else Traced)(ans, self, len(tape) - 1)

    @staticmethod
    def _drop_unneeded(needs, parents, raw, ans):
        """Replace large arrays that no rule of the traced arguments reads by their shapes."""
        keep = set()
        for i, _ in parents:
            keep.update(needs[i])
        for k, v in enumerate(raw):
            if k not in keep and _droppable(v):
                raw[k] = Shaped(v)
        if -1 not in keep and _droppable(ans):
            return Shaped(ans)
        return ans

    def backward(self, seeds, *, free=True):
        """Adjoints of the tape from ``seeds``, a list of ``(traced_output, seed)`` pairs.

        Iterative, in reverse tape order. An adjoint reached along several paths is the
        sum of its contributions; a contribution of another shape than its parent (from
        broadcasting) is summed back here, in this one place. With ``free``, each entry
        is dropped as soon as it has been used, so memory falls during the pass. Leaf
        adjoints stay in the returned list, indexed by tape position.
        """
        tape = self.tape
        n = (seeds[0][0]._aux if len(seeds) == 1 else max(out._aux for out, _ in seeds)) + 1
        adj = [None] * n
        owned = bytearray(n)  # 1 where adj[i] is an ndarray this pass created (safe to add into)
        for out, seed in seeds:
            i = out._aux
            adj[i] = seed if adj[i] is None else adj[i] + seed
        observer = self.observer
        lazy = observer is None   # the explain view shows every adjoint in full
        getrefcount = sys.getrefcount
        for i in range(n - 1, -1, -1):
            g = adj[i]
            if g is None:
                continue
            prim, raw, kwargs, ans, parents, shape, nested = tape[i]
            # A plain float adjoint of an array value is *uniform*: it stands for its
            # broadcast over the value's shape (what a sum sends back). It travels as the
            # float, so elementwise rules do scalar work instead of full-size passes.
            uniform = shape and (type(g) is np.float64 or type(g) is float)
            if prim is None:
                if uniform:   # a leaf: its gradient is handed out in full
                    adj[i] = full = np.empty(shape)
                    full.fill(g)
                continue
            # g may be overwritten by an in-place rule when this pass owns it, no one else
            # reads it (one parent), and nobody watches (the explain view keeps adjoints).
            # Not when nested: there the rules' operations must be recorded by outer traces.
            g_free = owned[i] and lazy and len(parents) == 1 and not nested
            if lazy:
                adj[i] = None  # consumed: free it
            vjps = prim.vjps
            scatter = prim.scatter
            if uniform and not (prim.elementwise or (scatter is not None and lazy)):
                g = broadcast(g, shape)    # this rule needs the adjoint in full
                uniform = False
            passed_to = None   # the one parent g itself was handed to (identity rules)
            for argnum, j in parents:
                cur = adj[j]
                pshape = tape[j][5]
                if (scatter is not None and lazy and not isinstance(g, Traced)
                        and not isinstance(cur, Traced)):
                    # Indexing: add g into the parent's buffer in place, no full-size temporary.
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
                if uniform and not prim.elementwise:
                    g = broadcast(g, shape)    # indexing whose scatter cannot run here
                    uniform = False
                if g_free and prim.vjps_inplace is not None and prim.vjps_inplace[argnum] is not None:
                    c = prim.vjps_inplace[argnum](g, ans, *raw, **kwargs)
                    c_owned = True
                else:
                    if kwargs:
                        c = vjps[argnum](g, ans, *raw, **kwargs)
                    else:
                        c = vjps[argnum](g, ans, *raw)
                    # A fresh array only this loop references (no base, no other owner).
                    c_owned = (type(c) is np.ndarray and config.refcounts and c.base is None
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
                        if not lazy and pshape:
                            c = broadcast(c, pshape)
                        cshape = pshape
                    else:
                        # Computed from the scalar: it stands for its broadcast over shape.
                        c = broadcast(c, shape)
                        cshape = shape
                        c_owned = False
                if cshape != pshape and (cshape or not lazy or not (
                        type(c) is np.float64 or type(c) is float)):   # else: uniform, as is
                    c = _unbroadcast(c, pshape)
                    c_owned = (config.refcounts and type(c) is np.ndarray and c.base is None
                               and getrefcount(c) == 2)
                if observer is not None:
                    # A copy: the accumulation below may add into c in place.
                    observer(i, argnum, j, c.copy() if type(c) is np.ndarray else c)
                if cur is None:
                    adj[j] = c
                    owned[j] = c_owned
                elif owned[j] and not isinstance(c, Traced):
                    np.add(cur, c, out=cur)
                    if c_owned and lazy and type(c) is np.ndarray and c.nbytes >= POOL_MIN:
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
            if owned[i] and lazy and type(g) is np.ndarray:
                c = cur = None
                if (passed_to is not None and passed_to >= 0 and adj[passed_to] is g
                        and config.refcounts and getrefcount(g) == 3):
                    # Handed whole to its one parent (x - y gives x the adjoint itself), and
                    # only that parent's slot holds it now: still this pass's own array.
                    owned[passed_to] = 1
                elif g.nbytes >= POOL_MIN:
                    # A consumed adjoint this pass created: if nothing else holds it now,
                    # later rules (and the next call) write into it instead of faulting.
                    POOL.offer(g)
        return adj


def _size(shape):
    size = 1
    for d in shape:
        size *= d
    return size


def _unbroadcast(c, shape):
    """Sum a contribution of broadcast shape back to ``shape`` (the inverse of broadcasting)."""
    cshape = _shape(c)
    extra = len(cshape) - len(shape)
    if extra < 0:
        # A rule returned fewer dimensions than the parent (e.g. a scalar for a whole array;
        # the backward pass keeps a plain float as it is, uniform, before calling this).
        return broadcast(c, shape)
    axes = tuple(range(extra)) + tuple(
        extra + k for k, d in enumerate(shape) if d == 1 and cshape[extra + k] != 1)
    if axes:
        c = np.sum(c, axis=axes, keepdims=True)
    if extra:
        c = np.reshape(c, shape)
    return c
