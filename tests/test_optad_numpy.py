"""optad.numpy: the calls NumPy never dispatches (traced values inside lists, np.array,
np.r_, np.c_) work through it, and everything else is NumPy's."""

import pickle

import numpy as np
import pytest

import optad
import optad.numpy as onp
from optad.errors import TracerConversionError, UnsupportedFunctionError
from optad.testing import check_derivatives, check_second_derivatives

X = np.array([0.7, 1.3, -0.4])


def traced_value(f, x):
    """f's value computed on traced input (f(x) on plain x is NumPy's own)."""
    return optad.vjp(f, x)[0]


def inside(f, x=X):
    """Run f on a traced x (inside optad.grad) and return what it returned."""
    seen = []
    optad.grad(lambda t: seen.append(f(t)) or np.sum(t))(x)
    return seen[0]


# --- gradients through calls NumPy does not dispatch -------------------------------------
CASES = {
    "array of products": lambda x: onp.array([x[0] * x[1], np.sin(x[1])]),
    "array nested, mixed plain": lambda x: onp.array([[x[0], 1.0], (2.0 * x[1], x[2])]),
    "array of arrays": lambda x: onp.array([x, x ** 2, [1.0, 2.0, 3.0]]),
    "array copy": lambda x: onp.array(x) * x,
    "array ndmin": lambda x: onp.array(x[0] * x[1], ndmin=2),
    "asarray list": lambda x: onp.asarray((x[0], x[2])) ** 2,
    "ascontiguousarray scalar": lambda x: onp.ascontiguousarray(x[0] * x[2]),
    "mean of list": lambda x: onp.mean([x[0], x[1] * x[2]]),
    "std of list": lambda x: onp.std([x[0], x[1], x[2] ** 2]),
    "var of list, axis": lambda x: onp.var([[x[0], x[1]], [x[2], 1.0]], axis=0),
    "sum, prod, max, min of lists": lambda x: (onp.sum([x[0], x[1]]) + onp.prod([x[1], x[2]])
                                               + onp.max([x[0], x[2]]) + onp.min([x[0], 2.0])),
    "linalg.norm of list": lambda x: onp.linalg.norm([x[0], x[1]]),
    "r_": lambda x: onp.r_[x, 0.0, x[::-1]],
    "r_ with a slice": lambda x: onp.r_[x[0], 0:3, [x[1], x[2]]],
    "r_ with a directive": lambda x: onp.r_["0,2,0", x, x * 2],
    "c_": lambda x: onp.c_[x, 2 * x],
    "c_ of scalars": lambda x: onp.c_[x[0], 1.0, x[1]],
    "append nested lists": lambda x: onp.append([[x[0], x[1]]], [[x[2], 1.0]], axis=0),
    "concatenate lists": lambda x: onp.concatenate([[x[0], x[1]], [1.0], x]),
    "dot of lists": lambda x: onp.dot([x[0], x[1]], [x[2], 2.0]),
    "fft of list": lambda x: np.real(onp.fft.fft([x[0], x[1], x[2]])),
    "atleast_2d of list": lambda x: onp.atleast_2d([x[0], x[1]]),
    "where of lists": lambda x: onp.where([True, False], [x[0], x[1]], [x[2], 0.5]),
}


@pytest.mark.parametrize("name", CASES)
def test_derivatives(name):
    check_derivatives(CASES[name], X)


@pytest.mark.parametrize("name", CASES)
def test_traced_values_equal_numpys(name):
    f = CASES[name]
    expected = f(X)              # plain input: NumPy's own result
    got = traced_value(f, X)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_second_derivatives():
    check_second_derivatives(lambda x: onp.sum(onp.array([x[0] * x[1], x[2]]) ** 3), X)


# --- plain input: NumPy's results, exactly ---------------------------------------------
PLAIN = [
    (lambda m: m.array([[1, 2], [3, 4]])),
    (lambda m: m.array([1, 2], dtype=float, ndmin=3)),
    (lambda m: m.array(np.arange(6.0).reshape(2, 3), order="F", copy=True)),
    (lambda m: m.array(2.5)),
    (lambda m: m.asarray([1.0, 2j])),
    (lambda m: m.asarray((1, 2), dtype=np.float32)),
    (lambda m: m.asanyarray([[True]])),
    (lambda m: m.ascontiguousarray(3.0)),
    (lambda m: m.asfortranarray([[1, 2], [3, 4]])),
    (lambda m: m.asarray_chkfinite([1.0, 2.0])),
    (lambda m: m.r_[1:4, 0, 4, [7, 8]]),
    (lambda m: m.r_[-1:1:5j]),
    (lambda m: m.r_["1,2,0", [1, 2, 3], [4, 5, 6]]),
    (lambda m: m.r_[np.array([1, 2]), 3.5]),
    (lambda m: m.c_[np.array([1, 2, 3]), np.array([4, 5, 6])]),
    (lambda m: m.c_[np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]])]),
    (lambda m: m.mean([1.0, 2.0, 4.0])),
    (lambda m: m.std([[1.0, 2.0], [3.0, 5.0]], axis=1, ddof=1)),
    (lambda m: m.var((1, 2, 4))),
    (lambda m: m.sum([[1, 2], [3, 4]], axis=0)),
    (lambda m: m.prod([1.5, 2.0])),
    (lambda m: m.max([3, 1, 2])),
    (lambda m: m.min([3.0, 1.0])),
    (lambda m: m.append([[1, 2]], [[3, 4]], axis=0)),
    (lambda m: m.concatenate([[1, 2], [3.0]])),
    (lambda m: m.block([[np.eye(2), np.zeros((2, 1))]])),
    (lambda m: m.linalg.norm([3.0, 4.0])),
    (lambda m: m.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [1.0, 1.0])),
    (lambda m: m.fft.fft([1.0, 2.0, 3.0])),
]


@pytest.mark.parametrize("k", range(len(PLAIN)))
def test_plain_input_gives_numpys_result(k):
    expected, got = PLAIN[k](np), PLAIN[k](onp)
    assert type(got) is type(expected) and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")    # np.matrix's
def test_r_matrix_string_uses_the_callers_names():
    a, b = np.eye(2), 2 * np.eye(2)
    np.testing.assert_array_equal(onp.r_["a, b; b, a"], np.bmat("a, b; b, a"))


def test_plain_array_is_a_copy_and_asarray_is_not():
    a = np.ones(3)
    assert onp.asarray(a) is a and onp.array(a) is not a


# --- what NumPy's objects are, what is wrapped ---------------------------------------------
def test_namespace():
    assert onp.sin is np.sin and onp.add is np.add          # ufuncs dispatch by themselves
    assert onp.random is np.random and onp.float64 is np.float64 and onp.pi == np.pi
    assert onp.ndarray is np.ndarray and onp.linalg.LinAlgError is np.linalg.LinAlgError
    assert onp.newaxis is None and onp.block is np.block
    assert onp.mean is not np.mean and onp.mean is onp.mean      # wrapped, once
    assert onp.mean.__wrapped__ is np.mean and onp.mean.__name__ == "mean"
    assert onp.linalg is not np.linalg and onp.linalg.norm.__wrapped__ is np.linalg.norm
    assert "array" in dir(onp) and "mean" in dir(onp) and "norm" in dir(onp.linalg)
    from optad.numpy.linalg import norm
    from optad.numpy.fft import fft
    assert norm is onp.linalg.norm and fft is onp.fft.fft
    assert pickle.loads(pickle.dumps(onp.mean)) is onp.mean
    assert pickle.loads(pickle.dumps(onp.linalg.norm)) is onp.linalg.norm
    assert pickle.loads(pickle.dumps(onp.array)) is onp.array
    assert onp.test is np.test           # callable, but not a function: NumPy's own
    assert onp.sum is vars(onp)["sum"]   # stored on first use: a plain lookup after that
    star = {}
    exec("from optad.numpy import *", star)
    assert star["mean"] is onp.mean and star["sin"] is np.sin and star["array"] is onp.array
    with pytest.raises(AttributeError):
        onp.no_such_function
    with pytest.raises(ImportError):     # NumPy's __path__ is not forwarded
        import optad.numpy.polynomial  # noqa: F401


def test_stored_wrappers_do_not_shadow_the_builtins_of_optads_code():
    for name in ("any", "all", "sum", "max", "min", "round"):
        getattr(onp, name)
    check_derivatives(lambda x: onp.r_[x, onp.array([x[0], 1.0])], X)


# --- traced input: the semantics of array and asarray --------------------------------------
def test_asarray_passes_a_traced_array_through_and_array_copies():
    def f(x):
        assert onp.asarray(x) is x and onp.asanyarray(x) is x
        assert onp.array(x, copy=False) is x and onp.asarray(x, dtype=float) is x
        y = onp.array(x)
        assert y is not x and isinstance(y, optad.Traced)
        return np.sum(y * y)
    np.testing.assert_allclose(optad.grad(f)(X), 2 * X)


def test_integer_dtype_is_numpys_plain_cast():
    got = inside(lambda x: onp.array([x[0], x[1] * 2], dtype=int))
    assert type(got) is np.ndarray and got.dtype == np.dtype(int)
    np.testing.assert_array_equal(got, np.array([X[0], X[1] * 2], dtype=int))
    got = inside(lambda x: onp.asarray(x, dtype=bool))
    np.testing.assert_array_equal(got, X.astype(bool))


def test_complex_dtype_is_traced():
    got = inside(lambda x: onp.array([x[0], x[1]], dtype=complex))
    assert isinstance(got, optad.Traced) and got.dtype == np.complex128


def test_refusals_on_traced_input():
    x = X
    with pytest.raises(ValueError) as numpy_error:
        np.array([1.0, [1.0, 2.0]])
    refused = {
        "ragged": (lambda x: onp.array([x[0], [1.0, 2.0]]), ValueError, str(numpy_error.value)),
        "ragged arrays": (lambda x: onp.mean([x, [1.0]]), ValueError, "inhomogeneous"),
        "float32": (lambda x: onp.array([x[0]], dtype=np.float32), TypeError, "float64"),
        "no copy": (lambda x: onp.asarray([x[0]], copy=False), ValueError, "avoid copy"),
        "like": (lambda x: onp.array(x, like=x), UnsupportedFunctionError, "like="),
        "order": (lambda x: onp.array(x, order="Q"), ValueError, "order"),
        "matrix": (lambda x: onp.r_["r", x], UnsupportedFunctionError, "np.matrix"),
        "traced slice": (lambda x: onp.r_[0:x[0]], TracerConversionError, "plain numbers"),
        "late directive": (lambda x: onp.r_[x, "0"], ValueError, "first entry"),
        "not finite": (lambda x: onp.asarray_chkfinite([x[0] * np.inf]), ValueError, "infs"),
    }
    for name, (f, error, words) in refused.items():
        with pytest.raises(error) as info:
            inside(f, x)
        assert words in str(info.value), name


# --- plain numpy: unchanged, refused with the advice to use optad.numpy -------------------
@pytest.mark.parametrize("f", [
    lambda x: np.array([x[0], x[1]]),
    lambda x: np.asarray([x[0], x[1]]),
    lambda x: np.mean([x[0], x[1]]),
    lambda x: np.std([x[0], x[1]]),
    lambda x: np.linalg.norm([x[0], x[1]]),
    lambda x: np.append([[x[0]]], [[x[1]]], axis=0),
    lambda x: np.r_[x, 0.0],
    lambda x: np.c_[x, 2 * x],
])
def test_plain_numpy_still_refuses_with_the_advice(f):
    with pytest.raises(TracerConversionError, match="import optad.numpy as np"):
        optad.grad(lambda x: np.sum(f(x)))(X)
