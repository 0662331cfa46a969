"""The engine: traced values, the two traces (reverse and forward) and the backward pass.

The engine knows nothing about NumPy's namespace: it records primitives and calls
their rules. Each transform call opens its own trace with a fresh ``level``; a traced
value belongs to exactly one trace. When an operation mixes values of several traces
(nested transforms), the innermost trace (highest level) handles it and passes the
rest down, so perturbations of different transforms never mix.

>>> from optad.engine import ReverseTrace
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

import itertools
import sys
import threading

import numpy as np

from .errors import LeakedTracerError, NotDifferentiableError
from .gcpause import gc_pause as _gc_pause
from .gcpause import pause_gc
from .pool import MIN_BYTES as POOL_MIN
from .pool import POOL, CallArrays, out_for
from .traced import Traced, TracedArray, broadcast, traced, value_of

__all__ = ["Traced", "TracedArray", "traced", "ReverseTrace", "ForwardTrace", "bind", "value_of", "pause_gc",
           "Scaled", "LinearForm", "scaled", "unscaled"]

_levels = itertools.count(1)

# Reference counts tell when an array is a temporary nobody else holds, so it may be
# overwritten in place (as NumPy's own temporary elision does). CPython 3.14 may borrow
# references on the evaluation stack, making counts too low to trust: off there.
REFCOUNTS_EXACT = sys.implementation.name == "cpython" and sys.version_info < (3, 14)
_EMPTY = {}


def _shape(v):
    return getattr(v, "shape", ())


class Shaped:
    """Stands on the tape for an array that no reverse rule reads: its shape, not its memory.

    Any arithmetic on it fails loudly, so a wrongly declared ``needs`` cannot give a
    silently wrong gradient.
    """

    __slots__ = ("shape", "ndim", "size", "dtype")

    def __init__(self, array):
        self.shape = array.shape
        self.ndim = array.ndim
        self.size = array.size
        self.dtype = array.dtype

    def __repr__(self):
        return f"Shaped({self.shape})"


# Arrays smaller than this are always kept: dropping them saves nothing worth the bookkeeping.
_DROP_MIN_SIZE = 4096


def _droppable(v):
    # Plain arrays, and traced arrays of an outer transform (their memory is the same).
    return (type(v) is np.ndarray or isinstance(v, TracedArray)) and v.size >= _DROP_MIN_SIZE


def bind(prim, args, kwargs):
    """Apply ``prim`` to ``args``: record it in the innermost trace among them, or just run it."""
    top = None
    for a in args:
        if isinstance(a, Traced):
            t = a._trace
            if top is None or t.level > top.level:
                top = t
    if top is None:
        return prim.impl(*args, **kwargs)
    return top.process(prim, args, kwargs)


class _Trace:
    __slots__ = ("level", "active", "observer", "allocated")

    def __init__(self):
        self.level = next(_levels)
        self.active = True
        self.observer = None
        self.allocated = CallArrays()   # large arrays this trace's operations created

    def _into_pooled_buffer(self, prim, raw):
        """Run an elementwise primitive on large plain arrays, reusing a dead buffer if any."""
        shape = None
        shapes = []
        for r in raw:
            if type(r) is np.ndarray:
                if r.dtype != np.float64:
                    return prim.impl(*raw)
                if shape is None:
                    shape = r.shape
                shapes.append(r.shape)
            elif not isinstance(r, (float, int)):
                return prim.impl(*raw)
        if len(shapes) > 1 and shapes.count(shape) != len(shapes):
            shape = np.broadcast_shapes(*shapes)   # (1.5 us: only when shapes differ)
        if REFCOUNTS_EXACT:
            self.allocated.reclaim()   # temporaries that died since: reuse them while hot
        buf = POOL.take(shape)
        ans = prim.impl(*raw) if buf is None else prim.ufunc(*raw, out=buf)
        if REFCOUNTS_EXACT:
            self.allocated.note(ans)   # back to the pool once dead
        return ans

    def __enter__(self):
        _gc_pause.enter()
        return self

    def __exit__(self, *exc):
        self.active = False
        _gc_pause.exit()
        return False

    def _check(self):
        if not self.active:
            raise LeakedTracerError(
                "A traced value was used after the transform that created it had finished "
                "(it was stored outside the function being differentiated, e.g. in a list or "
                "a global). Return it from the function instead, or convert the finished "
                "result with optad.value_of(...)."
            )

    def _unbox(self, args):
        """Raw arguments, this trace's traced arguments, and whether outer traces remain."""
        raw = list(args)
        mine = []
        nested = False
        for i, a in enumerate(args):
            if isinstance(a, Traced):
                if a._trace is self:
                    raw[i] = v = a._value
                    mine.append((i, a))
                    if isinstance(v, Traced):
                        nested = True   # a value of an outer transform: it must see this op
                else:
                    a._trace._check()
                    nested = True
        return raw, mine, nested

    def process_binary(self, prim, x, y):
        """Record ``prim(x, y)`` (an operator); traces may specialize this common case."""
        return self.process(prim, (x, y), _EMPTY)

    def constant(self, value):
        """A traced value with no dependence on the inputs (for ``np.zeros_like(x)``)."""
        raise NotImplementedError

    def is_view(self, t):
        """Whether NumPy would have made ``t`` (of this trace) a view of another array."""
        raise NotImplementedError

    #: references this trace keeps to each view it reports (for refcount-based checks)
    holds_views = 0
    #: whether x[slice] goes through process_binary (forward mode's short path)
    fast_slices = False


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

    def is_view(self, t):
        entry = self.tape[t._aux]
        prim = entry[0]
        return (prim is not None and prim.makes_view is not None
                and prim.makes_view(*entry[1], **entry[2]))

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
                    c_owned = (type(c) is np.ndarray and REFCOUNTS_EXACT and c.base is None
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
                    c_owned = (REFCOUNTS_EXACT and type(c) is np.ndarray and c.base is None
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
                if passed_to is not None and passed_to >= 0 and adj[passed_to] is g and (
                        getrefcount(g) == 3):
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


class Scaled:
    """A forward-mode tangent ``scale * array`` whose multiplication is put off.

    A Jacobian-vector rule is linear in its tangent, so the engine can run a rule on
    ``array`` alone and keep ``scale`` aside. Multiplying a tangent by a constant
    (``100 * x``, ``-x``, the 2 of ``d(x**2) = 2·x·dx``) then costs no full-size pass;
    the multiplication happens once, where tangents of different scales are added
    (``_combine``), at the outputs (:meth:`value`), or for the explain view. Only
    tangents with at least one dimension are ever scaled; rules create them with
    :func:`scaled`.
    """

    __slots__ = ("array", "scale")

    def __init__(self, array, scale):
        self.array = array      # a plain array, or an outer transform's traced array
        self.scale = scale      # a Python float

    def value(self):
        return self.array * self.scale

    def __repr__(self):
        return f"Scaled({self.array!r}, {self.scale!r})"


def scaled(t, c):
    """The tangent ``c * t`` for a rule: deferred for arrays, multiplied for scalars."""
    if type(t) is LinearForm:
        terms = tuple((u, w, k * c) for u, w, k in t.terms)
        if all(1e-150 < abs(k) < 1e150 for _, _, k in terms):
            return LinearForm(terms, t.shape)
        t = t.value()
    if type(t) is Scaled:
        s = t.scale * c
        if 1e-150 < abs(s) < 1e150:
            return Scaled(t.array, s)
        # The product of the factors might overflow or underflow where multiplying one at
        # a time would not (or is 0, inf, nan): multiply out, as plain code would.
        t = t.value()
    if (type(t) is np.ndarray and t.ndim) or isinstance(t, TracedArray):
        return Scaled(t, float(c))
    return t * c


def unscaled(t):
    """``t`` as an ordinary tangent (multiplied out if it is a :class:`Scaled` or a
    :class:`LinearForm`)."""
    return t.value() if type(t) is Scaled or type(t) is LinearForm else t


def _combine(ta, sign, tb):
    """``ta + sign * tb`` for tangents that may be :class:`Scaled` or :class:`LinearForm`:
    put off as a form when the shapes agree, else two passes at most."""
    if type(ta) is LinearForm or type(tb) is LinearForm:
        shape = ta.shape if type(ta) is LinearForm else tb.shape
        if _plain_shape(_head(ta)) == shape and _plain_shape(_head(tb)) == shape:
            terms = _terms(ta) + tuple((u, w, sign * c) for u, w, c in _terms(tb))
            if len(terms) <= _MAX_TERMS:
                return LinearForm(terms, shape)
        ta = ta.collapse() if type(ta) is LinearForm else ta
        tb = tb.collapse() if type(tb) is LinearForm else tb
    a, ca = (ta.array, ta.scale) if type(ta) is Scaled else (ta, 1.0)
    b, cb = (tb.array, tb.scale) if type(tb) is Scaled else (tb, 1.0)
    cb = sign * cb
    if ca == cb:
        return scaled(np.add(a, b, out=out_for(a, b)), ca)
    ratio = ca / cb if cb != 0.0 else 0.0
    if not 1e-150 < abs(ratio) < 1e150:
        return a * ca + b * cb    # a zero, huge or non-finite factor: plain arithmetic
    # ca·a + cb·b = cb·((ca/cb)·a + b): one multiply, then one add into the fresh product.
    r = np.multiply(a, ratio, out=out_for(a))
    if type(r) is np.ndarray and type(b) is np.ndarray and r.shape == b.shape:
        np.add(r, b, out=r)
    else:
        r = r + b
    return scaled(r, cb)


def _head(t):
    """The array a tangent's shape is read from."""
    if type(t) is LinearForm:
        return t.terms[0][0]
    return t.array if type(t) is Scaled else t


class LinearForm:
    """A forward-mode tangent ``sum_k c_k * u_k * w_k`` (``w_k`` may be absent) put off whole.

    ``d(r**2) = 2·r·dr`` and the sum of such tangents are the commonest tangents of an
    objective (least squares, penalties), and the commonest thing done to them next is
    ``np.sum``: as a :class:`LinearForm` that sum is one BLAS dot per term, not a product,
    a combination and a reduction over full-size temporaries. Every other consumer gets
    it multiplied out once (:meth:`collapse`, remembered) at the cost the eager rules
    would have paid. Terms all have the form's shape; ``c_k`` are Python floats; ``u_k``
    and ``w_k`` are values nothing writes into (tangents, or values of the trace).

    >>> u, w = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    >>> form = LinearForm(((u, w, 2.0), (u, None, -1.0)), (2,))     # 2·u·w − u
    >>> float(form.total()), form.value()
    (19.0, array([ 5., 14.]))
    """

    __slots__ = ("terms", "shape", "_collapsed")

    def __init__(self, terms, shape):
        self.terms = terms      # tuple of (u, w or None, c)
        self.shape = shape
        self._collapsed = None

    def collapse(self):
        """The form as a :class:`Scaled` (one array, one deferred factor), computed once."""
        if self._collapsed is None:
            self._collapsed = _collapse(self.terms)
        return self._collapsed

    def value(self):
        return unscaled(self.collapse())

    def total(self):
        """The sum of all elements, from one reduction (a dot for products) per term."""
        total = 0.0
        for u, w, c in self.terms:
            if type(u) is not np.ndarray or (w is not None and type(w) is not np.ndarray):
                # Traced by an outer transform: one recorded reduction of the whole form.
                return np.add.reduce(self.value(), axis=None)
            if w is None:
                part = np.add.reduce(u, axis=None)
            else:
                part = _dot(u.ravel(), w.ravel())   # reads both once, writes nothing
            total = total + part * c
        return total

    def __repr__(self):
        return f"LinearForm({self.terms!r})"


#: More terms than this are multiplied out: the form keeps every term's arrays alive.
_MAX_TERMS = 4

# OpenBLAS runs a dot of more than 10000 elements on several threads; its workers then
# spin against NumPy's next passes (measured on a 2-core VM: whole jvp calls 1.8x
# slower, and only in some process states). Rows of this length stay on one thread.
_DOT_ROW = 8192
_vecdot = getattr(np, "vecdot", None)   # NumPy >= 2: one call dots every row


def _dot(u, w):
    """``sum(u * w)`` of two 1-D float arrays, on the calling thread, with no temporary."""
    n = u.shape[0]
    k = n // _DOT_ROW
    if k < 2:
        return np.dot(u, w)
    m = k * _DOT_ROW
    if _vecdot is not None:
        rows = np.add.reduce(_vecdot(u[:m].reshape(k, _DOT_ROW), w[:m].reshape(k, _DOT_ROW)))
    else:
        rows = sum(np.dot(u[i:i + _DOT_ROW], w[i:i + _DOT_ROW]) for i in range(0, m, _DOT_ROW))
    return rows + np.dot(u[m:], w[m:])


def _ratio_ok(r):
    return 1e-150 < abs(r) < 1e150


def _collapse(terms):
    """``sum c_k u_k w_k`` as ``Scaled(array, cs)``: a pass per product, per factor that is
    not ``cs``, per addition (the factor of a plain term is chosen as ``cs``, so its
    multiply is skipped)."""
    cs = terms[-1][2]
    for u, w, c in terms:
        if w is None:
            cs = c
            break
    if cs == 0.0 or not all(_ratio_ok(c / cs) for _, _, c in terms):
        total = None    # a zero, huge or non-finite factor: plain arithmetic, as plain code
        for u, w, c in terms:
            part = (u if w is None else u * w) * c
            total = part if total is None else total + part
        return total
    acc = None
    acc_ours = False        # acc is a fresh plain array only this function holds
    for u, w, c in terms:
        r = c / cs
        ours = False
        if w is not None:
            part = np.multiply(u, w, out=out_for(u, w))
            ours = type(part) is np.ndarray
            if r != 1.0:
                part = np.multiply(part, r, out=part if ours else None)
        elif r != 1.0:
            part = np.multiply(u, r, out=out_for(u))
            ours = type(part) is np.ndarray
        else:
            part = u            # not ours: never written into
        if acc is None:
            acc, acc_ours = part, ours
        elif acc_ours and type(part) is np.ndarray and part.shape == acc.shape:
            np.add(acc, part, out=acc)
        elif ours and type(acc) is np.ndarray and part.shape == acc.shape:
            np.add(part, acc, out=part)
            acc, acc_ours = part, True
        else:
            acc = acc + part
            acc_ours = type(acc) is np.ndarray
    return scaled(acc, cs)


def _terms(t):
    if type(t) is LinearForm:
        return t.terms
    if type(t) is Scaled:
        return ((t.array, None, t.scale),)
    return ((t, None, 1.0),)


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


class ForwardTrace(_Trace):
    """Carries a tangent beside each value: one forward pass gives one Jacobian column."""

    __slots__ = ("views", "lazy")

    def __init__(self, lazy=False):
        super().__init__()
        self.views = {}   # id -> the traced results NumPy would have made views (kept alive)
        # Defer primal values nobody may read (_LazyArray): only for callers that never
        # read the primal outputs and whose inputs belong to an outer transform (hvp).
        self.lazy = lazy

    holds_views = 1
    fast_slices = True

    def is_view(self, t):
        return id(t) in self.views

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
        shape = getattr(ans, "shape", ())
        if tx is None and ty is None:
            t = None
        else:
            scale = None
            joint = prim.jvp_joint
            if (type(tx) is LinearForm or type(ty) is LinearForm) and not getattr(
                    joint, "adds_scaled", False):
                tx = self._collapsed(tx) if type(tx) is LinearForm else tx   # multiplied out
                ty = self._collapsed(ty) if type(ty) is LinearForm else ty
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
        out = (TracedArray if shape else Traced)(ans, self, t)
        if prim.makes_view is not None and prim.makes_view(xv, yv):
            self.views[id(out)] = out
        return out

    def _collapsed(self, form):
        """``form.collapse()``, its new array noted for the pool."""
        t = form.collapse()
        a = t.array if type(t) is Scaled else t
        if REFCOUNTS_EXACT and type(a) is np.ndarray and a.nbytes >= POOL_MIN:
            self.allocated.note(a)
        return t

    def _settle(self, t, shape):
        """The tangent ``t`` of a result of ``shape``: broadcast to it, a deferred factor
        multiplied out for scalars, large arrays noted for the pool."""
        if type(t) is LinearForm:
            if t.shape == shape:
                return t
            t = self._collapsed(t)
        if type(t) is Scaled:
            a = t.array
            if not shape:
                return t.value()    # scalars gain nothing from a deferred factor
            if _plain_shape(a) != shape:
                return Scaled(broadcast(a, shape), t.scale)
            if REFCOUNTS_EXACT and type(a) is np.ndarray and a.nbytes >= POOL_MIN:
                self.allocated.note(a)   # back to the pool once dead
        elif type(t) is np.ndarray:
            if t.shape != shape:
                return broadcast(t, shape)
            if REFCOUNTS_EXACT and t.nbytes >= POOL_MIN:
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
                    if i < len(prim.jvps) and getattr(prim.jvps[i], "takes_forms", False):
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
                elif (REFCOUNTS_EXACT and type(t) is np.ndarray and type(c) is np.ndarray
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
        if prim.makes_view is not None and prim.makes_view(*raw, **kwargs):
            self.views[id(out)] = out
        if observer is not None:
            observer(prim, args, kwargs, out, contributions)
        return out


def _plain_shape(v):
    """The shape of ``v`` or of the plain value under it (cheaper than a traced ``.shape``)."""
    while isinstance(v, Traced):
        v = v._value
    return getattr(v, "shape", ())


def _no_rule_message(prim, argnum, register, first):
    mode = "reverse-mode (vector-Jacobian)" if register == "defvjp" else "forward-mode (Jacobian-vector)"
    return (
        f"{prim.name} has no {mode} rule for its argument {argnum}, but a traced value "
        f"reached it.\nGive it one with optad.{register}({prim.name}, ..., "
        f"lambda {first}, ans, *args: ...) (one rule per positional argument, None where it "
        f"is not differentiable), or pass a plain value there (optad.stop_gradient(x))."
    )
