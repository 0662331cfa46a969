"""Reductions: sum, mean, prod, max, min, cumsum, var, std, average, with NumPy's keywords.

A reduction's adjoint is the output adjoint spread back over the reduced axes; the
helper ``_expand`` restores the reduced axes so that broadcasting does the spreading.

Every keyword is honoured or refused, never dropped: ``axis``, ``keepdims``; ``where=``
(a plain boolean mask: ``sum(x, where=m) = sum(where(m, x, 0))``, ``mean`` divides by the
mask's count, ``var``/``std`` take the deviations where the mask holds); ``initial=``
(``sum``: ``+ c``, ``prod``: ``* c``, ``max``: ``maximum(max(where(m, x, c)), c)``);
``dtype=`` float64 only (an integer dtype truncates first: refused, with the fix);
``mean=``/``correction=`` of ``var``/``std``. ``out=`` is refused.

Complex values: ``sum``, ``mean``, ``prod``, ``cumsum`` are holomorphic; ``max``/``min``
select the element NumPy selects (the lexicographic order: real part, then imaginary;
ties between equal values split evenly), a selection whose rule is the same mask;
``var``/``std`` are real (the mean of |x − mean|², its square root).

>>> import numpy as np, optad
>>> x = np.array([1.0, 2.0, 3.0])
>>> optad.grad(lambda x: np.sum(x * x, where=[True, False, True], initial=1.0))(x)
array([2., 0., 6.])
"""
import numpy as np

from ..engine import Traced, bind, value_of
from ..fast.tangents import LinearForm
from ..traced import broadcast, carries_derivative, data_of, peek
from ..errors import NotDifferentiableError
from ..primitive import Primitive, Speed
from .declare import implements, no_out
from .linalg import norm2


def _norm_axis(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints, or None for all axes."""
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(int(a) % ndim if ndim else 0 for a in axis))


def _expand(g, shape, axis, keepdims):
    """Reshape a reduced adjoint so it broadcasts against the unreduced ``shape``."""
    if keepdims or not shape:
        return g
    if axis is None:
        return g if getattr(g, "ndim", 0) == 0 else np.reshape(g, (1,) * len(shape))
    kept = [1 if k in axis else d for k, d in enumerate(shape)]
    return np.reshape(g, kept)


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape)) if shape else 1
    return int(np.prod([shape[a] for a in axis]))


# sum: the adjoint of every summed element is the adjoint of the sum.
def _sum_vjp(g, x, axis, keepdims):
    shape = getattr(x, "shape", ())
    if axis is None and not keepdims:
        # The common case: a scalar spread over everything. A plain float is returned as
        # it is: the engine reads it as uniform over x (and spreads it where needed).
        return g if type(g) is np.float64 or type(g) is float else broadcast(g, shape)
    return broadcast(_expand(g, shape, axis, keepdims), shape)


def _sum_jvp(t, ans, x, axis=None, keepdims=False):
    return np.add.reduce(t, axis=axis, keepdims=keepdims)


def _sum_jvp_forms(t, ans, x, axis=None, keepdims=False):
    """The fast engine's rule: a LinearForm tangent (the fast engine's d(r**2) = 2·r·dr)
    is summed by a dot per term, with no full-size temporary."""
    if type(t) is LinearForm:
        if axis is None and not keepdims:
            return t.total()
        t = t.value()
    return np.add.reduce(t, axis=axis, keepdims=keepdims)


sum_ = Primitive(
    # np.add.reduce, not np.sum: the same result without np.sum's Python-level overhead.
    "sum", lambda x, axis=None, keepdims=False: np.add.reduce(x, axis=axis, keepdims=keepdims),
    vjps=(lambda g, ans, x, axis=None, keepdims=False: _sum_vjp(g, x, axis, keepdims),),
    jvps=(_sum_jvp,),
    entry_map=True, complex_safe=True, explain=("sum({0})", ("1",)), needs=((),),
    # its forward rule reads no value: under hvp the summed value is never computed
    speed=Speed(jvps=(_sum_jvp_forms,), takes_forms=(True,), jvp_reads=((),)))


def _mean_vjp(g, ans, x, axis=None, keepdims=False):
    shape = np.shape(x)
    if axis is None and not keepdims and (type(g) is np.float64 or type(g) is float):
        return g / _count(shape, None)    # uniform over x, as for sum
    return np.broadcast_to(_expand(g, shape, axis, keepdims) / _count(shape, axis), shape)


def _mean_jvp(t, ans, x, axis=None, keepdims=False):
    return np.mean(t, axis=axis, keepdims=keepdims)


def _mean_jvp_forms(t, ans, x, axis=None, keepdims=False):
    if type(t) is LinearForm:
        if axis is None and not keepdims:
            return t.total() / _count(t.shape, None)   # np.mean((y - d) ** 2): dots
        t = t.value()
    return np.mean(t, axis=axis, keepdims=keepdims)


mean = Primitive(
    "mean", lambda x, axis=None, keepdims=False: np.mean(x, axis=axis, keepdims=keepdims),
    vjps=(_mean_vjp,),
    jvps=(_mean_jvp,),
    entry_map=True, complex_safe=True, explain=("mean({0})", ("1/n",)), needs=((),),
    speed=Speed(jvps=(_mean_jvp_forms,), takes_forms=(True,)))


def _prod_partial(ans, x, axis, keepdims):
    """∂prod/∂x_k = the product of the other entries, also where some entries are exactly 0.

    With P the product of the nonzero entries and Z the product of the zero ones (0 if
    there is any, else 1; kept traced so higher derivatives see it):
    nonzero x_k: (P / x_k) · Z;  zero x_k: P if it is the only zero, else 0.
    """
    # (the zeros are data: under optad.jit a recorded mask, and truth values as guards)
    is_zero = data_of(x) == 0
    if not np.any(is_zero):
        return _expand(ans, np.shape(x), axis, keepdims) / x
    zeros = np.sum(is_zero, axis=axis, keepdims=True)
    if np.any(zeros >= 2) and carries_derivative(x):
        raise NotDifferentiableError(
            "Higher derivatives of np.prod at a point with two or more exact zeros along the "
            "reduced axis are not implemented in optad (first derivatives are). Perturb the "
            "point or write the product explicitly.")
    safe = np.where(is_zero, 1.0, x)
    nonzero_product = np.prod(safe, axis=axis, keepdims=True)
    zero_product = np.prod(np.where(is_zero, x, 1.0), axis=axis, keepdims=True)
    only_zero = is_zero & (zeros == 1)
    return np.where(is_zero, nonzero_product * only_zero, nonzero_product / safe * zero_product)


prod = Primitive(
    "prod", lambda x, axis=None, keepdims=False: np.prod(x, axis=axis, keepdims=keepdims),
    vjps=(lambda g, ans, x, axis=None, keepdims=False:
          _expand(g, np.shape(x), axis, keepdims) * _prod_partial(ans, x, axis, keepdims),),
    jvps=(lambda t, ans, x, axis=None, keepdims=False:
          np.sum(t * _prod_partial(ans, x, axis, keepdims), axis=axis, keepdims=keepdims),),
    complex_safe=True, explain=("prod({0})", ("prod/{0}",)), needs=((0, -1),))


def _extreme_mask(ans, x, axis, keepdims):
    # Ties share the adjoint evenly (the subgradient autograd and JAX use). Complex values:
    # NumPy's max is the lexicographic one (real part, then imaginary) and returns the
    # element itself, so == finds it, and ties are equal complex values.
    hit = (data_of(x) == data_of(_expand(ans, np.shape(x), axis, keepdims)))
    return hit / np.sum(hit, axis=axis, keepdims=True)


def _extreme(name, func):
    return Primitive(
        name, lambda x, axis=None, keepdims=False: func(x, axis=axis, keepdims=keepdims),
        vjps=(lambda g, ans, x, axis=None, keepdims=False:
              _expand(g, np.shape(x), axis, keepdims) * _extreme_mask(ans, x, axis, keepdims),),
        jvps=(lambda t, ans, x, axis=None, keepdims=False:
              np.sum(t * _extreme_mask(ans, x, axis, keepdims), axis=axis, keepdims=keepdims),),
        explain=(f"{name}({{0}})", (f"[{{0}} = {name}]",)), needs=((0, -1),), complex_safe=True)


max_ = _extreme("max", np.max)
min_ = _extreme("min", np.min)


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def _cumsum_vjp(g, ans, x, axis=None):
    if axis is None:
        return np.reshape(_reverse_cumsum(g, 0), np.shape(x))
    return _reverse_cumsum(g, axis)


cumsum = Primitive(
    "cumsum", lambda x, axis=None: np.cumsum(x, axis=axis),
    vjps=(_cumsum_vjp,), jvps=(lambda t, ans, x, axis=None: np.cumsum(t, axis=axis),),
    complex_safe=True, explain=("cumsum({0})", ("1",)), needs=((),))


# --- the handlers: NumPy's signatures, every keyword either honoured or refused -----------
_NO = np._NoValue   # NumPy's "not given" for initial=, keepdims=, mean=, correction=


def float_dtype(name, dtype):
    """Check ``dtype=``: None or float64 (what optad computes in) pass; anything else is
    refused, never dropped. An integer dtype casts every element first (a piecewise
    constant function); float32 would compute in lower precision than optad's float64.

    >>> float_dtype("np.sum", "f8") is None
    True
    """
    if dtype is None or np.dtype(dtype) == np.float64:
        return None
    dt = np.dtype(dtype)
    if dt.kind in "iub":
        raise NotDifferentiableError(
            f"{name}(..., dtype={dt}) casts every element to {dt} first, a piecewise constant "
            f"function (derivative 0) that optad does not record. Drop dtype= to differentiate, "
            f"or cast on purpose: {name}(np.trunc(x)) or {name}(optad.stop_gradient(x)).")
    raise NotDifferentiableError(
        f"{name}(..., dtype={dt}): optad differentiates in float64 only. Drop dtype= (or "
        f"pass dtype=np.float64).")


def _mask(where):
    """``where=`` as a plain boolean array: a mask selects, it is never differentiated."""
    where = data_of(where)
    return where if isinstance(where, Traced) else np.asarray(where)


def _is_default(where, initial):
    return initial is _NO and where is True


def _keep(keepdims):
    return False if keepdims is _NO else bool(keepdims)


def _bind_reduction(prim, a, axis, keepdims):
    if axis is None and not keepdims:
        return bind(prim, (a,), _ALL_AXES)   # the common case, without normalizing
    return bind(prim, (a,), {"axis": _norm_axis(axis, np.ndim(a)), "keepdims": bool(keepdims)})


_ALL_AXES = {"axis": None, "keepdims": False}


def _sum_or_prod(prim, name, neutral, combine):
    func = getattr(np, name)

    def handler(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NO, where=True):
        no_out(f"np.{name}", out)
        float_dtype(f"np.{name}", dtype)
        keepdims = _keep(keepdims)
        if _is_default(where, initial):
            return _bind_reduction(prim, a, axis, keepdims)
        # NumPy's own checks first (mask dtype and shape, a scalar initial, the axis), on the
        # plain values; then the same computation written with traced operations:
        # sum(x, where=m, initial=c) = sum(where(m, x, 0)) + c, and prod with 1 and *.
        func(peek(a), axis=axis, keepdims=keepdims, initial=peek(initial),
             where=np.asarray(peek(where)))
        x = a if where is True else np.where(_mask(where), a, neutral)
        res = _bind_reduction(prim, x, axis, keepdims)
        return res if initial is _NO else combine(res, initial)
    return handler


def _extreme_handler(prim, name, ufunc):
    func = getattr(np, name)

    def handler(a, axis=None, out=None, keepdims=False, initial=_NO, where=True):
        no_out(f"np.{name}", out)
        keepdims = _keep(keepdims)
        if _is_default(where, initial):
            return _bind_reduction(prim, a, axis, keepdims)
        # max(x, where=m, initial=c) = maximum(max(where(m, x, c)), c): the masked entries
        # and an empty reduction both give c; NumPy demands initial= with where=.
        expected = func(peek(a), axis=axis, keepdims=keepdims, initial=peek(initial),
                        where=np.asarray(peek(where)))   # (its shape only)
        if np.size(a) == 0 or _count(np.shape(a), _norm_axis(axis, np.ndim(a))) == 0:
            # nothing to reduce: every entry is the initial value (a does not enter)
            return np.broadcast_to(initial, np.shape(expected)) + np.zeros(np.shape(expected))
        x = a if where is True else np.where(_mask(where), a, initial)
        return ufunc(_bind_reduction(prim, x, axis, keepdims), initial)
    return handler


def _count_where(shape, axis, mask, keepdims):
    """How many entries each output reduces (plain: the mask carries no derivative)."""
    return np.sum(np.broadcast_to(mask, shape), axis=axis, keepdims=keepdims)


@implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    no_out("np.mean", out)
    float_dtype("np.mean", dtype)
    keepdims = _keep(keepdims)
    if where is True:
        return _bind_reduction(mean, a, axis, keepdims)
    # mean(x, where=m) = sum(where(m, x, 0)) / count(m)
    mask = _mask(where)
    np.mean(peek(a), axis=axis, keepdims=keepdims, where=np.asarray(peek(mask)))  # NumPy's checks
    axis = _norm_axis(axis, np.ndim(a))
    total = np.sum(np.where(mask, a, 0.0), axis=axis, keepdims=keepdims)
    return total / _count_where(np.shape(a), axis, mask, keepdims)


implements(np.sum)(_sum_or_prod(sum_, "sum", 0.0, lambda r, c: r + c))
implements(np.prod)(_sum_or_prod(prod, "prod", 1.0, lambda r, c: r * c))
implements(np.max, np.amax)(_extreme_handler(max_, "max", np.maximum))
implements(np.min, np.amin)(_extreme_handler(min_, "min", np.minimum))


@implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    no_out("np.cumsum", out)
    float_dtype("np.cumsum", dtype)
    if axis is not None:
        axis = int(axis) % np.ndim(a)
    return bind(cumsum, (a,), {"axis": axis})


def _spread(name, a, axis, dtype, out, ddof, keepdims, where, mean_, correction):
    """The shared checks of np.var and np.std; returns (axis, ddof, keepdims, composed?)."""
    no_out(f"np.{name}", out)
    float_dtype(f"np.{name}", dtype)
    keepdims = _keep(keepdims)
    if where is True and mean_ is _NO and correction is _NO:
        return _norm_axis(axis, np.ndim(a)), ddof, keepdims, False
    # NumPy's own checks (ddof with correction, the shape of mean=, the mask); mean= and
    # correction= only when given: NumPy 1.x has neither (and refuses them itself then)
    given = {k: v for k, v in (("mean", mean_), ("correction", correction)) if v is not _NO}
    getattr(np, name)(peek(a), axis=axis, ddof=ddof, keepdims=keepdims,
                      where=np.asarray(peek(where)), **{k: peek(v) for k, v in given.items()})
    if correction is not _NO:
        ddof = correction
    return _norm_axis(axis, np.ndim(a)), ddof, keepdims, True


def _deviations(a, axis, where, mean_):
    """(x - mean) where the mask holds, 0 elsewhere, and the count of each output."""
    shape = np.shape(a)
    if where is True:
        count = _count(shape, axis)
        mask = True
    else:
        mask = _mask(where)
        count = _count_where(shape, axis, mask, True)
    if mean_ is _NO:
        mean_ = np.sum(a if mask is True else np.where(mask, a, 0.0), axis=axis,
                       keepdims=True) / count
    dev = a - mean_
    return (dev if mask is True else np.where(mask, dev, 0.0)), count


def _out_count(count, axis, keepdims):
    """The count of each output in the output's shape (counts come with keepdims)."""
    if isinstance(count, int) or keepdims:
        return count
    return np.squeeze(count, axis=axis)


@implements(np.var)
def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
         mean=_NO, correction=_NO):
    axis, ddof, keepdims, _ = _spread("var", a, axis, dtype, out, ddof, keepdims, where, mean,
                                      correction)
    dev, count = _deviations(a, axis, where, mean)
    # |x - mean|² as NumPy computes it (for complex values: times the conjugate)
    square = (np.real(dev * np.conjugate(dev)) if np.iscomplexobj(peek(dev)) else dev * dev)
    return np.sum(square, axis=axis, keepdims=keepdims) / (_out_count(count, axis, keepdims)
                                                             - ddof)


def _std_slope(ans, x, axis, ddof, keepdims):
    """∂std/∂x = (x - mean) / ((n - ddof)·std), with the subgradient 0 at zero spread (a
    kink, like |x| at 0 and ‖x‖ at 0; not 0/0 = nan). For complex x, std = sqrt of the
    mean of |x - mean|² and d std = Re Σ conj(x - mean)·dx / ((n - ddof)·std) (the
    mean's own change drops out: Σ conj(x - mean) = 0), so the partial is conjugated."""
    shape = np.shape(x)
    std = _expand(ans, shape, axis, keepdims)
    safe = np.where(data_of(std) == 0, 1.0, std)
    n = _count(shape, axis)
    dev = x - np.mean(x, axis=axis, keepdims=True)
    if np.iscomplexobj(peek(dev)):
        dev = np.conjugate(dev)
    return dev / ((n - ddof) * safe)


def _std_jvp(t, ans, x, axis=None, ddof=0, keepdims=False):
    dstd = np.sum(t * _std_slope(ans, x, axis, ddof, keepdims), axis=axis, keepdims=keepdims)
    return np.real(dstd) if np.iscomplexobj(peek(dstd)) else dstd    # std is real


std = Primitive(
    "std", lambda x, axis=None, ddof=0, keepdims=False: np.std(x, axis=axis, ddof=ddof,
                                                               keepdims=keepdims),
    vjps=(lambda g, ans, x, axis=None, ddof=0, keepdims=False:
          _expand(g, np.shape(x), axis, keepdims) * _std_slope(ans, x, axis, ddof, keepdims),),
    jvps=(_std_jvp,), complex_safe=True,
    explain=("std({0})", ("({0}-mean)/(n·std)",)), needs=((0, -1),))


@implements(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
         mean=_NO, correction=_NO):
    axis, ddof, keepdims, composed = _spread("std", a, axis, dtype, out, ddof, keepdims, where,
                                             mean, correction)
    if not composed:
        return bind(std, (a,), {"axis": axis, "ddof": ddof, "keepdims": keepdims})
    # With where= or mean=: std = ‖deviations‖ / sqrt(n - ddof); the norm's subgradient 0
    # at zero spread keeps std's (sqrt of the variance would be 1/0 there).
    dev, count = _deviations(a, axis, where, mean)
    if np.iscomplexobj(peek(dev)):
        dev = np.abs(dev)       # ‖dev‖ of complex values: the 2-norm of their magnitudes
    norm = bind(norm2, (dev,), {"axis": axis, "keepdims": keepdims})
    return norm / np.sqrt(_out_count(count, axis, keepdims) - ddof)


@implements(np.average)
def _average(a, axis=None, weights=None, returned=False, keepdims=False):
    if weights is None:
        avg = np.mean(a, axis=axis, keepdims=keepdims)
        return (avg, _count(np.shape(a), _norm_axis(axis, np.ndim(a)))) if returned else avg
    shape = np.shape(a)
    if np.shape(weights) != shape:
        # NumPy's rule: 1-D weights run along the one axis named (not broadcast as usual)
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        if np.ndim(weights) != 1:
            raise TypeError("1D weights expected when shapes of a and weights differ.")
        if isinstance(axis, tuple):
            raise TypeError("np.average with 1-D weights on traced values needs an int axis.")
        k = int(axis) % len(shape)
        if np.shape(weights)[0] != shape[k]:
            raise ValueError("Length of weights not compatible with specified axis.")
        weights = np.reshape(weights, tuple(-1 if d == k else 1 for d in range(len(shape))))
    total = np.sum(np.broadcast_to(weights, shape) * 1.0, axis=axis, keepdims=keepdims)
    avg = np.sum(a * weights, axis=axis, keepdims=keepdims) / total
    if returned:
        return avg, np.broadcast_to(total, np.shape(avg)) * 1.0
    return avg
