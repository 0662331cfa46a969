"""Behaviour of order statistics and NaN-aware reductions on traced values
(optad/prims/statistics.py): values equal NumPy's for every keyword and method, NaN
entries get gradient 0, ties share as np.max's do, and refusals are clear.

Derivatives are checked against finite differences in tests/cases_statistics.py.
"""

import warnings

import numpy as np
import optad
import pytest
from optad.errors import TracerConversionError, UnsupportedFunctionError
from optad.prims.statistics import _METHODS

RNG = np.random.default_rng(1)
# NumPy 2.0 added weights= (quantiles) and mean=, correction= (nanvar, nanstd): on NumPy 1.x
# NumPy itself refuses them (TypeError) before optad sees the call
NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def traced(f, *args):
    """What ``f`` returns when its arguments are traced (the forward pass of optad.vjp)."""
    return optad.vjp(f, *args)[0]


def check(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want, got = f(*args), traced(f, *args)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-14, atol=1e-14)


def distinct(*shape):
    return RNG.permutation(np.linspace(-2, 2, int(np.prod(shape)))).reshape(shape)


X = distinct(3, 4)
DATA = {"distinct": distinct(2, 3, 4), "ties": np.round(distinct(2, 3, 4)),
        "nans": np.where(RNG.random((2, 3, 4)) < 0.3, np.nan, distinct(2, 3, 4))}
AXES = [None, 0, -1, (0, 2), (2, 1, 0)]


# --- quantiles -------------------------------------------------------------------------------
@pytest.mark.parametrize("method", list(_METHODS))
@pytest.mark.parametrize("data", list(DATA))
def test_quantile_values_equal_numpys_for_every_method(method, data):
    x = DATA[data]
    for axis, keepdims in [(None, False), (0, True), (1, True), (-1, False), ((0, 2), True),
                           ((2, 1, 0), False)]:
        for q in (0.3, [0.0, 0.1, 0.5, 0.9, 1.0], [[0.2, 0.5], [0.75, 1.0]]):
            kw = {"axis": axis, "keepdims": keepdims, "method": method}
            check(lambda x: np.quantile(x, q, **kw), x)
            # (with a 2-d q the nan-functions order the axes their own way, which differs
            # between NumPy 1.x and 2.x: optad's follows the running NumPy's)
            check(lambda x: np.nanquantile(x, q, **kw), x)
        check(lambda x: np.percentile(x, [5.0, 62.5], **kw), x)
        check(lambda x: np.nanpercentile(x, 50, **kw), x)


@pytest.mark.parametrize("data", list(DATA))
def test_median_and_ptp_values_equal_numpys(data):
    x = DATA[data]
    for axis in AXES:
        for keepdims in (False, True):
            check(lambda x: np.median(x, axis=axis, keepdims=keepdims), x)
            check(lambda x: np.nanmedian(x, axis=axis, keepdims=keepdims), x)
            check(lambda x: np.ptp(x, axis=axis, keepdims=keepdims), x)
    check(lambda x: np.median(x[0, 0], overwrite_input=True), x)
    check(np.median, np.array(2.5))


def test_linear_quantile_derivative_is_the_interpolation_weights():
    x = np.array([4.0, 1.0, 3.0, 2.0, 0.0])            # sorted: 0 1 2 3 4
    # q = 0.3: v = (n-1)·q = 1.2, so 0.8 on the entry holding 1 and 0.2 on the one holding 2
    np.testing.assert_allclose(optad.grad(lambda x: np.quantile(x, 0.3))(x), [0, 0.8, 0, 0.2, 0])
    np.testing.assert_allclose(optad.grad(lambda x: np.percentile(x, 30))(x), [0, 0.8, 0, 0.2, 0])
    # with respect to q: (n-1)·(s_2 - s_1) = 4
    assert optad.grad(lambda q: np.quantile(x, q))(0.3) == pytest.approx(4.0)
    assert optad.grad(lambda q: np.percentile(x, q))(30.0) == pytest.approx(0.04)
    # a method that picks one order statistic: derivative 1 on it, 0 with respect to q
    np.testing.assert_array_equal(optad.grad(lambda x: np.quantile(x, 0.3, method="nearest"))(x),
                                  [0, 1, 0, 0, 0])
    assert optad.grad(lambda q: np.quantile(x, q, method="lower"))(0.3) == 0.0


def test_ties_share_the_adjoint_as_max_does():
    x = np.array([2.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(optad.grad(np.median)(x), [0.5, 0, 0.5, 0])
    y = np.array([3.0, 1.0, 3.0, 3.0])
    np.testing.assert_allclose(optad.grad(lambda y: np.quantile(y, 1.0))(y), optad.grad(np.max)(y))
    np.testing.assert_allclose(optad.grad(lambda y: np.quantile(y, 0.0))(y), optad.grad(np.min)(y))
    # the value is NumPy's exactly, ties or not (the sharing term is exactly zero)
    z = np.array([[0.1, 0.1, 0.3, 0.1], [0.2, 0.2, 0.2, 0.2]])
    assert np.array_equal(traced(lambda z: np.quantile(z, 0.4, axis=1), z), np.quantile(z, 0.4, axis=1))
    g = optad.grad(lambda z: np.sum(np.quantile(z, [0.3, 0.8], axis=1)))(z)
    # row 0, q = 0.3: s_0, s_1 (both 0.1) share 1 among the three 0.1s; q = 0.8: 0.6 on
    # s_2 (0.1 again) and 0.4 on s_3 (0.3)
    np.testing.assert_allclose(g, [[8 / 15, 8 / 15, 0.4, 8 / 15], [0.5, 0.5, 0.5, 0.5]])
    # and second derivatives through the sharing exist (they are zero)
    np.testing.assert_allclose(optad.hessian(lambda z: np.median(z))(z[0]), np.zeros((4, 4)))


def test_nan_slices():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]])
    # a slice holding a NaN has the quantile NaN, taken from that NaN entry
    g = optad.grad(lambda x: np.median(x, axis=1)[1])(x)
    np.testing.assert_array_equal(g, [[0, 0, 0], [0, 1, 0]])
    assert np.isnan(traced(lambda x: np.quantile(x, 0.5, axis=1), x)[0])
    # the nan-functions skip it, with gradient 0 on the NaN
    np.testing.assert_array_equal(optad.grad(lambda x: np.nanmedian(x, axis=1)[0])(x),
                                  [[0.5, 0, 0.5], [0, 0, 0]])
    # an all-NaN slice: NaN and NumPy's warning, gradient 0
    y = np.array([[np.nan, np.nan], [1.0, 2.0]])
    for f in (lambda y: np.nanquantile(y, 0.5, axis=1), lambda y: np.nanmedian(y, axis=1),
              lambda y: np.nanmax(y, axis=1), lambda y: np.nanmean(y, axis=1),
              lambda y: np.nanvar(y, axis=1), lambda y: np.nanstd(y, axis=1)):
        with pytest.warns(RuntimeWarning):
            value = traced(f, y)
        assert np.isnan(value[0]) and np.isfinite(value[1])
        with pytest.warns(RuntimeWarning):
            g = optad.grad(lambda y: f(y)[1])(y)
        assert np.all(np.isfinite(g)) and np.all(g[0] == 0)


def test_empty_slices_as_numpy():
    for f in (np.median, np.nanmedian, lambda x: np.nanquantile(x, 0.5), lambda x: np.median(x, 0)):
        check(f, np.zeros((0, 3)))
        with pytest.warns(RuntimeWarning, match="empty slice"):
            traced(f, np.zeros((0, 3)))
    # the nan-quantiles of no entries are NumPy's np.nanmean(a, axis): q's axes do not show
    for x in (np.zeros((0, 3)), np.zeros((3, 0))):
        for axis in (None, 0, 1):
            for keepdims in (False, True):
                check(lambda x: np.nanpercentile(x, [10.0, 50.0], axis=axis, keepdims=keepdims), x)
    with pytest.raises(IndexError):
        traced(lambda x: np.quantile(x, 0.5), np.zeros(0))


def test_quantile_refusals():
    x = np.ones(3)
    with pytest.raises(ValueError, match="range \\[0, 1\\]"):
        traced(lambda x: np.quantile(x, 1.5), x)
    with pytest.raises(ValueError, match="range \\[0, 100\\]"):
        traced(lambda x: np.percentile(x, [-1, 50]), x)
    with pytest.raises(ValueError, match="not a valid method.*'linear'"):
        traced(lambda x: np.quantile(x, 0.5, method="cubic"), x)
    if NUMPY2:
        with pytest.raises(UnsupportedFunctionError, match="weights"):
            traced(lambda x: np.quantile(x, 0.5, method="inverted_cdf", weights=np.ones(3)), x)
    else:   # NumPy 1.x has no weights=: NumPy's own TypeError, as on plain arrays
        with pytest.raises(TypeError, match="unexpected keyword argument 'weights'"):
            traced(lambda x: np.quantile(x, 0.5, method="inverted_cdf", weights=np.ones(3)), x)
    with pytest.raises(TracerConversionError, match="out="):
        traced(lambda x: np.median(x, out=np.zeros(())), x)
    with pytest.raises(np.exceptions.AxisError):
        traced(lambda x: np.median(x, axis=1), x)
    with pytest.raises(ValueError, match="repeated"):
        traced(lambda x: np.quantile(x, 0.5, axis=(0, 0)), x)


# --- NaN-aware reductions ----------------------------------------------------------------------
MASK = np.array([[True, False, False, False], [False, False, True, False], [False, True, False, True]])
XN = np.where(MASK, np.nan, X)
WHERE = ~MASK[::-1]
REDUCTIONS = [np.nansum, np.nanmean, np.nanprod, np.nanmax, np.nanmin, np.nanvar, np.nanstd]


@pytest.mark.parametrize("f", REDUCTIONS, ids=lambda f: f.__name__)
def test_nan_reductions_equal_numpys(f):
    for x in (X, XN):
        for axis in (None, 0, 1, (0, 1)):
            for keepdims in (False, True):
                kw = {"axis": axis, "keepdims": keepdims}
                if f in (np.nanmax, np.nanmin):
                    check(lambda x: f(x, **kw), x)
                    check(lambda x: f(x, initial=-0.5 if f is np.nanmax else 0.5, **kw), x)
                    check(lambda x: f(x, initial=-5.0 if f is np.nanmax else 5.0, where=WHERE, **kw), x)
                    continue
                check(lambda x: f(x, **kw), x)
                check(lambda x: f(x, where=WHERE, **kw), x)
                check(lambda x: f(x, dtype=np.float64, **kw), x)
                if f in (np.nansum, np.nanprod):
                    check(lambda x: f(x, initial=1.5, **kw), x)
                if f in (np.nanvar, np.nanstd):
                    check(lambda x: f(x, ddof=1, **kw), x)
                    if NUMPY2:
                        check(lambda x: f(x, correction=1, **kw), x)
                        mean = np.nanmean(x, axis=axis, keepdims=True)
                        check(lambda x: f(x, mean=mean, **kw), x)


@pytest.mark.parametrize("f", REDUCTIONS, ids=lambda f: f.__name__)
def test_nan_entries_get_gradient_zero(f):
    g = optad.grad(lambda x: np.sum(f(x, axis=1)))(XN)
    assert np.all(g[MASK] == 0) and np.all(np.isfinite(g)) and np.all(g[~MASK & (X != 0)] != 0) or (
        f in (np.nanmax, np.nanmin))
    # and the gradient is the one of the same reduction of the kept entries alone
    for row in range(3):
        keep = ~MASK[row]
        plain = {np.nansum: np.sum, np.nanmean: np.mean, np.nanprod: np.prod, np.nanmax: np.max,
                 np.nanmin: np.min, np.nanvar: np.var, np.nanstd: np.std}[f]
        np.testing.assert_allclose(g[row, keep], optad.grad(plain)(X[row, keep]), rtol=1e-13)


def test_nanstd_zero_spread_has_subgradient_zero():
    x = np.array([2.0, np.nan, 2.0])
    assert np.array_equal(optad.grad(np.nanstd)(x), [0.0, 0.0, 0.0])
    assert np.array_equal(optad.grad(np.std)(x[[0, 2]]), [0.0, 0.0])   # as np.std


def test_nan_reduction_refusals():
    with pytest.raises(ValueError, match="identity"):
        traced(lambda x: np.nanmax(x, where=WHERE), X)
    if NUMPY2:
        with pytest.raises(ValueError, match="correction"):
            traced(lambda x: np.nanvar(x, ddof=1, correction=1), X)
    else:
        for kw in ({"correction": 1}, {"mean": np.zeros((1, 1))}):
            for f in (np.nanvar, np.nanstd):
                with pytest.raises(TypeError, match=f"unexpected keyword argument '{next(iter(kw))}'"):
                    traced(lambda x: f(x, **kw), X)
    with pytest.raises(UnsupportedFunctionError, match="float64"):
        traced(lambda x: np.nansum(x, dtype=np.float32), X)
    with pytest.raises(TracerConversionError, match="out="):
        traced(lambda x: np.nanmean(x, out=np.zeros(())), X)
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        assert np.isnan(traced(lambda x: np.nanvar(x, ddof=5), X[0]))
