"""SciPy's gradient methods on optad's derivatives: same paths as analytic gradients,
second-order information from hvp/hessian, constraint Jacobians from optad.jacobian."""

import warnings

import numpy as np
import pytest
import scipy.optimize as so

import optad
import optimizers
from optimizers.registry import METHODS


def rosen(x):
    """Rosenbrock in plain NumPy (the chained form of scipy.optimize.rosen)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosen_start(n):
    x0 = np.empty(n)
    x0[0::2], x0[1::2] = -1.2, 1.0
    return x0


def quadratic(x):
    return np.sum((x - 1.0) ** 2) + 0.5 * (x[0] - 1.0) ** 2


def weighted_quadratic(x):
    return np.sum(np.arange(1.0, x.size + 1) * (x - 1.0) ** 2)


class Counter:
    """Wraps an optad transform and counts its calls (monkeypatched onto optad)."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *a, **k):
        self.calls += 1
        return self.fn(*a, **k)


@pytest.mark.slow
def test_lbfgsb_rosenbrock_1000_follows_the_analytic_gradient_path():
    x0 = rosen_start(1000)
    ours = optimizers.minimize(rosen, x0, "L-BFGS-B", ftol=1e-12)
    ref = so.minimize(so.rosen, x0, jac=so.rosen_der, method="L-BFGS-B",
                      options={"ftol": 1e-12})
    assert ours.success and ref.success
    assert ours.fun < 1e-10
    assert abs(ours.nit - ref.nit) <= 0.05 * ref.nit
    assert ours.x == pytest.approx(np.ones(1000), abs=1e-4)
    assert len(ours.history) == ours.nit + 1
    assert np.max(np.abs(ours.jac)) <= 1e-5


def test_objective_calls_equal_nfev_thanks_to_the_cache():
    calls = []

    def f(x):
        calls.append(1)
        return rosen(x)

    res = optimizers.minimize(f, rosen_start(10), "L-BFGS-B")
    assert res.success and len(calls) == res.nfev == res.njev
    assert res.history.column("nfev")[-1] <= res.nfev


@pytest.mark.parametrize("method", ["Newton-CG", "trust-krylov"])
def test_hessp_methods_use_optad_hvp_and_beat_bfgs_in_iterations(method, monkeypatch):
    x0 = rosen_start(100)
    hvp = Counter(optad.hvp)
    monkeypatch.setattr(optad, "hvp", hvp)
    extra = {"xtol": 1e-10} if method == "Newton-CG" else {}   # else its step test stops first
    res = optimizers.minimize(rosen, x0, method, gtol=1e-5, **extra)
    bfgs = optimizers.minimize(rosen, x0, "BFGS", gtol=1e-5)
    assert res.success and bfgs.success, (res.message, bfgs.message)
    assert np.max(np.abs(res.jac)) <= 1e-5 and res.fun < 1e-8
    assert hvp.calls > 0 and res.nhev == hvp.calls
    assert res.nit < bfgs.nit


@pytest.mark.parametrize("method", ["trust-exact", "dogleg"])
def test_hess_methods_use_optad_hessian(method, monkeypatch):
    hessian = Counter(optad.hessian)
    monkeypatch.setattr(optad, "hessian", hessian)
    res = optimizers.minimize(rosen, np.array([-1.2, 1.0]), method)
    assert res.success and res.x == pytest.approx([1.0, 1.0], abs=1e-5)
    assert hessian.calls == res.nhev > 0


def test_trust_exact_on_a_weighted_quadratic():
    # Regression: optad.hessian of c * (x - 1)**2 once raised TracerConversionError.
    res = optimizers.minimize(weighted_quadratic, np.zeros(4), "trust-exact")
    assert res.success and res.x == pytest.approx(np.ones(4), abs=1e-8)


def test_slsqp_inequality_constraints_without_jac_solve_the_textbook_problem(monkeypatch):
    # SciPy's tutorial problem (Nocedal & Wright, Example 16.4): min (x−1)² + (y−2.5)²
    # subject to three linear inequalities and x, y ≥ 0; the solution is (1.4, 1.7).
    jacobian = Counter(optad.jacobian)
    monkeypatch.setattr(optad, "jacobian", jacobian)
    cons = [{"type": "ineq", "fun": lambda x: x[0] - 2 * x[1] + 2},
            {"type": "ineq", "fun": lambda x: -x[0] - 2 * x[1] + 6},
            {"type": "ineq", "fun": lambda x, a: -x[0] + 2 * x[1] + a, "args": (2.0,)}]
    f = lambda x: (x[0] - 1) ** 2 + (x[1] - 2.5) ** 2  # noqa: E731
    for method in ("SLSQP", "trust-constr"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # trust-constr's BFGS notes
            res = optimizers.minimize(f, [2.0, 0.0], method, constraints=cons,
                                      bounds=[(0, None), (0, None)])
        assert res.success, res.message
        assert res.x == pytest.approx([1.4, 1.7], abs=1e-5)
        assert res.fun == pytest.approx(0.8, abs=1e-5)
    assert jacobian.calls > 0


def test_equality_constraint_on_a_pytree_with_vector_output():
    # min ‖w‖² + b² subject to w₀ + w₁ = 1 and b = 2 (one constraint, two outputs).
    con = {"type": "eq", "fun": lambda p: np.stack([p["w"][0] + p["w"][1] - 1.0,
                                                    p["b"] - 2.0])}
    res = optimizers.minimize(lambda p: np.sum(p["w"] ** 2) + p["b"] ** 2,
                              {"w": np.zeros(2), "b": 0.0}, "SLSQP", constraints=con)
    assert res.success
    assert res.x["w"] == pytest.approx([0.5, 0.5], abs=1e-6)
    assert float(res.x["b"]) == pytest.approx(2.0, abs=1e-6)


def test_bounds_pass_through():
    res = optimizers.minimize(quadratic, np.zeros(3), "L-BFGS-B", bounds=[(None, 0.5)] * 3)
    assert res.success and res.x == pytest.approx([0.5] * 3)
    res = optimizers.minimize(quadratic, np.zeros(3), "TNC", bounds=[(-1, 0.25)] * 3)
    assert res.x == pytest.approx([0.25] * 3, abs=1e-6)


@pytest.mark.parametrize("method", [m.name for m in METHODS.values() if not m.first_order])
def test_every_scipy_method_solves_2d_rosenbrock(method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = optimizers.minimize(rosen, np.array([-1.2, 1.0]), method)
    assert res.success, res.message
    assert res.method == method
    assert res.x == pytest.approx([1.0, 1.0], abs=2e-4)
    h = res.history
    assert h[0]["iteration"] == 0 and h[0]["f"] == pytest.approx(24.2)
    assert np.all(np.diff(h.column("nfev")) >= 0) and np.all(np.diff(h.column("time")) >= 0)
    assert h.column("x").shape == (len(h), 2)


SAMPLE_VALUES = {
    "disp": False, "return_all": False, "norm": np.inf, "xrtol": 0.0, "c1": 1e-4, "c2": 0.4,
    "hess_inv0": None, "maxcor": 10, "maxls": 20, "xtol": 1e-8, "initial_trust_radius": 1.0,
    "max_trust_radius": 1000.0, "eta": 0.15, "inexact": True, "subproblem_maxiter": 25,
    "scale": None, "offset": None, "maxCGit": -1, "stepmx": 0, "accuracy": 0, "minfev": 0,
    "rescale": -1, "iprint": 0, "barrier_tol": 1e-8, "sparse_jacobian": None,
    "initial_constr_penalty": 1.0, "initial_tr_radius": 1.0, "initial_barrier_parameter": 0.1,
    "initial_barrier_tolerance": 0.1, "factorization_method": None, "verbose": 0,
}


@pytest.mark.parametrize("method", [m for m in METHODS.values() if not m.first_order],
                         ids=lambda m: m.name)
def test_the_option_table_matches_what_scipy_accepts(method):
    """Every option in the table reaches SciPy without an 'unknown option' warning."""
    options = {k: SAMPLE_VALUES[k] for k in method.options}
    stopping = {"gtol": 1e-6, "ftol": 1e-12, "maxiter": 500, "maxfev": 5000}
    given = {k: v for k, v in stopping.items() if k in method.native}
    with warnings.catch_warnings():
        warnings.simplefilter("error", so.OptimizeWarning)
        warnings.simplefilter("ignore", UserWarning)
        res = optimizers.minimize(quadratic, np.zeros(3), method.name, **given, **options)
    assert res.x == pytest.approx(np.ones(3), abs=1e-4)


def _variants(method):
    cons = {"type": "ineq", "fun": lambda x: 3.0 - np.sum(x ** 2)}
    yield {}
    if method.bounds:
        yield {"bounds": [(-2.0, 0.9)] * 5}
    if method.constraints:
        yield {"constraints": cons}
        yield {"constraints": cons, "bounds": [(-2.0, 0.9)] * 5}


@pytest.mark.parametrize("method", [m for m in METHODS.values() if not m.first_order],
                         ids=lambda m: m.name)
def test_no_method_writes_into_the_arrays_the_cache_shares(method, monkeypatch):
    """The cache hands its x and g to SciPy, the history and the result without copies
    (read-only flags catch NumPy writes; this catches C code that ignores them)."""
    from optimizers.objective import Objective

    shared = []
    evaluate = Objective._evaluate

    def recording(self, x, key):
        entry = evaluate(self, x, key)
        shared.append((entry, entry[0].copy(), entry[2].copy()))
        return entry

    monkeypatch.setattr(Objective, "_evaluate", recording)
    for kw in _variants(method):
        shared.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimizers.minimize(rosen, np.array([-1.2, 1.0, -1.2, 1.0, 0.5]), method.name,
                                **kw)
        assert shared
        for (x, f, g, grad_norm), x_then, g_then in shared:
            assert np.array_equal(x, x_then) and np.array_equal(g, g_then), kw
