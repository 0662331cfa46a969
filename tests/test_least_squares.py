"""optimizers.least_squares against SciPy's own least_squares fed hand-written Jacobians:
same solutions, same counts; its history, NaN guard, options, pytrees, bounds and losses."""

import time

import numpy as np
import pytest
import scipy.optimize as so
from scipy import sparse as sp

import optad
import optimizers
import problems
from optimizers import ArgumentTypeError, UnknownMethodError, UnknownOptionError
from optimizers import residuals as residuals_module
from optimizers.residuals import NONFINITE_TRIALS, has_sparse_jacobian
from problems.mgh_fixed import _GAUSS_Y, _KO_U, _KO_Y

METHODS = ["trf", "dogbox", "lm"]


# --- residuals with hand-written Jacobians --------------------------------------------------
def rosen_r(x):
    return np.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def rosen_j(x):
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])


T = np.linspace(0.0, 3.0, 40)
Y_EXP = 2.5 * np.exp(-1.3 * T) + 0.5 + 0.01 * np.sin(17.0 * T)    # deterministic "noise"


def exp_r(p):
    return p[0] * np.exp(-p[1] * T) + p[2] - Y_EXP


def exp_j(p):
    e = np.exp(-p[1] * T)
    return np.stack([e, -p[0] * T * e, np.ones_like(T)], axis=1)


_GT = (8.0 - np.arange(1.0, 16.0)) / 2.0


def gauss_j(x):                                   # MGH 9
    e = np.exp(-x[1] * (_GT - x[2]) ** 2 / 2.0)
    return np.stack([e, -x[0] * e * (_GT - x[2]) ** 2 / 2.0, x[0] * e * x[1] * (_GT - x[2])],
                    axis=1)


_BT = 0.1 * np.arange(1.0, 11.0)


def box_j(x):                                     # MGH 12
    c = np.exp(-_BT) - np.exp(-10.0 * _BT)
    return np.stack([-_BT * np.exp(-_BT * x[0]), _BT * np.exp(-_BT * x[1]), -c], axis=1)


def ko_j(x):                                      # MGH 15
    u, u2 = _KO_U, _KO_U ** 2
    num, den = u2 + u * x[1], u2 + u * x[2] + x[3]
    return np.stack([-num / den, -x[0] * u / den, x[0] * num * u / den ** 2,
                     x[0] * num / den ** 2], axis=1)


HAND = {"mgh01": rosen_j, "mgh09": gauss_j, "mgh12": box_j, "mgh15": ko_j}


def counted(fn):
    def wrapper(x, *a):
        wrapper.calls += 1
        return fn(x, *a)
    wrapper.calls = 0
    return wrapper


def scipy_hand(r, j, x0, **kw):
    """SciPy's least_squares on a hand-written Jacobian, with its calls counted."""
    fun, jac = counted(r), counted(j)
    res = so.least_squares(fun, np.asarray(x0, dtype=float), jac=jac, **kw)
    return res, fun.calls, jac.calls


def assert_same_run(ours, theirs, nfev, njev, tol=1e-10):
    np.testing.assert_allclose(ours.x, theirs.x, rtol=tol, atol=tol)
    assert ours.cost == pytest.approx(theirs.cost, rel=tol, abs=tol)
    np.testing.assert_allclose(ours.fun, theirs.fun, rtol=tol, atol=tol)
    assert ours.status == theirs.status and ours.success == theirs.success
    assert (ours.nfev, ours.njev) == (nfev, njev)


# --- against SciPy with hand Jacobians --------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_rosenbrock_matches_scipy_with_the_hand_jacobian(method):
    ours = optimizers.least_squares(rosen_r, [-1.2, 1.0], method)
    theirs, nfev, njev = scipy_hand(rosen_r, rosen_j, [-1.2, 1.0], method=method)
    assert_same_run(ours, theirs, nfev, njev)
    np.testing.assert_allclose(ours.x, [1.0, 1.0], atol=1e-10)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(HAND))
def test_mgh_problems_match_scipy_and_reach_the_published_minimum(name, method):
    p = problems.get(name)
    ours = optimizers.least_squares(p.residuals, p.x0, method, xtol=1e-12, ftol=1e-12)
    theirs, nfev, njev = scipy_hand(p.residuals, HAND[name], p.x0, method=method,
                                    xtol=1e-12, ftol=1e-12)
    assert_same_run(ours, theirs, nfev, njev)
    F = 2.0 * ours.cost
    assert F <= p.f_star + 1e-8 * max(1.0, p.f_star)
    assert ours.history.column("f")[-1] == pytest.approx(F, rel=1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_exponential_fit_matches_scipy(method):
    x0 = np.array([1.0, 1.0, 0.0])
    ours = optimizers.least_squares(exp_r, x0, method)
    theirs, nfev, njev = scipy_hand(exp_r, exp_j, x0, method=method)
    assert_same_run(ours, theirs, nfev, njev)
    np.testing.assert_allclose(ours.x, [2.5, 1.3, 0.5], atol=0.02)


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_bounds_match_scipy_and_the_known_constrained_minimum(method):
    # Rosenbrock with x1 <= 0.5: the minimum is on the bound, at (0.5, 0.25), F = 0.25.
    bounds = ([-np.inf, -np.inf], [0.5, np.inf])
    ours = optimizers.least_squares(rosen_r, [-1.2, 1.0], method, bounds=bounds)
    theirs, nfev, njev = scipy_hand(rosen_r, rosen_j, [-1.2, 1.0], method=method,
                                    bounds=bounds)
    assert_same_run(ours, theirs, nfev, njev)
    np.testing.assert_allclose(ours.x, [0.5, 0.25], atol=1e-10)
    assert 2.0 * ours.cost == pytest.approx(0.25, abs=1e-12)
    assert ours.active_mask[0] == 1
    bnds = so.Bounds([-2.0, -2.0], [0.5, 2.0])         # a Bounds object works too
    np.testing.assert_allclose(
        optimizers.least_squares(rosen_r, [-1.2, 1.0], method, bounds=bnds).x, [0.5, 0.25],
        atol=1e-10)


@pytest.mark.parametrize("loss", ["soft_l1", "huber", "cauchy", "arctan"])
@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_robust_losses_match_scipy_and_the_cost_column(loss, method):
    y = Y_EXP.copy()
    y[[5, 20, 33]] += [3.0, -2.0, 4.0]               # outliers

    def r(p):
        return p[0] * np.exp(-p[1] * T) + p[2] - y
    x0 = np.array([1.0, 1.0, 0.0])
    ours = optimizers.least_squares(r, x0, method, loss=loss, f_scale=0.1)
    theirs, nfev, njev = scipy_hand(r, exp_j, x0, method=method, loss=loss, f_scale=0.1)
    assert_same_run(ours, theirs, nfev, njev)
    assert ours.history.column("cost")[-1] == pytest.approx(ours.cost, rel=1e-12)
    assert ours.history.column("f")[-1] == pytest.approx(ours.fun @ ours.fun, rel=1e-12)
    np.testing.assert_allclose(ours.x, [2.5, 1.3, 0.5], atol=0.05)     # outliers ignored


def test_a_callable_loss_works_as_in_scipy():
    def cubic_loss(z):                               # SciPy's own example form: rho (3, m)
        return np.stack([z - z ** 2 / 30.0, 1.0 - z / 15.0, -np.ones_like(z) / 15.0])
    ours = optimizers.least_squares(exp_r, np.ones(3), loss=cubic_loss)
    theirs, nfev, njev = scipy_hand(exp_r, exp_j, np.ones(3), loss=cubic_loss)
    assert_same_run(ours, theirs, nfev, njev)
    assert ours.history.column("cost")[-1] == pytest.approx(ours.cost, rel=1e-12)


# --- history and counts -----------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_history_has_one_row_per_iterate(method):
    res = optimizers.least_squares(exp_r, np.array([1.0, 1.0, 0.0]), method)
    h = res.history
    assert isinstance(h, optimizers.LeastSquaresHistory)
    assert h.columns == ("iteration", "f", "grad_norm", "nfev", "njev", "time", "cost", "x")
    assert list(h.column("iteration")) == list(range(len(h))) and res.nit == len(h) - 1
    np.testing.assert_allclose(h.column("f"), 2.0 * h.column("cost"), rtol=1e-15)
    assert np.all(np.diff(h.column("f")) <= 0)            # accepted steps reduce F
    assert h[0]["x"] == [1.0, 1.0, 0.0] and h[0]["nfev"] == 1 and h[0]["njev"] == 1
    np.testing.assert_array_equal(h[-1]["x"], res.x)
    assert np.all(np.diff(h.column("nfev")) >= 1) and h.column("nfev")[-1] <= res.nfev
    assert h.column("njev")[-1] <= res.njev <= len(h) + 1        # lm asks once more at the end
    assert h[-1]["grad_norm"] == pytest.approx(2.0 * np.max(np.abs(exp_j(res.x).T @ res.fun)))
    assert len(optimizers.LeastSquaresHistory.from_dict(h.to_dict())) == len(h)


# --- the NaN guard -----------------------------------------------------------------------------
class NaNAfter:
    """Residuals that turn NaN (or raise) after ``k`` plain evaluations."""

    def __init__(self, k, fault="nan"):
        self.k, self.fault, self.calls = k, fault, 0

    def __call__(self, x):
        if not isinstance(x, optad.Traced):
            self.calls += 1
        if self.calls > self.k:
            if self.fault == "raise":
                raise ZeroDivisionError("boom")
            return rosen_r(x) * np.nan
        return rosen_r(x)


@pytest.mark.parametrize("method", METHODS)
def test_nan_residuals_stop_with_the_last_iterate(method):
    res = optimizers.least_squares(NaNAfter(4), [-1.2, 1.0], method)
    assert (res.success, res.status) == (False, -3)
    assert np.all(np.isfinite(res.x)) and np.all(np.isfinite(res.fun))
    assert np.isfinite(res.cost) and np.all(np.isfinite(res.jac))
    np.testing.assert_array_equal(res.x, res.history[-1]["x"])
    np.testing.assert_allclose(res.fun, rosen_r(res.x))
    assert "residual vector is nan" in res.message
    assert f"iteration {res.nit + 1}:" in res.message
    # trf and dogbox let SciPy reject a few non-finite trial points, lm none.
    extra = 0 if method == "lm" else NONFINITE_TRIALS - 1
    assert res.nfev == 4 + 1 + extra


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_a_trial_step_into_nan_is_rejected_and_the_run_recovers(method):
    # sqrt(x) is NaN for x < 0: from x = 3 (x_scale 10) trial steps land at x < 0.
    trials = []

    def r(x):
        if not isinstance(x, optad.Traced):
            trials.append(float(x[0]))
        return np.stack([np.sqrt(x[0]) - 0.1, 0.1 * (x[0] - 0.01)])
    with np.errstate(invalid="ignore"):
        res = optimizers.least_squares(r, [3.0], method, x_scale=10.0)
    assert res.success, res.message
    assert res.x[0] == pytest.approx(0.01, rel=1e-8)
    assert min(trials) < -0.1              # NaN residuals were met, and rejected


def test_a_non_finite_jacobian_stops_the_run():
    def r(x):         # sqrt at 0: a finite value, an infinite slope
        return np.stack([np.sqrt(x[0]), x[1] - 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        res = optimizers.least_squares(r, [0.0, 0.0])
    # (inf, and nan where reverse mode multiplies inf by another row's zero cotangent)
    assert res.status == -3 and "Stopped at the start: the Jacobian is " in res.message
    assert res.nit == 0 and not res.success

    broken = optad.primitive(lambda x: 0.0 * x, name="broken_lsq")
    optad.defvjp(broken, lambda g, ans, x: g * np.nan)        # a rule that gives nan
    optad.defjvp(broken, lambda t, ans, x: t * np.nan)
    calls = []

    def s(x):
        calls.append(1)
        bad = broken(x[0]) if len(calls) > 6 else 0.0
        return rosen_r(x) + bad
    with np.errstate(invalid="ignore"):
        res = optimizers.least_squares(s, [-1.2, 1.0], "lm")
    assert res.status == -3 and "Jacobian is nan" in res.message
    # (the run went on past the start: one history row at least; SciPy 1.11's lm asks for
    # its Jacobians in another order, so the iteration it stops in differs)
    assert np.all(np.isfinite(res.x)) and len(res.history) >= 1


def test_non_finite_start_and_exceptions():
    res = optimizers.least_squares(lambda x: x * np.nan, np.ones(2))
    assert res.status == -3 and "Stopped at the start" in res.message and res.nit == 0
    with pytest.raises(ZeroDivisionError):                   # at x0: nothing ran
        optimizers.least_squares(NaNAfter(0, "raise"), [-1.2, 1.0])
    res = optimizers.least_squares(NaNAfter(3, "raise"), [-1.2, 1.0], "lm")
    assert res.status == -4 and "ZeroDivisionError: boom" in res.message
    assert np.all(np.isfinite(res.x))
    with pytest.raises(ArgumentTypeError, match="real numbers"):
        optimizers.least_squares(lambda x: "r", np.ones(2))


def test_max_time_stops_the_run():
    def slow(x):
        time.sleep(0.01)
        return rosen_r(x)
    res = optimizers.least_squares(slow, [-1.2, 1.0], max_time=0.03)
    assert res.status == 0 and "max_time" in res.message and not res.success
    assert np.all(np.isfinite(res.x))


@pytest.mark.parametrize("method", METHODS)
def test_maxiter_stops_after_that_many_iterations(method):
    res = optimizers.least_squares(rosen_r, [-1.2, 1.0], method, maxiter=3)
    assert (res.status, res.success, res.nit, len(res.history)) == (0, False, 3, 4)
    assert res.message == "Stopped: reached maxiter = 3 iterations."
    np.testing.assert_array_equal(res.x, res.history[-1]["x"])


# --- options, methods, arguments ---------------------------------------------------------------
def test_unknown_options_and_methods_are_refused():
    with pytest.raises(UnknownOptionError, match="Its options: ftol, xtol"):
        optimizers.least_squares(rosen_r, [1.0, 1.0], tol=1e-6)
    with pytest.raises(UnknownOptionError, match="optad computes the Jacobian"):
        optimizers.least_squares(rosen_r, [1.0, 1.0], jac="2-point")
    with pytest.raises(UnknownOptionError, match="max_nfev"):
        optimizers.least_squares(rosen_r, [1.0, 1.0], maxfev=10)
    with pytest.raises(UnknownMethodError, match="trf, dogbox, lm"):
        optimizers.least_squares(rosen_r, [1.0, 1.0], "newton")
    with pytest.raises(ArgumentTypeError, match="ftol must be a number"):
        optimizers.least_squares(rosen_r, [1.0, 1.0], ftol="1e-8")
    with pytest.raises(optimizers.ArgumentValueError, match="max_nfev"):
        optimizers.least_squares(rosen_r, [1.0, 1.0], max_nfev=0)
    with pytest.raises(ArgumentTypeError, match="least_squares: fun must be a callable"):
        optimizers.least_squares(None, [1.0, 1.0])
    with pytest.raises(ValueError, match="'lm' doesn't support bounds"):   # SciPy's own check
        optimizers.least_squares(rosen_r, [1.0, 1.0], "lm", bounds=(0.0, 2.0))


def test_scipy_options_and_args_pass_through():
    def r(x, a, b):
        return np.stack([a * (x[1] - x[0] ** 2), b - x[0]])
    res = optimizers.least_squares(r, [-1.2, 1.0], args=(10.0, 1.0), gtol=1e-14, xtol=1e-14,
                                   ftol=1e-14, x_scale="jac", max_nfev=200)
    theirs = so.least_squares(r, [-1.2, 1.0], jac=lambda x, a, b: rosen_j(x), args=(10.0, 1.0),
                              gtol=1e-14, xtol=1e-14, ftol=1e-14, x_scale="jac", max_nfev=200)
    np.testing.assert_allclose(res.x, theirs.x, atol=1e-12)
    res = optimizers.least_squares(rosen_r, [-1.2, 1.0], max_nfev=3)
    assert res.status == 0 and res.nfev == 3


def test_pytree_x0():
    X = np.array([[1.0, 0.5], [0.0, 1.0], [0.5, 0.5]])

    def r(p):
        return {"fit": X @ p["w"] + p["b"] - X.sum(axis=1), "reg": 0.1 * (p["s"] - 2.0)}["fit"]

    def r2(p):
        return np.concatenate([np.ravel(X @ p["w"] + p["b"] - X.sum(axis=1)),
                               np.reshape(0.1 * (p["s"] - 2.0), (1,))])
    x0 = {"w": np.zeros(2), "b": 0.0, "s": 0.0}
    for method in METHODS:
        res = optimizers.least_squares(r2, x0, method)
        assert set(res.x) == {"b", "s", "w"} and res.x["w"].shape == (2,)
        np.testing.assert_allclose(res.x["w"], [1.0, 1.0], atol=1e-8)
        assert float(res.x["b"]) == pytest.approx(0.0, abs=1e-8)
        assert float(res.x["s"]) == pytest.approx(2.0, abs=1e-8)
    assert x0["w"].sum() == 0.0                          # the start is not modified
    res = optimizers.least_squares(lambda m: (m - np.eye(2)) * 2.0, np.zeros((2, 2)))
    assert res.x.shape == (2, 2) and res.fun.shape == (4,)   # matrix in, residuals raveled
    np.testing.assert_allclose(res.x, np.eye(2), atol=1e-10)
    assert r(x0).shape == (3,)


def test_sparse_hook(monkeypatch):
    def tridiagonal(x):                                   # Broyden tridiagonal, MGH 30
        xp = np.concatenate([np.zeros(1), x, np.zeros(1)])
        return (3.0 - 2.0 * x) * x - xp[:-2] - 2.0 * xp[2:] + 1.0
    x0 = -np.ones(50)
    if not has_sparse_jacobian():
        with pytest.raises(optimizers.ArgumentValueError, match="sparse Jacobians from optad"):
            optimizers.least_squares(tridiagonal, x0, sparse=True)
        dense = optad.jacobian

        def jacobian(f, argnums=0, sparse=False):         # stands in for optad's, to come
            jac = dense(f, argnums)
            return (lambda *a: sp.csr_array(jac(*a))) if sparse else jac
        monkeypatch.setattr(optad, "jacobian", jacobian)
    assert has_sparse_jacobian()
    with pytest.raises(optimizers.ArgumentValueError, match="'trf' or 'dogbox'"):
        optimizers.least_squares(tridiagonal, x0, "lm", sparse=True)
    res = optimizers.least_squares(tridiagonal, x0, sparse=True)
    assert sp.issparse(res.jac) and res.success
    assert np.max(np.abs(res.fun)) < 1e-8          # lsmr solves each step inexactly
    dense_res = optimizers.least_squares(tridiagonal, x0)
    np.testing.assert_allclose(res.x, dense_res.x, atol=1e-8)


def _tridiagonal(x):                                    # Broyden tridiagonal, MGH 30
    xp = np.concatenate([np.zeros(1), x, np.zeros(1)])
    return (3.0 - 2.0 * x) * x - xp[:-2] - 2.0 * xp[2:] + 1.0


def test_sparse_by_default_only_for_large_sparse_jacobians(monkeypatch):
    monkeypatch.setattr(residuals_module, "AUTO_SPARSE_MIN_N", 100)    # (dense runs are slow)
    big, small = -np.ones(120), -np.ones(50)
    res = optimizers.least_squares(_tridiagonal, big)            # sparse=None: decided here
    assert sp.issparse(res.jac) and res.success and np.max(np.abs(res.fun)) < 1e-8
    assert not sp.issparse(optimizers.least_squares(_tridiagonal, small).jac)
    for kw in ({"sparse": False}, {"method": "lm"}):             # (a few steps: dense is slow)
        assert not sp.issparse(optimizers.least_squares(_tridiagonal, big, max_nfev=2, **kw).jac)
    # a dense Jacobian at that size stays dense (every residual reads every variable)
    dense_r = lambda x: x - np.sum(x) / x.size               # noqa: E731
    assert not sp.issparse(optimizers.least_squares(dense_r, np.ones(120), max_nfev=3).jac)


@pytest.mark.parametrize("method", METHODS)
def test_jit_takes_the_same_steps(method):
    p = problems.get("mgh09")
    eager = optimizers.least_squares(p.residuals, p.x0, method, xtol=1e-12, ftol=1e-12)
    jitted = optimizers.least_squares(p.residuals, p.x0, method, xtol=1e-12, ftol=1e-12,
                                      jit=True)
    np.testing.assert_allclose(jitted.x, eager.x, rtol=1e-12, atol=1e-14)
    assert (jitted.nfev, jitted.njev, jitted.status) == (eager.nfev, eager.njev, eager.status)
    np.testing.assert_allclose(jitted.history.column("f"), eager.history.column("f"),
                               rtol=1e-12)


def test_jit_reads_args_afresh_and_works_with_sparse_jacobians():
    t = np.linspace(0.0, 1.0, 30)
    model = lambda p, t, y: p[0] * np.exp(-p[1] * t) - y     # noqa: E731
    for a, k in ((2.0, 1.5), (3.0, 0.5)):                    # the same function, new data
        res = optimizers.least_squares(model, [1.0, 0.0], args=(t, a * np.exp(-k * t)),
                                       jit=True)
        np.testing.assert_allclose(res.x, [a, k], atol=1e-9)
    x0 = -np.ones(1200)
    res = optimizers.least_squares(_tridiagonal, x0, sparse=True, jit=True)
    ref = optimizers.least_squares(_tridiagonal, x0, sparse=True)
    assert sp.issparse(res.jac) and res.nfev == ref.nfev
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-10, atol=1e-12)
