"""SciPy's special functions (``scipy.special`` ufuncs), declared from their partials.

``scipy.special.erf`` and its kin are NumPy ufuncs, so ``erf(traced)`` reaches optad
through ``__array_ufunc__`` like ``np.sin``. Importing optad must not import SciPy, so
this module is loaded the first time a SciPy ufunc meets a traced value (or a rule is
registered for one, or :mod:`optad.scipy` is imported): see
:func:`optad.registry.load_scipy_families`.

Covered: ``expit, logit, log_expit, erf, erfc, erfinv, erfcinv, ndtr, ndtri, log_ndtr,
gammaln, gamma, loggamma, digamma`` (``psi`` is the same ufunc), ``beta, betaln, gammainc,
gammaincc, betainc, betaincc, stdtr, xlogy, xlog1py, entr, rel_entr, kl_div, i0, i0e, i1,
i1e``, and ``polygamma`` (a Python function
in SciPy: :data:`polygamma` is its primitive, ``polygamma(x, n=k)`` with a static order;
:func:`optad.scipy.special.polygamma` is the drop-in with SciPy's signature).

Every partial is written with traced NumPy/SciPy calls, so second derivatives work:
``gammaln' = digamma``, ``digamma' = polygamma(1, ·)``, ``polygamma(n, ·)' =
polygamma(n+1, ·)``. Forms chosen for accuracy:

* ``expit' = expit·(1 − expit)`` from the result; ``log_expit' = expit(−x)`` (exact for
  large x, where ``1 − exp(ans)`` would cancel);
* ``log_ndtr' = φ(x)/Φ(x) = exp(−x²/2 − log√(2π) − log_ndtr(x))``: for very negative x
  both φ and Φ underflow, their log-ratio does not;
* ``erfinv' = √π/2·exp(erfinv²)``, ``ndtri' = √(2π)·exp(ndtri²/2)`` from the result;
* ``i1' = i0 − i1/x`` is 1/2 at 0: near 0 a Taylor polynomial (exact there, and its own
  derivatives are i1's higher ones); ``i0e' = i1e − sign(x)·i0e`` (``i0e = e^{−|x|}·i0``
  has a kink at 0, where sign gives the subgradient 0).

Where a function is defined by a limit, the partials follow it and never give NaN where
the derivative exists:

* ``xlogy(x, y) = x·log y`` (0 where x = 0): ∂x = log y; ∂y = x/y, exactly 0 where
  x = 0 (also at y = 0, where x/y would be 0/0). ``xlog1py`` likewise with ``1 + y``.
* ``entr(x) = −x log x`` (0 at 0, −inf below): ``entr' = −(log x + 1)``; at x = 0, the edge
  of its domain, the one-sided slope +inf (as ``sqrt`` at 0; a subgradient 0 would call
  the point stationary, which it is not).
* ``rel_entr(x, y) = x log(x/y)``: ∂x = log(x/y) + 1, ∂y = −x/y; ``kl_div(x, y) =
  x log(x/y) − x + y``: ∂x = log(x/y), ∂y = 1 − x/y. At x = 0 (value 0, resp. y, for
  every y ≥ 0) ∂y is exact (0, resp. 1, also at y = 0) and ∂x is the one-sided −inf
  (for y > 0; at x = y = 0 both jump to inf for x > 0: no ∂x, nan).
* The regularized incomplete functions ``gammainc(a, x) = P(a, x)``, ``gammaincc = 1 − P``,
  ``betainc(a, b, x) = I_x(a, b)``, ``betaincc = 1 − I`` and Student's t cdf
  ``stdtr(df, t)`` are differentiable in their last argument only: ∂P/∂x =
  x^(a−1)e^(−x)/Γ(a), ∂I/∂x = x^(a−1)(1−x)^(b−1)/B(a, b), ∂stdtr/∂t = the t density
  (written in logs: gammaln, betaln, xlogy). Their derivatives in a, b, df have no
  closed form: a traced value there raises :class:`~optad.errors.NotDifferentiableError`
  naming the argument (when its rule runs), rather than an approximation.
* ``loggamma`` of a real x < 0 is complex (SciPy returns nan for real input): refused
  with :class:`~optad.errors.ComplexValueError`; ``gammaln`` gives log|Γ(x)| there.

**Complex arguments.** Where SciPy evaluates a function for complex z (its ufunc has a
``'D->D'`` loop) and the function is holomorphic, its real partial is its complex
derivative (:mod:`optad.prims.complex`), so ``erf, erfc, ndtr, log_ndtr, gamma,
loggamma`` (the principal branch), ``digamma``, ``xlogy`` and ``xlog1py`` take complex
values. SciPy's ``polygamma`` is real only, so digamma's complex derivatives (ψ⁽ⁿ⁾, n ≥ 1)
come from :func:`_polygamma_complex` (the recurrence to Re z ≥ 20, then the asymptotic
series; its cost grows with −Re z). The others have no complex loop in SciPy (``expit``,
``gammaln``, the Bessel functions, ...) and refuse complex values.

>>> import numpy as np, optad, scipy.special as sp
>>> float(optad.grad(lambda x: sp.gammaln(x))(3.0)) == float(sp.digamma(3.0))
True
>>> float(optad.grad(lambda x: sp.xlogy(x, 2.0 * x))(0.0))      # log(0)? no: x·log(2x) at 0
-inf
>>> float(optad.grad(lambda y: sp.xlogy(0.0, y))(0.0))           # 0·log y is 0 for every y
0.0
>>> float(optad.grad(lambda x: sp.gammainc(1.0, x))(0.0))     # P(1, x) = 1 − e^(−x)
1.0
"""

import numpy as np
import scipy.special as sp

from ..traced import data_of, decide, plain
from ..errors import ComplexValueError, NotDifferentiableError
from ..primitive import Primitive
from ..registry import extend_builtin
from .declare import elementwise

__all__ = ["polygamma"]

_SQRT_PI_2 = np.sqrt(np.pi) / 2.0
_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)
_SQRT_2PI = np.sqrt(2.0 * np.pi)
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


# --- polygamma: the derivatives of digamma, as one primitive with a static order --------
#: B₂, B₄, ..., B₂₀ (Bernoulli numbers) for the asymptotic series of ψ⁽ⁿ⁾
_BERNOULLI_EVEN = np.array([1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6,
                            -3617 / 510, 43867 / 798, -174611 / 330])
#: where the asymptotic series starts: |w| ≥ 20 makes its 10th term below 1e-20 relative
_SHIFT_TO = 20.0


def _polygamma_complex(n, z):
    """ψ⁽ⁿ⁾(z) for n ≥ 1 and complex z off the poles 0, -1, -2, ... (SciPy's polygamma
    takes real x only; digamma's complex derivatives need it).

    The recurrence ψ⁽ⁿ⁾(z) = ψ⁽ⁿ⁾(z + N) − (−1)ⁿ n! Σ_{k<N} (z + k)^−⁽ⁿ⁺¹⁾ shifts z to
    Re w ≥ 20, where the asymptotic series ψ⁽ⁿ⁾(w) = (−1)ⁿ⁺¹ [(n−1)!/wⁿ + n!/(2wⁿ⁺¹)
    + Σ_k B₂ₖ (2k+n−1)!/((2k)! w²ᵏ⁺ⁿ)] converges to rounding within 10 terms (n ≤ 6).

    >>> complex(np.round(_polygamma_complex(1, np.complex128(1.0)), 14))   # π²/6
    (1.64493406684823+0j)
    """
    from math import factorial
    z = np.asarray(z, dtype=complex)
    shift = int(max(0.0, np.ceil(_SHIFT_TO - np.min(z.real)))) if z.size else 0
    tail = np.zeros_like(z)
    for k in range(shift):
        tail = tail + (z + k) ** -(n + 1)
    w = z + shift
    series = factorial(n - 1) / w ** n + factorial(n) / (2 * w ** (n + 1))
    for k, b in enumerate(_BERNOULLI_EVEN, start=1):
        series = series + b * factorial(2 * k + n - 1) / factorial(2 * k) / w ** (2 * k + n)
    out = (-1) ** (n + 1) * series - (-1) ** n * factorial(n) * tail
    return out[()] if out.ndim == 0 else out


def _polygamma_impl(x, n):
    """ψ⁽ⁿ⁾(x), the n-th derivative of digamma, with the order ``n`` static:
    ``polygamma(x, n=1)`` (the drop-in with SciPy's argument order is
    :func:`optad.scipy.special.polygamma`).

    >>> import optad
    >>> round(float(optad.grad(lambda x: polygamma(x, n=1))(2.0)), 6)   # ψ''(2)
    -0.404114
    """
    if np.iscomplexobj(x):
        return sp.digamma(x) if n == 0 else _polygamma_complex(n, x)
    out = sp.polygamma(n, x)
    # SciPy gives a 0-d array for a scalar; a ufunc would give a scalar
    return out[()] if np.ndim(out) == 0 else out


polygamma = Primitive(
    "polygamma", _polygamma_impl,
    vjps=(lambda g, ans, x, n: g * polygamma(x, n=n + 1),),
    jvps=(lambda t, ans, x, n: t * polygamma(x, n=n + 1),),
    explain=("ψ⁽ⁿ⁾({0})", ("ψ⁽ⁿ⁺¹⁾({0})",)), needs=((0,),), singular=True, complex_safe=True)


# --- logistic ---------------------------------------------------------------------------
expit = elementwise(sp.expit, lambda ans, x: ans * (1.0 - ans), expr="expit({0})",
                    texts=("expit·(1-expit)",), reads=(-1,))
logit = elementwise(sp.logit, lambda ans, x: 1.0 / (x * (1.0 - x)), expr="logit({0})",
                    texts=("1/({0}(1-{0}))",), reads=(0,), singular=True)
log_expit = elementwise(sp.log_expit, lambda ans, x: sp.expit(-x), expr="log_expit({0})",
                        texts=("expit(-{0})",), reads=(0,))

# --- error function and the normal distribution -----------------------------------------
# (complex_safe: SciPy evaluates these for complex z too ('D->D'), and they are
# holomorphic, so the real partial is the complex derivative: optad.prims.complex)
erf = elementwise(sp.erf, lambda ans, x: _TWO_OVER_SQRT_PI * np.exp(-x * x), expr="erf({0})",
                  texts=("2/√π·exp(-{0}²)",), reads=(0,), complex_safe=True)
erfc = elementwise(sp.erfc, lambda ans, x: -_TWO_OVER_SQRT_PI * np.exp(-x * x), expr="erfc({0})",
                   texts=("-2/√π·exp(-{0}²)",), reads=(0,), complex_safe=True)
erfinv = elementwise(sp.erfinv, lambda ans, x: _SQRT_PI_2 * np.exp(ans * ans), expr="erfinv({0})",
                     texts=("√π/2·exp(erfinv²)",), reads=(-1,), singular=True)
erfcinv = elementwise(sp.erfcinv, lambda ans, x: -_SQRT_PI_2 * np.exp(ans * ans),
                      expr="erfcinv({0})", texts=("-√π/2·exp(erfcinv²)",), reads=(-1,),
                      singular=True)
ndtr = elementwise(sp.ndtr, lambda ans, x: np.exp(-0.5 * x * x) / _SQRT_2PI, expr="Φ({0})",
                   texts=("φ({0})",), reads=(0,), complex_safe=True)
ndtri = elementwise(sp.ndtri, lambda ans, x: _SQRT_2PI * np.exp(0.5 * ans * ans),
                    expr="Φ⁻¹({0})", texts=("1/φ(Φ⁻¹)",), reads=(-1,), singular=True)
log_ndtr = elementwise(sp.log_ndtr, lambda ans, x: np.exp(-0.5 * x * x - _LOG_SQRT_2PI - ans),
                       expr="log Φ({0})", texts=("φ({0})/Φ({0})",), reads=(0, -1),
                       complex_safe=True)      # (exp(-log Φ) = 1/Φ on any branch of log)

# --- gamma and beta ------------------------------------------------------------------------
# (singular: the poles at 0, -1, -2, ... make every partial infinite there)
gammaln = elementwise(sp.gammaln, lambda ans, x: sp.digamma(x), expr="log|Γ({0})|",
                      texts=("ψ({0})",), reads=(0,), singular=True)
gamma = elementwise(sp.gamma, lambda ans, x: ans * sp.digamma(x), expr="Γ({0})",
                    texts=("Γ({0})·ψ({0})",), reads=(0, -1), singular=True, complex_safe=True)
digamma = elementwise(sp.digamma, lambda ans, x: polygamma(x, n=1), name="digamma", expr="ψ({0})",
                      texts=("ψ'({0})",), reads=(0,), singular=True,
                      complex_safe=True)   # sp.psi is sp.digamma


def _loggamma_real(x):
    if not np.iscomplexobj(x) and np.any(np.asarray(x) < 0):
        raise ComplexValueError(
            "scipy.special.loggamma of a real x < 0 is complex (the principal branch of "
            "log Γ); SciPy returns nan for real input, and optad differentiates real code "
            "only.\nUse scipy.special.gammaln(x) for log|Γ(x)|, which is real and "
            "differentiable for every x off the poles 0, -1, -2, ...")
    return sp.loggamma(x)


loggamma = elementwise(sp.loggamma, lambda ans, x: sp.digamma(x), impl=_loggamma_real,
                       name="loggamma", expr="log Γ({0})", texts=("ψ({0})",), reads=(0,),
                       singular=True, complex_safe=True)   # (principal branch for complex z)


def _dbeta(wrt):
    # ∂B(a, b)/∂a = B(a, b)·(ψ(a) − ψ(a + b)), and symmetrically in b
    return lambda ans, a, b: ans * (sp.digamma(a if wrt == 0 else b) - sp.digamma(a + b))


def _dbetaln(wrt):
    return lambda ans, a, b: sp.digamma(a if wrt == 0 else b) - sp.digamma(a + b)


beta = elementwise(sp.beta, _dbeta(0), _dbeta(1), expr="B({0}, {1})",
                   texts=("B·(ψ({0})-ψ({0}+{1}))", "B·(ψ({1})-ψ({0}+{1}))"), reads=(0, 1, -1),
                   singular=True)
betaln = elementwise(sp.betaln, _dbetaln(0), _dbetaln(1), expr="log|B({0}, {1})|",
                     texts=("ψ({0})-ψ({0}+{1})", "ψ({1})-ψ({0}+{1})"), reads=(0, 1),
                     singular=True)


# --- the regularized incomplete gamma and beta functions, Student's t cdf -----------------
# Their derivatives in the integration limit x are the integrands (densities); those in the
# shape parameters (a, b, df) are integrals with no closed form (series of hypergeometric
# functions), so they are refused, naming the argument, rather than approximated.
def _refused(function, argument, position):
    """A partial that refuses: ∂function/∂argument has no closed form."""
    def partial(ans, *args):
        raise NotDifferentiableError(
            f"scipy.special.{function}: the derivative with respect to its argument "
            f"{argument} (position {position}) has no closed form, and optad refuses it "
            f"rather than approximate it; only the derivative in the last argument (x) is "
            f"given.\nPass {argument} as a plain value (optad.stop_gradient({argument})), or, "
            f"to fit it, use the density (logpdf), whose derivative in every parameter exists.")
    partial.refuses = True      # (ufunc methods, which pass traced values there, are not listed)
    return partial


def _dgammainc(ans, a, x):
    # ∂P(a, x)/∂x = x^(a−1)·e^(−x)/Γ(a), in logs (Γ(a) overflows long before the ratio)
    return np.exp(sp.xlogy(a - 1.0, x) - x - sp.gammaln(a))


def _dbetainc(ans, a, b, x):
    # ∂I_x(a, b)/∂x = x^(a−1)·(1 − x)^(b−1)/B(a, b), the beta density
    return np.exp(sp.xlogy(a - 1.0, x) + sp.xlog1py(b - 1.0, -x) - sp.betaln(a, b))


def _t_density(df, t):
    # Γ((df+1)/2)/(Γ(df/2)·√(df·π))·(1 + t²/df)^(−(df+1)/2), with the ratio of gammas as
    # √π/B(df/2, ½) (betaln stays accurate for large df, where two gammaln's would cancel)
    return np.exp(-sp.betaln(0.5 * df, 0.5) - 0.5 * np.log(df) - 0.5 * (df + 1.0) * np.log1p(t * t / df))


def _dstdtr(ans, df, t):
    # ∂stdtr(df, t)/∂t = Student's t density; the normal one where df = inf (its limit)
    inf = plain(np.isinf, df)         # (under optad.jit: a recomputed mask; whether it
    if not decide(np.any, inf):       # holds anywhere is a guard on one bool)
        return _t_density(df, t)
    return np.where(inf, np.exp(-0.5 * t * t) / _SQRT_2PI, _t_density(np.where(inf, 1.0, df), t))


gammainc = elementwise(sp.gammainc, _refused("gammainc", "a", 0), _dgammainc,
                       expr="P({0}, {1})", texts=("(no closed form)", "{1}^({0}-1)·e^(-{1})/Γ({0})"),
                       reads=(0, 1), singular=True)
gammaincc = elementwise(sp.gammaincc, _refused("gammaincc", "a", 0),
                        lambda ans, a, x: -_dgammainc(ans, a, x), expr="Q({0}, {1})",
                        texts=("(no closed form)", "-{1}^({0}-1)·e^(-{1})/Γ({0})"),
                        reads=(0, 1), singular=True)
betainc = elementwise(sp.betainc, _refused("betainc", "a", 0), _refused("betainc", "b", 1),
                      _dbetainc, expr="I_{2}({0}, {1})",
                      texts=("(no closed form)", "(no closed form)",
                             "{2}^({0}-1)·(1-{2})^({1}-1)/B({0}, {1})"),
                      reads=(0, 1, 2), singular=True)
# (betaincc is new in SciPy 1.12: on 1.11 there is nothing to declare)
betaincc = None if not hasattr(sp, "betaincc") else elementwise(
    sp.betaincc, _refused("betaincc", "a", 0), _refused("betaincc", "b", 1),
    lambda ans, a, b, x: -_dbetainc(ans, a, b, x), expr="1-I_{2}({0}, {1})",
    texts=("(no closed form)", "(no closed form)", "-{2}^({0}-1)·(1-{2})^({1}-1)/B({0}, {1})"),
    reads=(0, 1, 2), singular=True)
# Student's t cdf has its own ufunc: as betainc(df/2, 1/2, df/(df+t²)) its derivative at
# t = 0 would be betainc's infinite slope at x = 1 times d(t²)/dt = 0, NaN; stdtr's is the
# density, finite everywhere.
stdtr = elementwise(sp.stdtr, _refused("stdtr", "df", 0), _dstdtr, expr="T_{0}({1})",
                    texts=("(no closed form)", "t density"), reads=(0, 1), singular=True)


# --- x·log y and the entropies ----------------------------------------------------------
def _x_over(x, y):
    """x / y, and exactly 0 where x = 0 and y = 0 (0/0: the function is constant 0 in y
    there). Only those points change: elsewhere x/y's derivative in x stays 1/y."""
    both = (data_of(x) == 0) & (data_of(y) == 0)
    if not np.any(both):
        return x / y
    return x / np.where(both, 1.0, y)


def _log(y):
    """log y, without a warning at y = 0 (−inf there: the one-sided slope of x·log y)."""
    with np.errstate(divide="ignore"):
        return np.log(y)


def _log_ratio(x, y):
    """log(x/y), without a warning where x = 0 (−inf there: the one-sided slope)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x / y)


xlogy = elementwise(sp.xlogy, lambda ans, x, y: _log(y), lambda ans, x, y: _x_over(x, y),
                    expr="{0}·log {1}", texts=("log {1}", "{0}/{1}"), reads=(0, 1), singular=True,
                    complex_safe=True)
xlog1py = elementwise(sp.xlog1py, lambda ans, x, y: np.log1p(y),
                      lambda ans, x, y: _x_over(x, 1.0 + y), expr="{0}·log(1+{1})",
                      texts=("log(1+{1})", "{0}/(1+{1})"), reads=(0, 1), singular=True,
                      complex_safe=True)


def _dentr(ans, x):
    return -(_log(x) + 1.0)


entr = elementwise(sp.entr, _dentr, expr="-{0}·log {0}", texts=("-(log {0} + 1)",), reads=(0,),
                   singular=True)
rel_entr = elementwise(sp.rel_entr, lambda ans, x, y: _log_ratio(x, y) + 1.0,
                       lambda ans, x, y: -_x_over(x, y), expr="{0}·log({0}/{1})",
                       texts=("log({0}/{1}) + 1", "-{0}/{1}"), reads=(0, 1), singular=True)
kl_div = elementwise(sp.kl_div, lambda ans, x, y: _log_ratio(x, y),
                     lambda ans, x, y: 1.0 - _x_over(x, y), expr="{0}·log({0}/{1}) - {0} + {1}",
                     texts=("log({0}/{1})", "1 - {0}/{1}"), reads=(0, 1), singular=True)


# --- modified Bessel functions of orders 0 and 1 ---------------------------------------
def _i1_slope(x, scaled):
    """i0(x) − i1(x)/x (= i1'(x)), or its scaled form e^{−|x|}·(i0 − i1/x).

    It is 1/2 at 0, where the formula is 0/0, and its derivative cancels near 0; there
    (|x| < 1e-2) its Taylor polynomial Σ (2k+1)/(2(k+1))·(x/2)^{2k}/(k!)², to x⁶ (the
    next term is below 1e-20), whose derivatives are i1's higher ones.
    """
    i0, i1 = (sp.i0e, sp.i1e) if scaled else (sp.i0, sp.i1)
    small = np.abs(data_of(x)) < 1e-2
    if not np.any(small):
        return i0(x) - i1(x) / x
    x2 = x * x
    taylor = 0.5 + x2 * (3.0 / 16.0 + x2 * (5.0 / 384.0 + x2 * (7.0 / 18432.0)))
    if scaled:
        taylor = taylor * np.exp(-np.abs(x))
    if np.all(small):
        return taylor
    safe = np.where(small, 1.0, x)
    return np.where(small, taylor, i0(safe) - i1(safe) / safe)


i0 = elementwise(sp.i0, lambda ans, x: sp.i1(x), expr="I₀({0})", texts=("I₁({0})",), reads=(0,))
i0e = elementwise(sp.i0e, lambda ans, x: sp.i1e(x) - np.sign(x) * ans, expr="I₀e({0})",
                  texts=("I₁e({0}) - sign({0})·I₀e({0})",), reads=(0, -1))
i1 = elementwise(sp.i1, lambda ans, x: _i1_slope(x, False), expr="I₁({0})",
                 texts=("I₀({0}) - I₁({0})/{0}",), reads=(0,))
i1e = elementwise(sp.i1e, lambda ans, x: _i1_slope(x, True) - np.sign(x) * ans, expr="I₁e({0})",
                  texts=("I₀e - I₁e/{0} - sign({0})·I₁e",), reads=(0, -1))

#: The SciPy ufuncs this module declares (``psi`` is ``digamma``).
UFUNCS = (sp.expit, sp.logit, sp.log_expit, sp.erf, sp.erfc, sp.erfinv, sp.erfcinv, sp.ndtr,
          sp.ndtri, sp.log_ndtr, sp.gammaln, sp.gamma, sp.loggamma, sp.digamma, sp.beta,
          sp.betaln, sp.gammainc, sp.gammaincc, sp.betainc, sp.stdtr, sp.xlogy,
          sp.xlog1py, sp.entr, sp.rel_entr, sp.kl_div, sp.i0, sp.i0e, sp.i1, sp.i1e) + (
    (sp.betaincc,) if hasattr(sp, "betaincc") else ())
extend_builtin(ufuncs=UFUNCS)
