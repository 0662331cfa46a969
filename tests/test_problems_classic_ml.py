"""Facts of the classic functions and the ML objectives, each checked by an independent route."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.optimize import minimize, rosen

import optad
import problems


@settings(max_examples=25, deadline=None)
@given(x=st.lists(st.floats(-3, 3), min_size=2, max_size=12))
def test_rosenbrock_is_scipys_rosen(x):
    x = np.array(x)
    assert problems.get("rosenbrock", n=x.size).value(x) == pytest.approx(rosen(x), rel=1e-12)


def test_himmelblau_has_four_distinct_global_minima():
    p = problems.get("himmelblau")
    pts = np.array([m.x for m in p.minima])
    assert pts.shape == (4, 2) and len({tuple(np.round(q, 6)) for q in pts}) == 4
    for q in pts:
        hess = optad.hessian(p.fun)(q)
        assert p.value(q) < 1e-25 and np.all(np.linalg.eigvalsh(hess) > 0)


def test_goldstein_price_and_camel_local_minima_are_minima():
    for name in ("goldstein_price", "three_hump_camel"):
        p = problems.get(name)
        assert len(p.minima) >= 3
        for m in p.minima:
            assert np.all(np.linalg.eigvalsh(optad.hessian(p.fun)(m.x)) > 0), (name, m)
            assert p.value(m.x) >= p.f_star - 1e-12


@pytest.mark.parametrize("n", [2, 5, 10])
def test_trid_and_styblinski_tang_optima_match_a_numerical_solve(n):
    trid = problems.get("trid", n=n)
    hess = optad.hessian(trid.fun)(np.zeros(n))
    x = np.linalg.solve(hess, -optad.grad(trid.fun)(np.zeros(n)))
    assert np.allclose(x, trid.x_star) and trid.value(x) == pytest.approx(trid.f_star)
    st_ = problems.get("styblinski_tang", n=n)
    res = minimize(optad.value_and_grad(st_.fun), np.full(n, -3.0), jac=True, method="BFGS",
                   options={"gtol": 1e-12})
    assert res.fun == pytest.approx(st_.f_star, rel=1e-12)


@pytest.mark.parametrize("cond,rotate", [(10.0, True), (1e3, True), (1e6, False)])
def test_quadratic_has_the_requested_condition_number(cond, rotate):
    p = problems.get("ill_conditioned_quadratic", n=8, cond=cond, rotate=rotate)
    eig = np.linalg.eigvalsh(optad.hessian(p.fun)(np.zeros(8)))
    assert eig.max() / eig.min() == pytest.approx(cond, rel=1e-8)
    assert p.value(p.x_star) == 0.0
    with pytest.raises(ValueError, match="cond >= 1"):
        problems.get("ill_conditioned_quadratic", cond=0.5)


def test_least_squares_optimum_agrees_with_the_normal_equations():
    p = problems.get("least_squares")
    a = optad.hessian(p.fun)(p.x0)                         # A'A / m
    x = np.linalg.solve(a, -optad.grad(p.fun)(np.zeros(p.n)))
    assert np.allclose(x, p.x_star, rtol=1e-10, atol=1e-12)
    assert p.value(x) == pytest.approx(p.f_star, rel=1e-10)


def test_logistic_optimum_is_certified_by_strong_convexity():
    p = problems.get("logistic_regression")
    lam = p.params["lam"]
    g = p.gradient(p.x_star)
    # f(x*) - min f <= |g|^2 / (2 lam) for a lam-strongly convex f
    assert np.linalg.norm(g) ** 2 / (2 * lam) < 1e-14 * max(1.0, p.f_star)
    step = np.linalg.solve(optad.hessian(p.fun)(p.x_star), g)
    assert p.value(p.x_star - step) >= p.f_star - 1e-14
    assert "L-BFGS" in p.reference


def test_mlp_parameters_are_a_pytree_and_the_teacher_is_a_zero():
    p = problems.get("mlp_regression")
    assert set(p.x0) == {"W1", "b1", "W2", "b2"} and p.n == 33
    g = p.gradient(p.x0)
    assert set(g) == set(p.x0) and all(g[k].shape == p.x0[k].shape for k in g)
    assert p.value(p.x_star) == 0.0
    vec, unravel = optad.tree.ravel(p.x0)
    res = minimize(lambda v: optad.value_and_grad(p.fun)(unravel(v))[0] * 1.0,
                   vec, jac=lambda v: optad.tree.ravel(p.gradient(unravel(v)))[0],
                   method="L-BFGS-B", options={"maxiter": 300})
    assert res.fun < 0.1 * p.value(p.x0)


def test_ml_data_are_reproducible_and_seed_dependent():
    a, b = problems.get("least_squares"), problems.get("least_squares")
    assert a.f_star == b.f_star
    assert problems.get("least_squares", seed=1).f_star != a.f_star
    x = np.linspace(-1, 1, 10)
    assert problems.get("logistic_regression").value(x) == \
        problems.get("logistic_regression").value(x)
