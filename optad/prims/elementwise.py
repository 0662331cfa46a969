"""Elementwise primitives: arithmetic and the mathematical ufuncs.

Each declaration gives a function with its partial derivatives ∂ans/∂arg; the reverse
rule is ``g * partial`` and the forward rule ``t * partial`` (:mod:`optad.primitive`).
Broadcasting is undone by the engine, not here. The hottest operators (+ - * / **
and negation) also carry speed extras (:mod:`optad.fast.arithmetic`) that the fast
engine runs instead; the meaning stays the partials written here.
"""

import operator

import numpy as np

from ..engine import value_of
from ..traced import data_of
from ..fast import arithmetic as fast
from ..primitive import Primitive
from .declare import elementwise, register
from .complex import abs_partial
from .powers import pow_dbase, pow_dexp, singular_power

_LN2 = np.log(2.0)
_LN10 = np.log(10.0)

# --- arithmetic --------------------------------------------------------------------------
add = register(np.add, Primitive(
    "add", operator.add, partials=(lambda ans, x, y: 1.0, lambda ans, x, y: 1.0),
    explain=("{0} + {1}", ("1", "1")), needs=((), ()), complex_safe=True, speed=fast.ADD))
subtract = register(np.subtract, Primitive(
    "subtract", operator.sub, partials=(lambda ans, x, y: 1.0, lambda ans, x, y: -1.0),
    explain=("{0} - {1}", ("1", "-1")), needs=((), ()), complex_safe=True, speed=fast.SUBTRACT))
multiply = register(np.multiply, Primitive(
    "multiply", operator.mul, partials=(lambda ans, x, y: y, lambda ans, x, y: x),
    # a constant factor's zeros are structural: x * [1, 0, 1] does not depend on x[1]
    structural_zeros=((1,), (0,)),
    explain=("{0}*{1}", ("{1}", "{0}")), needs=((1,), (0,)), complex_safe=True, speed=fast.MULTIPLY))
divide = register(np.divide, Primitive(
    # (np.divide, not /: a constant divisor may be a Python 0, and NumPy's x/0 is inf)
    "divide", operator.truediv,
    partials=(lambda ans, x, y: np.divide(1.0, y), lambda ans, x, y: np.divide(-ans, y)),
    structural_zeros=(None, (0,)),      # 0 / y does not depend on y
    explain=("{0}/{1}", ("1/{1}", "-{0}/{1}²")), needs=((1,), (1, -1)), singular=True,
    complex_safe=True, speed=fast.DIVIDE))
negative = register(np.negative, Primitive(
    "negative", operator.neg, partials=(lambda ans, x: -1.0,),
    explain=("-{0}", ("-1",)), needs=((),), complex_safe=True, speed=fast.NEGATIVE))
power = register(np.power, Primitive(
    "power", operator.pow, partials=(pow_dbase, pow_dexp),
    explain=("{0}**{1}", ("{1}·{0}^({1}-1)", "{0}^{1}·log({0})")), needs=((0, 1), (0, -1)),
    singular=singular_power, complex_safe=True, speed=fast.POWER))
positive = elementwise(np.positive, lambda ans, x: 1.0, expr="+{0}", texts=("1",), reads=(), complex_safe=True)
UFUNC_ALIASES = {np.float_power: power, np.true_divide: divide}
for _uf, _p in UFUNC_ALIASES.items():
    register(_uf, _p)

square = elementwise(np.square, lambda ans, x: 2 * x, expr="{0}²", texts=("2·{0}",), reads=(0,), complex_safe=True)
reciprocal = elementwise(np.reciprocal, lambda ans, x: -ans * ans, expr="1/{0}",
                         texts=("-1/{0}²",), reads=(-1,), singular=True, complex_safe=True)
remainder = elementwise(np.remainder, lambda ans, x, y: 1.0,
                        lambda ans, x, y: -np.floor_divide(x, y), expr="{0} mod {1}",
                        texts=("1", "-floor({0}/{1})"), reads=(0, 1), singular=True)
register(np.mod, remainder)
fmod = elementwise(np.fmod, lambda ans, x, y: 1.0, lambda ans, x, y: -np.trunc(x / y),
                   expr="fmod({0}, {1})", texts=("1", "-trunc({0}/{1})"), reads=(0, 1), singular=True)

# --- exponentials and logarithms ----------------------------------------------------
exp = elementwise(np.exp, lambda ans, x: ans, expr="exp({0})", texts=("exp({0})",), reads=(-1,), complex_safe=True)
exp2 = elementwise(np.exp2, lambda ans, x: ans * _LN2, expr="2^{0}", texts=("2^{0}·ln2",), reads=(-1,), complex_safe=True)
expm1 = elementwise(np.expm1, lambda ans, x: ans + 1.0, expr="expm1({0})", texts=("exp({0})",), reads=(-1,), complex_safe=True)
log = elementwise(np.log, lambda ans, x: 1.0 / x, expr="log({0})", texts=("1/{0}",), reads=(0,), singular=True, complex_safe=True)
log2 = elementwise(np.log2, lambda ans, x: 1.0 / (x * _LN2), expr="log2({0})",
                   texts=("1/({0}·ln2)",), reads=(0,), singular=True, complex_safe=True)
log10 = elementwise(np.log10, lambda ans, x: 1.0 / (x * _LN10), expr="log10({0})",
                    texts=("1/({0}·ln10)",), reads=(0,), singular=True, complex_safe=True)
log1p = elementwise(np.log1p, lambda ans, x: 1.0 / (1.0 + x), expr="log1p({0})",
                    texts=("1/(1+{0})",), reads=(0,), singular=True, complex_safe=True)
logaddexp = elementwise(np.logaddexp, lambda ans, x, y: np.exp(x - ans),
                        lambda ans, x, y: np.exp(y - ans), expr="logaddexp({0}, {1})",
                        texts=("exp({0}-ans)", "exp({1}-ans)"), reads=(0, 1, -1))
logaddexp2 = elementwise(np.logaddexp2, lambda ans, x, y: np.exp2(x - ans),
                         lambda ans, x, y: np.exp2(y - ans), expr="logaddexp2({0}, {1})",
                         texts=("2^({0}-ans)", "2^({1}-ans)"), reads=(0, 1, -1))
sqrt = elementwise(np.sqrt, lambda ans, x: 0.5 / ans, expr="sqrt({0})", texts=("1/(2·sqrt({0}))",), reads=(-1,), singular=True, complex_safe=True)
cbrt = elementwise(np.cbrt, lambda ans, x: 1.0 / (3.0 * ans * ans), expr="cbrt({0})",
                   texts=("1/(3·cbrt({0})²)",), reads=(-1,), singular=True)

# --- trigonometric and hyperbolic ----------------------------------------------------
sin = elementwise(np.sin, lambda ans, x: np.cos(x), expr="sin({0})", texts=("cos({0})",), reads=(0,), complex_safe=True)
cos = elementwise(np.cos, lambda ans, x: -np.sin(x), expr="cos({0})", texts=("-sin({0})",), reads=(0,), complex_safe=True)
tan = elementwise(np.tan, lambda ans, x: 1.0 + ans * ans, expr="tan({0})", texts=("1+tan²({0})",), reads=(-1,), complex_safe=True)
arcsin = elementwise(np.arcsin, lambda ans, x: 1.0 / np.sqrt(1.0 - x * x), expr="arcsin({0})",
                     texts=("1/sqrt(1-{0}²)",), reads=(0,), singular=True, complex_safe=True)
arccos = elementwise(np.arccos, lambda ans, x: -1.0 / np.sqrt(1.0 - x * x), expr="arccos({0})",
                     texts=("-1/sqrt(1-{0}²)",), reads=(0,), singular=True, complex_safe=True)
arctan = elementwise(np.arctan, lambda ans, x: 1.0 / (1.0 + x * x), expr="arctan({0})",
                     texts=("1/(1+{0}²)",), reads=(0,), complex_safe=True)
arctan2 = elementwise(np.arctan2, lambda ans, y, x: x / (x * x + y * y),
                      lambda ans, y, x: -y / (x * x + y * y), expr="arctan2({0}, {1})",
                      texts=("{1}/({0}²+{1}²)", "-{0}/({0}²+{1}²)"), reads=(0, 1), singular=True)
def _over_hypot(v, ans):
    # The kink at (0, 0) takes the subgradient 0, as ‖x‖ does (and JAX), not 0/0 = nan.
    return v / np.where(data_of(ans) == 0, 1.0, ans)


hypot = elementwise(np.hypot, lambda ans, x, y: _over_hypot(x, ans),
                    lambda ans, x, y: _over_hypot(y, ans),
                    expr="hypot({0}, {1})", texts=("{0}/hypot", "{1}/hypot"), reads=(0, 1, -1))
sinh = elementwise(np.sinh, lambda ans, x: np.cosh(x), expr="sinh({0})", texts=("cosh({0})",), reads=(0,), complex_safe=True)
cosh = elementwise(np.cosh, lambda ans, x: np.sinh(x), expr="cosh({0})", texts=("sinh({0})",), reads=(0,), complex_safe=True)
tanh = elementwise(np.tanh, lambda ans, x: 1.0 - ans * ans, expr="tanh({0})",
                   texts=("1-tanh²({0})",), reads=(-1,), complex_safe=True)
arcsinh = elementwise(np.arcsinh, lambda ans, x: 1.0 / np.sqrt(x * x + 1.0), expr="arcsinh({0})",
                      texts=("1/sqrt({0}²+1)",), reads=(0,), complex_safe=True)
arccosh = elementwise(np.arccosh, lambda ans, x: 1.0 / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0)), expr="arccosh({0})",
                      texts=("1/sqrt({0}²-1)",), reads=(0,), singular=True, complex_safe=True)
arctanh = elementwise(np.arctanh, lambda ans, x: 1.0 / (1.0 - x * x), expr="arctanh({0})",
                      texts=("1/(1-{0}²)",), reads=(0,), singular=True, complex_safe=True)
deg2rad = elementwise(np.deg2rad, lambda ans, x: np.pi / 180.0, expr="deg2rad({0})",
                      texts=("π/180",), reads=())
rad2deg = elementwise(np.rad2deg, lambda ans, x: 180.0 / np.pi, expr="rad2deg({0})",
                      texts=("180/π",), reads=())
register(np.radians, deg2rad)
register(np.degrees, rad2deg)

def _sinc_slope(ans, x):
    # sinc(x) = sin(πx)/(πx): sinc'(x) = (cos(πx) - sinc(x))/x. Near 0 that cancels (and is
    # 0/0 at 0): there its Taylor series, whose own derivatives are sinc's higher ones.
    small = np.abs(data_of(x)) < 1e-3
    if not np.any(small):
        return (np.cos(np.pi * x) - ans) / x
    p2 = np.pi ** 2
    taylor = x * (-p2 / 3 + x * x * (p2 * p2 / 30 - x * x * p2 ** 3 / 840))
    if np.all(small):
        return taylor
    safe = np.where(small, 1.0, x)
    return np.where(small, taylor, (np.cos(np.pi * safe) - ans) / safe)


sinc = elementwise(np.sinc, _sinc_slope, expr="sinc({0})", texts=("sinc'({0})",), reads=(0, -1))

# --- piecewise: subgradients chosen as in JAX/autograd --------------------------------
# |x|' = sign(x) (0 at 0); sign' = 0; max/min split the adjoint evenly between ties.
absolute = elementwise(np.absolute, abs_partial, expr="|{0}|", texts=("sign({0})",),
                       reads=(0,), complex_safe=True)
register(np.fabs, absolute)
sign = register(np.sign, Primitive(
    "sign", np.sign,
    vjps=(lambda g, ans, x: np.zeros(np.shape(x)),), jvps=(lambda t, ans, x: np.zeros(np.shape(x)),),
    explain=("sign({0})", ("0",)), needs=((),)))


def _first_wins(x, y):
    # 1 where x is the extreme, 1/2 at ties, 0 elsewhere (a plain array: comparisons stop traces).
    return (x == y) * 0.5


# Complex values: NumPy orders them lexicographically (real part, then imaginary), and
# its comparisons do too, so the masks select the element NumPy selects; a selection is
# holomorphic (the identity on the element chosen), so the masks are the complex rule.
maximum = elementwise(np.maximum, lambda ans, x, y: (x > y) + _first_wins(x, y),
                      lambda ans, x, y: (y > x) + _first_wins(x, y),
                      expr="max({0}, {1})", texts=("[{0}≥{1}]", "[{1}≥{0}]"), reads=(0, 1),
                      structural=((), ()), complex_safe=True)   # 0 where the other is larger
minimum = elementwise(np.minimum, lambda ans, x, y: (x < y) + _first_wins(x, y),
                      lambda ans, x, y: (y < x) + _first_wins(x, y),
                      expr="min({0}, {1})", texts=("[{0}≤{1}]", "[{1}≤{0}]"), reads=(0, 1),
                      structural=((), ()), complex_safe=True)
register(np.fmax, maximum)
register(np.fmin, minimum)

# Ufuncs whose derivative is zero wherever it exists, or whose result is not a float:
# they run on the plain values and return plain arrays (a constant for the trace).
PIECEWISE_CONSTANT = {
    np.floor, np.ceil, np.trunc, np.rint, np.floor_divide, np.signbit, np.isfinite,
    np.isnan, np.isinf, np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
    np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    np.heaviside, np.spacing,
    # (bitwise operations: on masks, as `a & b` of comparisons; their results are not floats)
    np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert,
}
