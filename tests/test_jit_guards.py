"""optad.jit: primitives that read their inputs' data recompute it, not guard on it.

A jitted objective of each function, called at several points whose values differ (so
every sort order, index, mask and branch the function reads changes), must give the
un-jitted values and gradients and trace once: the program recomputes those reads as
steps. True Python decisions (an error to raise, a tie to share) stay guards on a small
value; the last tests check that they still decide.
"""

import warnings

import numpy as np
import optad
from optad.engines import using_reference
import pytest

from test_jit import same      # (one comparison of pytrees for every jit test)

RNG = np.random.default_rng(20240611)


def once(fun, points, traces=1):
    """``jit(fun)`` at each point equals ``fun`` there, and traced ``traces`` times (the
    count is the fast engine's: the reference engine's structural-zero masks read values)."""
    jitted = optad.jit(fun)
    for x in points:
        same(jitted(x), fun(x))
    if not using_reference():
        assert jitted.cache_info().traces == traces
    return jitted


def normal(shape, n=4):
    return [RNG.normal(size=shape) for _ in range(n)]


# --- statistics: median, quantile, percentile ----------------------------------------------
@pytest.mark.parametrize("f", [
    lambda x: np.median(x) * np.sum(x ** 2),
    lambda x: np.sum(np.median(x, axis=0) ** 2),
    lambda x: np.sum(np.quantile(x, [0.1, 0.3, 0.9])),
    lambda x: np.percentile(x, 35.0, method="lower") + np.percentile(x, 60.0, method="nearest"),
    lambda x: np.sum(np.quantile(x, [0.3, 0.7], method="averaged_inverted_cdf")),
    lambda x: np.sum(np.quantile(x, [0.3, 0.7], method="closest_observation")),
    lambda x: np.quantile(x, 0.4, method="midpoint") * np.quantile(x, 0.4, method="hazen"),
    lambda x: np.nanmedian(np.where(x > 0.8, np.nan, x)),
    lambda x: np.sum(np.nanpercentile(np.where(x > 0.5, np.nan, x), [20.0, 70.0], axis=1)),
    lambda x: np.median(np.round(2.0 * x)),      # ties on every call: shared, recomputed
], ids=["median", "median_axis", "quantile", "lower_nearest", "averaged", "closest",
        "midpoint_hazen", "nanmedian", "nanpercentile", "ties"])
def test_order_statistics_trace_once(f):
    once(optad.value_and_grad(f), normal((4, 6)))


def test_quantile_of_a_traced_q_traces_once():
    data = np.arange(6.0) ** 2
    once(optad.value_and_grad(lambda q: np.sum(np.quantile(data, q ** 2))),
         [RNG.uniform(0.1, 0.9, size=3) for _ in range(4)])


def test_a_quantile_out_of_range_still_raises_under_jit():
    jitted = optad.jit(optad.grad(lambda q: np.quantile(np.arange(4.0), q)))
    assert float(jitted(0.5)) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="range"):
        jitted(1.5)


# --- decompositions: only "repeated / rank-deficient?" is a guard ---------------------------
def symmetric(n=4, count=4):
    out = []
    for _ in range(count):
        a = RNG.normal(size=(n, n))
        out.append(a + a.T)
    return out


def diagonalizable(n=4, count=4):
    """Real matrices with distinct real eigenvalues (well separated, well conditioned)."""
    out = []
    for _ in range(count):
        t = np.triu(RNG.normal(size=(n, n)), 1) + np.diag(np.arange(1.0, n + 1) + RNG.uniform(
            0, 0.3, n))
        p = np.eye(n) + 0.1 * RNG.normal(size=(n, n))
        out.append(p @ t @ np.linalg.inv(p))
    return out


# NumPy 2.5 returns complex arrays from eig/eigvals of every matrix; a derivative of
# complex values runs without jit (optad.jit's documented limit), so nothing is traced there.
EIG_REAL = pytest.mark.skipif(np.iscomplexobj(np.linalg.eigvals(np.eye(2))),
                              reason="this NumPy's eig returns complex arrays")


@pytest.mark.parametrize("f, points", [
    (lambda a: np.sum(np.linalg.eigh(a)[1] ** 3) + np.sum(np.linalg.eigh(a)[0] ** 2),
     symmetric()),
    (lambda a: np.sum(np.linalg.svd(a, full_matrices=False)[0] ** 3), normal((5, 3))),
    (lambda a: np.sum(np.linalg.svd(a, hermitian=True)[0] ** 3)
     + np.sum(np.linalg.svd(a, hermitian=True)[1]), symmetric()),
    (lambda a: np.sum(np.linalg.qr(a)[0] ** 3) + np.sum(np.linalg.qr(a)[1] ** 2),
     normal((5, 3))),
    (lambda a: np.sum(np.linalg.pinv(a) ** 2), normal((5, 3))),
    (lambda a: np.sum(np.linalg.lstsq(a, np.arange(5.0), rcond=None)[0] ** 2)
     + np.sum(np.linalg.lstsq(a, np.arange(5.0), rcond=None)[1]), normal((5, 3))),
    pytest.param(lambda a: np.sum(np.linalg.eigvals(a) ** 2), diagonalizable(),
                 marks=EIG_REAL),
    pytest.param(lambda a: np.sum(np.linalg.eig(a)[1] ** 3) + np.sum(np.linalg.eig(a)[0] ** 3),
                 diagonalizable(), marks=EIG_REAL),
], ids=["eigh", "svd", "svd_hermitian", "qr", "pinv", "lstsq", "eigvals", "eig"])
def test_decompositions_trace_once(f, points):
    once(optad.value_and_grad(f), points)


def test_forward_mode_eigh_traces_once():
    v = np.arange(16.0).reshape(4, 4)
    once(lambda a: optad.jvp(lambda a: np.linalg.eigh(a)[1] ** 2, (a,), (v + v.T,))[1],
         symmetric())


def test_lstsq_rank_is_a_python_int_under_jit():
    rank = optad.jit(lambda a: np.linalg.lstsq(a, np.ones(4), rcond=None)[2])
    assert rank(RNG.normal(size=(4, 3))) == 3 and type(rank(RNG.normal(size=(4, 3)))) is int
    low = RNG.normal(size=(4, 1)) @ RNG.normal(size=(1, 3))
    assert rank(low) == 1          # a new rank: guarded, traced again


def test_repeated_eigenvalues_still_raise_under_jit():
    vg = optad.jit(optad.value_and_grad(lambda a: np.sum(np.linalg.eigh(a)[1] ** 3)))
    a = symmetric()[0]
    same(vg(a), optad.value_and_grad(lambda a: np.sum(np.linalg.eigh(a)[1] ** 3))(a))
    with pytest.raises(optad.errors.NotDifferentiableError, match="repeated eigenvalues"):
        vg(np.diag([1.0, 1.0, 2.0, 3.0]))
    same(vg(2.0 * a), optad.value_and_grad(lambda a: np.sum(np.linalg.eigh(a)[1] ** 3))(2 * a))


def test_rank_deficient_svd_vectors_still_raise_under_jit():
    vg = optad.jit(optad.grad(lambda a: np.sum(np.linalg.svd(a, full_matrices=False)[0] ** 3)))
    vg(RNG.normal(size=(4, 3)))
    with pytest.raises(optad.errors.NotDifferentiableError, match="singular value"):
        vg(np.outer(np.arange(1.0, 5.0), [1.0, 2.0, 3.0]))


# --- writes at integer indices computed from the inputs --------------------------------------
def _write_permuted(x):
    y = np.zeros_like(x)
    y[np.argsort(x)] = x ** 2
    return np.sum(y * np.arange(5.0))


def _zero_the_largest(x):
    y = x.copy()
    y[np.argmax(x)] = 0.0
    return np.sum(y ** 2)


def _add_on_rows(x):
    y = np.zeros((5, 5)) + x
    y[np.argsort(x), np.arange(5)] += x ** 2
    return np.sum(y ** 2)


@pytest.mark.parametrize("f", [_write_permuted, _zero_the_largest, _add_on_rows])
def test_writes_at_traced_indices_that_never_repeat_trace_once(f):
    once(optad.value_and_grad(f), normal((5,)))


def test_writes_at_repeated_traced_indices_keep_the_last_write():
    def f(x):
        y = np.zeros(3) + x[:3]
        y[np.minimum(np.argsort(x), 2)] = x     # several writes to y[2]: the last one wins
        return np.sum(y ** 2 * np.arange(1.0, 4.0))
    # which write wins depends on the indices' values: a guard, traced again as they change
    jitted = optad.jit(optad.value_and_grad(f))
    for x in normal((5,)):
        same(jitted(x), optad.value_and_grad(f)(x))


# --- scipy.stats drop-ins: support and branch masks are recomputed --------------------------
from optad.scipy import special as ospecial  # noqa: E402
from optad.scipy import stats  # noqa: E402

_SIMPLEX_ALPHA = np.array([1.5, 2.0, 2.5, 3.0, 1.2])


@pytest.mark.parametrize("f", [
    lambda x: np.sum(stats.t.logcdf(x, 3.0)) + np.sum(stats.t.logsf(2.0 * x, 4.0)),
    lambda p: np.sum(stats.t.logpdf(np.array([0.1, -2.0, 3.0, 0.5, 1.0]), np.exp(p[0]),
                                    loc=p[1], scale=np.exp(p[2]))),
    lambda x: np.sum(stats.gamma.logcdf(np.abs(x) + 0.1, 2.5)),
    lambda x: np.sum(stats.gamma.logpdf(x, 2.5, scale=2.0)),       # x < 0: outside
    lambda x: np.sum(stats.expon.cdf(x, loc=-0.5)) + np.sum(stats.uniform.logpdf(x, -1, 2)),
    lambda x: np.sum(stats.beta.logcdf(1.0 / (1.0 + np.exp(-x)), 2.0, 3.0)),
    lambda x: np.sum(stats.laplace.cdf(x)) + np.sum(stats.laplace.logcdf(x)),
    lambda x: np.sum(stats.cauchy.logpdf(2.0 * x)),
    lambda x: stats.cauchy.logpdf(2.0 * x[0]) + stats.laplace.cdf(x[1]),    # scalars
    lambda x: np.sum(stats.poisson.logpmf(np.arange(5), np.exp(x)))
    + np.sum(stats.poisson.logcdf(np.arange(5), np.exp(x))),
    lambda x: stats.dirichlet.logpdf(np.exp(x) / np.sum(np.exp(x)), _SIMPLEX_ALPHA),
    lambda x: stats.dirichlet.logpdf(np.array([0.2, 0.2, 0.1, 0.25, 0.25]), np.exp(x)),
    lambda x: ospecial.logsumexp(x, b=np.array([1.0, -1.0, 2.0, 1.0, -3.0]),
                                 return_sign=True)[1] * np.sum(x ** 2),
], ids=["t_logcdf", "t_params", "gamma_logcdf", "gamma_support", "expon_uniform",
        "beta_logcdf", "laplace", "cauchy", "scalars", "poisson", "dirichlet_x",
        "dirichlet_alpha", "logsumexp_sign"])
def test_scipy_drop_ins_trace_once(f):
    once(optad.value_and_grad(f), normal((5,)))


def test_data_arguments_of_the_drop_ins_are_recomputed_not_refused():
    # k (a count) and df (no cdf derivative) are data here: jit's values, not derivatives
    def f(mu, k, df):
        return (np.sum(stats.poisson.logpmf(k, np.exp(mu)))
                + np.sum(stats.t.logcdf(mu, df)) + np.sum(stats.t.cdf(mu, np.where(
                    df > 2.5, np.inf, df))))
    vg = optad.value_and_grad(f)
    jitted = optad.jit(vg)
    for _ in range(4):
        args = (RNG.normal(size=4), RNG.integers(0, 6, size=4).astype(float),
                np.array([1.5, 2.0, 3.0, 4.0]) + RNG.uniform(0, 0.4, size=4))
        same(jitted(*args), vg(*args))
    if not using_reference():
        assert jitted.cache_info().traces == 1
    with pytest.raises(optad.errors.NotDifferentiableError, match="count"):
        optad.jit(optad.grad(lambda k: stats.poisson.logpmf(k, 2.0)))(1.0)
    with pytest.raises(optad.errors.NotDifferentiableError, match="shape parameter df"):
        optad.jit(optad.grad(lambda df: stats.t.cdf(0.3, df)))(3.0)


def test_a_point_off_the_simplex_still_raises_under_jit():
    jitted = optad.jit(optad.grad(lambda x: stats.dirichlet.logpdf(x, _SIMPLEX_ALPHA[:3])))
    jitted(np.array([0.2, 0.3, 0.5]))
    with pytest.raises(ValueError, match="simplex"):
        jitted(np.array([0.2, 0.3, 0.6]))


# --- np.gradient's coordinates, np.interp's tables and period ---------------------------------
def _coordinates():
    return [(RNG.normal(size=6), np.cumsum(RNG.uniform(0.5, 1.0, 6))) for _ in range(4)]


def test_gradient_at_changing_coordinates_traces_once():
    vg = optad.value_and_grad(lambda y, x: np.sum(np.gradient(y, x) ** 2))
    jitted = optad.jit(vg)
    for y, x in _coordinates():
        same(jitted(y, x), vg(y, x))
    if not using_reference():
        assert jitted.cache_info().traces == 1


_XP, _FP = np.array([0.1, 0.5, 0.9]), np.array([1.0, 3.0, 2.0])


@pytest.mark.parametrize("f", [
    lambda x: np.sum(np.interp(x, _XP, _FP) ** 2),
    lambda x: np.sum(np.interp(np.array([0.2, 0.7, 1.5]), _XP, x[:3]) ** 2),
    lambda x: np.sum(np.interp(np.array([0.2, 0.7, 1.5]), np.cumsum(np.exp(x[:3])), _FP) ** 2),
    lambda x: np.sum(np.interp(3.0 * x, _XP, _FP, period=1.0) ** 2),
    lambda x: np.sum(np.interp(np.array([0.2, 0.7, 1.5]), np.exp(x[:3]), _FP, period=1.3) ** 2),
], ids=["x", "fp", "xp", "period", "period_xp"])
def test_interp_traces_once(f):
    once(optad.value_and_grad(f), normal((5,)))


def test_interp_of_plain_tables_under_jit_alone_traces_once():
    once(lambda x: np.interp(x, _XP, _FP), normal((5,)))


def test_interp_at_a_changing_period_traces_once_and_refuses_zero():
    vg = optad.value_and_grad(lambda x, p: np.sum(np.interp(x, _XP, _FP, period=p) ** 2))
    jitted = optad.jit(vg)
    for _ in range(4):
        args = (RNG.uniform(0.0, 3.0, 5), RNG.uniform(1.0, 2.0))
        same(jitted(*args), vg(*args))
    if not using_reference():
        assert jitted.cache_info().traces == 1
    with pytest.raises(ValueError, match="non-zero"):
        jitted(np.ones(5), 0.0)
