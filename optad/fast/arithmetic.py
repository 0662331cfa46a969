"""The speed extras of + - * / ** and negation: the hottest primitives.

Forward rules defer constant factors of array tangents (:class:`~optad.fast.tangents.Scaled`):
``-x``, ``100*x`` and the 2 of d(x**2) then cost no full-size pass; add and subtract
combine the factors. d(x**2) = 2·x·dx itself is put off whole
(:class:`~optad.fast.tangents.LinearForm`): ``np.sum`` of it is a dot. Reverse rules write
into pooled buffers (``out_for``) or into the adjoint itself when the pass owns it.
Each ``Speed`` here computes what its primitive's partials say (:mod:`optad.prims.elementwise`).

>>> import numpy as np
>>> times(np.ones(3), 2.0)          # a tangent times a number: deferred
Scaled(array([1., 1., 1.]), 2.0)
"""

import numpy as np

from ..pool import out_for
from ..primitive import Speed
from ..prims.powers import pow_dbase, pow_dexp
from ..settings import config
from .inplace import times_fresh
from .tangents import LinearForm, Scaled, _combine, scaled

__all__ = ["ADD", "SUBTRACT", "MULTIPLY", "DIVIDE", "NEGATIVE", "POWER", "times", "is_number"]

_DEFERRED = (Scaled, LinearForm)


def is_number(v):
    return type(v) is float or type(v) is np.float64 or type(v) is int


# --- add and subtract ------------------------------------------------------------------------
def _add_jvp(tangents, ans, x, y):
    tx, ty = tangents
    if tx is None or ty is None:
        return tx if ty is None else ty
    if type(tx) in _DEFERRED or type(ty) in _DEFERRED:
        return _combine(tx, 1.0, ty)
    return np.add(tx, ty, out=out_for(tx, ty))


def _subtract_jvp(tangents, ans, x, y):
    tx, ty = tangents
    if ty is None:
        return tx
    if tx is None:
        return scaled(ty, -1.0)
    if type(tx) in _DEFERRED or type(ty) in _DEFERRED:
        return _combine(tx, -1.0, ty)
    return np.subtract(tx, ty, out=out_for(tx, ty))


ADD = Speed(ufunc=np.add, vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
            jvps=(lambda t, ans, x, y: t, lambda t, ans, x, y: t), jvp_joint=_add_jvp,
            joint_takes_deferred=True, jvp_reads=((), ()), uniform=True)
SUBTRACT = Speed(
    ufunc=np.subtract,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: np.negative(g, out=out_for(g))),
    vjps_inplace=(None, lambda g, ans, x, y: np.negative(g, out=g)),
    jvps=(lambda t, ans, x, y: t, lambda t, ans, x, y: scaled(t, -1.0)),
    jvp_joint=_subtract_jvp, joint_takes_deferred=True, jvp_reads=((), ()), uniform=True)
NEGATIVE = Speed(ufunc=np.negative, vjps=(lambda g, ans, x: -g,),
                 vjps_inplace=(lambda g, ans, x: np.negative(g, out=g),),
                 jvps=(lambda t, ans, x: scaled(t, -1.0),), jvp_reads=((),), uniform=True)


# --- multiply and divide ---------------------------------------------------------------------
def times(t, c):
    """The tangent ``t * c`` (c the other factor's value): deferred when c is a plain scalar."""
    if is_number(c):
        return scaled(t, c)
    return np.multiply(t, c, out=out_for(t, c))


MULTIPLY = Speed(
    ufunc=np.multiply,
    vjps=(lambda g, ans, x, y: np.multiply(g, y, out=out_for(g, y)),
          lambda g, ans, x, y: np.multiply(g, x, out=out_for(g, x))),
    vjps_inplace=(lambda g, ans, x, y: np.multiply(g, y, out=g),
                  lambda g, ans, x, y: np.multiply(g, x, out=g)),
    jvps=(lambda t, ans, x, y: times(t, y), lambda t, ans, x, y: times(t, x)),
    # A form times a number stays a form (its factors change): 100·d(r**2) costs no pass.
    takes_forms=(lambda x, y: is_number(y), lambda x, y: is_number(x)),
    jvp_reads=((1,), (0,)), uniform=True)
DIVIDE = Speed(
    ufunc=np.divide,
    vjps=(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y),
    vjps_inplace=(lambda g, ans, x, y: np.divide(g, y, out=g), None),
    jvps=(lambda t, ans, x, y: t / y, lambda t, ans, x, y: -t * ans / y), uniform=True)


# --- power -----------------------------------------------------------------------------------
def _pow_vjp_base(g, ans, x, y):
    if isinstance(y, (int, float)) and y == 2:
        if getattr(g, "ndim", 0) == 0:
            two_g = 2.0 * g
            return np.multiply(x, two_g, out=out_for(x, two_g))   # one pass when g is uniform
        out = x * 2.0
        if type(out) is np.ndarray and type(g) is np.ndarray and out.shape == g.shape:
            return np.multiply(out, g, out=out)   # one allocation, not two
        return out * g
    return g * pow_dbase(None, x, y)


def _pow_jvp_base(t, ans, x, y):
    if isinstance(y, (int, float)) and y == 2:
        if type(t) is LinearForm:
            return form_times(t, x, 2.0)   # the engine passes a form only when x is plain
        # 2·(t·x) with the 2 deferred: one full-size pass, and under an outer reverse trace
        # (hvp) one recorded multiply, reading only t and x.
        if (type(t) is np.ndarray and type(x) is np.ndarray and t.shape == x.shape
                and t.size >= config.form_min_size):
            # Plain arrays only: under an outer transform a dot gains nothing over the
            # recorded multiply and sum. Small ones: the bookkeeping would cost more
            # than the passes it saves.
            return LinearForm(((t, x, 2.0),), t.shape)
        return scaled(np.multiply(t, x, out=out_for(t, x)), 2.0)
    return times_fresh(pow_dbase(None, x, y), t)


def form_times(form, x, c):
    """``c·x·form`` for a plain array ``x`` of the form's shape, as a form: each term
    ``k·u·w`` becomes ``(k·c)·(u·x)·w`` (one pass; ``k·u`` becomes ``(k·c)·u·x``, none).

    For d(b**2) = 2·b·ḃ with ḃ itself a form (Rosenbrock's ḃ = ẋ[1:] − 2·x[:-1]·ẋ[:-1]),
    this costs one pass where multiplying ḃ out costs three, and np.sum of the result
    stays a dot per term.
    """
    terms = []
    for u, w, k in form.terms:
        k = k * c
        if not 1e-150 < abs(k) < 1e150:
            # A factor that could overflow or underflow: multiply out, as plain code would.
            return scaled(np.multiply(form.value(), x), c)
        if w is None:
            terms.append((u, x, k))
        else:
            terms.append((np.multiply(u, x, out=out_for(u, x)), w, k))
    return LinearForm(tuple(terms), form.shape)


def _pow_dbase_into(g, ans, x, y):
    if isinstance(y, (int, float)) and y == 2:
        np.multiply(g, x, out=g)
        return np.multiply(g, 2.0, out=g)
    return np.multiply(g, pow_dbase(None, x, y), out=g)


def _power_into(x, y, out=None):
    # np.power(x, 2) is a general pow() per element, twice the time of np.square; NumPy's
    # ``x ** 2`` (what plain code runs) takes the square path too: the same values.
    if isinstance(y, (int, float)) and y == 2:
        return np.square(x, out=out)
    return np.power(x, y, out=out)


POWER = Speed(
    ufunc=_power_into,
    vjps=(_pow_vjp_base, lambda g, ans, x, y: g * pow_dexp(ans, x, y)),
    vjps_inplace=(_pow_dbase_into, None),
    jvps=(_pow_jvp_base, lambda t, ans, x, y: t * pow_dexp(ans, x, y)),
    # x**2 of a plain array x: 2·x·form stays a form (see form_times).
    takes_forms=(lambda x, y: is_number(y) and y == 2 and type(x) is np.ndarray, False),
    jvp_reads=((0, 1), None), uniform=True)
