"""Where a derivative exists, optad returns it finite: no 0·inf = nan from a rule.

Each case checks reverse mode, forward mode and (where the function is smooth there)
second derivatives against the exact value.
"""

import numpy as np
import pytest

import optad


def both_modes(f, x, expected):
    np.testing.assert_allclose(optad.grad(f)(x), expected, rtol=1e-12, atol=1e-12)
    for k in range(np.size(x)):
        e = np.zeros(np.shape(x))
        e.flat[k] = 1.0
        _, dot = optad.jvp(f, (x,), (e if np.shape(x) else 1.0,))
        assert dot == pytest.approx(np.ravel(expected)[k], rel=1e-12, abs=1e-12)


# --- whole exponents at 0 -------------------------------------------------------------------
@pytest.mark.parametrize("p", [0, 0.0, 1, 1.0, 2, 3.0])
def test_whole_exponents_at_zero(p):
    both_modes(lambda x: x ** p, 0.0, p * 0.0 ** (p - 1) if p >= 1 else 0.0)
    both_modes(lambda x: np.power(x, p), 0.0, 1.0 if p == 1 else 0.0)


def test_a_polynomial_at_zero_and_its_hessian():
    c = np.array([2.0, 3.0, 5.0, 7.0])

    def poly(x):      # sum over x_i of 2 + 3 x + 5 x^2 + 7 x^3
        return np.sum(c * x[:, None] ** np.arange(4))

    both_modes(poly, np.zeros(2), [3.0, 3.0])
    np.testing.assert_allclose(optad.hessian(poly)(np.zeros(2)), 10.0 * np.eye(2))
    np.testing.assert_allclose(optad.hvp(poly, np.zeros(2), np.ones(2)), [10.0, 10.0])
    np.testing.assert_allclose(optad.hessian(poly)(np.ones(2)), (10.0 + 42.0) * np.eye(2))


def test_second_derivatives_of_exponent_one_at_zero():
    assert optad.hvp(lambda x: (x - x) ** 1, 0.0, 1.0) == 0.0
    assert optad.hessian(lambda x: x ** 1.0)(0.0) == 0.0


def test_negative_exponents_at_zero_stay_infinite():
    assert optad.grad(lambda x: x ** -1.0)(0.0) == -np.inf
    assert optad.grad(lambda x: np.sqrt(x))(0.0) == np.inf


def test_derivative_with_respect_to_the_exponent_at_zero_base():
    # d/dp 0**p = 0**p log 0 -> 0 for p > 0
    assert optad.grad(lambda p: 0.0 ** p, )(2.0) == 0.0
    assert optad.grad(lambda p: np.power(np.zeros(3), p).sum())(1.5) == 0.0


# --- det at a singular matrix: the cofactor matrix ------------------------------------------
def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    both_modes(np.linalg.det, a, [[4.0, -2.0], [-2.0, 1.0]])
    b = np.arange(1.0, 10.0).reshape(3, 3)      # rank 2
    np.testing.assert_allclose(optad.grad(np.linalg.det)(b),
                               optad.numerical_grad(np.linalg.det, b), atol=1e-8)
    zero = np.zeros((3, 3))                        # rank 0: every cofactor is 0
    np.testing.assert_array_equal(optad.grad(np.linalg.det)(zero), np.zeros((3, 3)))
    e = np.diag([1.0, 0.0, 0.0])                   # rank 1
    np.testing.assert_allclose(optad.grad(np.linalg.det)(e), 0.0, atol=1e-15)
    batch = np.stack([a, np.eye(2) * 2.0])
    g = optad.grad(lambda m: np.sum(np.linalg.det(m)))(batch)
    np.testing.assert_allclose(g, [[[4.0, -2.0], [-2.0, 1.0]], 2.0 * np.eye(2)])


def test_det_gradient_at_invertible_matrices_is_unchanged():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 4))
    np.testing.assert_allclose(optad.grad(np.linalg.det)(a),
                               np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-10)


# --- kinks: the subgradient 0, as abs and norm -------------------------------------------------
def test_hypot_at_the_origin():
    both_modes(lambda x: np.hypot(x - x, x - x), 1.0, 0.0)
    both_modes(lambda x: np.hypot(x[0], x[1]), np.zeros(2), [0.0, 0.0])
    both_modes(lambda x: np.hypot(x[0], x[1]), np.array([3.0, 4.0]), [0.6, 0.8])


# --- np.sinc: declared in one line (elementwise() takes non-ufunc functions too) ------------
def test_sinc_in_both_modes_at_and_away_from_zero():
    x = np.array([-1.5, -0.3, 0.0, 0.2, 2.0])
    slope = np.where(x == 0, 0.0, (np.cos(np.pi * x) - np.sinc(x)) / np.where(x == 0, 1, x))
    np.testing.assert_allclose(optad.elementwise_grad(np.sinc)(x), slope, rtol=1e-12, atol=1e-15)
    _, dot = optad.jvp(np.sinc, (x,), (np.ones(5),))
    np.testing.assert_allclose(dot, slope, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(optad.grad(lambda x: np.sum(np.sinc(x)))(x),
                               optad.numerical_grad(lambda x: np.sum(np.sinc(x)), x), atol=1e-8)
    # second derivatives at and near 0 (where the slope is a Taylor series): sinc''(0) = -pi^2/3
    assert optad.hessian(lambda t: np.sinc(t))(0.0) == pytest.approx(-np.pi ** 2 / 3, rel=1e-12)
    for t in (1e-4, -5e-4, 2e-3, 0.7):
        second = optad.hessian(lambda t: np.sinc(t))(t)
        h = 1e-4
        fd = (optad.grad(np.sinc)(t + h) - optad.grad(np.sinc)(t - h)) / (2 * h)
        assert second == pytest.approx(fd, rel=1e-6)


# --- exact zeros meet infinite slopes: 0, not 0·inf = nan -------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_branch_where_did_not_take_contributes_exactly_zero():
    x = np.array([-1.0, 0.0, 4.0])
    cases = {
        "sqrt": (lambda x: np.sum(np.where(x > 0, np.sqrt(x), 0.0)), [0.0, 0.0, 0.25]),
        "log": (lambda x: np.sum(np.where(x > 0, np.log(x), x)), [1.0, 1.0, 0.25]),
        "1/x": (lambda x: np.sum(np.where(x != 0, 1.0 / x, 0.0)), [-1.0, 0.0, -1 / 16]),
        "power": (lambda x: np.sum(np.where(x > 0, x ** 0.5, 0.0)), [0.0, 0.0, 0.25]),
    }
    for name, (f, expected) in cases.items():
        both_modes(f, x, expected)
        with optad.reference():
            both_modes(f, x, expected)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_constant_zeros_under_infinite_slopes():
    # cbrt(2x) + cbrt(0·x) + cbrt(x): the middle term is the constant 0 (cbrt's slope there
    # is infinite, but multiplied by the exact 0 of d(0·x)/dx)
    x = 2.0
    expected = (2.0 / 3.0) * (2 * x) ** (-2 / 3) + (1 / 3) * x ** (-2 / 3)
    both_modes(lambda x: np.sum(np.cbrt(x * np.array([2.0, 0.0, 1.0]))), x, expected)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_spread_at_zero_takes_the_subgradient_zero():
    for f in (np.std, np.var, lambda x: np.linalg.norm(x - np.mean(x)),
              lambda x: np.sum(np.std(np.reshape(x, (2, 2)), axis=1))):
        both_modes(f, np.full(4, 3.0), np.zeros(4))
    # away from zero spread, the ordinary gradient
    x = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(optad.grad(np.std)(x), (x - x.mean()) / (3 * np.std(x)))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_zero_only_at_the_point_is_not_taken_for_structural():
    # cbrt(x)**3 == x: the slope of h**3 is 0 at h = 0 and cbrt's is infinite; 0·inf has no
    # answer from the parts (the true derivative is 1): NaN, never a confident wrong 0.
    assert np.isnan(optad.grad(lambda x: np.cbrt(x) ** 3)(0.0))
    assert np.isnan(optad.jvp(lambda x: np.cbrt(x ** 3), (0.0,), (1.0,))[1])
    assert optad.grad(lambda x: np.cbrt(x) ** 3)(0.5) == pytest.approx(1.0)
    # second derivatives at a kink stay honest too: |x|**1.5 has f'' -> inf at 0
    assert not np.isfinite(optad.hessian(lambda x: np.sum(np.abs(x) ** 1.5))(np.zeros(1))[0, 0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_seeds_that_do_not_move_an_input_are_structural_zeros():
    # The direction (0, 1) does not move x0, so sqrt's infinite slope at x0 = 0 is not met.
    f = lambda x: np.sqrt(x)     # noqa: E731
    _, dot = optad.jvp(f, (np.array([0.0, 4.0]),), (np.array([0.0, 1.0]),))
    np.testing.assert_array_equal(dot, [0.0, 0.25])
    _, pullback = optad.vjp(f, np.array([0.0, 4.0]))
    np.testing.assert_array_equal(pullback(np.array([0.0, 1.0]))[0], [0.0, 0.25])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_true_infinities_and_nans_still_show():
    assert optad.grad(np.sqrt)(0.0) == np.inf                      # a true infinite slope
    assert np.isnan(optad.grad(lambda x: np.sqrt(x - 2.0))(1.0))  # the value itself is nan
    g = optad.grad(lambda x: np.sum(np.sqrt(x)))(np.array([0.0, 1.0]))
    assert g[0] == np.inf and g[1] == 0.5


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_an_overflowing_logistic_has_the_exact_zero_slope():
    f = lambda x: 1.0 / (1.0 + np.exp(-1000.0 * x))   # noqa: E731
    both_modes(f, -1.0, 0.0)
    assert optad.grad(f)(0.001) == pytest.approx(1000 * np.exp(-1) / (1 + np.exp(-1)) ** 2)


def test_hessian_through_the_untaken_branch_of_where_is_finite():
    # grad nested in a transform (hessian = jacrev(grad), jacfwd(grad)) judged its own
    # non-finite derivative by plain values only, so the fast engine's 0·inf reached the
    # outer transform as the gradient's value: [[-.25, nan], [0, nan]]
    import warnings

    f = lambda x: np.sum(np.where(x < 0, np.sqrt(-x), x ** 3))  # noqa: E731
    x = np.array([-1.0, 2.0])
    expected = np.array([[-0.25, 0.0], [0.0, 12.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # sqrt(-2) in the branch not taken
        np.testing.assert_allclose(optad.hessian(f)(x), expected)
        np.testing.assert_allclose(optad.jacfwd(optad.grad(f))(x), expected)


def test_where_with_a_list_condition():
    g = optad.grad(lambda x: np.sum(np.where([True, False], x, 2 * x)))
    np.testing.assert_array_equal(g(np.array([-1.0, 2.0])), [1.0, 2.0])
    with optad.reference():
        np.testing.assert_array_equal(g(np.array([-1.0, 2.0])), [1.0, 2.0])


def test_seed_zeros_pass_through_indexing_and_concatenation():
    # jacrev seeds one row at a time; the other rows' zeros are structural and must stay
    # exact through stack/concatenate/indexing (entry_map rules), not 0·inf = nan
    import warnings

    f = lambda x: np.stack([np.sqrt(x[0]), x[0]])  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(optad.jacrev(f)(np.array([0.0])), [[np.inf], [1.0]])
        g = lambda x: np.concatenate([np.sqrt(x[:1]), 2 * x]).reshape(3, 1)[:, 0]  # noqa: E731
        np.testing.assert_array_equal(optad.jacrev(g)(np.array([0.0, 1.0])),
                                      [[np.inf, 0.0], [2.0, 0.0], [0.0, 2.0]])
