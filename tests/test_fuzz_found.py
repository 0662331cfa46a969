"""What the fuzzer (tests/fuzz) found, beyond the families the reliability issue named.

Each test is the fuzzer's minimal repro, written out, asserting what NumPy computes.
All are fixed. A family found broken goes into ``FOUND_BROKEN`` in tests/fuzz/programs.py
(so the fuzzer stops drawing it) with a strict xfail here, until its fix lands.
"""

import numpy as np
import pytest

import optad
from optad.errors import ViewWriteError

W = np.array([1.0, 10.0, 100.0])


def matches_numpy(f, x, expected_grad):
    """optad's value equals NumPy's and its gradient equals ``expected_grad``."""
    value, g = optad.value_and_grad(f)(np.copy(x))
    assert value == pytest.approx(f(np.copy(x)), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(g, expected_grad, rtol=1e-10, atol=1e-12)


# --- average_axis: np.average(x, axis=k, weights=w) with 1-D w along a non-last axis ------
def test_average_of_a_square_matrix_along_axis_0_with_1d_weights():
    # NumPy weights the rows (axis 0); optad weights the columns and returns another
    # number with a gradient to match it: 952.0 instead of 765.0.
    x = np.arange(9.0).reshape(3, 3) + 1
    w = np.array([1.0, 2.0, 3.0])
    f = lambda x: np.sum(np.average(x, axis=0, weights=w) * W)  # noqa: E731
    matches_numpy(f, x, np.outer(w / w.sum(), W))


def test_average_along_axis_0_with_1d_weights():
    x = np.arange(6.0).reshape(2, 3) + 1
    w = np.array([1.0, 2.0])
    f = lambda x: np.sum(np.average(x, axis=0, weights=w) * W)  # noqa: E731
    matches_numpy(f, x, np.outer(w / w.sum(), W))


def test_average_along_the_last_axis_named_positively():
    x = np.arange(6.0).reshape(2, 3) + 1
    w = np.array([1.0, 2.0, 3.0])
    f = lambda x: np.sum(np.average(x, axis=1, weights=w) * W[:2])  # noqa: E731
    matches_numpy(f, x, np.outer(W[:2], w / w.sum()))


# --- copy_as_view: writes into copies that optad takes for views ------------------------------
COPIES = {
    "flatten": lambda x: x.flatten(),
    "tile": lambda x: np.tile(x, 2),
    "roll": lambda x: np.roll(x, 1),
    "reshape of a transpose": lambda x: x.T.reshape(-1),
    "ravel of a transpose": lambda x: np.ravel(x.T),
    "expand_dims of a scalar": lambda x: np.expand_dims(np.sum(x), 0),
}


@pytest.mark.parametrize("make", COPIES.values(), ids=COPIES.keys())
def test_a_write_into_a_copy_is_not_refused(make):
    x = np.arange(6.0).reshape(2, 3) + 1

    def f(x):
        y = make(x)
        y[(0,) * y.ndim] = 5.0      # NumPy: y is a new array, x is unchanged
        return np.sum(y * y) + np.sum(x)

    y = make(x)
    assert not np.shares_memory(y, x)
    expected = np.ones_like(x)
    for k in range(1, y.size):      # d/dx of sum(y[1:]**2): 2*y at the source of each y[k]
        source = np.zeros(y.size)
        source[k] = 1.0
        expected += 2 * y.ravel()[k] * optad.grad(lambda x: np.sum(make(x).ravel() * source))(x)
    matches_numpy(f, x, expected)


def test_in_place_add_on_a_tile():
    def f(x):
        y = np.tile(x, 2)
        y += 0.5
        return np.sum(y * y)

    x = np.array([0.3, -1.2])
    matches_numpy(f, x, 4 * (x + 0.5))


# --- found while minimizing: an in-place operator whose result Python does not rebind ------
def test_iadd_called_as_a_function_on_a_slice():
    # The refcount check in tracer._in_place lets `a[1:] += 1` through because Python
    # writes the result back with a[1:] = ...; called as a function nothing writes it back.
    import operator

    def f(x):
        a = x * 1.0
        operator.iadd(a[1:], 1.0)   # NumPy: changes a[1:] in place
        return np.sum(a * a)

    x = np.arange(4.0)
    matches_numpy(f, x, 2 * (x + np.array([0.0, 1.0, 1.0, 1.0])))


# --- index_0d: indexing a 0-d array ----------------------------------------------------------
def test_indexing_a_0d_array():
    # np.where (and np.copy) of a float give a 0-d array, which NumPy indexes like any other
    f = lambda x: np.sum(np.where(x > 0.0, x, 0.0)[..., None] * 3.0)  # noqa: E731
    value, g = optad.value_and_grad(f)(1.5)
    assert (value, g) == (4.5, 3.0)


def test_a_write_through_a_reshape_of_a_0d_input():
    # Found on the fixed core: NumPy's reshape of a 0-d array is a view of it, so the write
    # reaches x0 (value 0.56); optad's 0-d values were scalars without views (value 0.72).
    c0 = np.random.default_rng(0).standard_normal((1,))

    def f(x0):
        v0 = np.reshape(x0, (-1,))
        v0[None, :] = 0.5
        return np.sum(c0 * x0) + np.sum(v0)

    value, g = optad.value_and_grad(f)(np.array(1.7))
    assert value == pytest.approx(f(np.array(1.7))) and g == 0.0


# --- clip_broadcast: np.clip with array bounds larger than x ---------------------------------
def test_clip_of_a_scalar_between_array_bounds():
    lo = np.array([-1.0, 0.5, 2.0])

    def f(x):
        return np.sum(np.clip(x, lo, lo + 1.0) * W)

    # x = 1.2 is inside [-1, 0], above; inside [0.5, 1.5]; below [2, 3]: d/dx = W[1]
    value, g = optad.value_and_grad(f)(1.2)
    assert value == pytest.approx(f(1.2)) and g == pytest.approx(W[1])


# --- einsum_view: NumPy's einsum returns a view when it only permutes or takes a diagonal ----
def correct_or_refused(f, x, expected_grad):
    """What DESIGN.md allows for a write into an array with live views: the write carried
    into them (NumPy's value and gradient), or a ViewWriteError; never a stale value."""
    try:
        value, g = optad.value_and_grad(f)(np.copy(x))
    except ViewWriteError:
        return
    assert value == pytest.approx(f(np.copy(x)), rel=1e-12)
    np.testing.assert_allclose(g, expected_grad, rtol=1e-12)


EINSUM_VIEWS = {
    "transpose": ("ij->ji", lambda t: t.__setitem__((0, 1), 5.0), [[1.0, 2.0], [0.0, 4.0]]),
    "diagonal": ("ii->i", lambda d: d.__iadd__(1.0), [[1.0, 2.0], [3.0, 4.0]]),
}


@pytest.mark.parametrize("spec, write, expected", EINSUM_VIEWS.values(), ids=EINSUM_VIEWS.keys())
def test_a_write_through_an_einsum_view(spec, write, expected):
    W2 = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(x):
        y = x * 1.0
        write(np.einsum(spec, y))   # NumPy: changes y
        return np.sum(y * W2)

    correct_or_refused(f, np.ones((2, 2)), np.array(expected))


# --- roll_alias: np.roll by a multiple of the length along an axis returns its argument ------
@pytest.mark.parametrize("shift", [0, 3, -3])
def test_roll_by_a_multiple_of_the_length_is_a_copy(shift):
    def f(x):
        r = np.roll(x, shift, axis=0)   # NumPy: always a new array
        x[0] = 5.0                      # so this write does not reach r
        return np.sum(r * W) + np.sum(x)

    matches_numpy(f, np.array([0.3, 0.7, -1.1]), W + np.array([0.0, 1.0, 1.0]))
