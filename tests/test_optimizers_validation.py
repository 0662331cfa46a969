"""minimize checks its arguments before anything runs, and a non-finite value, gradient,
Hessian-vector product or Hessian met anywhere in a run ends it failed (status 4)."""

import numpy as np
import pytest

import optad
import optimizers
from optimizers.registry import METHODS


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


X0 = np.array([-1.2, 1.0])


class Counted:
    """An objective that counts its calls (a check made up front costs no evaluation)."""

    def __init__(self, fun=rosen):
        self.fun, self.calls = fun, 0

    def __call__(self, x, *args):
        self.calls += 1
        return self.fun(x, *args)


class NaNAfter:
    """rosen for ``k`` calls, then NaN forever (value and gradient: ``nan * rosen``)."""

    def __init__(self, k, fun=rosen):
        self.k, self.fun, self.calls, self.went_nan = k, fun, 0, False

    def __call__(self, x):
        self.calls += 1
        if self.calls > self.k:
            self.went_nan = True
            return self.fun(x) * np.nan
        return self.fun(x)


class LinearNaNAfter(NaNAfter):
    """NaN as ``sum(x) * nan``: the Hessian-vector product of that is exactly 0, so only
    the value at the hvp's point shows the fault."""

    def __call__(self, x):
        self.calls += 1
        if self.calls > self.k:
            self.went_nan = True
            return np.sum(x) * np.nan
        return self.fun(x)


# --- what fun returns ---------------------------------------------------------------------
@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS", "Newton-CG", "gd", "adam"])
@pytest.mark.parametrize("returned, named", [
    ("1.0", "str"), (np.str_("1.0"), "str_"), (None, "None"), (True, "bool"), (b"1", "bytes"),
])
def test_an_objective_that_returns_no_real_number_is_refused_with_the_type_named(
        method, returned, named):
    with pytest.raises(TypeError, match="fun must return a real number") as info:
        optimizers.minimize(lambda x: returned, X0, method)
    assert named in str(info.value)
    assert isinstance(info.value, optimizers.ArgumentTypeError)


def test_hints_for_none_and_complex_returns():
    with pytest.raises(TypeError, match="return"):
        optimizers.minimize(lambda x: None, X0)
    # a complex value is refused by optad's grad, with the fix (complex variables are
    # welcome: tests/test_complex.py)
    for fun in (lambda x: 1j + 0.0 * float(optad.stop_gradient(x[0])), lambda x: 1j * np.sum(x)):
        for method in ("L-BFGS-B", "gd"):
            with pytest.raises(optad.errors.ComplexValueError,
                               match=r"real-valued function(.|\n)*np.abs\(y\) \*\* 2"):
                optimizers.minimize(fun, X0, method)


@pytest.mark.parametrize("value", [3, np.int64(3), np.float32(3.0), np.array(3.0)])
def test_numbers_of_every_real_type_are_accepted(value):
    res = optimizers.minimize(lambda x: value, X0, "BFGS")
    assert res.success and res.fun == 3.0 and isinstance(res.fun, float)


def test_a_non_number_returned_after_the_start_is_a_fault_naming_the_type():
    class TextLater:
        calls = 0

        def __call__(self, x):
            self.calls += 1
            return rosen(x) if self.calls <= 3 else "1.0"

    for method in ("BFGS", "gd"):
        res = optimizers.minimize(TextLater(), X0, method)
        assert (res.success, res.status) == (False, 5)
        assert "fun must return a real number" in res.message and "str" in res.message
        assert np.all(np.isfinite(res.x))


def test_a_line_search_trial_that_returns_text_is_a_fault_naming_the_type():
    class TextInTrials:             # the start, then a line-search trial (a value alone)
        calls = 0

        def __call__(self, x):
            self.calls += 1
            return rosen(x) if self.calls == 1 else "oops"

    fun = TextInTrials()
    res = optimizers.minimize(fun, X0, "gd", line_search=True)
    assert (res.success, res.status) == (False, 5)
    assert "fun must return a real number" in res.message and "str" in res.message


# --- fun, x0, callback ----------------------------------------------------------------------
def test_fun_and_callback_must_be_callable():
    with pytest.raises(TypeError, match=r"fun must be a callable.*got 3 \(an int\)"):
        optimizers.minimize(3, X0)
    with pytest.raises(TypeError, match="callback must be a callable or None"):
        optimizers.minimize(rosen, X0, callback="print")


@pytest.mark.parametrize("x0, named", [
    (None, "None"), ("abc", "str"), (["1", "2"], "str"), ({"a": None, "b": 1.0}, "None"),
    ({"a": np.array(["x"])}, "<U1"),
    (np.array([True, False]), "bool"), (True, "bool"), ([1.0, "2"], "str"),
    (object(), "object"),
])
def test_x0_must_be_floats_or_a_pytree_of_them(x0, named):
    fun = Counted(lambda x: 0.0)
    with pytest.raises(TypeError, match="x0 must be") as info:
        optimizers.minimize(fun, x0)
    assert named in str(info.value) and fun.calls == 0
    assert isinstance(info.value, optimizers.ArgumentTypeError)


def test_empty_and_non_finite_starts_are_still_refused_by_value():
    with pytest.raises(ValueError, match="x0 has no entries"):
        optimizers.minimize(rosen, {})
    with pytest.raises(ValueError, match="x0 has non-finite entries"):
        optimizers.minimize(rosen, [np.inf, 1.0])


# --- the stopping options, every method -----------------------------------------------------
BAD_STOPPING = [
    ("maxiter", -1, ValueError, "maxiter must be an int >= 0; got -1"),
    ("maxiter", 2.5, TypeError, r"maxiter must be an int >= 0; got 2.5 \(a float\)"),
    ("maxiter", 10.0, TypeError, "write 10"),
    ("maxiter", "10", TypeError, r"maxiter must be an int >= 0; got '10' \(a str\)"),
    ("maxiter", True, TypeError, "a bool is not a number"),
    ("maxfev", 0, ValueError, "maxfev must be an int >= 1"),
    ("maxfev", 3.5, TypeError, "maxfev must be an int >= 1"),
    ("max_time", -1, ValueError, "max_time must be a number > 0; got -1"),
    ("max_time", 0, ValueError, "max_time must be a number > 0"),
    ("max_time", np.nan, ValueError, "max_time must be a number > 0; got nan"),
    ("max_time", "1", TypeError, "max_time must be a number > 0"),
    ("gtol", -1e-5, ValueError, "gtol must be a number >= 0"),
    ("gtol", True, TypeError, "gtol must be a number >= 0"),
    ("gtol", [1e-5], TypeError, r"gtol must be a number >= 0; got \[1e-05\] \(a list\)"),
    ("ftol", -1.0, ValueError, "ftol must be a number >= 0"),
    ("ftol", np.nan, ValueError, "ftol must be a number >= 0"),
]


@pytest.mark.parametrize("method", ["gd", "adam", "BFGS", "L-BFGS-B", "Newton-CG", "TNC",
                                    "trust-constr"])
@pytest.mark.parametrize("name, value, error, match", BAD_STOPPING)
def test_stopping_options_are_checked_before_any_evaluation(method, name, value, error, match):
    fun = Counted()
    with pytest.raises(error, match=match):
        optimizers.minimize(fun, X0, method, **{name: value})
    assert fun.calls == 0


def test_maxiter_and_maxfev_take_numpy_integers_and_zero_iterations():
    res = optimizers.minimize(rosen, X0, "gd", maxiter=np.int64(3))
    assert res.nit == 3 and res.status == 1
    res = optimizers.minimize(rosen, X0, "BFGS", maxiter=0)
    assert res.nit == 0 and res.x == pytest.approx(X0)


@pytest.mark.parametrize("method", ["gd", "BFGS", "trust-ncg"])
def test_a_deadline_that_passes_before_the_start_still_gives_a_result(method):
    res = optimizers.minimize(rosen, X0, method, max_time=1e-12)
    assert (res.status, res.success, res.nit) == (3, False, 0)
    assert res.x == pytest.approx(X0) and res.fun == pytest.approx(24.2)
    assert "max_time = 1e-12 s" in res.message


# --- the methods' own options ---------------------------------------------------------------
BAD_METHOD_OPTIONS = [
    ("gd", {"lr": "fast"}, TypeError, r"lr must be a number > 0; got 'fast' \(a str\)"),
    ("gd", {"lr": -0.1}, ValueError, "lr must be a number > 0; got -0.1"),
    ("gd", {"momentum": 1.0}, ValueError, r"momentum must be a number in \[0, 1\); got 1.0"),
    ("gd", {"momentum": "0.9"}, TypeError, r"pass the number itself, 0.9, not the text '0.9'"),
    ("gd", {"nesterov": "yes", "momentum": 0.9}, TypeError, "nesterov must be True or False"),
    ("gd", {"line_search": 1}, TypeError, "line_search must be True or False"),
    ("gd", {"c1": 0.0}, ValueError, r"c1 must be a number in \(0, 1\)"),
    ("gd", {"shrink": 1.5}, ValueError, r"shrink must be a number in \(0, 1\)"),
    ("gd", {"max_backtracks": 2.5}, TypeError, "max_backtracks must be an int >= 1"),
    ("gd", {"max_backtracks": 0}, ValueError, "max_backtracks must be an int >= 1"),
    ("adam", {"lr": "fast"}, TypeError, "lr must be a number > 0"),
    ("adam", {"lr": None}, TypeError, "lr must be a number > 0; got None"),
    ("adam", {"beta1": 1.0}, ValueError, r"beta1 must be a number in \[0, 1\)"),
    ("adam", {"beta2": np.nan}, ValueError, r"beta2 must be a number in \[0, 1\)"),
    ("adam", {"eps": -1e-8}, ValueError, "eps must be a number >= 0"),
    ("adam", {"weight_decay": "0.01"}, TypeError, "weight_decay must be a number >= 0"),
    ("adam", {"amsgrad": "no"}, TypeError, "amsgrad must be True or False"),
    ("adam", {"decay_rate": 0.0}, ValueError, "decay_rate must be a number > 0"),
    ("adam", {"decay_steps": 10.5}, TypeError, "decay_steps must be an int >= 1"),
    ("adam", {"decay_steps": 0, "schedule": "cosine"}, ValueError,
     "decay_steps must be an int >= 1"),
    ("L-BFGS-B", {"maxcor": 0}, ValueError, "maxcor must be an int >= 1; got 0"),
    ("L-BFGS-B", {"maxcor": 2.5}, TypeError, "maxcor must be an int >= 1"),
    ("L-BFGS-B", {"maxls": "20"}, TypeError, "maxls must be an int >= 1"),
    ("BFGS", {"c1": 1.5}, ValueError, r"c1 must be a number in \(0, 1\)"),
    ("BFGS", {"c1": 0.5, "c2": 0.4}, ValueError, "c1 < c2"),
    ("BFGS", {"xrtol": -1.0}, ValueError, "xrtol must be a number >= 0"),
    ("BFGS", {"norm": "inf"}, TypeError, "norm must be a number"),
    ("BFGS", {"disp": "yes"}, TypeError, "disp must be True or False"),
    ("CG", {"c2": 1.0}, ValueError, r"c2 must be a number in \(0, 1\)"),
    ("Newton-CG", {"xtol": -1e-5}, ValueError, "xtol must be a number >= 0"),
    ("trust-ncg", {"eta": 0.3}, ValueError, r"eta must be a number in \[0, 0.25\)"),
    ("trust-ncg", {"initial_trust_radius": 0.0}, ValueError,
     "initial_trust_radius must be a number > 0"),
    ("trust-krylov", {"max_trust_radius": -1}, ValueError,
     "max_trust_radius must be a number > 0"),
    ("trust-krylov", {"inexact": "yes"}, TypeError, "inexact must be True or False"),
    ("trust-exact", {"subproblem_maxiter": 0.5}, TypeError,
     "subproblem_maxiter must be an int >= 1"),
    ("dogleg", {"initial_trust_radius": 5.0, "max_trust_radius": 2.0}, ValueError,
     "initial_trust_radius < max_trust_radius"),
    ("TNC", {"maxCGit": 2.5}, TypeError, "maxCGit must be an int"),
    ("TNC", {"stepmx": "big"}, TypeError, "stepmx must be a number"),
    ("TNC", {"accuracy": np.nan}, ValueError, "accuracy must be a number"),
    ("SLSQP", {"iprint": 1.5}, TypeError, "iprint must be an int"),
    ("trust-constr", {"verbose": 5}, ValueError, r"verbose must be an int in \[0, 3\]"),
    ("trust-constr", {"barrier_tol": -1.0}, ValueError, "barrier_tol must be a number >= 0"),
    ("trust-constr", {"initial_tr_radius": 0}, ValueError,
     "initial_tr_radius must be a number > 0"),
    ("trust-constr", {"sparse_jacobian": "yes"}, TypeError,
     "sparse_jacobian must be True, False or None"),
]


@pytest.mark.parametrize("method, options, error, match", BAD_METHOD_OPTIONS)
def test_method_options_are_checked_before_any_evaluation(method, options, error, match):
    fun = Counted()
    with pytest.raises(error, match=match) as info:
        optimizers.minimize(fun, X0, method, **options)
    assert fun.calls == 0
    base = optimizers.ArgumentTypeError if error is TypeError else optimizers.ArgumentValueError
    assert isinstance(info.value, base)


def test_scipy_sentinels_and_numpy_scalars_pass():
    """TNC reads a negative xtol, eta, rescale as 'use the default', as SciPy documents."""
    res = optimizers.minimize(rosen, X0, "TNC", xtol=-1, eta=-1, rescale=-1, maxCGit=-1)
    assert res.success, res.message
    res = optimizers.minimize(rosen, X0, "L-BFGS-B", maxcor=np.int32(5), gtol=np.float32(1e-6))
    assert res.success
    res = optimizers.minimize(rosen, X0, "BFGS", norm=np.inf, c1=np.float64(1e-4))
    assert res.success


def test_every_option_of_every_method_has_a_rule():
    """A method or option added to the registry without saying how to check it fails here."""
    from optimizers.validate import NOT_NUMBERS, RULES, rule_for

    for spec in METHODS.values():
        for name in spec.options:
            assert name in RULES or name in NOT_NUMBERS, (spec.name, name)
            if name in RULES:
                assert rule_for(spec.name, name) is not None


def test_the_update_rules_check_their_own_parameters_in_the_same_voice():
    with pytest.raises(TypeError, match="GradientDescent: lr must be a number > 0; got 'fast'"):
        optimizers.GradientDescent(lr="fast")
    with pytest.raises(ValueError, match=r"Adam: beta1 must be a number in \[0, 1\); got 1"):
        optimizers.Adam(beta1=1)
    assert issubclass(optimizers.ArgumentTypeError, TypeError)
    assert issubclass(optimizers.ArgumentValueError, ValueError)


# --- non-finite values in second-order runs ---------------------------------------------------
SECOND_ORDER = [m.name for m in METHODS.values() if m.second_order]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("method", SECOND_ORDER)
def test_a_nan_value_met_during_a_hessian_product_fails_the_run(method):
    """The hvp of sum(x)·nan is 0, a finite number: only the value at that point shows."""
    for k in range(1, 8):
        fun = LinearNaNAfter(k)
        res = optimizers.minimize(fun, X0, method)
        if fun.went_nan:
            assert (res.success, res.status) == (False, 4), (k, res.message)
            assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
            assert res.fun == pytest.approx(rosen(res.x))
            assert "value is nan" in res.message


def test_newton_cg_reports_the_nan_met_in_its_hessian_product():
    fun = LinearNaNAfter(3)       # calls: x0, hessp at x0, the first iterate, hessp there
    res = optimizers.minimize(fun, X0, "Newton-CG")
    assert (res.success, res.status) == (False, 4)
    assert "value is nan" in res.message and res.nit == 1
    assert res.fun == pytest.approx(rosen(res.x)) and res.fun < 24.2


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("method", ["Newton-CG", "trust-ncg", "trust-exact", "trust-constr"])
def test_a_non_finite_hessian_with_finite_value_and_gradient_fails_the_run(method):
    """|x|^1.5 has a finite value and gradient at 0 but an infinite second derivative
    (+ x[0], so that the search directions move x[0] and meet it)."""
    res = optimizers.minimize(lambda x: np.sum(np.abs(x) ** 1.5) + x[0], np.array([0.0, 1.0]),
                              method)
    assert (res.success, res.status) == (False, 4), res.message
    assert "the objective's Hessian" in res.message and " is nan" in res.message
    assert np.all(np.isfinite(res.x))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("method, options", [(m, {}) for m in optimizers.methods()]
                         + [("gd", {"line_search": True})])
def test_any_run_that_met_a_non_finite_value_fails_with_status_4(method, options):
    for k in (1, 2, 3, 5, 8):
        fun = LinearNaNAfter(k) if k % 2 else NaNAfter(k)
        res = optimizers.minimize(fun, X0, method, maxiter=50, **options)
        if fun.went_nan:
            assert (res.success, res.status) == (False, 4), (k, res.message)
            assert np.all(np.isfinite(res.x))
