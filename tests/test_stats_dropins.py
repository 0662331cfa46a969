"""optad.scipy.stats' distributions against SciPy's: the values of every method, frozen
form and argument spelling, inside and outside the support and for invalid parameters;
the refusals (shape derivatives of cdfs, traced counts); the conversion error naming the
drop-ins; and the incomplete gamma/beta ufuncs' values and refusals. (Derivatives inside
the domains: tests/cases_stats.py.)"""

import numpy as np
import optad
import pytest
import scipy.special as sp
import scipy
import scipy.stats

from optad.errors import NotDifferentiableError, TracerConversionError
from optad.scipy import stats as ostats

HAS_BETAINCC = hasattr(sp, "betaincc")      # (new in SciPy 1.12)

METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
# x standardized to both sides of every support, its edges, ±inf and nan
X = np.array([-np.inf, -3.0, -0.5, 0.0, 0.3, 0.5, 0.9, 1.0, 2.5, 40.0, np.inf, np.nan])
FAMILIES = [
    ("t", [(3.0,), (0.7,), (np.inf,), (0.0,), (-1.0,)]),
    ("gamma", [(0.5,), (1.0,), (2.5,), (-1.0,)]),
    ("chi2", [(1.0,), (2.0,), (3.0,), (0.0,)]),
    ("beta", [(0.5, 2.0), (1.0, 1.0), (2.0, 3.0), (-1.0, 2.0), (2.0, 0.0)]),
    ("expon", [()]), ("laplace", [()]), ("logistic", [()]), ("cauchy", [()]), ("uniform", [()]),
]
LOC_SCALE = [{}, {"loc": 0.5, "scale": 2.0}, {"scale": 0.0}, {"scale": -1.0},
             {"loc": np.array([[0.0], [1.0]]), "scale": np.array([[1.0], [-1.0]])}]


def traced_value(f, *args):
    """f's value computed on traced arguments (what the forward pass of grad sees)."""
    return optad.vjp(f, *args)[0]


# SciPy before 1.12 computes some log-tails as log(1 - cdf) (errors up to ~1e-8 relative
# there, and tiny nonzero values where the answer rounds to 0): compare looser on it.
OLD_SCIPY = np.lib.NumpyVersion(scipy.__version__) < "1.12.0"


def same(got, expected):
    assert np.shape(got) == np.shape(expected)
    rtol, atol = (1e-6, 1e-12) if OLD_SCIPY else (1e-12, 0)
    assert np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True), (got, expected)


@pytest.mark.parametrize("name, shape_sets", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_values_equal_scipys_everywhere(name, shape_sets):
    ours, theirs = getattr(ostats, name), getattr(scipy.stats, name)
    with np.errstate(all="ignore"):
        for shapes in shape_sets:
            for kw in LOC_SCALE:
                for m in METHODS:
                    same(getattr(ours, m)(X, *shapes, **kw), getattr(theirs, m)(X, *shapes, **kw))


@pytest.mark.parametrize("name, shape_sets", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_traced_frozen_and_positional_forms_give_the_same_values(name, shape_sets):
    ours, theirs = getattr(ostats, name), getattr(scipy.stats, name)
    shapes = shape_sets[0] if name != "t" else (3.0,)
    x = np.array([0.2, 0.6, 1.7])
    for m in METHODS:
        expected = getattr(theirs, m)(x, *shapes, loc=-0.1, scale=1.3)
        same(getattr(ours, m)(x, *shapes, -0.1, 1.3), expected)                 # positional
        same(getattr(ours(*shapes, loc=-0.1, scale=1.3), m)(x), expected)        # frozen
        same(getattr(ours(*shapes, -0.1, 1.3), m)(x), expected)
        names = dict(zip(ours.shapes, shapes))                                   # by name
        same(getattr(ours, m)(x, loc=-0.1, scale=1.3, **names), expected)
        same(traced_value(lambda x, loc, scale: getattr(ours, m)(x, *shapes, loc, scale),
                          x, -0.1, 1.3), expected)
    # scalars come back as NumPy scalars, as SciPy's
    assert type(ours.logpdf(0.5, *shapes)) is type(theirs.logpdf(0.5, *shapes))


def test_far_tails_and_the_normal_limit():
    # logcdf/logsf switch formulas at the median as SciPy does: accurate in both tails
    for m in ("logcdf", "logsf"):
        for name, shapes in (("t", (4.0,)), ("gamma", (2.0,)), ("beta", (2.0, 3.0))):
            x = np.array([1e-6, 0.01, 0.999, 0.999999, 20.0, 300.0])
            same(getattr(getattr(ostats, name), m)(x, *shapes),
                 getattr(getattr(scipy.stats, name), m)(x, *shapes))
    # laplace's logpdf stays finite where SciPy's log(½e^(−|z|)) underflows
    assert ostats.laplace.logpdf(800.0) == -800.0 - np.log(2.0)
    # t with df = inf is the normal, with the normal's derivative
    g = optad.grad(lambda x: ostats.t.logpdf(x, np.inf) + ostats.t.cdf(x, np.inf))(0.7)
    assert np.isclose(g, -0.7 + scipy.stats.norm.pdf(0.7), rtol=1e-14)


def test_derivatives_match_the_densities():
    # cdf' = pdf for every family, through x, loc and scale (z = (x − loc)/scale)
    for name, shapes, x in (("t", (3.0,), 0.4), ("gamma", (2.5,), 1.3), ("chi2", (3.0,), 1.3),
                            ("beta", (2.0, 3.0), 0.4), ("expon", (), 0.7),
                            ("laplace", (), -0.4), ("logistic", (), 0.4), ("cauchy", (), 0.4),
                            ("uniform", (), 0.4)):
        dist = getattr(ostats, name)
        gx, gl, gs = optad.grad(lambda x, l, s: dist.cdf(x, *shapes, loc=l, scale=s),
                                argnums=(0, 1, 2))(x * 1.5 + 0.2, 0.2, 1.5)
        pdf = dist.pdf(x * 1.5 + 0.2, *shapes, loc=0.2, scale=1.5)
        assert np.allclose([gx, gl, gs], [pdf, -pdf, -pdf * x], rtol=1e-12), name
        gsf = optad.grad(lambda x: dist.sf(x, *shapes))(x)
        assert np.isclose(gsf, -dist.pdf(x, *shapes), rtol=1e-12), name
    # t's cdf at its centre: the density, not betainc's inf·0
    assert np.isclose(optad.grad(lambda x: ostats.t.cdf(x, 2.5))(0.0),
                      scipy.stats.t.pdf(0.0, 2.5), rtol=1e-14)
    # the density's shape derivatives, against SciPy's values by central differences
    h = 1e-6
    for name, shapes, x in (("t", (3.0,), 0.4), ("gamma", (2.5,), 1.3), ("beta", (2.0, 3.0), 0.4)):
        g = optad.grad(lambda *s: getattr(ostats, name).logpdf(x, *s),
                       argnums=tuple(range(len(shapes))))(*shapes)
        for i, gi in enumerate(np.atleast_1d(g)):
            up, down = list(shapes), list(shapes)
            up[i] += h
            down[i] -= h
            f = getattr(scipy.stats, name).logpdf
            assert np.isclose(gi, (f(x, *up) - f(x, *down)) / (2 * h), rtol=1e-6), name


@pytest.mark.parametrize("name, shapes", [("t", (3.0,)), ("gamma", (2.0,)), ("chi2", (3.0,)),
                                          ("beta", (2.0, 3.0))])
def test_cdf_shape_derivatives_are_refused_while_recording(name, shapes):
    dist = getattr(ostats, name)
    for i, shape_name in enumerate(dist.shapes):
        for m in ("cdf", "logcdf", "sf", "logsf"):
            def f(s):
                args = list(shapes)
                args[i] = s
                return getattr(dist, m)(0.4, *args)
            with pytest.raises(NotDifferentiableError, match=f"shape parameter {shape_name} has no closed form"):
                optad.grad(f)(shapes[i])
    # the densities are differentiable in them
    assert np.all(np.isfinite(optad.grad(lambda s: dist.logpdf(0.4, *([s] + list(shapes[1:]))))(shapes[0])))


def test_argument_errors_are_pythons():
    with pytest.raises(TypeError, match="missing the shape parameter"):
        ostats.t.logpdf(0.5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'mean'"):
        ostats.gamma.logpdf(0.5, 2.0, mean=1.0)
    with pytest.raises(TypeError, match="multiple values for argument 'loc'"):
        ostats.expon.pdf(0.5, 1.0, loc=1.0)
    with pytest.raises(TypeError, match="at most 4 parameters"):
        ostats.beta.cdf(0.5, 1.0, 2.0, 0.0, 1.0, 5.0)
    with pytest.raises(AttributeError):
        ostats.t(3.0).ppf


# --- poisson ------------------------------------------------------------------------------
K = np.array([-1.0, 0.0, 1.0, 2.5, 3.0, 7.0, 60.0, -np.inf, np.nan])


@pytest.mark.parametrize("method", ["pmf", "logpmf", "cdf", "logcdf", "sf", "logsf"])
def test_poisson_equals_scipys(method):
    with np.errstate(all="ignore"):
        for mu in (3.0, 0.0, -1.0, np.array([[0.5], [40.0]])):
            for loc in (0, 2):
                expected = getattr(scipy.stats.poisson, method)(K, mu, loc)
                same(getattr(ostats.poisson, method)(K, mu, loc), expected)
                same(getattr(ostats.poisson(mu, loc=loc), method)(K), expected)
                same(getattr(ostats.poisson, method)(K, mu=mu, loc=loc), expected)
    k = np.array([0.0, 2.0, 5.0])
    same(traced_value(lambda mu: getattr(ostats.poisson, method)(k, mu), 2.5),
         getattr(scipy.stats.poisson, method)(k, 2.5))


def test_poisson_derivatives_and_refusals():
    k = np.array([0.0, 2.0, 5.0])
    assert np.allclose(optad.grad(lambda mu: np.sum(ostats.poisson.logpmf(k, mu)))(2.0),
                       np.sum(k / 2.0 - 1.0))
    # d/dmu P(X <= k) = −P(X = k)
    assert np.allclose(optad.jacobian(lambda mu: ostats.poisson.cdf(k, mu))(2.0),
                       -scipy.stats.poisson.pmf(k, 2.0), rtol=1e-13)
    assert np.allclose(optad.jacobian(lambda mu: ostats.poisson.sf(k, mu))(2.0),
                       scipy.stats.poisson.pmf(k, 2.0), rtol=1e-13)
    for name, f in (("k", lambda k: ostats.poisson.pmf(k, 2.0)),
                    ("loc", lambda loc: ostats.poisson.cdf(3.0, 2.0, loc))):
        with pytest.raises(NotDifferentiableError, match=f"{name} is a count"):
            optad.grad(f)(1.0)


# --- dirichlet ------------------------------------------------------------------------------
def test_dirichlet_equals_scipys():
    rng = np.random.default_rng(0)
    alpha = np.array([0.5, 2.0, 3.0])
    x = rng.dirichlet(alpha, size=4).T          # one point per column
    for points in (x, x[:2], x[:, 0], x[:2, 1]):
        for m in ("logpdf", "pdf"):
            expected = getattr(scipy.stats.dirichlet, m)(points, alpha)
            same(getattr(ostats.dirichlet, m)(points, alpha), expected)
            same(getattr(ostats.dirichlet(alpha), m)(points), expected)
            same(traced_value(lambda p, a: getattr(ostats.dirichlet, m)(p, a), points, alpha),
                 expected)
    assert type(ostats.dirichlet.logpdf(x[:, 0], alpha)) is np.float64
    # SciPy's checks, SciPy's messages
    for bad_x, bad_alpha, message in (([0.5, 0.5], [1.0, -1.0], "greater than 0"),
                                      ([0.5, 0.6], [1.0, 2.0], "normal simplex"),
                                      ([0.1, 0.2, 0.3, 0.4], [1.0, 2.0], "one entry fewer"),
                                      ([1.0, 0.0], [1.0, 0.5], "greater than zero if")):
        with pytest.raises(ValueError, match=message):
            scipy.stats.dirichlet.logpdf(bad_x, bad_alpha)
        with pytest.raises(ValueError, match=message):
            ostats.dirichlet.logpdf(bad_x, bad_alpha)


def test_dirichlet_gradients():
    x, alpha = np.array([0.2, 0.3, 0.5]), np.array([1.5, 2.0, 3.0])
    gx, ga = optad.grad(ostats.dirichlet.logpdf, argnums=(0, 1))(x, alpha)
    assert np.allclose(gx, (alpha - 1.0) / x)
    assert np.allclose(ga, np.log(x) - sp.digamma(alpha) + sp.digamma(alpha.sum()))


# --- the incomplete gamma and beta functions ------------------------------------------------------
def test_incomplete_functions_values_and_x_derivatives():
    x = np.array([0.1, 0.5, 0.9])
    for f, args in ((sp.gammainc, (2.5,)), (sp.gammaincc, (2.5,)), (sp.betainc, (2.0, 3.0)),
                    (sp.stdtr, (4.0,))) + (((sp.betaincc, (2.0, 3.0)),) if HAS_BETAINCC else ()):
        assert np.array_equal(traced_value(lambda x: f(*args, x), x), f(*args, x))
    assert np.allclose(optad.grad(lambda x: np.sum(sp.gammainc(2.5, x)))(x),
                       scipy.stats.gamma.pdf(x, 2.5), rtol=1e-13)
    if HAS_BETAINCC:
        assert np.allclose(optad.grad(lambda x: np.sum(sp.betaincc(2.0, 3.0, x)))(x),
                           -scipy.stats.beta.pdf(x, 2.0, 3.0), rtol=1e-13)


@pytest.mark.parametrize("f, args, position, name", [
    (sp.gammainc, (2.0, 0.5), 0, "a"), (sp.gammaincc, (2.0, 0.5), 0, "a"),
    (sp.betainc, (2.0, 3.0, 0.5), 0, "a"), (sp.betainc, (2.0, 3.0, 0.5), 1, "b"),
    (sp.stdtr, (3.0, 0.5), 0, "df")]
    + ([(sp.betaincc, (2.0, 3.0, 0.5), 1, "b")] if HAS_BETAINCC else []))
def test_incomplete_functions_refuse_their_parameter_derivatives(f, args, position, name):
    def g(v):
        a = list(args)
        a[position] = v
        return f(*a)
    message = f"{f.__name__}: the derivative with respect to its argument {name}"
    with pytest.raises(NotDifferentiableError, match=message):
        optad.grad(g)(args[position])
    with pytest.raises(NotDifferentiableError, match=message):
        optad.jvp(g, (args[position],), (1.0,))


# --- SciPy's own versions name the drop-ins ----------------------------------------------------
V = np.array([0.3, 0.6])


@pytest.mark.parametrize("call, scipy_name, short", [
    (lambda x: scipy.stats.t.logpdf(x, 3.0), "scipy.stats.t.logpdf", "t"),
    (lambda x: scipy.stats.gamma(2.0).cdf(x), "scipy.stats.gamma.cdf", "gamma"),
    (lambda x: scipy.stats.beta.logpdf(x, 2.0, 3.0), "scipy.stats.beta.logpdf", "beta"),
    (lambda x: scipy.stats.poisson.logpmf(2, x), "scipy.stats.poisson.logpmf", "poisson"),
    (lambda x: scipy.stats.dirichlet.logpdf(np.stack([x[0], 1.0 - x[0]]), [1.0, 2.0]),
     "scipy.stats.dirichlet.logpdf", "dirichlet"),
    (lambda x: scipy.stats.cauchy.sf(x), "scipy.stats.cauchy.sf", "cauchy"),
])
def test_scipys_versions_name_the_drop_ins(call, scipy_name, short):
    with pytest.raises(TracerConversionError) as info:
        optad.grad(lambda x: np.sum(call(x)))(V)
    text = str(info.value)
    assert scipy_name in text and f"optad.{scipy_name}" in text
    assert f"from optad.scipy.stats import {short}" in text
