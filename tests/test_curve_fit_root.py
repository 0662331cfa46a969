"""optimizers.curve_fit and optimizers.root against SciPy fed hand-written Jacobians."""

import warnings

import numpy as np
import pytest
import scipy.optimize as so

import optimizers
import problems
from optimizers import UnknownMethodError, UnknownOptionError

# --- curve_fit ------------------------------------------------------------------------------
RNG = np.random.default_rng(7)
X = np.linspace(0.0, 10.0, 60)
SIGMA = 0.05 + 0.02 * X
Y = 1.8 * np.exp(-0.25 * X) * np.cos(1.3 * X + 0.4) + SIGMA * RNG.standard_normal(X.size)


def damped(x, a, k, w, phi):
    return a * np.exp(-k * x) * np.cos(w * x + phi)


def damped_jac(x, a, k, w, phi):
    e, c, s = np.exp(-k * x), np.cos(w * x + phi), np.sin(w * x + phi)
    return np.stack([e * c, -a * x * e * c, -a * e * s * x, -a * e * s], axis=1)


P0 = [1.5, 0.2, 1.25, 0.3]


@pytest.mark.parametrize("method", ["lm", "trf", "dogbox"])
@pytest.mark.parametrize("sigma, absolute", [(None, False), ("1d", False), ("1d", True),
                                             ("2d", True)])
def test_curve_fit_popt_and_pcov_match_the_hand_jacobian(method, sigma, absolute):
    s = {None: None, "1d": SIGMA, "2d": np.diag(SIGMA ** 2) + 1e-4 * np.exp(
        -np.abs(X[:, None] - X[None, :]))}[sigma]
    ours = optimizers.curve_fit(damped, X, Y, p0=P0, sigma=s, absolute_sigma=absolute,
                                method=method)
    theirs = so.curve_fit(damped, X, Y, p0=P0, sigma=s, absolute_sigma=absolute,
                          method=method, jac=damped_jac)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(ours[0], [1.8, 0.25, 1.3, 0.4], atol=0.15)


def test_curve_fit_bounds_full_output_and_refusals():
    bounds = ([0.0, 0.0, 1.0, 0.0], [3.0, 0.24, 2.0, 1.0])        # k's bound is active
    ours = optimizers.curve_fit(damped, X, Y, p0=[1.5, 0.2, 1.25, 0.3], bounds=bounds)
    theirs = so.curve_fit(damped, X, Y, p0=[1.5, 0.2, 1.25, 0.3], bounds=bounds,
                          jac=damped_jac)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    assert ours[0][1] == pytest.approx(0.24)
    popt, pcov, info, mesg, ier = optimizers.curve_fit(damped, X, Y, p0=P0, full_output=True)
    assert ier in (1, 2, 3, 4) and info["fvec"].shape == (X.size,)
    with pytest.raises(UnknownOptionError, match="optad computes the exact Jacobian"):
        optimizers.curve_fit(damped, X, Y, p0=P0, jac=damped_jac)


def test_curve_fit_default_p0_and_a_one_parameter_model():
    popt, pcov = optimizers.curve_fit(lambda x, k: np.exp(-k * x), X, np.exp(-0.3 * X))
    assert popt == pytest.approx([0.3], abs=1e-10) and pcov.shape == (1, 1)


# --- root -------------------------------------------------------------------------------------
def tridiagonal(x):                     # Broyden tridiagonal (MGH 30): a root from x0 = -1
    xp = np.concatenate([np.zeros(1), x, np.zeros(1)])
    return (3.0 - 2.0 * x) * x - xp[:-2] - 2.0 * xp[2:] + 1.0


def tridiagonal_jac(x):
    n = x.size
    return (np.diag(3.0 - 4.0 * x) - np.diag(np.ones(n - 1), -1)
            - 2.0 * np.diag(np.ones(n - 1), 1))


@pytest.mark.parametrize("method", ["hybr", "lm"])
def test_root_matches_scipy_with_the_hand_jacobian(method):
    x0 = -np.ones(12)
    ours = optimizers.root(tridiagonal, x0, method, xtol=1e-13)
    theirs = so.root(tridiagonal, x0, method=method, jac=tridiagonal_jac,
                     options={"xtol": 1e-13})
    assert ours.success and theirs.success
    np.testing.assert_allclose(ours.x, theirs.x, rtol=1e-10, atol=1e-12)
    assert np.max(np.abs(tridiagonal(ours.x))) < 1e-10
    assert ours.nfev == theirs.nfev


def test_root_on_mgh_problems_with_known_roots():
    for name in ("mgh07", "mgh30", "mgh31"):        # helical valley, Broyden tri/banded
        p = problems.get(name)
        for method in ("hybr", "lm"):
            sol = optimizers.root(p.residuals, p.x0, method)
            assert sol.success, (name, method, sol.message)
            assert np.max(np.abs(p.residuals(sol.x))) < 1e-7        # SciPy's xtol 1.5e-8
            np.testing.assert_allclose(sol.x, p.x_star, atol=1e-7)


@pytest.mark.parametrize("method", ["broyden1", "krylov", "df-sane"])
def test_methods_without_a_jacobian_pass_through(method):
    x0 = -np.ones(8)
    ours = optimizers.root(tridiagonal, x0, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = so.root(tridiagonal, x0, method=method)
    np.testing.assert_array_equal(ours.x, theirs.x)


def test_root_pytree_args_and_refusals():
    sol = optimizers.root(lambda p, c: {"u": p["u"] ** 2 - c}["u"],
                          {"u": np.array([1.0, 3.0])}, "hybr", args=(4.0,))
    np.testing.assert_allclose(sol.x["u"], [2.0, 2.0], atol=1e-12)
    with pytest.raises(UnknownOptionError, match="optad computes the Jacobian"):
        optimizers.root(tridiagonal, -np.ones(3), jac=tridiagonal_jac)
    with pytest.raises(UnknownOptionError, match="rows"):
        optimizers.root(tridiagonal, -np.ones(3), col_deriv=True)
    with pytest.raises(UnknownOptionError, match="its options are xtol, maxfev"):
        optimizers.root(tridiagonal, -np.ones(3), "hybr", maxiter=5)
    with pytest.raises(UnknownMethodError, match="hybr, lm"):
        optimizers.root(tridiagonal, -np.ones(3), "newton")


# --- jit=True: the same fits and roots, replayed ----------------------------------------------
@pytest.mark.parametrize("method", ["lm", "trf"])
def test_curve_fit_with_jit_gives_the_same_fit(method):
    plain = optimizers.curve_fit(damped, X, Y, p0=P0, sigma=SIGMA, method=method)
    jitted = optimizers.curve_fit(damped, X, Y, p0=P0, sigma=SIGMA, method=method, jit=True)
    np.testing.assert_allclose(jitted[0], plain[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jitted[1], plain[1], rtol=1e-10, atol=1e-16)
    # other data, the same model: xdata is an input of the replay, never frozen
    y2 = 0.5 * damped(X, *P0)
    popt, _ = optimizers.curve_fit(damped, X, y2, p0=P0, method=method, jit=True)
    np.testing.assert_allclose(popt[0], 0.5 * P0[0], rtol=1e-8)


@pytest.mark.parametrize("method", ["hybr", "lm"])
def test_root_with_jit_takes_the_same_steps_and_reads_args_afresh(method):
    x0 = -np.ones(12)
    plain = optimizers.root(tridiagonal, x0, method, xtol=1e-13)
    jitted = optimizers.root(tridiagonal, x0, method, xtol=1e-13, jit=True)
    np.testing.assert_allclose(jitted.x, plain.x, rtol=1e-13, atol=1e-15)
    assert jitted.nfev == plain.nfev and jitted.success
    shifted = optimizers.root(lambda x, c: tridiagonal(x) - c, x0, method, args=(0.5,),
                              xtol=1e-13, jit=True)
    assert np.max(np.abs(tridiagonal(shifted.x) - 0.5)) < 1e-10
