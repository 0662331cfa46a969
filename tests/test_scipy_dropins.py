"""SciPy's special functions and the optad.scipy drop-ins: SciPy's values for every keyword,
derivatives at the edges of the domains, clear refusals, the error that names a drop-in,
and SciPy loading only when needed. (Derivatives inside the domains: tests/cases_special.py.)"""

import os
import subprocess
import sys

import numpy as np
import optad
import pytest
import scipy.linalg
import scipy.special as sp
import scipy.stats

from optad.errors import ComplexValueError, NotDifferentiableError, TracerConversionError
from optad.scipy import linalg as olinalg
from optad.scipy import special as ospecial
from optad.scipy import stats as ostats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNG = np.random.default_rng(0)


def traced_value(f, *args):
    """f's value computed on traced arguments (what the forward pass of grad sees)."""
    return optad.vjp(f, *args)[0]


# --- the ufuncs ----------------------------------------------------------------------------
UNARY = [(sp.expit, (-3, 3)), (sp.logit, (0.1, 0.9)), (sp.log_expit, (-30, 30)), (sp.erf, (-2, 2)),
         (sp.erfc, (-2, 2)), (sp.erfinv, (-0.9, 0.9)), (sp.erfcinv, (0.1, 1.9)), (sp.ndtr, (-3, 3)),
         (sp.ndtri, (0.1, 0.9)), (sp.log_ndtr, (-30, 5)), (sp.gammaln, (0.1, 5)),
         (sp.gamma, (0.1, 4)), (sp.loggamma, (0.1, 5)), (sp.digamma, (0.1, 5)),
         (sp.entr, (0.0, 2)), (sp.i0, (-3, 3)), (sp.i0e, (-3, 3)), (sp.i1, (-3, 3)),
         (sp.i1e, (-3, 3))]
BINARY = [(sp.beta, (0.2, 3), (0.2, 3)), (sp.betaln, (0.2, 3), (0.2, 3)),
          (sp.xlogy, (0.0, 2), (0.0, 2)), (sp.xlog1py, (0.0, 2), (-0.5, 2)),
          (sp.rel_entr, (0.0, 2), (0.0, 2)), (sp.kl_div, (0.0, 2), (0.0, 2))]


@pytest.mark.parametrize("f, dom", UNARY, ids=lambda v: getattr(v, "__name__", ""))
def test_ufunc_values_on_traced_inputs_are_scipys(f, dom):
    x = RNG.uniform(*dom, size=7)
    assert np.array_equal(traced_value(f, x), f(x))
    g = optad.grad(lambda x: np.sum(f(x)))(x[1:])
    assert g.shape == (6,) and np.all(np.isfinite(g))


@pytest.mark.parametrize("f, d0, d1", BINARY, ids=lambda v: getattr(v, "__name__", ""))
def test_binary_ufunc_values_and_broadcasting(f, d0, d1):
    x, y = RNG.uniform(*d0, size=(3, 1)), RNG.uniform(*d1, size=4)
    assert np.array_equal(traced_value(f, x, y), f(x, y))
    gx, gy = optad.grad(lambda x, y: np.sum(f(x, y)), argnums=(0, 1))(x + 0.1, y + 0.6)
    assert gx.shape == (3, 1) and gy.shape == (4,)


def test_psi_is_digamma_and_polygamma_chain():
    assert sp.psi is sp.digamma
    # d/dx ψ = ψ', d²/dx² ψ = ψ'': both through polygamma
    assert np.isclose(optad.grad(sp.digamma)(2.5), sp.polygamma(1, 2.5))
    assert np.isclose(optad.hessian(sp.digamma)(2.5), sp.polygamma(2, 2.5))
    assert np.isclose(optad.hessian(sp.gammaln)(2.5), sp.polygamma(1, 2.5))


def test_xlogy_at_zero_has_no_nan():
    # xlogy(0, y) = 0 for every y: ∂/∂y is 0 there (also at y = 0, where x/y is 0/0)
    for y in (0.0, 0.5, 3.0):
        assert optad.grad(lambda y: sp.xlogy(0.0, y))(y) == 0.0
        assert optad.grad(lambda y: sp.xlog1py(0.0, y))(y - 1.0) == 0.0
    # ∂/∂x at x = 0 is log y (the function is x·log y, linear in x)
    assert optad.grad(lambda x: sp.xlogy(x, 2.0))(0.0) == np.log(2.0)
    gx, gy = optad.grad(lambda x, y: np.sum(sp.xlogy(x, y)), argnums=(0, 1))(
        np.array([0.0, 0.0, 1.0]), np.array([0.0, 2.0, 2.0]))
    assert gy.tolist() == [0.0, 0.0, 0.5] and gx[1:].tolist() == [np.log(2.0)] * 2
    # the mixed second derivative at x = 0 is still 1/y (the mask only changes 0/0)
    h = optad.hessian(lambda v: sp.xlogy(v[0], v[1]))(np.array([0.0, 2.0]))
    assert np.allclose(h, [[0.0, 0.5], [0.5, 0.0]])


def test_entropies_at_zero_follow_the_documented_choices():
    # entr(x) = −x log x: at 0 the one-sided slope +inf; rel_entr, kl_div: ∂x = −inf at x = 0,
    # ∂y exact (0 and 1: the functions are 0 and y there for every y >= 0)
    assert optad.grad(sp.entr)(0.0) == np.inf
    for y in (0.0, 2.0):
        gx, gy = optad.grad(sp.rel_entr, argnums=(0, 1))(0.0, y)
        assert gy == 0.0 and (gx == -np.inf if y else np.isnan(gx))
        gx, gy = optad.grad(sp.kl_div, argnums=(0, 1))(0.0, y)
        assert gy == 1.0 and (gx == -np.inf if y else np.isnan(gx))
    # (at x = y = 0 there is no ∂x: the functions jump to inf for x > 0: nan says so)
    # inside the domain: the textbook partials
    gx, gy = optad.grad(sp.kl_div, argnums=(0, 1))(0.5, 2.0)
    assert np.isclose(gx, np.log(0.25)) and np.isclose(gy, 0.75)


def test_far_tails_are_accurate():
    # log Φ(x) for x ≪ 0: φ(x)/Φ(x) ≈ −x, where φ and Φ both underflow
    g = optad.grad(sp.log_ndtr)(-40.0)
    assert np.isclose(g, 40.02498, rtol=1e-6)
    assert optad.grad(sp.log_ndtr)(40.0) == 0.0 or optad.grad(sp.log_ndtr)(40.0) < 1e-300
    # log σ(x) for x ≫ 0: σ(−x), not 1 − σ(x) (which is 0)
    assert np.isclose(optad.grad(sp.log_expit)(40.0), np.exp(-40.0), rtol=1e-12)


def test_bessel_i1_at_zero():
    assert optad.grad(sp.i1)(0.0) == 0.5 and optad.grad(sp.i1e)(0.0) == 0.5
    assert optad.hessian(sp.i1)(0.0) == 0.0
    # the Taylor branch and the formula meet at |x| = 1e-2
    g = optad.grad(lambda x: np.sum(sp.i1(x)))(np.array([0.999e-2, 1.001e-2]))
    assert np.isclose(g[0], g[1], rtol=1e-4)


def test_loggamma_of_negative_reals_is_refused():
    assert np.isnan(sp.loggamma(-1.5))           # SciPy's own value for real input
    with pytest.raises(ComplexValueError, match="gammaln"):
        optad.grad(lambda x: np.sum(sp.loggamma(x)))(np.array([-1.5, 2.0]))
    assert np.isclose(optad.grad(sp.gammaln)(-1.5), sp.digamma(-1.5))


def test_ufunc_options_and_out_are_refused():
    x = np.ones(2)
    with pytest.raises(TracerConversionError, match="out="):
        optad.grad(lambda x: np.sum(sp.erf(x, out=np.empty(2))))(x)
    with pytest.raises(optad.errors.UnsupportedFunctionError, match="where"):
        optad.grad(lambda x: np.sum(sp.erf(x, where=np.array([True, False]))))(x)


# --- logsumexp, softmax, log_softmax, polygamma -------------------------------------------
A = RNG.standard_normal((3, 4))
B = RNG.uniform(-1, 2, (3, 4))


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"axis": 1, "keepdims": True},
                                    {"axis": (0, 1)}, {"axis": -1}, {"keepdims": True}, {"b": B},
                                    {"b": B[0], "axis": 1}, {"b": B, "return_sign": True},
                                    {"b": B, "axis": 0, "return_sign": True},
                                    {"b": np.where(B > 0, B, 0.0), "axis": 1}])
def test_logsumexp_equals_scipys(kwargs):
    expected = sp.logsumexp(A, **kwargs)
    for got in (ospecial.logsumexp(A, **kwargs),
                traced_value(lambda a: ospecial.logsumexp(a, **kwargs), A)):
        if kwargs.get("return_sign"):
            assert np.array_equal(got[0], expected[0], equal_nan=True)
            assert np.array_equal(got[1], expected[1])
        else:
            assert np.array_equal(got, expected, equal_nan=True)


def test_logsumexp_gradients():
    # ∂/∂a = softmax weights, ∂/∂b = exp(a − r); with signs, σ·b·exp(a − r)
    a = A[0]
    assert np.allclose(optad.grad(ospecial.logsumexp)(a), sp.softmax(a))
    b = np.array([1.0, -2.0, 0.5, 3.0])
    r, s = sp.logsumexp(a, b=b, return_sign=True)
    ga, gb = optad.grad(lambda a, b: ospecial.logsumexp(a, b=b, return_sign=True)[0],
                        argnums=(0, 1))(a, b)
    assert np.allclose(ga, s * b * np.exp(a - r)) and np.allclose(gb, s * np.exp(a - r))
    assert optad.check_grad(lambda b: ospecial.logsumexp(a, b=b), np.abs(b)) < 1e-6
    # large inputs: no overflow
    assert np.allclose(optad.grad(ospecial.logsumexp)(np.array([1000.0, 1000.0])), [0.5, 0.5])


def test_logsumexp_edge_values():
    assert ospecial.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    assert np.isnan(ospecial.logsumexp([1.0, 2.0], b=[1.0, -1.0]))
    assert ospecial.logsumexp(0.5) == sp.logsumexp(0.5)


def test_softmax_and_log_softmax_equal_scipys():
    for axis in (None, 0, 1, (0, 1)):
        assert np.array_equal(ospecial.softmax(A, axis), sp.softmax(A, axis))
        assert np.array_equal(traced_value(lambda a: ospecial.softmax(a, axis=axis), A),
                              sp.softmax(A, axis))
        assert np.array_equal(ospecial.log_softmax(A, axis), sp.log_softmax(A, axis))
        assert np.array_equal(traced_value(lambda a: ospecial.log_softmax(a, axis=axis), A),
                              sp.log_softmax(A, axis))
    x = np.array([1000.0, 0.0, -np.inf])
    assert np.array_equal(ospecial.log_softmax(x), sp.log_softmax(x))


def test_polygamma_equals_scipys():
    x = np.array([0.5, 1.5, 4.0])
    for n in (0, 1, 3, np.array([0, 2, 1])):
        assert np.allclose(ospecial.polygamma(n, x), sp.polygamma(n, x), rtol=1e-14)
        assert np.allclose(traced_value(lambda x: ospecial.polygamma(n, x), x), sp.polygamma(n, x),
                           rtol=1e-14)
    assert traced_value(lambda x: ospecial.polygamma(np.array([0, 1]), x), 2.0).shape == (2,)
    with pytest.raises(NotDifferentiableError, match="order"):
        optad.grad(lambda n: ospecial.polygamma(n, 2.0))(1.0)


# --- linalg ---------------------------------------------------------------------------------
L3 = np.tril(RNG.standard_normal((3, 3))) + 2 * np.eye(3)
B3 = RNG.standard_normal((3, 2))


@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_equals_scipys(trans, lower, unit):
    a = L3 if lower else L3.T
    for b in (B3, B3[:, 0]):
        expected = scipy.linalg.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit)
        kwargs = {"trans": trans, "lower": lower, "unit_diagonal": unit}
        assert np.array_equal(olinalg.solve_triangular(a, b, **kwargs), expected)
        on_traced = traced_value(lambda a, b: olinalg.solve_triangular(a, b, **kwargs), a, b)
        assert np.array_equal(on_traced, expected)


def test_solve_triangular_reads_only_its_triangle():
    full = L3 + np.triu(np.ones((3, 3)), 1)        # garbage above the diagonal
    g = optad.grad(lambda a: np.sum(
        olinalg.solve_triangular(a, B3, lower=True, unit_diagonal=True)))(full)
    assert np.all(np.triu(g) == 0) and np.any(g != 0)


def test_solve_triangular_refusals():
    with pytest.raises(ValueError, match="trans"):
        olinalg.solve_triangular(L3, B3, trans="X")
    with pytest.raises(NotDifferentiableError, match="2-D"):
        optad.grad(lambda a: np.sum(olinalg.solve_triangular(a, np.ones((2, 3, 1)))))(L3)


@pytest.mark.parametrize("lower", [True, False])
def test_cho_factor_and_cho_solve_equal_scipys(lower):
    m = RNG.standard_normal((4, 4))
    a = m @ m.T + 4 * np.eye(4)
    # SciPy reads one triangle and leaves the other in c as it was (up to 1.17; 1.18 writes
    # zeros there): make it differ, so that following the running SciPy is tested
    other = np.full((4, 4), 0.25)
    a_messy = a + (np.triu(other, 1) if lower else np.tril(other, -1))
    c, low = scipy.linalg.cho_factor(a_messy, lower=lower)
    for got in (olinalg.cho_factor(a_messy, lower=lower),
                optad.vjp(lambda a: olinalg.cho_factor(a, lower=lower)[0], a_messy)[0]):
        got_c = got[0] if isinstance(got, tuple) else got
        assert np.allclose(got_c, c, rtol=1e-13, atol=1e-15)   # both triangles, as SciPy
    b = RNG.standard_normal(4)
    expected = scipy.linalg.cho_solve((c, low), b)
    assert np.allclose(olinalg.cho_solve((c, low), b), expected, rtol=1e-13)
    on_traced = traced_value(lambda c, b: olinalg.cho_solve((c, low), b), c, b)
    assert np.allclose(on_traced, expected, rtol=1e-13)
    # the gradient of b ↦ a⁻¹b through the factor
    f = lambda a: np.sum(olinalg.cho_solve(olinalg.cho_factor(a, lower=lower), b))  # noqa: E731
    assert optad.check_grad(f, a) < 1e-6


def test_cho_factor_checks_like_scipy():
    with pytest.raises(ValueError, match="infs or NaNs"):
        optad.grad(lambda a: np.sum(olinalg.cho_factor(a)[0]))(np.full((2, 2), np.nan))
    with pytest.raises(np.linalg.LinAlgError):
        optad.grad(lambda a: np.sum(olinalg.cho_factor(a)[0]))(-np.eye(2))


# --- stats ------------------------------------------------------------------------------------
X = RNG.standard_normal(5)


@pytest.mark.parametrize("method", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"])
def test_norm_equals_scipys(method):
    for kwargs in ({}, {"loc": 0.3}, {"loc": 0.3, "scale": 2.0},
                   {"scale": np.array([1.0, 2, 3, 4, 5])}):
        expected = getattr(scipy.stats.norm, method)(X, **kwargs)
        assert np.allclose(getattr(ostats.norm, method)(X, **kwargs), expected, rtol=1e-14, atol=0)
        assert np.allclose(traced_value(lambda x: getattr(ostats.norm, method)(x, **kwargs), X),
                           expected, rtol=1e-14, atol=0)
        frozen = getattr(ostats.norm(**kwargs), method)(X)
        assert np.allclose(frozen, expected, rtol=1e-14, atol=0)
    # nan where scale <= 0, as SciPy
    assert np.isnan(getattr(ostats.norm, method)(0.5, scale=-1.0))
    assert np.isnan(getattr(scipy.stats.norm, method)(0.5, scale=-1.0))
    assert isinstance(getattr(ostats.norm, method)(0.5), float)


@pytest.mark.parametrize("method", ["ppf", "isf"])
def test_norm_quantiles_equal_scipys(method):
    q = np.array([0.0, 0.025, 0.5, 0.9, 1.0])
    expected = getattr(scipy.stats.norm, method)(q, loc=1.0, scale=2.0)
    assert np.allclose(getattr(ostats.norm, method)(q, loc=1.0, scale=2.0), expected, rtol=1e-14)


def test_norm_gradients_in_loc_and_scale():
    g = optad.grad(lambda loc, s: ostats.norm.logpdf(1.0, loc, s), argnums=(0, 1))(0.5, 2.0)
    assert np.allclose(g, [0.5 / 4.0, -1 / 2.0 + 0.25 / 8.0])


def test_multivariate_normal_equals_scipys():
    m = RNG.standard_normal((3, 3))
    cov = m @ m.T + np.eye(3)
    mean = RNG.standard_normal(3)
    for x in (RNG.standard_normal(3), RNG.standard_normal((4, 3)), RNG.standard_normal((2, 4, 3))):
        expected = scipy.stats.multivariate_normal.logpdf(x, mean, cov)
        assert np.allclose(ostats.multivariate_normal.logpdf(x, mean, cov), expected, rtol=1e-12)
        got = traced_value(lambda x, mean, cov: ostats.multivariate_normal.logpdf(x, mean, cov),
                           x, mean, cov)
        assert np.shape(got) == np.shape(expected) and np.allclose(got, expected, rtol=1e-12)
        assert np.allclose(ostats.multivariate_normal(mean, cov).pdf(x),
                           scipy.stats.multivariate_normal(mean, cov).pdf(x), rtol=1e-12)
    # scalar and diagonal covariances, no mean, one dimension
    for args in ((X[:3], np.zeros(3), 2.0), (X[:3], np.ones(3), np.array([1.0, 2.0, 3.0])),
                 (X, 0.5, 2.0), (0.3, None, 1), (X, None, 2.0)):
        expected = scipy.stats.multivariate_normal.logpdf(*args)
        got = ostats.multivariate_normal.logpdf(*args)
        assert np.shape(got) == np.shape(expected) and np.allclose(got, expected, rtol=1e-12)
    assert isinstance(ostats.multivariate_normal.logpdf(X[:3], np.zeros(3), cov=2.0), float)
    # as SciPy: with no mean, a scalar or 1-D cov means one dimension
    with pytest.raises(ValueError):
        scipy.stats.multivariate_normal.logpdf(X[:3], cov=np.ones(3))
    with pytest.raises(ValueError):
        ostats.multivariate_normal.logpdf(X[:3], cov=np.ones(3))


def test_multivariate_normal_gradients():
    cov = np.array([[2.0, 0.3], [0.3, 1.0]])
    x, mean = np.array([0.5, -1.0]), np.array([0.1, 0.2])
    gx = optad.grad(lambda x: ostats.multivariate_normal.logpdf(x, mean, cov))(x)
    assert np.allclose(gx, -np.linalg.solve(cov, x - mean))
    # ∂/∂cov of the symmetric density: ½(Σ⁻¹ d dᵀ Σ⁻¹ − Σ⁻¹), with the off-diagonal
    # lower entry counting for both of its positions (only the lower triangle is read)
    gc = optad.grad(lambda c: ostats.multivariate_normal.logpdf(x, mean, c))(cov)
    inv = np.linalg.inv(cov)
    d = inv @ (x - mean)
    sym = 0.5 * (np.outer(d, d) - inv)
    assert np.allclose(gc, np.tril(2 * sym) - np.diag(np.diag(sym)))
    with pytest.raises(NotDifferentiableError, match="allow_singular"):
        ostats.multivariate_normal.logpdf(x, mean, cov, allow_singular=True)
    with pytest.raises(ValueError, match="cov"):
        ostats.multivariate_normal.logpdf(x, mean, np.eye(3))


# --- the error that names the drop-in ------------------------------------------------------------
V = np.array([0.3, 0.5, 0.7])
TRI = np.eye(3) * 2.0


@pytest.mark.parametrize("call, scipy_name, drop_in", [
    (lambda x: sp.logsumexp(x), "scipy.special.logsumexp", "optad.scipy.special.logsumexp"),
    (lambda x: np.sum(sp.softmax(x)), "scipy.special.softmax", "optad.scipy.special.softmax"),
    (lambda x: np.sum(sp.log_softmax(x)), "scipy.special.log_softmax",
     "optad.scipy.special.log_softmax"),
    (lambda x: np.sum(sp.polygamma(1, x)), "scipy.special.polygamma",
     "optad.scipy.special.polygamma"),
    (lambda x: np.sum(scipy.linalg.solve_triangular(TRI, x)), "scipy.linalg.solve_triangular",
     "optad.scipy.linalg.solve_triangular"),
    (lambda x: np.sum(scipy.linalg.cho_factor(TRI * x)[0]), "scipy.linalg.cho_factor",
     "optad.scipy.linalg.cho_factor"),
    (lambda x: np.sum(scipy.linalg.cho_solve((TRI, True), x)), "scipy.linalg.cho_solve",
     "optad.scipy.linalg.cho_solve"),
    (lambda x: np.sum(scipy.stats.norm.logpdf(x, loc=1.0)), "scipy.stats.norm.logpdf",
     "optad.scipy.stats.norm.logpdf"),
    (lambda x: np.sum(scipy.stats.norm(0.0, 2.0).cdf(x)), "scipy.stats.norm.cdf",
     "optad.scipy.stats.norm.cdf"),
    (lambda x: scipy.stats.multivariate_normal.logpdf(V, mean=x, cov=TRI),
     "scipy.stats.multivariate_normal.logpdf", "optad.scipy.stats.multivariate_normal.logpdf"),
    (lambda x: scipy.stats.multivariate_normal(V, TRI).logpdf(x),
     "scipy.stats.multivariate_normal.logpdf", "optad.scipy.stats.multivariate_normal.logpdf"),
])
def test_conversion_inside_scipy_names_the_drop_in(call, scipy_name, drop_in):
    with pytest.raises(TracerConversionError) as info:
        optad.grad(call)(V)
    message = str(info.value)
    assert message.startswith(f"{scipy_name} converts its input to a plain ndarray")
    assert f"use {drop_in}, a drop-in that optad can differentiate" in message
    assert "test_scipy_dropins.py" in message          # the user's line
    module, _, name = drop_in.rpartition(".")
    if name in ("logpdf", "cdf"):
        module, _, name = module.rpartition(".")
    assert f"from {module} import {name}" in message


def test_conversion_inside_scipy_without_a_drop_in_keeps_the_generic_advice():
    with pytest.raises(TracerConversionError, match="optad.primitive") as info:
        optad.grad(lambda x: np.sum(scipy.stats.weibull_min.logpdf(x, 2.0)))(V)
    assert "scipy.stats.weibull_min.logpdf" in str(info.value) and "drop-in" not in str(info.value)


# --- loading: SciPy only when needed, a user's rule wins ------------------------------------------
def _run(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_rules_load_the_first_time_a_scipy_ufunc_meets_a_traced_value():
    out = _run("import sys, numpy as np, optad, optad.scipy\n"
               "print('scipy' in sys.modules)\n"
               "import scipy.special as sp\n"
               "print('optad.prims.special' in sys.modules)\n"
               "print(optad.grad(lambda x: sp.expit(x))(0.0))\n"
               "print(sp.expit in optad.registry.builtin()[0])")
    assert out.split() == ["False", "False", "0.25", "True"]


def test_a_users_rule_replaces_optads_as_for_numpy():
    out = _run("import numpy as np, optad, scipy.special as sp\n"
               "optad.defvjp(sp.erf, lambda g, ans, x: g * 7.0)\n"
               "print(optad.grad(sp.erf)(0.0))\n"
               "print(round(float(optad.jvp(sp.erf, (0.0,), (1.0,))[1]), 6))")
    assert out.split() == ["7.0", "1.128379"]        # optad's forward rule stays


def test_supported_lists_scipy_functions():
    names = set(optad.supported())
    assert {"scipy.special.erf", "scipy.special.xlogy", "scipy.special.psi"} <= names


def test_lists_holding_traced_values_are_stacked():
    def f(x):
        return (ospecial.logsumexp([x[0], x[1]]) + ostats.norm.logpdf([x[0], 1.0]).sum()
                + ospecial.softmax([x[1], x[0]])[0])
    assert optad.check_grad(f, np.array([0.3, -0.4])) < 1e-6
