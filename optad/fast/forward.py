"""The fast forward engine: the reference forward trace with speed tricks.

Every trick lives in one named place and must agree with the reference engine
(:mod:`optad.ref.forward`); property tests compare the two at sizes past every
threshold (``optad.config``):

* **deferred tangents** (:mod:`optad.fast.tangents`): constant factors (``Scaled``: ``-x``,
  ``100*x`` cost no pass) and ``d(x**2) = 2·x·dx`` with sums of such (``LinearForm``:
  ``np.sum`` of one is a dot per term) are multiplied out only where needed;
* **deferred primal values** (:mod:`optad.fast.lazy`): under ``hvp`` a value nobody reads
  is never computed;
* **pooled outputs and tangents** (:mod:`optad.fast.pooling`, :mod:`optad.pool`);
* **a short path for operators** (:meth:`ForwardTrace.process_binary`).

>>> import numpy as np
>>> from optad.fast import ForwardTrace
>>> with ForwardTrace() as tr:
...     x = tr.new_input(np.full(3, 2.0), np.ones(3))
...     y = np.sum(x * x)
>>> float(y._aux)
12.0
"""

import sys

import numpy as np

from ..engine import bind, hand_over, is_complex, missing_rule, plain_shape
from ..ref import forward as reference
from ..settings import config
from ..traced import Traced, TracedArray, broadcast, is_array
from .lazy import LAZY, Deferred, LazyArray, LazyScalar, defer
from .pooling import CallArrays, into_pooled_buffer
from .tangents import LinearForm, Scaled, scaled, unscaled

__all__ = ["ForwardTrace"]

_EMPTY = {}


def _takes_form(fast, i, raw):
    """Whether argument ``i``'s forward rule takes a :class:`LinearForm` tangent as it is:
    ``Speed.takes_forms[i]`` is True (np.sum), or a test of the values (x * c: when c is a
    number)."""
    flags = fast.takes_forms
    if flags is None or i >= len(flags):
        return False
    flag = flags[i]
    return flag(*raw) if callable(flag) else flag


class ForwardTrace(reference.ForwardTrace):
    """The reference forward trace with the tricks listed above."""

    __slots__ = ("lazy", "allocated", "singular", "handed_over")

    def __init__(self, lazy=False):
        super().__init__()
        self.allocated = CallArrays()   # large arrays this trace's operations created
        self.singular = False           # whether a singular rule ran (see Primitive)
        self.handed_over = False        # a complex value appeared (engine.hand_over)
        # Defer primal values nobody may read (fast.lazy): only for callers that never
        # read the primal outputs and whose inputs belong to an outer transform (hvp).
        self.lazy = lazy

    def new_input(self, value, tangent):
        """An input with its seed tangent (``_aux`` is the tangent itself here)."""
        return (TracedArray if is_array(value) else Traced)(value, self, tangent)

    def constant(self, value):
        return (TracedArray if is_array(value) else Traced)(value, self, None)

    @staticmethod
    def tangent(t):
        return t._aux

    def plain_tangent(self, t):
        """An output's tangent multiplied out (deferred factors and forms), and whether it
        is a fresh array (then it need not be copied before it is handed out)."""
        if type(t) is Scaled or type(t) is LinearForm:
            return t.value(), True
        return t, False

    def finish(self):
        self.allocated.release()   # dead large values and tangents, for the next call

    def process_binary(self, prim, x, y):
        """:meth:`process` for an operator (``x - y``, ``2 * x``) on plain values of this
        trace: the commonest case of forward mode, with less bookkeeping. Anything else
        (nested transforms, deferred primal values) goes to :meth:`process`."""
        if self.lazy or not self.active:
            # (Deferred primal values must not be read here: ._value would compute them.)
            return self.process(prim, (x, y), _EMPTY)
        tx = ty = None
        xv = x
        yv = y
        if isinstance(x, Traced):
            if x._trace is not self:
                return self.process(prim, (x, y), _EMPTY)
            xv = x._value
            tx = x._aux
        if isinstance(y, Traced):
            if y._trace is not self:
                return self.process(prim, (x, y), _EMPTY)
            yv = y._value
            ty = y._aux
        if isinstance(xv, Traced) or isinstance(yv, Traced):
            return self.process(prim, (x, y), _EMPTY)   # nested: outer traces must see it
        fast = prim.fast
        pool_min = config.pool_min_bytes
        if fast.ufunc is not None and (type(xv) is np.ndarray and xv.nbytes >= pool_min
                                       or type(yv) is np.ndarray and yv.nbytes >= pool_min):
            ans = into_pooled_buffer(self.allocated, prim, fast.ufunc, [xv, yv])
        else:
            ans = prim.impl(xv, yv)
        ka = type(ans)
        if ka is np.ndarray:
            if ans.dtype.kind == "c":
                raise hand_over(self)   # complex values: the reference engine's job
        elif ka is not float and ka is not np.float64 and is_complex(ans):
            raise hand_over(self)
        shape = getattr(ans, "shape", ())
        if tx is None and ty is None:
            t = None
        else:
            if not self.singular and prim.singular is not False:
                self.singular = prim.singular is True or prim.singular(xv, yv)
            scale = None
            joint = fast.jvp_joint
            deferred_ok = fast.joint_takes_deferred
            if (type(tx) is LinearForm or type(ty) is LinearForm) and not deferred_ok:
                # Multiplied out, unless the one rule that will see it takes it as it is.
                if type(tx) is LinearForm and not (ty is None and _takes_form(fast, 0, (xv, yv))):
                    tx = self._collapsed(tx)
                if type(ty) is LinearForm and not (tx is None and _takes_form(fast, 1, (xv, yv))):
                    ty = self._collapsed(ty)
            if ty is None and type(tx) is Scaled:        # rules are linear in the tangent
                scale = tx.scale
                tx = tx.array
            elif tx is None and type(ty) is Scaled:
                scale = ty.scale
                ty = ty.array
            elif (type(tx) is Scaled or type(ty) is Scaled) and not deferred_ok:
                tx = unscaled(tx)
                ty = unscaled(ty)
            if joint is not None:
                t = joint([tx, ty], ans, xv, yv)
            else:
                jvps = fast.jvps
                if len(jvps) < 2 or (tx is not None and jvps[0] is None) or (
                        ty is not None and jvps[1] is None):
                    return self.process(prim, (x, y), _EMPTY)   # raises the missing-rule error
                t = None if tx is None else jvps[0](tx, ans, xv, yv)
                if ty is not None:
                    c = jvps[1](ty, ans, xv, yv)
                    t = c if t is None else unscaled(t) + unscaled(c)
            if scale is not None:
                t = scaled(t, scale)
            t = self._settle(t, shape)
        # (plain values only here: an ndarray, 0-d included, or a number)
        return (TracedArray if shape or type(ans) is np.ndarray else Traced)(ans, self, t)

    # x[1:]: a slice or int key is a plain second argument, so the operators' path serves
    process_slice = process_binary

    def _collapsed(self, form):
        """``form.collapse()``, its new array noted for the pool."""
        t = form.collapse()
        a = t.array if type(t) is Scaled else t
        if config.refcounts and type(a) is np.ndarray and a.nbytes >= config.pool_min_bytes:
            self.allocated.note(a)
        return t

    def _settle(self, t, shape):
        """The tangent ``t`` of a result of ``shape``: broadcast to it, a deferred factor
        multiplied out for scalars, large arrays noted for the pool."""
        pool_min = config.pool_min_bytes
        if type(t) is LinearForm:
            if t.shape == shape:
                if config.refcounts:
                    for u, w, _ in t.terms:   # products a rule made (2·b·ḃ): pooled once dead
                        for a in (u, w):
                            if type(a) is np.ndarray and a.base is None and a.nbytes >= pool_min:
                                self.allocated.note(a)
                return t
            t = self._collapsed(t)
        if type(t) is Scaled:
            a = t.array
            if not shape:
                return t.value()    # scalars gain nothing from a deferred factor
            if plain_shape(a) != shape:
                return Scaled(broadcast(a, shape), t.scale)
            if config.refcounts and type(a) is np.ndarray and a.nbytes >= pool_min:
                self.allocated.note(a)   # back to the pool once dead
        elif type(t) is np.ndarray:
            if t.shape != shape:
                return broadcast(t, shape)
            if config.refcounts and t.nbytes >= pool_min:
                self.allocated.note(t)
        elif t is not None and plain_shape(t) != shape:
            return broadcast(t, shape)
        return t

    def process(self, prim, args, kwargs):
        # The hot path of forward mode: kept flat (one loop, few helper calls) on purpose,
        # as ReverseTrace.process is.
        if not self.active:
            self.check_active()
        fast = prim.fast
        pool_min = config.pool_min_bytes
        reads = None
        if self.lazy:
            reads = fast.jvp_reads   # which values each tangent rule reads
            if reads is not None and kwargs and (kwargs.get("axis") is not None
                                                 or kwargs.get("keepdims")):
                reads = None    # a reduction over some axes: its shape is not worked out here
        raw = list(args)
        mine = []               # (argnum, tangent) of this trace's arguments
        nested = False
        big = False             # a large plain array among the arguments (pooled output)
        has_scaled = False      # a tangent with a deferred factor (Scaled) among them
        for i, a in enumerate(args):
            if isinstance(a, Traced):
                if a._trace is self:
                    ti = a._aux
                    mine.append((i, ti))
                    if type(ti) is Scaled or type(ti) is LinearForm:
                        has_scaled = True
                    if reads is not None and type(a) in LAZY and a._node is not None:
                        raw[i] = a._node    # still deferred: computed below only if read
                        nested = True
                        continue
                    raw[i] = v = a._value
                    if isinstance(v, Traced):
                        nested = True   # a value of an outer transform: it must see this op
                    elif type(v) is np.ndarray and v.nbytes >= pool_min:
                        big = True
                else:
                    a._trace.check_active()
                    nested = True
            elif type(a) is np.ndarray and a.nbytes >= pool_min:
                big = True
        lazy_shape = None
        if nested and reads is not None:
            lazy_shape = defer(prim, raw, mine, reads)
        if lazy_shape is not None:
            ans = None          # the rules of deferrable primitives never read it
        elif nested:
            for k, r in enumerate(raw):
                if type(r) is Deferred:
                    raw[k] = r.get()
            ans = bind(prim, raw, kwargs)
        elif big and fast.ufunc is not None and not kwargs:
            ans = into_pooled_buffer(self.allocated, prim, fast.ufunc, raw)
        elif kwargs:
            ans = prim.impl(*raw, **kwargs)
        else:
            ans = prim.impl(*raw)
        if not nested:
            if type(ans) is np.ndarray:
                if ans.dtype.kind == "c":
                    raise hand_over(self)
            elif is_complex(ans):
                raise hand_over(self)
        t = None
        scale = None
        if has_scaled:
            # Rules are linear in the tangent: with one tangent, run the rule on its array
            # and scale the result. Several tangents are multiplied out first, except for
            # rules that add scaled tangents themselves (add, subtract).
            live = [k for k, (_, ti) in enumerate(mine) if ti is not None]
            if len(live) == 1:
                i, ti = mine[live[0]]
                if type(ti) is LinearForm:
                    if _takes_form(fast, i, raw):
                        ti = None   # the rule takes the form as it is (np.sum: a dot per term)
                    else:
                        ti = self._collapsed(ti)
                        mine[live[0]] = (i, ti)
                if type(ti) is Scaled:
                    scale = ti.scale
                    mine[live[0]] = (i, ti.array)
            elif not fast.joint_takes_deferred:
                mine = [(i, unscaled(ti)) for i, ti in mine]
        if mine and not self.singular and prim.singular is not False:
            self.singular = prim.singular is True or prim.singular(*raw, **kwargs)
        if fast.jvp_joint is not None:
            tangents = [None] * len(raw)
            for i, ti in mine:
                tangents[i] = ti
                if ti is not None:
                    t = True
            if t is not None:
                t = fast.jvp_joint(tangents, ans, *raw, **kwargs)
        else:
            jvps = fast.jvps
            for i, ti in mine:
                if ti is None:
                    continue
                if i >= len(jvps) or jvps[i] is None:
                    raise missing_rule(prim, i, "defjvp")
                c = jvps[i](ti, ans, *raw, **kwargs) if kwargs else jvps[i](ti, ans, *raw)
                if t is None:
                    t = c
                elif (config.refcounts and type(t) is np.ndarray and type(c) is np.ndarray
                      and t.shape == c.shape and t.base is None and sys.getrefcount(t) == 2):
                    np.add(t, c, out=t)  # t is a fresh array only this loop holds
                else:
                    t = unscaled(t) + unscaled(c)
        shape = plain_shape(ans) if lazy_shape is None else lazy_shape
        if t is not None:
            if scale is not None:
                t = scaled(t, scale)
            t = self._settle(t, shape)
        if lazy_shape is not None:
            out = (LazyArray if shape else LazyScalar)(None, self, t)
            out._node = Deferred(prim, raw, kwargs, shape)
            return out
        return (TracedArray if shape or type(ans) is np.ndarray or type(ans) is TracedArray
                else Traced)(ans, self, t)
