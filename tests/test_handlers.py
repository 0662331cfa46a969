"""NumPy handlers honour their options: list operands, np.take's modes, out= refused."""

import numpy as np
import pytest

import optad
from optad.testing import check_derivatives


@pytest.mark.parametrize("f", [
    lambda x: np.dot(x, [1.0, 10.0]),
    lambda x: x @ [1.0, 10.0],
    lambda x: np.matmul(x, [1.0, 10.0]),
    lambda x: np.sum(np.matmul([[1.0, 2.0], [3.0, 4.0]], x)),
    lambda x: np.sum([[1.0, 2.0], [3.0, 4.0]] @ x),
], ids=["dot", "@", "matmul", "list @ x (matmul)", "list @ x"])
def test_constant_operands_given_as_lists(f):
    x = np.array([0.5, -2.0])
    assert optad.value_and_grad(f)(x)[0] == pytest.approx(f(x))
    check_derivatives(f, x)


@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
def test_take_follows_numpys_modes(mode):
    x = np.arange(1.0, 5.0)
    idx = [0, 3, 3] if mode == "raise" else [-1, 6, 2, -7]
    f = lambda x: np.sum(np.take(x, idx, mode=mode) * np.arange(1.0, len(idx) + 1))  # noqa: E731
    assert optad.value_and_grad(f)(x)[0] == pytest.approx(f(x))
    np.testing.assert_allclose(optad.grad(f)(x), optad.numerical_grad(f, x), atol=1e-8)


def test_out_is_refused_where_it_would_be_ignored():
    with pytest.raises(optad.errors.TracerConversionError, match="out="):
        optad.grad(lambda x: np.sum(np.take(x, [0], out=np.zeros(1))))(np.ones(3))
    with pytest.raises(optad.errors.TracerConversionError, match="out="):
        optad.grad(lambda x: np.trace(x, out=np.zeros(())))(np.eye(2))


@pytest.mark.parametrize("shape, axis", [((3, 3), 0), ((2, 3), 0), ((2, 3), 1), ((2, 3), -1),
                                         ((2, 3, 4), 1)])
def test_average_with_1d_weights_along_an_axis(shape, axis):
    # Found by the fuzzer: 1-D weights were broadcast along the last axis (a wrong value
    # for square matrices, an error otherwise).
    x = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    w = np.linspace(1.0, 2.0, shape[axis])
    f = lambda x: np.sum(np.average(x, axis=axis, weights=w) ** 2)  # noqa: E731
    assert optad.value_and_grad(f)(x)[0] == pytest.approx(f(x))
    check_derivatives(f, x)
    avg, total = np.average(x, axis=axis, weights=w, returned=True)
    t_avg, t_total = optad.jvp(lambda x: np.average(x, axis=axis, weights=w, returned=True),
                               (x,), (np.ones(shape),))[0]
    np.testing.assert_allclose(t_avg, avg)
    np.testing.assert_allclose(t_total, total)
    check_derivatives(lambda x: np.average(x, weights=np.ones(shape) + x ** 2), x)


def test_clip_between_array_bounds_larger_than_x():
    # Found by the fuzzer: clip's mask had x's shape and could not hold the comparison.
    lo = np.array([-1.0, 0.5, 2.0])
    w = np.array([1.0, 10.0, 100.0])
    f = lambda x: np.sum(np.clip(x, lo, lo + 1.0) * w)   # noqa: E731
    value, g = optad.value_and_grad(f)(1.2)
    assert value == f(1.2) and g == 10.0          # inside only the middle interval
    bounds = lambda b: np.sum(np.clip(np.array([[1.2], [-3.0]]), b, b + 1.0) * w)  # noqa: E731
    check_derivatives(bounds, lo)
