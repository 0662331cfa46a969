"""Forward-mode tangents whose arithmetic is put off: ``Scaled`` (a constant factor) and
``LinearForm`` (a sum of products such as d(x**2) = 2·x·dx), multiplied out only where
needed.

>>> import numpy as np
>>> from optad.fast.tangents import scaled, unscaled
>>> t = scaled(np.array([1.0, 2.0]), -3.0)      # -3·[1, 2], not yet multiplied
>>> unscaled(t)
array([-3., -6.])
"""

import numpy as np

from ..engine import plain_shape
from ..pool import out_for
from ..settings import config
from ..traced import TracedArray

__all__ = ["Scaled", "LinearForm", "scaled", "unscaled"]


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
        if plain_shape(_head(ta)) == shape and plain_shape(_head(tb)) == shape:
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
# slower, and only in some process states). Rows of config.dot_row stay on one thread.
_vecdot = getattr(np, "vecdot", None)   # NumPy >= 2: one call dots every row


def _dot(u, w):
    """``sum(u * w)`` of two 1-D float arrays, on the calling thread, with no temporary."""
    n = u.shape[0]
    row = config.dot_row
    k = n // row
    if k < 2:
        return np.dot(u, w)
    m = k * row
    if _vecdot is not None:
        rows = np.add.reduce(_vecdot(u[:m].reshape(k, row), w[:m].reshape(k, row)))
    else:
        rows = sum(np.dot(u[i:i + row], w[i:i + row]) for i in range(0, m, row))
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
