"""Behaviour of the calculus family (optad/prims/calculus.py, signal.py): on traced values
each handler gives NumPy's value for every keyword it supports, raises NumPy's error (or a
clear optad one) for what it refuses, and has the derivatives its docstrings promise at
the edge cases (zeros of cumprod, knots of interp, uniform coordinates of gradient).

The derivative checks on random inputs are the cases in tests/cases_calculus.py.
"""

import itertools
import warnings

import numpy as np
import pytest
import scipy.special

import optad
from optad.errors import NotDifferentiableError, TracerConversionError
from optad.testing import check_derivatives
from optad.prims.calculus import TWO_VECTORS

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 5))


def traced(f, *args):
    """f's value computed on traced arguments (what optad returns inside a transform)."""
    return optad.vjp(f, *args)[0]


def same(got, expected, exact=True):
    if isinstance(expected, (tuple, list)):
        assert type(got) is type(expected) and len(got) == len(expected)
        for g, e in zip(got, expected):
            same(g, e, exact)
        return
    assert np.shape(got) == np.shape(expected)
    if exact:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


# --- diff, ediff1d ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {}, {"n": 0}, {"n": 2}, {"n": 4}, {"axis": 0}, {"axis": -2, "n": 2},
    {"prepend": 0.5}, {"append": [[1.0], [2.0], [3.0]]}, {"prepend": 1.0, "append": 2.0, "n": 3},
    {"axis": 0, "prepend": np.ones((2, 5)), "append": -1.0},
])
def test_diff_values_equal_numpys(kwargs):
    same(traced(lambda a: np.diff(a, **kwargs), A), np.diff(A, **kwargs))


def test_diff_with_traced_prepend_and_append_only():
    x = np.array([1.0, 4.0, 9.0])
    f = lambda p, q: np.diff(x, prepend=p, append=q)  # noqa: E731
    same(traced(f, 0.5, np.array([2.0, 3.0])), np.diff(x, prepend=0.5, append=[2.0, 3.0]))
    check_derivatives(f, 0.5, np.array([2.0, 3.0]))


def test_diff_errors_are_numpys():
    with pytest.raises(ValueError, match="order must be non-negative"):
        optad.grad(lambda a: np.sum(np.diff(a, n=-1)))(A)
    with pytest.raises(ValueError, match="at least one dimensional"):
        optad.grad(lambda a: np.diff(a))(1.0)
    with pytest.raises(np.exceptions.AxisError):
        optad.grad(lambda a: np.sum(np.diff(a, axis=2)))(A)


@pytest.mark.parametrize("kwargs", [{}, {"to_begin": 1.5}, {"to_end": [1.0, 2.0]},
                                    {"to_begin": [[3.0]], "to_end": -1.0}])
def test_ediff1d_values_equal_numpys(kwargs):
    same(traced(lambda a: np.ediff1d(a, **kwargs), A), np.ediff1d(A, **kwargs))


def test_ediff1d_of_a_plain_array_with_traced_ends():
    x = np.array([1.0, 4.0, 9.0])
    same(traced(lambda b: np.ediff1d(x, to_begin=b, to_end=b * 2), 0.5),
         np.ediff1d(x, to_begin=0.5, to_end=1.0))
    with pytest.raises(TypeError, match="same_kind"):   # NumPy's rule: a float end on ints
        optad.grad(lambda b: np.sum(np.ediff1d(np.arange(3), to_begin=b)))(0.5)


# --- gradient ----------------------------------------------------------------------------------
F2 = RNG.standard_normal((4, 6))
XS = np.array([0.0, 0.4, 1.0, 1.3, 2.2, 3.0])     # non-uniform coordinates for axis 1
EVEN = np.array([0.0, 0.5, 1.0, 1.5])              # uniform coordinates for axis 0


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("args, kwargs", [
    ((), {}), ((0.5,), {}), ((0.5, 2.0), {}), ((EVEN, XS), {}), ((EVEN, 0.3), {}),
    ((XS,), {"axis": 1}), ((XS,), {"axis": -1}), ((EVEN,), {"axis": 0}), ((), {"axis": (1, 0)}),
    ((XS, EVEN), {"axis": (1, 0)}), ((np.arange(4), np.arange(6) ** 2), {}),
])
def test_gradient_values_equal_numpys(args, kwargs, edge_order):
    expected = np.gradient(F2, *args, edge_order=edge_order, **kwargs)
    same(traced(lambda f: np.gradient(f, *args, edge_order=edge_order, **kwargs), F2), expected)


def test_gradient_of_two_samples_and_of_a_vector():
    same(traced(np.gradient, np.array([1.0, 3.0])), np.gradient(np.array([1.0, 3.0])))
    same(traced(lambda f: np.gradient(f, XS, edge_order=2), XS ** 2), np.gradient(XS ** 2, XS, edge_order=2))


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_with_traced_coordinates(edge_order):
    # traced coordinates always take the non-uniform formula: the derivative with respect to
    # them is that of the general formula, even where they happen to be evenly spaced
    for coords in (XS, np.linspace(0.0, 2.5, 6)):
        got = traced(lambda f, x: np.gradient(f, 1.0, x, edge_order=edge_order), F2, coords)
        same(got, np.gradient(F2, 1.0, coords, edge_order=edge_order), exact=False)
        check_derivatives(lambda f, x: np.gradient(f, 1.0, x, edge_order=edge_order)[1], F2, coords)
    # and traced scalar spacings
    check_derivatives(lambda h: np.gradient(F2, h, 2.0 * h, edge_order=edge_order)[0], 0.7)


def test_gradient_errors_are_numpys():
    g = lambda *a, **k: optad.grad(lambda f: np.sum(np.gradient(f, *a, **k)[0]))(F2)  # noqa: E731
    with pytest.raises(ValueError, match="'edge_order' greater than 2"):
        g(edge_order=3)
    with pytest.raises(TypeError, match="invalid number of arguments"):
        g(1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="scalars or 1d"):
        g(np.ones((4, 1)), 1.0)
    with pytest.raises(ValueError, match="must match the length"):
        g(np.arange(3.0), 1.0)
    with pytest.raises(ValueError, match="too small"):
        optad.grad(lambda f: np.sum(np.gradient(f, edge_order=2)))(np.ones(2))


# --- trapezoid / trapz ------------------------------------------------------------------------
TRAPZ = [getattr(np, n) for n in ("trapezoid", "trapz") if hasattr(np, n)]


@pytest.mark.parametrize("trapz", TRAPZ, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kwargs", [
    {}, {"dx": 0.25}, {"axis": 0}, {"x": XS[:5]}, {"x": np.cumsum(np.abs(A), axis=0), "axis": 0},
    {"x": EVEN[:3], "axis": -2}, {"dx": 2.0, "axis": 0},
])
def test_trapezoid_values_equal_numpys(trapz, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # np.trapz on NumPy 2.x
        same(traced(lambda y: trapz(y, **kwargs), A), trapz(A, **kwargs))


def test_trapezoid_in_its_sample_points_and_spacing():
    y = np.array([1.0, 2.0, 0.5, 3.0])
    trapz = TRAPZ[0]
    check_derivatives(lambda x: trapz(y, x), np.array([0.0, 0.3, 1.1, 2.0]))
    assert float(optad.grad(lambda d: trapz(y, dx=d))(0.5)) == pytest.approx(trapz(y))


# --- cumprod, nancumsum, nancumprod ----------------------------------------------------------------
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumprod_values_equal_numpys(axis):
    same(traced(lambda a: np.cumprod(a, axis=axis), A), np.cumprod(A, axis=axis))
    same(traced(lambda a: a.cumprod(axis=axis), A), A.cumprod(axis=axis))
    same(traced(np.cumprod, 2.5), np.cumprod(2.5))


def _cumprod_jacobian(x):
    """∂cumprod(x)_j/∂x_k = prod_{i<=j, i!=k} x_i, written out (no division)."""
    n = len(x)
    jac = np.zeros((n, n))
    for j, k in itertools.product(range(n), range(n)):
        if k <= j:
            jac[j, k] = np.prod([x[i] for i in range(j + 1) if i != k])
    return jac


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, -1.5], [0.0, 2.0, 3.0, 0.5], [1.5, 2.0, 3.0, 0.0],
                               [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 1.0, 2.0], [0.0, 0.0, 0.0, 1.0]])
def test_cumprod_derivatives_at_zeros_are_exact(x):
    x = np.array(x)
    expected = _cumprod_jacobian(x)
    np.testing.assert_allclose(optad.jacrev(np.cumprod)(x), expected, rtol=1e-14, atol=0)
    np.testing.assert_allclose(optad.jacfwd(np.cumprod)(x), expected, rtol=1e-14, atol=0)


def test_cumprod_second_derivatives_at_one_zero_and_refused_at_two():
    w = np.array([1.0, -2.0, 0.5, 3.0])
    f = lambda x: np.sum(w * np.cumprod(x))  # noqa: E731
    x = np.array([2.0, 0.0, 3.0, -1.5])
    h = optad.hessian(f)(x)
    # ∂²/∂x_k∂x_l of sum_j w_j prod_{i<=j} x_i = sum_{j>=max(k,l)} w_j prod_{i<=j, i!=k,l} x_i
    expected = np.zeros((4, 4))
    for k, l in itertools.product(range(4), range(4)):
        if k != l:
            expected[k, l] = sum(w[j] * np.prod([x[i] for i in range(j + 1) if i not in (k, l)])
                                 for j in range(max(k, l), 4))
    np.testing.assert_allclose(h, expected, rtol=1e-14, atol=0)
    with pytest.raises(NotDifferentiableError, match="two or more exact zeros"):
        optad.hessian(f)(np.array([2.0, 0.0, 3.0, 0.0]))


@pytest.mark.skipif(not hasattr(np, "cumulative_prod"), reason="NumPy < 2.1")
@pytest.mark.parametrize("kwargs", [{"axis": 0}, {"axis": -1, "include_initial": True}])
def test_cumulative_prod_values_equal_numpys(kwargs):
    same(traced(lambda a: np.cumulative_prod(a, **kwargs), A), np.cumulative_prod(A, **kwargs))
    same(traced(lambda a: np.cumulative_prod(a, include_initial=True), A[0]),
         np.cumulative_prod(A[0], include_initial=True))
    same(traced(np.cumulative_prod, 2.0), np.cumulative_prod(2.0))
    with pytest.raises(ValueError, match="``axis`` argument is required"):
        optad.grad(lambda a: np.sum(np.cumulative_prod(a)))(A)


def test_cumprod_refuses_out_and_other_dtypes():
    with pytest.raises(TracerConversionError, match="out="):
        optad.grad(lambda a: np.sum(np.cumprod(a, out=np.zeros(15))))(A)
    with pytest.raises(NotDifferentiableError, match="dtype=float32"):
        optad.grad(lambda a: np.sum(np.cumprod(a, dtype=np.float32)))(A)
    same(traced(lambda a: np.cumprod(a, axis=1, dtype=float), A), np.cumprod(A, axis=1))


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_nancumsum_nancumprod_values_and_zero_derivative_at_nans(axis):
    x = A.copy()
    x[0, 1] = x[2, 3] = np.nan
    for f in (np.nancumsum, np.nancumprod):
        same(traced(lambda a: f(a, axis=axis), x), f(x, axis=axis))
        g = optad.grad(lambda a: np.sum(f(a, axis=axis)))(x)
        assert g[0, 1] == 0.0 and g[2, 3] == 0.0 and np.all(np.isfinite(g))


# --- cross -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("da, db", [(3, 3), (2, 3), (3, 2), (2, 2)])
@pytest.mark.parametrize("kwargs", [{}, {"axisa": 0}, {"axisb": 0, "axisc": 0}, {"axis": 0},
                                    {"axisa": 0, "axisb": -2, "axisc": -1}])
def test_cross_values_equal_numpys(da, db, kwargs):
    if 2 in (da, db) and not TWO_VECTORS:
        pytest.skip("this NumPy refuses 2-vectors in np.cross (tested below)")
    a, b = RNG.standard_normal((4, da)), RNG.standard_normal((4, db))
    if kwargs.get("axisa") == 0 or kwargs.get("axis") == 0:
        a = a.T
    if kwargs.get("axisb") in (0, -2) or kwargs.get("axis") == 0:
        b = b.T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = np.cross(a, b, **kwargs)
        same(traced(lambda a, b: np.cross(a, b, **kwargs), a, b), expected)
        same(traced(lambda a: np.cross(a, b, **kwargs), a), expected)


def test_cross_warns_for_two_vectors_and_refuses_other_sizes():
    if not TWO_VECTORS:                                   # NumPy >= 2.5 refuses them
        with pytest.raises(ValueError, match="3-dimensional vectors"):
            optad.grad(lambda a: np.cross(a, [1.0, 2.0]))(np.array([3.0, 4.0]))
    elif np.lib.NumpyVersion(np.__version__) >= "2.0.0":  # as NumPy 2 does
        with pytest.warns(DeprecationWarning, match="2-dimensional vectors"):
            optad.grad(lambda a: np.cross(a, [1.0, 2.0]))(np.array([3.0, 4.0]))
    with pytest.raises(ValueError) as numpys:
        np.cross(np.ones(4), np.ones(4))
    with pytest.raises(ValueError) as ours:
        optad.grad(lambda a: np.sum(np.cross(a, a)))(np.ones(4))
    assert str(ours.value) == str(numpys.value)
    with pytest.raises(ValueError, match="zero dimension"):
        optad.grad(lambda a: np.sum(np.cross(a, np.ones(3))))(1.0)


# --- convolve, correlate -----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["full", "same", "valid", 0, 1, 2])
@pytest.mark.parametrize("n, m", [(1, 1), (5, 2), (2, 5), (4, 4), (6, 3), (3, 6), (5, 4), (4, 7)])
def test_convolve_correlate_values_equal_numpys(n, m, mode):
    a, v = RNG.standard_normal(n), RNG.standard_normal(m)
    for f in (np.convolve, np.correlate):
        expected = f(a, v, mode)
        same(traced(lambda a, v: f(a, v, mode), a, v), expected)
        same(traced(lambda a: f(a, v, mode), a), expected)
        same(traced(lambda v: f(a, v, mode), v), expected)
    if isinstance(mode, str) and len(mode) > 1:    # every window of the full output, both ways
        check_derivatives(lambda a, v: np.correlate(a, v, mode), a, v)


def test_convolve_takes_scalars_and_correlate_refuses_them_as_numpy_does():
    same(traced(lambda s: np.convolve([1.0, 2.0], s), 3.0), np.convolve([1.0, 2.0], 3.0))
    with pytest.raises(ValueError, match="too small depth"):
        optad.grad(lambda s: np.sum(np.correlate([1.0, 2.0], s)))(3.0)


def test_convolve_correlate_errors():
    with pytest.raises(ValueError, match="cannot be empty"):
        optad.grad(lambda a: np.sum(np.convolve(a, [])))(np.ones(3))
    with pytest.raises(ValueError, match="cannot be empty"):
        optad.grad(lambda a: np.sum(np.correlate(a, [])))(np.ones(3))
    with pytest.raises(ValueError, match="1-D"):
        optad.grad(lambda a: np.sum(np.convolve(a, [1.0])))(np.ones((2, 2)))
    for mode in ("middle", 3):      # NumPy's errors
        with pytest.raises(ValueError, match="mode"):
            optad.grad(lambda a: np.sum(np.convolve(a, [1.0], mode=mode)))(np.ones(3))


def test_convolve_second_derivatives_are_convolutions():
    a, v = RNG.standard_normal(7), RNG.standard_normal(3)
    # sum(convolve(a, v)**2) is quadratic: its Hessian in a is the Gram matrix of the rows
    h = optad.hessian(lambda a: np.sum(np.convolve(a, v, "same") ** 2))(a)
    jac = np.array([np.convolve(e, v, "same") for e in np.eye(7)]).T
    np.testing.assert_allclose(h, 2 * jac.T @ jac, rtol=1e-12, atol=1e-14)


# --- interp --------------------------------------------------------------------------------------------
XP = np.array([0.0, 1.0, 2.5, 3.0])
FP = np.array([1.0, -1.0, 2.0, 0.5])
X_EDGES = np.array([-0.5, 0.0, 0.3, 1.0, 1.7, 2.5, 3.0, 3.5, np.nan])   # knots, ends, outside, NaN


@pytest.mark.parametrize("kwargs", [{}, {"left": -3.0}, {"right": 7.0}, {"left": -3.0, "right": 7.0},
                                    {"period": 2.0}, {"period": -3.5, "left": 9.0}])
def test_interp_values_equal_numpys(kwargs):
    expected = np.interp(X_EDGES, XP, FP, **kwargs)
    exact = "period" not in kwargs     # the period's remainders are NumPy's; the formula too
    same(traced(lambda x, xp, fp: np.interp(x, xp, fp, **kwargs), X_EDGES, XP, FP), expected, exact)
    same(traced(lambda fp: np.interp(X_EDGES, XP, fp, **kwargs), FP), expected, exact)
    same(traced(lambda x: np.interp(x, XP, FP, **kwargs), X_EDGES), expected, exact)
    same(traced(lambda x: np.interp(x, XP, FP, **kwargs), 1.7), np.interp(1.7, XP, FP, **kwargs))


def test_interp_with_one_knot_and_repeated_knots():
    for xp, fp in (([1.0], [2.0]), ([0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 3.0, 2.0])):
        x = np.array([-1.0, 0.5, 1.0, 1.5, 3.0, np.nan])
        same(traced(lambda fp: np.interp(x, xp, fp, left=-5.0, right=5.0), np.array(fp)),
             np.interp(x, xp, fp, left=-5.0, right=5.0))


def test_interp_derivative_in_x_at_knots_is_the_right_hand_segments():
    slope = lambda x: float(optad.grad(lambda x: np.interp(x, XP, FP))(x))  # noqa: E731
    assert slope(0.0) == -2.0            # [0, 1): right-hand segment at the first knot
    assert slope(1.0) == 2.0             # [1, 2.5): slope 3/1.5
    assert slope(2.5) == pytest.approx(-3.0)   # [2.5, 3)
    assert slope(3.0) == 0.0             # the last knot: right of it is the constant `right`
    assert slope(-1.0) == 0.0 and slope(4.0) == 0.0


def test_interp_derivatives_in_fp_xp_left_right():
    x = np.array([-0.5, 0.4, 1.7, 2.9, 3.5])
    check_derivatives(lambda x, xp, fp, lo, hi: np.interp(x, xp, fp, left=lo, right=hi),
                      x, XP, FP, -2.0, 4.0)
    weights = optad.jacobian(lambda fp: np.interp(x, XP, fp))(FP)
    np.testing.assert_allclose(weights, [[1, 0, 0, 0], [0.6, 0.4, 0, 0], [0, 0.8 / 1.5, 0.7 / 1.5, 0],
                                         [0, 0, 0.2, 0.8], [0, 0, 0, 1]], rtol=1e-14)


def test_interp_errors_are_numpys():
    with pytest.raises(ValueError, match="empty"):
        optad.grad(lambda x: np.interp(x, [], []))(1.0)
    with pytest.raises(ValueError, match="same length"):
        optad.grad(lambda x: np.interp(x, [0.0, 1.0], [1.0]))(1.0)
    with pytest.raises(ValueError, match="period must be a non-zero value"):
        optad.grad(lambda x: np.interp(x, [0.0, 1.0], [1.0, 2.0], period=0))(1.0)


# --- polyval ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [[], [2.0], [1.0, -2.0, 0.5], RNG.standard_normal((3, 2))])
def test_polyval_values_equal_numpys(p):
    p = np.asarray(p, dtype=float)
    for x in (0.7, np.array([0.5, -1.0]), np.arange(2)):   # (p 2-D: broadcast rows)
        same(traced(lambda p, x: np.polyval(p, x), p, np.asarray(x, dtype=float)), np.polyval(p, x))
        same(traced(lambda p: np.polyval(p, x), p), np.polyval(p, x))


def test_polyval_refuses_poly1d():
    with pytest.raises(NotDifferentiableError, match="poly1d"):
        optad.grad(lambda p: np.polyval(p, np.poly1d([1.0, 2.0])))(np.ones(2))


# --- i0 ---------------------------------------------------------------------------------------------------
def test_i0_value_and_derivatives():
    x = np.array([-2.0, -0.3, 0.0, 0.5, 3.0])
    same(traced(np.i0, x), np.i0(x))
    np.testing.assert_allclose(optad.grad(lambda x: np.sum(np.i0(x)))(x), scipy.special.i1(x),
                               rtol=1e-15)
    # i0'' = i1' = i0 - i1/x, 1/2 at 0; i0''' = i1'' (0 at 0: i1 is odd)
    second = optad.hessian(lambda x: np.sum(np.i0(x)))(x)
    safe = np.where(x == 0, 1.0, x)
    np.testing.assert_allclose(np.diag(second), np.where(x == 0, 0.5, np.i0(x) - scipy.special.i1(x) / safe),
                               rtol=1e-14)
    third = optad.grad(lambda t: optad.grad(optad.grad(lambda s: np.i0(s)))(t))
    assert float(third(0.0)) == 0.0
    assert float(third(1.2)) == pytest.approx(float(optad.numerical_grad(
        lambda t: float(scipy.special.i0(t) - scipy.special.i1(t) / t), 1.2)), rel=1e-7)
