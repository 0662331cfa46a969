"""Elementwise primitives: arithmetic and the mathematical ufuncs.

Each line declares one function with its partial derivatives; the reverse rule is
``g * partial`` and the forward rule ``t * partial``. Broadcasting is undone by the
engine, not here. The hottest operators (+ - * / and negation) have hand-written
rules so that a scalar operation costs one Python call per direction.
"""

import operator

import numpy as np

from ..engine import value_of
from ..tangents import LinearForm, Scaled, _combine, scaled
from ..primitive import Primitive
from ..pool import out_for
from .declare import _times_fresh, elementwise, ufunc_primitive

_LN2 = np.log(2.0)
_LN10 = np.log(10.0)

# --- arithmetic -----------------------------------------------------------------
# Forward rules defer constant factors of array tangents (tangents.Scaled): -x, 100*x and
# the 2 of d(x**2) then cost no full-size pass; add and subtract combine the factors.
# d(x**2) = 2·x·dx itself is put off whole (tangents.LinearForm): np.sum of it is a dot.
_DEFERRED = (Scaled, LinearForm)
_FORM_MIN_SIZE = 4096

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


_add_jvp.adds_scaled = _subtract_jvp.adds_scaled = True   # the engine may pass Scaled tangents


def _times(t, c):
    """The tangent ``t * c`` (c the other factor's value): deferred when c is a plain scalar."""
    if _is_number(c):
        return scaled(t, c)
    return np.multiply(t, c, out=out_for(t, c))


def _is_number(v):
    return type(v) is float or type(v) is np.float64 or type(v) is int


def _times_y(t, ans, x, y):
    return _times(t, y)


def _times_x(t, ans, x, y):
    return _times(t, x)


# A form times a number stays a form (its factors change): 100·d(r**2) costs no pass.
_times_y.takes_forms = lambda x, y: _is_number(y)
_times_x.takes_forms = lambda x, y: _is_number(x)


add = ufunc_primitive(np.add, Primitive(
    "add", operator.add,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    jvps=(lambda t, ans, x, y: t, lambda t, ans, x, y: t), jvp_joint=_add_jvp,
    explain=("{0} + {1}", ("1", "1")), needs=((), ()), elementwise=True))
subtract = ufunc_primitive(np.subtract, Primitive(
    "subtract", operator.sub,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: np.negative(g, out=out_for(g))),
    jvps=(lambda t, ans, x, y: t, lambda t, ans, x, y: scaled(t, -1.0)), jvp_joint=_subtract_jvp,
    explain=("{0} - {1}", ("1", "-1")), needs=((), ()),
    vjps_inplace=(None, lambda g, ans, x, y: np.negative(g, out=g)), elementwise=True))
multiply = ufunc_primitive(np.multiply, Primitive(
    "multiply", operator.mul,
    vjps=(lambda g, ans, x, y: np.multiply(g, y, out=out_for(g, y)),
          lambda g, ans, x, y: np.multiply(g, x, out=out_for(g, x))),
    jvps=(_times_y, _times_x),
    explain=("{0}*{1}", ("{1}", "{0}")), needs=((1,), (0,)),
    vjps_inplace=(lambda g, ans, x, y: np.multiply(g, y, out=g),
                  lambda g, ans, x, y: np.multiply(g, x, out=g)), elementwise=True))
divide = ufunc_primitive(np.divide, Primitive(
    "divide", operator.truediv,
    vjps=(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y),
    jvps=(lambda t, ans, x, y: t / y, lambda t, ans, x, y: -t * ans / y),
    explain=("{0}/{1}", ("1/{1}", "-{0}/{1}²")), needs=((1,), (1, -1)),
    vjps_inplace=(lambda g, ans, x, y: np.divide(g, y, out=g), None), elementwise=True))
negative = ufunc_primitive(np.negative, Primitive(
    "negative", operator.neg,
    vjps=(lambda g, ans, x: -g,), jvps=(lambda t, ans, x: scaled(t, -1.0),),
    explain=("-{0}", ("-1",)), needs=((),),
    vjps_inplace=(lambda g, ans, x: np.negative(g, out=g),), elementwise=True))
positive = elementwise(np.positive, lambda ans, x: 1.0, expr="+{0}", texts=("1",), reads=())


def _pow_dbase(ans, x, y):
    """∂(x**y)/∂x = y·x**(y-1), exact where x = 0 for whole exponents y >= 0: 0 for y = 0,
    1 for y = 1 (not 0·inf = nan), also when traced again for second derivatives."""
    if isinstance(y, (int, float)):
        if y == 2:
            return 2 * x        # by far the commonest exponent: no power call
        if y == 1:
            return 1.0
        if y == 0:
            return 0.0
        return y * x ** (y - 1)
    zero = value_of(y) == 0
    if not np.any(zero):
        return y * x ** (y - 1)
    # Exponent 1 where y = 0 (x**0, finite), then 0 there: the branch not taken must not
    # be infinite either, or its derivative (0·inf) would poison second derivatives.
    safe = np.where(zero, 1.0, y)
    return np.where(zero, 0.0, safe * x ** (safe - 1))


def _pow_vjp_base(g, x, y):
    if isinstance(y, (int, float)) and y == 2:
        if getattr(g, "ndim", 0) == 0:
            two_g = 2.0 * g
            return np.multiply(x, two_g, out=out_for(x, two_g))   # one pass when g is uniform
        out = x * 2.0
        if type(out) is np.ndarray and type(g) is np.ndarray and out.shape == g.shape:
            return np.multiply(out, g, out=out)   # one allocation, not two
        return out * g
    return g * _pow_dbase(None, x, y)


def _pow_jvp_base(t, x, y):
    if isinstance(y, (int, float)) and y == 2:
        if type(t) is LinearForm:
            return _form_times(t, x, 2.0)   # the engine passes a form only when x is plain
        # 2·(t·x) with the 2 deferred (tangents.Scaled): one full-size pass, and under an
        # outer reverse trace (hvp) one recorded multiply, reading only t and x.
        if (type(t) is np.ndarray and type(x) is np.ndarray and t.shape == x.shape
                and t.size >= _FORM_MIN_SIZE):
            # Plain arrays only: under an outer transform a dot gains nothing over the
            # recorded multiply and sum. Small ones: the bookkeeping would cost more
            # than the passes it saves.
            return LinearForm(((t, x, 2.0),), t.shape)
        return scaled(np.multiply(t, x, out=out_for(t, x)), 2.0)
    return _times_fresh(_pow_dbase(None, x, y), t)


def _form_times(form, x, c):
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


def _pow_takes_form(x, y):
    # x**2 of a plain array x: 2·x·form stays a form (see _form_times).
    return _is_number(y) and y == 2 and type(x) is np.ndarray


def _pow_dbase_into(g, x, y):
    if isinstance(y, (int, float)) and y == 2:
        np.multiply(g, x, out=g)
        return np.multiply(g, 2.0, out=g)
    return np.multiply(g, _pow_dbase(None, x, y), out=g)


def _pow_dexp(ans, x, y):
    # d/dy x**y = x**y log x; where x == 0 the product is 0 (for y > 0), not nan.
    safe = np.where(x == 0, 1.0, x)
    return ans * np.log(safe)


def _pow_jvp_x(t, ans, x, y):
    return _pow_jvp_base(t, x, y)


_pow_jvp_x.takes_forms = _pow_takes_form


power = ufunc_primitive(np.power, Primitive(
    "power", operator.pow,
    vjps=(lambda g, ans, x, y: _pow_vjp_base(g, x, y),
          lambda g, ans, x, y: g * _pow_dexp(ans, x, y)),
    jvps=(_pow_jvp_x, lambda t, ans, x, y: t * _pow_dexp(ans, x, y)),
    explain=("{0}**{1}", ("{1}·{0}^({1}-1)", "{0}^{1}·log({0})")), needs=((0, 1), (0, -1)),
    vjps_inplace=(lambda g, ans, x, y: _pow_dbase_into(g, x, y), None), elementwise=True))


def _power_into(x, y, out=None):
    # What the engine calls to write x**y into a pooled buffer. np.power(x, 2) is a
    # general pow() per element, twice the time of np.square; NumPy's ``x ** 2`` (what
    # plain code runs) takes the square path too, so the values are the same.
    if isinstance(y, (int, float)) and y == 2:
        return np.square(x, out=out)
    return np.power(x, y, out=out)


power.ufunc = _power_into

# Which argument values each forward rule reads (None: it reads the result). Under hvp the
# engine may then put off computing a result that no rule reads (forward._LazyArray).
add.jvp_reads = subtract.jvp_reads = ((), ())
multiply.jvp_reads = ((1,), (0,))
negative.jvp_reads = ((),)
power.jvp_reads = ((0, 1), None)
UFUNC_ALIASES = {np.float_power: power, np.true_divide: divide}
for _uf, _p in UFUNC_ALIASES.items():
    ufunc_primitive(_uf, _p)

square = elementwise(np.square, lambda ans, x: 2 * x, expr="{0}²", texts=("2·{0}",), reads=(0,))
reciprocal = elementwise(np.reciprocal, lambda ans, x: -ans * ans, expr="1/{0}",
                         texts=("-1/{0}²",), reads=(-1,))
remainder = elementwise(np.remainder, lambda ans, x, y: 1.0,
                        lambda ans, x, y: -np.floor_divide(x, y), expr="{0} mod {1}",
                        texts=("1", "-floor({0}/{1})"), reads=(0, 1))
ufunc_primitive(np.mod, remainder)
fmod = elementwise(np.fmod, lambda ans, x, y: 1.0, lambda ans, x, y: -np.trunc(x / y),
                   expr="fmod({0}, {1})", texts=("1", "-trunc({0}/{1})"), reads=(0, 1))

# --- exponentials and logarithms ----------------------------------------------------
exp = elementwise(np.exp, lambda ans, x: ans, expr="exp({0})", texts=("exp({0})",), reads=(-1,))
exp2 = elementwise(np.exp2, lambda ans, x: ans * _LN2, expr="2^{0}", texts=("2^{0}·ln2",), reads=(-1,))
expm1 = elementwise(np.expm1, lambda ans, x: ans + 1.0, expr="expm1({0})", texts=("exp({0})",), reads=(-1,))
log = elementwise(np.log, lambda ans, x: 1.0 / x, expr="log({0})", texts=("1/{0}",), reads=(0,))
log2 = elementwise(np.log2, lambda ans, x: 1.0 / (x * _LN2), expr="log2({0})",
                   texts=("1/({0}·ln2)",), reads=(0,))
log10 = elementwise(np.log10, lambda ans, x: 1.0 / (x * _LN10), expr="log10({0})",
                    texts=("1/({0}·ln10)",), reads=(0,))
log1p = elementwise(np.log1p, lambda ans, x: 1.0 / (1.0 + x), expr="log1p({0})",
                    texts=("1/(1+{0})",), reads=(0,))
logaddexp = elementwise(np.logaddexp, lambda ans, x, y: np.exp(x - ans),
                        lambda ans, x, y: np.exp(y - ans), expr="logaddexp({0}, {1})",
                        texts=("exp({0}-ans)", "exp({1}-ans)"), reads=(0, 1, -1))
logaddexp2 = elementwise(np.logaddexp2, lambda ans, x, y: np.exp2(x - ans),
                         lambda ans, x, y: np.exp2(y - ans), expr="logaddexp2({0}, {1})",
                         texts=("2^({0}-ans)", "2^({1}-ans)"), reads=(0, 1, -1))
sqrt = elementwise(np.sqrt, lambda ans, x: 0.5 / ans, expr="sqrt({0})", texts=("1/(2·sqrt({0}))",), reads=(-1,))
cbrt = elementwise(np.cbrt, lambda ans, x: 1.0 / (3.0 * ans * ans), expr="cbrt({0})",
                   texts=("1/(3·cbrt({0})²)",), reads=(-1,))

# --- trigonometric and hyperbolic ----------------------------------------------------
sin = elementwise(np.sin, lambda ans, x: np.cos(x), expr="sin({0})", texts=("cos({0})",), reads=(0,))
cos = elementwise(np.cos, lambda ans, x: -np.sin(x), expr="cos({0})", texts=("-sin({0})",), reads=(0,))
tan = elementwise(np.tan, lambda ans, x: 1.0 + ans * ans, expr="tan({0})", texts=("1+tan²({0})",), reads=(-1,))
arcsin = elementwise(np.arcsin, lambda ans, x: 1.0 / np.sqrt(1.0 - x * x), expr="arcsin({0})",
                     texts=("1/sqrt(1-{0}²)",), reads=(0,))
arccos = elementwise(np.arccos, lambda ans, x: -1.0 / np.sqrt(1.0 - x * x), expr="arccos({0})",
                     texts=("-1/sqrt(1-{0}²)",), reads=(0,))
arctan = elementwise(np.arctan, lambda ans, x: 1.0 / (1.0 + x * x), expr="arctan({0})",
                     texts=("1/(1+{0}²)",), reads=(0,))
arctan2 = elementwise(np.arctan2, lambda ans, y, x: x / (x * x + y * y),
                      lambda ans, y, x: -y / (x * x + y * y), expr="arctan2({0}, {1})",
                      texts=("{1}/({0}²+{1}²)", "-{0}/({0}²+{1}²)"), reads=(0, 1))
def _over_hypot(v, ans):
    # The kink at (0, 0) takes the subgradient 0, as ‖x‖ does (and JAX), not 0/0 = nan.
    return v / np.where(value_of(ans) == 0, 1.0, ans)


hypot = elementwise(np.hypot, lambda ans, x, y: _over_hypot(x, ans),
                    lambda ans, x, y: _over_hypot(y, ans),
                    expr="hypot({0}, {1})", texts=("{0}/hypot", "{1}/hypot"), reads=(0, 1, -1))
sinh = elementwise(np.sinh, lambda ans, x: np.cosh(x), expr="sinh({0})", texts=("cosh({0})",), reads=(0,))
cosh = elementwise(np.cosh, lambda ans, x: np.sinh(x), expr="cosh({0})", texts=("sinh({0})",), reads=(0,))
tanh = elementwise(np.tanh, lambda ans, x: 1.0 - ans * ans, expr="tanh({0})",
                   texts=("1-tanh²({0})",), reads=(-1,))
arcsinh = elementwise(np.arcsinh, lambda ans, x: 1.0 / np.sqrt(x * x + 1.0), expr="arcsinh({0})",
                      texts=("1/sqrt({0}²+1)",), reads=(0,))
arccosh = elementwise(np.arccosh, lambda ans, x: 1.0 / np.sqrt(x * x - 1.0), expr="arccosh({0})",
                      texts=("1/sqrt({0}²-1)",), reads=(0,))
arctanh = elementwise(np.arctanh, lambda ans, x: 1.0 / (1.0 - x * x), expr="arctanh({0})",
                      texts=("1/(1-{0}²)",), reads=(0,))
deg2rad = elementwise(np.deg2rad, lambda ans, x: np.pi / 180.0, expr="deg2rad({0})",
                      texts=("π/180",), reads=())
rad2deg = elementwise(np.rad2deg, lambda ans, x: 180.0 / np.pi, expr="rad2deg({0})",
                      texts=("180/π",), reads=())
ufunc_primitive(np.radians, deg2rad)
ufunc_primitive(np.degrees, rad2deg)

# --- piecewise: subgradients chosen as in JAX/autograd --------------------------------
# |x|' = sign(x) (0 at 0); sign' = 0; max/min split the adjoint evenly between ties.
absolute = elementwise(np.absolute, lambda ans, x: np.sign(x), expr="|{0}|", texts=("sign({0})",), reads=(0,))
ufunc_primitive(np.fabs, absolute)
sign = ufunc_primitive(np.sign, Primitive(
    "sign", np.sign,
    vjps=(lambda g, ans, x: np.zeros(np.shape(x)),), jvps=(lambda t, ans, x: np.zeros(np.shape(x)),),
    explain=("sign({0})", ("0",)), needs=((),)))


def _first_wins(x, y):
    # 1 where x is the extreme, 1/2 at ties, 0 elsewhere (a plain array: comparisons stop traces).
    return (x == y) * 0.5


maximum = elementwise(np.maximum, lambda ans, x, y: (x > y) + _first_wins(x, y),
                      lambda ans, x, y: (y > x) + _first_wins(x, y),
                      expr="max({0}, {1})", texts=("[{0}≥{1}]", "[{1}≥{0}]"), reads=(0, 1))
minimum = elementwise(np.minimum, lambda ans, x, y: (x < y) + _first_wins(x, y),
                      lambda ans, x, y: (y < x) + _first_wins(x, y),
                      expr="min({0}, {1})", texts=("[{0}≤{1}]", "[{1}≤{0}]"), reads=(0, 1))
ufunc_primitive(np.fmax, maximum)
ufunc_primitive(np.fmin, minimum)

# Ufuncs whose derivative is zero wherever it exists, or whose result is not a float:
# they run on the plain values and return plain arrays (a constant for the trace).
PIECEWISE_CONSTANT = {
    np.floor, np.ceil, np.trunc, np.rint, np.floor_divide, np.signbit, np.isfinite,
    np.isnan, np.isinf, np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
    np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    np.heaviside, np.spacing,
}
