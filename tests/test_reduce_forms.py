"""Behaviour of the reduce family: values equal NumPy's for every keyword and form optad
accepts, clear errors for what it refuses, int() of traced values, sequences of traced
values, and optad.supported() listing exactly what works.

(Derivatives are checked in tests/cases_reduce.py through tests/test_primitives.py.)
"""

import operator

import numpy as np
import optad
import pytest
from optad.errors import (NotDifferentiableError, TracerConversionError,
                          UnsupportedFunctionError)
from optad.primitive import FUNCTION_HANDLERS
from optad.registry import table
from optad.testing import check_derivatives

RNG = np.random.default_rng(7)
# var/std's mean= and correction= are NumPy 2's: NumPy 1.x refuses them itself (TypeError)
NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"
X = RNG.uniform(0.5, 1.5, (3, 4)) * RNG.choice([-1.0, 1.0], (3, 4))
M = np.array([[True, False, True, True], [False, True, True, False], [True, True, False, True]])


def traced_value(f, *args):
    """f's value computed on traced arguments (through optad.vjp)."""
    y, _ = optad.vjp(f, *args)
    return y


FORMS = {
    # reduction keywords
    "sum_where": lambda x: np.sum(x, axis=1, where=M),
    "sum_initial_kd": lambda x: np.sum(x, axis=0, initial=2.0, keepdims=True),
    "sum_dtype_f8": lambda x: np.sum(x, dtype="f8"),
    "prod_where_initial": lambda x: np.prod(x, axis=0, where=M, initial=0.5),
    "max_initial": lambda x: np.max(x, axis=1, initial=1.2),
    "max_where": lambda x: np.max(x, where=M, initial=-9.0),
    "amin_where_kd": lambda x: np.amin(x, axis=0, where=M, initial=9.0, keepdims=True),
    "max_positional": lambda x: np.max(x, 0, None, True),
    "max_empty_initial": lambda x: np.max(x[:0], axis=0, initial=0.5),
    "mean_where": lambda x: np.mean(x, axis=0, where=M),
    "mean_where_all": lambda x: np.mean(x, where=M),
    "var_where": lambda x: np.var(x, axis=1, where=M),
    "var_where_ddof_kd": lambda x: np.var(x, axis=0, where=M, ddof=1, keepdims=True),
    "std_where": lambda x: np.std(x, where=M),
    **({"std_mean": lambda x: np.std(x, axis=0, mean=np.mean(x, axis=0, keepdims=True)),
        "var_correction": lambda x: np.var(x, axis=1, correction=1)} if NUMPY2 else {}),
    "cumsum_dtype": lambda x: np.cumsum(x, axis=1, dtype=np.float64),
    # ufunc methods
    "add_reduce_default_axis": lambda x: np.add.reduce(x),
    "add_reduce_none": lambda x: np.add.reduce(x, axis=None),
    "add_reduce_where_initial": lambda x: np.add.reduce(x, 1, where=M, initial=1.0, keepdims=True),
    "multiply_reduce": lambda x: np.multiply.reduce(x, axis=1),
    "maximum_reduce": lambda x: np.maximum.reduce(x),
    "minimum_reduce_kd": lambda x: np.minimum.reduce(x, axis=1, keepdims=True),
    "logaddexp_reduce": lambda x: np.logaddexp.reduce(x, axis=1),
    "logaddexp_reduce_big": lambda x: np.logaddexp.reduce(x * 1000.0, axis=0),
    "logaddexp2_reduce_initial": lambda x: np.logaddexp2.reduce(x, initial=0.3),
    "subtract_reduce": lambda x: np.subtract.reduce(x, axis=1),
    "hypot_reduce_kd": lambda x: np.hypot.reduce(x, axis=0, keepdims=True),
    "add_accumulate": lambda x: np.add.accumulate(x, axis=1),
    "multiply_accumulate": lambda x: np.multiply.accumulate(x),
    "maximum_accumulate": lambda x: np.maximum.accumulate(x, axis=1),
    "minimum_accumulate": lambda x: np.minimum.accumulate(x, axis=0),
    "logaddexp_accumulate": lambda x: np.logaddexp.accumulate(x, axis=1),
    "multiply_outer": lambda x: np.multiply.outer(x[0], x[:, 1]),
    "subtract_outer": lambda x: np.subtract.outer(x, [1.0, 2.0]),
    "add_outer": lambda x: np.add.outer(x[0], x),
    "add_reduceat": lambda x: np.add.reduceat(x, [0, 2, 1, 3], axis=1),
    "maximum_reduceat": lambda x: np.maximum.reduceat(x, [0, 2]),
    # einsum
    "einsum_interleaved": lambda x: np.einsum(x, [0, 1], x, [2, 1], [0, 2]),
    "einsum_interleaved_implicit": lambda x: np.einsum(x, [5, 1], x, [5, 2]),
    "einsum_interleaved_ellipsis": lambda x: np.einsum(x, [Ellipsis, 1], [Ellipsis]),
    "einsum_trace": lambda x: np.einsum("ii->", x[:, :3]),
    "einsum_trace_implicit": lambda x: np.einsum("ii", x[:, :3]),
    "einsum_diagonal": lambda x: np.einsum("ii->i", x[:, :3]),
    "einsum_optimize": lambda x: np.einsum("ij,kj,kl->il", x, x, x, optimize="greedy"),
    "einsum_order": lambda x: np.einsum("ij->ji", x, order="F"),
}


@pytest.mark.parametrize("name", FORMS)
def test_values_equal_numpy(name):
    f = FORMS[name]
    np.testing.assert_allclose(traced_value(f, X), f(X), rtol=1e-12, atol=1e-12)
    assert np.shape(traced_value(f, X)) == np.shape(f(X))


def test_add_reduce_keeps_numpy_default_axis_0():
    # np.add.reduce(x) once became np.sum(x): every axis summed, a silently wrong shape
    g = optad.grad(lambda x: np.sum(np.add.reduce(x) * np.arange(4.0)))(X)
    np.testing.assert_allclose(g, np.broadcast_to(np.arange(4.0), (3, 4)))


def test_running_maximum_gives_the_adjoint_to_the_maximum_so_far():
    x = np.array([1.0, 3.0, 2.0, 3.0, 5.0, 4.0])
    # running max: 1 3 3 3 5 5, taken from x[0], x[1] (three times: x[3] ties with it and
    # the first one keeps it, as argmax), x[4] twice
    g = optad.grad(lambda x: np.sum(np.maximum.accumulate(x) * np.arange(1.0, 7.0)))(x)
    np.testing.assert_array_equal(g, [1.0, 2 + 3 + 4, 0.0, 0.0, 5 + 6, 0.0])
    g = optad.grad(lambda x: np.sum(np.minimum.accumulate(x)))(-x)
    np.testing.assert_array_equal(g, [1.0, 3.0, 0.0, 0.0, 2.0, 0.0])


def test_running_maximum_propagates_nan_as_numpy():
    x = np.array([1.0, np.nan, 3.0, 0.5])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(traced_value(lambda x: np.maximum.accumulate(x), x),
                                      np.maximum.accumulate(x))


def test_sum_with_a_mask_gives_no_gradient_where_masked():
    g = optad.grad(lambda x: np.sum(x ** 2, where=M, initial=3.0))(X)
    np.testing.assert_allclose(g, np.where(M, 2 * X, 0.0))
    g = optad.grad(lambda x: np.mean(x, where=M))(X)
    np.testing.assert_allclose(g, M / M.sum())


def test_max_initial_above_everything_has_no_gradient():
    g = optad.grad(lambda x: np.max(x, initial=10.0))(X)
    np.testing.assert_array_equal(g, np.zeros_like(X))


def test_std_with_where_at_zero_spread_takes_the_subgradient_zero():
    x = np.array([[2.0, 2.0, 5.0]])
    g = optad.grad(lambda x: np.std(x, where=[[True, True, False]]))(x)
    np.testing.assert_array_equal(g, np.zeros_like(x))


def test_einsum_diagonal_vjp_lies_on_the_diagonal():
    a = np.arange(9.0).reshape(3, 3)
    g = optad.grad(lambda a: np.sum(np.einsum("ii->i", a) * np.array([1.0, 2.0, 3.0])))(a)
    np.testing.assert_array_equal(g, np.diag([1.0, 2.0, 3.0]))
    h = optad.hessian(lambda a: np.einsum("ii->", a) ** 2)(a)
    np.testing.assert_array_equal(h, 2 * np.einsum("ij,kl->ijkl", np.eye(3), np.eye(3)))


# --- refusals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x: np.sum(x, dtype=int), lambda x: np.prod(x, dtype=np.int32),
    lambda x: np.mean(x, dtype=np.float32), lambda x: np.var(x, dtype=bool),
    lambda x: np.std(x, dtype=np.float16), lambda x: np.cumsum(x, dtype=int),
    lambda x: np.add.reduce(x, dtype=int), lambda x: np.add.accumulate(x, dtype=np.float32),
    lambda x: np.einsum("ij->", x, dtype=np.float32),
], ids=["sum", "prod", "mean", "var", "std", "cumsum", "add.reduce", "add.accumulate", "einsum"])
def test_a_dtype_other_than_float64_is_refused_never_dropped(call):
    with pytest.raises(NotDifferentiableError, match="dtype="):
        optad.grad(lambda x: np.sum(call(x)))(X)


@pytest.mark.parametrize("call, error, match", [
    (lambda x: np.max(x, where=M), ValueError, "initial"),        # NumPy's own rule
    (lambda x: np.sum(x, where=np.ones(4, int)), TypeError, "bool"),
    (lambda x: np.var(x, ddof=1, correction=1), ValueError, "correction") if NUMPY2 else
    (lambda x: np.var(x, correction=1), TypeError, "unexpected keyword argument 'correction'"),
    (lambda x: np.std(x, axis=0, mean=np.zeros((2, 4))), ValueError, "broadcast") if NUMPY2
    else (lambda x: np.std(x, mean=0.0), TypeError, "unexpected keyword argument 'mean'"),
    (lambda x: np.sum(x, out=np.zeros(())), TracerConversionError, "out="),
    (lambda x: np.add.reduce(x, out=np.zeros(4)), TracerConversionError, "out="),
    (lambda x: np.subtract.reduce(x, axis=(0, 1)), ValueError, "reorderable"),
    (lambda x: np.subtract.reduce(x, where=M, initial=0.0), UnsupportedFunctionError,
     "subtract.reduce"),
    (lambda x: np.arctan2.reduceat(x, [0, 1]), UnsupportedFunctionError, "np.add, np.multiply"),
    (lambda x: np.multiply.at(np.zeros_like(x), [0], 2.0), UnsupportedFunctionError, "add.at"),
    (lambda x: np.add.reduceat(x, [0, 9]), IndexError, "out-of-bounds"),
])
def test_refusals_say_what_is_wrong(call, error, match):
    with pytest.raises(error, match=match):
        optad.grad(lambda x: np.sum(call(x)))(X)


# --- int(), float(), operator.index -----------------------------------------------------------
def test_int_of_a_traced_value_is_a_plain_int_with_derivative_zero():
    seen = []

    def f(x):
        k = int(x[1])
        seen.append(type(k))
        return x[0] * k + x[1] * 0.0

    g = optad.grad(f)(np.array([2.0, 3.7]))
    assert seen == [int]
    np.testing.assert_array_equal(g, [3.0, 0.0])
    assert optad.grad(lambda x: x * int(x))(2.5) == 2.0
    assert optad.grad(lambda x: np.sum(x[: int(x[0])]))(np.array([2.2, 1.0, 1.0])).tolist() == [1, 1, 0]


def test_float_stays_refused_and_index_wants_int():
    with pytest.raises(TracerConversionError, match="float"):
        optad.grad(lambda x: float(x) * x)(2.0)
    with pytest.raises(TracerConversionError, match=r"int\(x\)"):
        optad.grad(lambda x: x * operator.index(x))(2.0)
    with pytest.raises(TracerConversionError, match=r"int\(x\)"):
        optad.grad(lambda x: x * len(range(x)))(2.0)


# --- sequences of traced values -----------------------------------------------------------------
def test_lists_of_traced_values_are_stacked_where_an_array_is_expected():
    x = np.array([1.0, 2.0, 3.0])
    f = lambda x: np.dot([x[0], x[1], 1.0], x) + np.sum(np.maximum(x, [x[1], 0.0, x[0]]))
    value, g = optad.value_and_grad(f)(x)
    assert value == f(x)
    # dot: x0² + x1² + x2; maximum: [x1, x1, x2] (x = [1, 2, 3])
    np.testing.assert_allclose(g, [2.0, 4.0 + 2.0, 1.0 + 1.0])
    nested = lambda x: np.sum(np.concatenate([[x[0], x[1]], x]) * np.arange(5.0))
    np.testing.assert_allclose(optad.grad(nested)(x), [0 + 2, 1 + 3, 4])
    tup = lambda x: np.sum(np.linalg.solve(np.eye(2) * x[2], (x[0], [x[1]][0])))
    np.testing.assert_allclose(optad.grad(tup)(x), [1 / 3, 1 / 3, -3 / 9])


@pytest.mark.parametrize("call, rewrite", [
    (lambda x: np.mean([x[0], x[1]]), lambda x: np.mean(np.stack([x[0], x[1]]))),
    (lambda x: np.linalg.norm([x[0], x[1]]), lambda x: np.linalg.norm(np.stack([x[0], x[1]]))),
    (lambda x: np.max((x[0], 2.0)), lambda x: np.max(np.stack((x[0], 2.0)))),
    (lambda x: np.std([x[0], x[1], x[2]]), lambda x: np.std(np.stack([x[0], x[1], x[2]]))),
    (lambda x: np.sum(np.array([x[0], x[1]])), lambda x: np.sum(np.stack([x[0], x[1]]))),
    (lambda x: np.sum(np.asarray([x[0], x[1]])), lambda x: np.sum(np.stack([x[0], x[1]]))),
], ids=["mean", "norm", "max", "std", "array", "asarray"])
def test_a_call_whose_traced_values_are_all_inside_a_list_says_to_stack(call, rewrite):
    # NumPy looks for overrides in the arguments, never inside lists (and np.array has no
    # override at all): optad is not called, and can only refuse when NumPy converts the
    # traced values, naming the rewrite -- which works
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(TracerConversionError, match=r"np\.stack"):
        optad.grad(call)(x)
    value, g = optad.value_and_grad(rewrite)(x)
    assert value == pytest.approx(call(x)) and optad.check_grad(rewrite, x) < 1e-6


# --- optad.supported() -------------------------------------------------------------------------
def test_supported_lists_piecewise_constant_ufuncs_and_ufunc_methods():
    names = optad.supported()
    for name in ["numpy.heaviside", "numpy.floor", "numpy.add.reduce", "numpy.maximum.accumulate",
                 "numpy.multiply.outer", "numpy.add.reduceat", "numpy.add.at", "numpy.einsum",
                 "numpy.logaddexp.reduce", "numpy.sum"]:
        assert name in names, name
    for name in ["numpy.sin.reduce", "numpy.matmul.reduce", "numpy.arctan2.reduceat",
                 "numpy.multiply.at"]:
        assert name not in names, name


def _value_only_call(f, x):
    """Call a function that only reads values, trying the usual argument patterns."""
    special = {np.einsum_path: lambda: np.einsum_path("ij,kj->ik", x, x)}
    if f in special:
        return special[f]()
    for args in [(x,), (x, x), (x, 1), (x, np.float64), (np.ravel(x), 0.5)]:
        try:
            return f(*args)
        except (TypeError, ValueError):
            continue
    raise AssertionError(f"{f} works on no traced argument pattern")


def _total(result, x):
    """A traced scalar from any result (plain parts, of piecewise-constant functions, are
    constants: left out)."""
    parts = result if isinstance(result, tuple) else (result,)
    total = np.sum(x) * 0.0
    for p in parts:
        if isinstance(p, optad.Traced):
            total = total + np.sum(p)
    return total


def _smoke(what, x, y, last_only=False):
    if isinstance(what, tuple):
        ufunc, method = what
        if method == "outer":
            return ufunc.outer(x[0], y)
        if method == "reduceat":
            return ufunc.reduceat(x, [0, 2], axis=1)
        if method == "at":
            z = np.zeros_like(x)
            ufunc.at(z, (0, [1, 0, 1]), y[0, :3])
            return z
        return getattr(ufunc, method)(x, axis=1)
    if isinstance(what, np.ufunc):
        if what in (np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert):
            return what(*[x > 0.5, y[0] > 0.5][: what.nin])     # (on masks, as NumPy)
        args = [x, y[0], x][: what.nin]
        if last_only:   # rules for the last argument only (incomplete gamma and beta)
            args = [optad.value_of(a) for a in args[:-1]] + args[-1:]
        return what(*args)
    return _value_only_call(what, x)


def test_every_name_supported_lists_works_on_a_traced_value():
    import test_primitives  # noqa: F401  (fills CASES with every family's cases)
    from primitive_cases import CASES

    covered = {f for c in CASES for f in c.covers}
    x0, y0 = RNG.uniform(0.3, 0.9, (3, 4)), RNG.uniform(0.3, 0.9, (2, 4))
    failures = []
    for name, what in table().items():
        is_function = not isinstance(what, (tuple, np.ufunc))
        if is_function and not getattr(FUNCTION_HANDLERS[what], "value_only", False):
            if what not in covered:      # its derivatives are checked by its case
                failures.append(f"{name}: no case")
            continue
        for last_only in (False, True):
            try:
                with np.errstate(all="ignore"):
                    optad.grad(lambda x, y: _total(_smoke(what, x, y, last_only), x),
                               argnums=(0, 1))(x0, y0)
                break
            except NotDifferentiableError as e:
                if last_only or not isinstance(what, np.ufunc):
                    failures.append(f"{name}: {type(e).__name__}: {e}")
            except Exception as e:  # noqa: BLE001  (collect every failure, then report them all)
                failures.append(f"{name}: {type(e).__name__}: {e}")
                break
    assert not failures, "\n".join(failures)


def test_full_like_with_a_traced_fill_value_keeps_its_gradient():
    # was [1, 1, 1]: the fill value's plain value was used, dropping its derivative
    g = optad.grad(lambda x: np.sum(np.full_like(x, x[0]) * x))(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [7.0, 1.0, 1.0])


def test_reduction_methods_pass_every_keyword_on():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(optad.grad(lambda a: a.sum(where=a > 1.5))(x), [0, 1, 1])
    assert optad.grad(lambda a: a.max(initial=5.0) + a.mean(where=a < 2.5))(x).tolist() == [0.5, 0.5, 0.0]
    with pytest.raises(optad.errors.NotDifferentiableError, match="dtype="):
        optad.grad(lambda a: a.sum(dtype=int))(x)


def test_take_along_axis_broadcasts_its_index_as_numpy_does():
    # a (1, 3) index of a (3, 3) array takes from every row (the value and the gradient
    # used only the first row before)
    a = np.arange(9.0).reshape(3, 3) / 7.0
    idx = np.array([[2, 0, 1]])
    w = np.arange(1.0, 10.0).reshape(3, 3)
    f = lambda a: np.sum(np.take_along_axis(a, idx, axis=-1) * w)  # noqa: E731
    assert f(a) == pytest.approx(np.sum(np.take_along_axis(a, idx, axis=-1) * w))
    expected = np.zeros((3, 3))
    np.put_along_axis(expected, np.broadcast_to(idx, (3, 3)), w, axis=-1)
    np.testing.assert_allclose(optad.grad(f)(a), expected)
    check_derivatives(lambda a: np.take_along_axis(a, idx, axis=-1), a)
