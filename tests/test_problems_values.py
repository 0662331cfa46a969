"""Every registered problem (and a set of other dimensions): known optimum, exact gradients.

Tolerances: ``fun(x_star) == f_star`` to 1e-8 relative with an absolute floor of 1e-8
(|F - f*| <= 1e-8 max(1, |f*|)); optad gradients against fourth-order central differences
to 1e-6 relative (||g_ad - g_fd|| <= 1e-6 max(1, ||g_fd||)); at a smooth minimum
||g(x*)|| <= 1e-8 max(1, ||g(x0)||).
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import optad
import problems
from optad import tree

# Problems at their defaults, plus other dimensions whose optimum the literature gives.
CASES = [(name, {}) for name in problems.names()] + [
    ("rosenbrock", {"n": 7}), ("styblinski_tang", {"n": 5}), ("rastrigin", {"n": 6}),
    ("ackley", {"n": 4}), ("griewank", {"n": 5}), ("levy", {"n": 5}), ("trid", {"n": 10}),
    ("dixon_price", {"n": 3}), ("ill_conditioned_quadratic", {"n": 5, "cond": 1e6}),
    ("ill_conditioned_quadratic", {"n": 4, "rotate": False}),
    ("mgh06", {"m": 12}), ("mgh11", {"m": 20}), ("mgh12", {"m": 20}), ("mgh16", {"m": 25}),
    ("mgh18", {"m": 20}), ("mgh20", {"n": 9}), ("mgh20", {"n": 12}), ("mgh21", {"n": 4}),
    ("mgh22", {"n": 12}), ("mgh23", {"n": 10}), ("mgh24", {"n": 10}), ("mgh25", {"n": 4}),
    ("mgh27", {"n": 5}), ("mgh32", {"m": 50}), ("mgh33", {"m": 50}), ("mgh34", {"m": 50}),
    ("mgh35", {"n": 9}), ("mgh35", {"n": 10}), ("mgh35", {"n": 7}),
    ("least_squares", {"n": 5, "m": 30, "seed": 3}),
    ("logistic_regression", {"n": 4, "m": 80, "seed": 2}),
    ("mlp_regression", {"d": 3, "hidden": 4, "m": 40, "seed": 5}),
]
IDS = [name + "".join(f"-{k}{v}" for k, v in kw.items()) for name, kw in CASES]


def _fd(fun, x):
    """Independent five-point central differences (not the library's helper)."""
    vec, unravel = tree.ravel(x)
    vec = np.array(vec, dtype=float)
    g = np.empty_like(vec)
    for i in range(vec.size):
        h = 2e-4 * max(0.1, abs(vec[i]))
        f = [float(fun(unravel(vec + k * h * np.eye(vec.size)[i]))) for k in (-2, -1, 1, 2)]
        g[i] = (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h)
    return g


def _grad_error(problem, x):
    ad = tree.ravel(optad.grad(problem.fun)(x))[0]
    fd = _fd(problem.fun, x)
    return np.linalg.norm(ad - fd) / max(1.0, np.linalg.norm(fd))


_cache = {}


def _get(name, kw):
    key = (name, tuple(sorted(kw.items())))
    if key not in _cache:
        _cache[key] = problems.get(name, **kw)
    return _cache[key]


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_value_at_x_star_is_f_star(name, kw):
    p = _get(name, kw)
    if p.x_star is None:
        pytest.skip(f"{name}: only f* is published, no minimizer")
    assert abs(p.value(p.x_star) - p.f_star) <= 1e-8 * max(1.0, abs(p.f_star))


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_gradient_at_x0_matches_finite_differences(name, kw):
    p = _get(name, kw)
    assert np.isfinite(p.value(p.x0))
    assert _grad_error(p, p.x0) <= 1e-6


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
@settings(max_examples=3, deadline=None)
@given(seed=st.integers(min_value=1, max_value=2 ** 31))
def test_gradient_at_random_start_matches_finite_differences(name, kw, seed):
    p = _get(name, kw)
    x = p.start(seed)
    assert _grad_error(p, x) <= 1e-6


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_gradient_vanishes_at_every_recorded_smooth_minimum(name, kw):
    p = _get(name, kw)
    if "nonsmooth-at-minimum" in p.tags:
        pytest.skip("not differentiable at its minimum")
    points = [(m.x, m.f) for m in p.minima if m.x is not None]
    if p.x_star is not None:
        points.append((p.x_star, p.f_star))
    if not points:
        pytest.skip("no minimizer recorded")
    scale = max(1.0, np.linalg.norm(tree.ravel(p.gradient(p.x0))[0]))
    for x, f in points:
        assert abs(p.value(x) - f) <= 1e-8 * max(1.0, abs(f)), (x, f)
        g = tree.ravel(p.gradient(x))[0]
        assert np.linalg.norm(g) <= 1e-8 * scale, (x, np.linalg.norm(g))


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_metadata_is_complete(name, kw):
    p = _get(name, kw)
    assert p.name == name and p.description and p.reference and p.tags
    assert p.n == tree.ravel(p.x0)[0].size
    if p.bounds is not None:
        lo, hi = np.array(p.bounds).T
        assert len(p.bounds) == p.n
        for x in [p.x0] + [m.x for m in p.minima if m.x is not None]:
            assert np.all(lo <= x) and np.all(x <= hi)
    if p.residuals is not None:
        r = p.residuals(p.x0)
        assert np.isclose(np.sum(r * r), p.value(p.x0), rtol=1e-12, atol=0)
