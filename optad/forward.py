"""Forward mode: each traced value carries its tangent, so one pass gives one Jacobian
column; under ``hvp``, primal values nobody reads are never computed.

>>> from optad.forward import ForwardTrace
>>> from optad.primitive import Primitive
>>> mul = Primitive("mul", lambda a, b: a * b, jvps=(lambda t, ans, a, b: t * b,
...                                                  lambda t, ans, a, b: t * a))
>>> with ForwardTrace() as tr:
...     x = tr.new_input(3.0, 1.0)            # value 3, tangent 1
...     y = mul(x, x)
>>> y._aux                                   # d(x*x)/dx at 3
6.0
"""

import sys

import numpy as np

from .engine import _EMPTY, _no_rule_message, _plain_shape, _Trace, bind, is_complex, refuse_complex
from .errors import NotDifferentiableError
from .settings import config
from .pool import MIN_BYTES as POOL_MIN
from .tangents import LinearForm, Scaled, scaled, unscaled
from .traced import Traced, TracedArray, broadcast, traced

__all__ = ["ForwardTrace"]


# --- primal values computed only when read (reverse over forward) -------------------------
# Under hvp the inner forward pass's primal output is thrown away, and so is every primal
# value that only leads to it (in Rosenbrock 5 of the 8 full-size operations). There the
# forward trace records such an operation as a thunk; its value is computed (and recorded
# by the outer trace) when first read: by a tangent rule, by an operation that is not
# deferred, or by user code. Never read, never computed.
_get_value = Traced._value.__get__
_set_value = Traced._value.__set__


class _Deferred:
    """An operation whose result is computed when first read: ``prim(*raw, **kwargs)``.

    ``raw`` holds plain or outer-traced values and other ``_Deferred`` nodes (not the
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
            pending = [r for r in raw if type(r) is _Deferred and r.thunk is not None]
            if pending:
                stack.extend(pending)
                continue
            vals = [r.value if type(r) is _Deferred else r for r in raw]
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


class _LazyArray(TracedArray):
    """A forward-mode traced array whose value (``_node``) is computed when first read."""

    __slots__ = ("_node",)
    _value = property(_lazy_value, _set_lazy_value)


class _LazyScalar(Traced):
    """A forward-mode traced scalar whose value (``_node``) is computed when first read."""

    __slots__ = ("_node",)
    _value = property(_lazy_value, _set_lazy_value)


_LAZY = (_LazyArray, _LazyScalar)


def _takes_form(prim, i, raw):
    """Whether argument ``i``'s rule takes a :class:`LinearForm` tangent as it is: its
    ``takes_forms`` is True (np.sum), or a test of the values (x * c: when c is a number)."""
    rule = prim.jvps[i] if i < len(prim.jvps) else None
    flag = getattr(rule, "takes_forms", False)
    return flag(*raw) if callable(flag) else flag


class ForwardTrace(_Trace):
    """Carries a tangent beside each value: one forward pass gives one Jacobian column."""

    __slots__ = ("lazy",)

    def __init__(self, lazy=False):
        super().__init__()
        # Defer primal values nobody may read (_LazyArray): only for callers that never
        # read the primal outputs and whose inputs belong to an outer transform (hvp).
        self.lazy = lazy

    fast_slices = True

    def new_input(self, value, tangent):
        return traced(value, self, tangent)

    def constant(self, value):
        return traced(value, self, None)

    def process_binary(self, prim, x, y):
        """:meth:`process` for an operator (``x - y``, ``2 * x``) on plain values of this
        trace: the commonest case of forward mode, with less bookkeeping. Anything else
        (nested transforms, deferred primal values, the explain view) goes to :meth:`process`."""
        if self.lazy or self.observer is not None or not self.active:
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
        if prim.ufunc is not None and (type(xv) is np.ndarray and xv.nbytes >= POOL_MIN
                                       or type(yv) is np.ndarray and yv.nbytes >= POOL_MIN):
            ans = self._into_pooled_buffer(prim, [xv, yv])
        else:
            ans = prim.impl(xv, yv)
        if type(ans) is not float and type(ans) is not np.float64 and is_complex(ans):
            raise refuse_complex(prim)
        shape = getattr(ans, "shape", ())
        if tx is None and ty is None:
            t = None
        else:
            scale = None
            joint = prim.jvp_joint
            if (type(tx) is LinearForm or type(ty) is LinearForm) and not getattr(
                    joint, "adds_scaled", False):
                # Multiplied out, unless the one rule that will see it takes it as it is.
                if type(tx) is LinearForm and not (ty is None and _takes_form(prim, 0, (xv, yv))):
                    tx = self._collapsed(tx)
                if type(ty) is LinearForm and not (tx is None and _takes_form(prim, 1, (xv, yv))):
                    ty = self._collapsed(ty)
            if ty is None and type(tx) is Scaled:        # rules are linear in the tangent
                scale = tx.scale
                tx = tx.array
            elif tx is None and type(ty) is Scaled:
                scale = ty.scale
                ty = ty.array
            elif (type(tx) is Scaled or type(ty) is Scaled) and not getattr(
                    joint, "adds_scaled", False):
                tx = unscaled(tx)
                ty = unscaled(ty)
            if joint is not None:
                t = joint([tx, ty], ans, xv, yv)
            else:
                jvps = prim.jvps
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
        return (TracedArray if shape else Traced)(ans, self, t)

    def _collapsed(self, form):
        """``form.collapse()``, its new array noted for the pool."""
        t = form.collapse()
        a = t.array if type(t) is Scaled else t
        if config.refcounts and type(a) is np.ndarray and a.nbytes >= POOL_MIN:
            self.allocated.note(a)
        return t

    def _settle(self, t, shape):
        """The tangent ``t`` of a result of ``shape``: broadcast to it, a deferred factor
        multiplied out for scalars, large arrays noted for the pool."""
        if type(t) is LinearForm:
            if t.shape == shape:
                if config.refcounts:
                    for u, w, _ in t.terms:   # products a rule made (2·b·ḃ): pooled once dead
                        for a in (u, w):
                            if type(a) is np.ndarray and a.base is None and a.nbytes >= POOL_MIN:
                                self.allocated.note(a)
                return t
            t = self._collapsed(t)
        if type(t) is Scaled:
            a = t.array
            if not shape:
                return t.value()    # scalars gain nothing from a deferred factor
            if _plain_shape(a) != shape:
                return Scaled(broadcast(a, shape), t.scale)
            if config.refcounts and type(a) is np.ndarray and a.nbytes >= POOL_MIN:
                self.allocated.note(a)   # back to the pool once dead
        elif type(t) is np.ndarray:
            if t.shape != shape:
                return broadcast(t, shape)
            if config.refcounts and t.nbytes >= POOL_MIN:
                self.allocated.note(t)
        elif t is not None and _plain_shape(t) != shape:
            return broadcast(t, shape)
        return t

    @staticmethod
    def _defer(prim, raw, mine, reads):
        """The result shape if ``prim`` can be deferred here (else None); computes what rules read.

        ``reads[i]``: the argument positions the tangent rule of argument i reads (None:
        it reads the result, so the value is needed now).
        """
        for i, ti in mine:
            if ti is not None and (i >= len(reads) or reads[i] is None):
                return None
        shapes = []
        for r in raw:
            if type(r) is _Deferred:
                shapes.append(r.shape)
            elif isinstance(r, Traced) or type(r) is np.ndarray:
                shapes.append(_plain_shape(r))
            elif not isinstance(r, (float, int)):
                return None     # e.g. a list: leave it to the primitive
        if not shapes:
            return None
        if prim.elementwise:
            shape = shapes[0]
            if shapes.count(shape) != len(shapes):
                shape = np.broadcast_shapes(*shapes)   # raises NumPy's error for a mismatch
        else:
            shape = ()          # sum over all axes, the only other deferrable primitive
        for i, ti in mine:
            if ti is not None:
                for k in reads[i]:
                    if type(raw[k]) is _Deferred:
                        raw[k] = raw[k].get()   # a rule reads it: compute it now
        return shape

    def process(self, prim, args, kwargs):
        # The hot path of forward mode: kept flat (one loop, few helper calls) on purpose,
        # as ReverseTrace.process is.
        if not self.active:
            self._check()
        reads = None
        if self.lazy and self.observer is None:
            reads = prim.__dict__.get("jvp_reads")   # which values each tangent rule reads
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
                    if reads is not None and type(a) in _LAZY and a._node is not None:
                        raw[i] = a._node    # still deferred: computed below only if read
                        nested = True
                        continue
                    raw[i] = v = a._value
                    if isinstance(v, Traced):
                        nested = True   # a value of an outer transform: it must see this op
                    elif type(v) is np.ndarray and v.nbytes >= POOL_MIN:
                        big = True
                else:
                    a._trace._check()
                    nested = True
            elif type(a) is np.ndarray and a.nbytes >= POOL_MIN:
                big = True
        lazy_shape = None
        if nested and reads is not None:
            lazy_shape = self._defer(prim, raw, mine, reads)
        if lazy_shape is not None:
            ans = None          # the rules of deferrable primitives never read it
        elif nested:
            for k, r in enumerate(raw):
                if type(r) is _Deferred:
                    raw[k] = r.get()
            ans = bind(prim, raw, kwargs)
        elif big and prim.ufunc is not None and not kwargs:
            ans = self._into_pooled_buffer(prim, raw)
        elif kwargs:
            ans = prim.impl(*raw, **kwargs)
        else:
            ans = prim.impl(*raw)
        if not nested and is_complex(ans):
            raise refuse_complex(prim)
        t = None
        observer = self.observer
        contributions = [] if observer is not None else None
        scale = None
        if has_scaled:
            # Rules are linear in the tangent: with one tangent, run the rule on its array
            # and scale the result. Several tangents are multiplied out first, except for
            # rules that add scaled tangents themselves (add, subtract).
            live = [k for k, (_, ti) in enumerate(mine) if ti is not None]
            if len(live) == 1 and observer is None:
                i, ti = mine[live[0]]
                if type(ti) is LinearForm:
                    if _takes_form(prim, i, raw):
                        ti = None   # the rule takes the form as it is (np.sum: a dot per term)
                    else:
                        ti = self._collapsed(ti)
                        mine[live[0]] = (i, ti)
                if type(ti) is Scaled:
                    scale = ti.scale
                    mine[live[0]] = (i, ti.array)
            elif observer is not None or not getattr(prim.jvp_joint, "adds_scaled", False):
                mine = [(i, unscaled(ti)) for i, ti in mine]
        if prim.jvp_joint is not None and (observer is None or not prim.jvps):
            tangents = [None] * len(raw)
            for i, ti in mine:
                tangents[i] = ti
                if ti is not None:
                    t = True
            if t is not None:
                t = prim.jvp_joint(tangents, ans, *raw, **kwargs)
                if observer is not None:
                    t = unscaled(t)
                    contributions.append((None, t))
        else:
            jvps = prim.jvps
            for i, ti in mine:
                if ti is None:
                    continue
                if i >= len(jvps) or jvps[i] is None:
                    raise NotDifferentiableError(_no_rule_message(prim, i, "defjvp", "t"))
                c = jvps[i](ti, ans, *raw, **kwargs) if kwargs else jvps[i](ti, ans, *raw)
                if observer is not None:
                    c = unscaled(c)
                    contributions.append((i, c))
                if t is None:
                    t = c
                elif (config.refcounts and type(t) is np.ndarray and type(c) is np.ndarray
                      and t.shape == c.shape and t.base is None and sys.getrefcount(t) == 2):
                    np.add(t, c, out=t)  # t is a fresh array only this loop holds
                else:
                    t = unscaled(t) + unscaled(c)
        shape = _plain_shape(ans) if lazy_shape is None else lazy_shape
        if t is not None:
            if scale is not None:
                t = scaled(t, scale)
            if observer is not None:
                t = unscaled(t)     # the explain view shows plain tangents
            t = self._settle(t, shape)
        if lazy_shape is not None:
            out = (_LazyArray if shape else _LazyScalar)(None, self, t)
            out._node = _Deferred(prim, raw, kwargs, shape)
            return out
        out = (TracedArray if shape else Traced)(ans, self, t)
        if observer is not None:
            observer(prim, args, kwargs, out, contributions)
        return out
