"""minimize's driver: pytrees, args, stopping tests, callbacks, faults, errors, History."""

import json

import numpy as np
import pytest

import optad
import optimizers
from optimizers import History, UnknownMethodError, UnknownOptionError


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


X0 = np.array([-1.2, 1.0])


def model_loss(p):
    """A pytree objective: least squares of a tiny linear model, minimum 0 at W = I, b = 1."""
    X = np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.5], [0.5, 0.0, 1.0], [0.0, 0.0, 0.0]])
    target = X + 1.0
    return np.sum((X @ p["W"] + p["b"] - target) ** 2) + 0.1 * (p["scale"] - 2.0) ** 2


PYTREE_X0 = {"W": np.zeros((3, 3)), "b": np.zeros(3), "scale": 0.0}


class NaNAfter:
    """An objective that turns NaN after ``k`` evaluations (a module-level class: picklable)."""

    def __init__(self, k, fun=rosen, fault="nan"):
        self.k, self.fun, self.fault, self.calls = k, fun, fault, 0

    def __call__(self, x):
        self.calls += 1
        if self.calls > self.k:
            if self.fault == "raise":
                raise ZeroDivisionError("boom")
            return self.fun(x) * np.nan
        return self.fun(x)


# --- structure ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["L-BFGS-B", "adam", "trust-ncg", "trust-exact"])
def test_pytree_x0_round_trips(method):
    options = {"lr": 0.05, "maxiter": 5000} if method == "adam" else {}
    res = optimizers.minimize(model_loss, PYTREE_X0, method, **options)
    assert res.success, res.message
    assert set(res.x) == {"W", "b", "scale"} and set(res.jac) == {"W", "b", "scale"}
    assert res.x["W"].shape == (3, 3) and res.x["b"].shape == (3,) and np.ndim(res.x["scale"]) == 0
    assert res.x["W"] == pytest.approx(np.eye(3), abs=1e-3)
    assert res.x["b"] == pytest.approx(np.ones(3), abs=1e-3)
    assert float(res.x["scale"]) == pytest.approx(2.0, abs=1e-3)
    assert PYTREE_X0["W"].sum() == 0.0          # the start is not modified


def test_list_scalar_and_matrix_starts_and_args():
    res = optimizers.minimize(rosen, [-1.2, 1], "BFGS")          # SciPy's list convention
    assert isinstance(res.x, np.ndarray) and res.x == pytest.approx([1, 1], abs=1e-5)
    res = optimizers.minimize(lambda t, c: (t - c) ** 2, 0.0, "BFGS", args=(3.0,))
    assert float(res.x) == pytest.approx(3.0) and np.ndim(res.x) == 0
    res = optimizers.minimize(lambda M, c: np.sum((M - c) ** 2), np.zeros((2, 2)), args=5.0)
    assert res.x.shape == (2, 2) and res.x == pytest.approx(np.full((2, 2), 5.0))


# --- stopping -----------------------------------------------------------------------------
def test_gtol_tests_the_largest_gradient_component():
    res = optimizers.minimize(rosen, X0, "BFGS", gtol=1e-3)
    assert res.success and res.message.startswith("Converged: the largest gradient component")
    assert np.max(np.abs(res.jac)) <= 1e-3 < res.history.column("grad_norm")[-2]


def test_ftol_maxiter_maxfev_and_max_time_stop_with_their_messages():
    res = optimizers.minimize(rosen, X0, "BFGS", ftol=1e-3)
    assert res.success and "relative reduction" in res.message
    res = optimizers.minimize(rosen, X0, "adam", maxiter=7)
    assert (res.nit, res.status, res.success) == (7, 1, False)
    assert res.message == "Stopped: reached maxiter = 7 iterations."
    res = optimizers.minimize(rosen, X0, "CG", maxfev=9)
    assert res.nfev == 9 and res.status == 2 and "maxfev = 9" in res.message
    assert np.isfinite(res.fun) and res.fun < 24.2
    res = optimizers.minimize(rosen, X0, "gd", lr=1e-4, max_time=0.05, gtol=0.0)
    assert res.status == 3 and "max_time" in res.message
    # The budget may run out inside an iteration (a line search), after the last row.
    assert 0.045 <= res.history.column("time")[-1] < 1.0


# --- callbacks ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["gd", "BFGS", "TNC", "trust-constr"])
def test_callback_stop_iteration_stops_the_run(method):
    seen = []

    def callback(intermediate_result):
        seen.append(intermediate_result)
        if intermediate_result.nit == 3:
            raise StopIteration

    res = optimizers.minimize(rosen, X0, method, callback=callback)
    assert res.nit == 3 and len(res.history) == 4
    assert (res.status, res.success) == (99, False)
    assert res.message == "Stopped by the callback after iteration 3: it raised StopIteration."
    assert [r.nit for r in seen] == [1, 2, 3]
    assert seen[-1].x == pytest.approx(res.x) and seen[-1].fun == res.fun
    assert seen[-1].jac.shape == (2,) and seen[-1].nfev >= 3


def test_callback_returning_true_or_taking_x():
    xs = []
    res = optimizers.minimize(rosen, X0, "L-BFGS-B", callback=lambda xk: xs.append(xk) or
                              len(xs) == 2)
    assert res.nit == 2 and "it returned True" in res.message
    assert isinstance(xs[0], np.ndarray) and xs[1] == pytest.approx(res.x)


# --- faults -------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # gd's default lr overflows here
@pytest.mark.parametrize("method", ["gd", "adam", "BFGS", "L-BFGS-B", "Newton-CG"])
def test_nan_after_k_steps_returns_the_best_finite_point(method):
    fun = NaNAfter(6)
    res = optimizers.minimize(fun, X0, method)
    assert (res.success, res.status) == (False, 4)
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
    assert res.fun == pytest.approx(rosen(res.x))
    assert res.fun == min(res.history.column("f"))
    assert " is nan" in res.message and f"iteration {res.nit + 1}:" in res.message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_gradient_with_a_finite_value_is_caught():
    broken = optad.primitive(lambda x: 0.0 * x, name="broken")
    optad.defvjp(broken, lambda g, ans, x: g * np.nan)        # a rule that gives nan

    def f(x):
        return np.sum(x ** 2) + broken(x[0])

    res = optimizers.minimize(f, np.array([-1.0, 1.0]), "BFGS")
    assert res.status == 4 and "gradient is nan" in res.message
    assert np.all(np.isfinite(res.x))

    def g(x):     # √ at 0: a true infinite slope where the value is finite
        return np.sum(x ** 2) + np.sqrt(x[0])

    res = optimizers.minimize(g, np.array([0.0, 0.0]), "BFGS")
    assert res.status == 4 and "gradient is inf" in res.message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_an_exact_zero_is_not_poisoned_by_an_infinite_slope():
    # max(x0, 0) is the constant 0 for x0 < 0, so √ of it contributes 0, not inf·0 = nan.
    def f(x):
        return np.sum(x ** 2) + np.sqrt(np.maximum(x[0], 0.0))

    np.testing.assert_array_equal(optad.grad(f)(np.array([-1.0, 1.0])), [-2.0, 2.0])
    res = optimizers.minimize(f, np.array([-1.0, 1.0]), "gd", lr=0.1, maxiter=3)
    assert res.status != 4 and res.x[0] < 0


@pytest.mark.parametrize("n", [1, 7, 1000])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_every_non_finite_gradient_component_is_caught(n, bad):
    """The guard is exact: one bad component anywhere (SIMD heads and tails included),
    even next to huge finite ones, stops the run; huge finite gradients do not."""
    from optimizers.messages import Halt
    from optimizers.objective import Objective

    for k in sorted({0, 1, n // 2, n - 2, n - 1} & set(range(n))):
        g = np.full(n, 1e300)            # |g| near the float maximum, but finite
        g[k] = bad
        obj = Objective(np.sum, np.ones(n))
        obj._vg = lambda x, g=g: (1.0, g.copy())      # a finite value, this gradient
        with pytest.raises(Halt) as info:
            obj.value_and_grad(obj.x0)
        kind = "nan" if np.isnan(bad) else "inf"
        assert info.value.fields["what"] == "gradient"
        assert info.value.fields["bad"] == (kind if n == 1 else f"{kind} in 1 of {n} components")
    obj = Objective(lambda x: np.sum(1e308 * x), np.ones(n))
    f, g = obj.value_and_grad(obj.x0 * 1e-300)
    assert np.all(g == 1e308) and obj.evaluate(obj.x0 * 1e-300)[3] == 1e308


def test_the_cache_is_read_only_and_matches_points_bit_for_bit():
    from optimizers.objective import Objective

    obj = Objective(lambda x: np.sum(x ** 2), np.array([0.0, 1.0, 2.0]))
    f, g = obj.value_and_grad(obj.x0)
    with pytest.raises(ValueError, match="read-only"):
        g[:] = 99.0                               # handed out without a copy: guarded
    assert obj.value_and_grad(obj.x0.copy())[1] == pytest.approx([0.0, 2.0, 4.0])
    assert obj.nfev == 1
    x = np.array([3.0, 1.0, 2.0])
    obj.value_and_grad(x)
    x[0] = 0.0                                    # the cache kept its own copy of x
    assert obj.lookup(np.array([3.0, 1.0, 2.0]))[0] == 14.0 and obj.nfev == 2
    assert obj.lookup(np.array([-0.0, 1.0, 2.0])) is None     # f may tell -0.0 from 0.0
    assert obj.lookup(np.array([0.0, 1.0, 2.0]))[0] == 5.0


def test_cached_gradients_survive_later_evaluations():
    """The cache keeps optad's gradient arrays without copying them: optad must not reuse
    them (its buffer pool works on arrays of 256 KiB and more, hence n = 50 000)."""
    from optimizers.objective import Objective

    rng = np.random.default_rng(0)
    obj = Objective(rosen, rng.standard_normal(50_000))
    points = [obj.x0] + [obj.x0 + rng.standard_normal(obj.x0.size) for _ in range(3)]
    first = [obj.value_and_grad(x) for x in points]
    kept = [g.copy() for f, g in first]
    for x in points:                              # more passes; the pool is in use now
        obj.value_and_grad(x * 1.5)
    for (f, g), g_then in zip(first, kept):
        assert np.array_equal(g, g_then)


def test_an_exception_in_the_objective_is_a_fault_after_the_start_and_raised_at_it():
    res = optimizers.minimize(NaNAfter(4, fault="raise"), X0, "gd", lr=1e-3)
    assert (res.success, res.status) == (False, 5)
    assert "ZeroDivisionError: boom" in res.message and "iteration 4" in res.message
    assert np.all(np.isfinite(res.x))
    with pytest.raises(ZeroDivisionError):
        optimizers.minimize(NaNAfter(0, fault="raise"), X0, "BFGS")


def test_a_non_finite_start_is_reported():
    res = optimizers.minimize(NaNAfter(0), X0, "adam")
    assert res.status == 4 and "at x0" in res.message and res.x == pytest.approx(X0)
    with pytest.raises(ValueError, match="x0 has non-finite"):
        optimizers.minimize(rosen, np.array([np.nan, 1.0]))


# --- errors -------------------------------------------------------------------------------
def test_unknown_methods_and_options_are_rejected_with_the_valid_ones():
    with pytest.raises(UnknownMethodError, match="Valid methods: gd, adam, BFGS, L-BFGS-B"):
        optimizers.minimize(rosen, X0, "bfgs2")
    with pytest.raises(UnknownMethodError, match="derivative-free"):
        optimizers.minimize(rosen, X0, "Nelder-Mead")
    with pytest.raises(UnknownOptionError, match="Its options: lr, beta1, beta2"):
        optimizers.minimize(rosen, X0, "adam", momentum=0.9)
    with pytest.raises(UnknownOptionError, match="maxcor, maxls"):
        optimizers.minimize(rosen, X0, "L-BFGS-B", maxcorr=5)
    with pytest.raises(TypeError):          # an UnknownOptionError is a TypeError
        optimizers.minimize(rosen, X0, "BFGS", eps=1e-8)   # finite differences: not ours
    with pytest.raises(UnknownOptionError, match="optad computes the gradient"):
        optimizers.minimize(rosen, X0, "BFGS", jac=True)
    with pytest.raises(UnknownOptionError, match="as keywords"):
        optimizers.minimize(rosen, X0, "L-BFGS-B", options={"maxcor": 5})
    with pytest.raises(ValueError, match="takes no bounds"):
        optimizers.minimize(rosen, X0, "BFGS", bounds=[(0, 1), (0, 1)])
    with pytest.raises(ValueError, match="SLSQP or trust-constr"):
        optimizers.minimize(rosen, X0, "L-BFGS-B", constraints={"type": "eq", "fun": rosen})


def test_methods_lists_every_name_minimize_accepts():
    names = optimizers.methods()
    assert names[:2] == ["gd", "adam"]
    for name in ("BFGS", "L-BFGS-B", "CG", "Newton-CG", "trust-ncg", "trust-krylov",
                 "trust-exact", "TNC", "SLSQP", "trust-constr", "dogleg"):
        assert name in names
        assert optimizers.minimize(lambda x: np.sum(x ** 2), np.ones(2), name.lower()
                                   ).method == name


# --- History ------------------------------------------------------------------------------
def test_history_columns_and_exports(tmp_path):
    res = optimizers.minimize(rosen, X0, "L-BFGS-B")
    h = res.history
    assert isinstance(h, History) and len(h) == res.nit + 1
    assert h.columns == History.COLUMNS + ("x",)
    assert h[0]["f"] == pytest.approx(24.2) and h[-1]["f"] == pytest.approx(res.fun)
    assert h.column("iteration").tolist() == list(range(len(h)))
    assert h.column("x")[-1] == pytest.approx(res.x)

    csv_text = h.to_csv(tmp_path / "h.csv")
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == "iteration,f,grad_norm,nfev,njev,time,x0,x1" and len(lines) == len(h) + 1
    assert csv_text.splitlines() == lines

    h.to_json(tmp_path / "h.json")
    back = History.from_json((tmp_path / "h.json").read_text())
    assert back.to_dict() == h.to_dict() == json.loads(h.to_json())
    with pytest.raises(KeyError, match="columns are"):
        h.column("g")


def test_history_keeps_no_iterates_for_large_problems():
    res = optimizers.minimize(rosen, np.zeros(20), "L-BFGS-B", maxiter=3)
    assert "x" not in res.history.to_dict() and "x" not in res.history.columns
    with pytest.raises(KeyError, match="callback"):
        res.history.column("x")
