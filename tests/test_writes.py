"""In-place writes follow what NumPy computed: repeated indices, ``ufunc.at``, views
taken before or after a write, and writes whose right side overlaps the target.

Each case runs the same function on plain arrays (NumPy's value), through
``value_and_grad`` (the same value, the gradient against central differences) and
through ``jvp`` (the dot-product test against reverse mode), at a small size and, where
the shape allows, at one past every fast-path threshold.
"""

import numpy as np
import pytest

import optad
from optad.errors import ViewWriteError
from optad.testing import check_derivatives


def like_numpy(f, x):
    """f's value and derivatives through optad agree with NumPy and with each other."""
    expected = f(x.copy())
    value, g = optad.value_and_grad(f)(x.copy())
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)
    fd = optad.numerical_grad(f, x.copy())
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)
    check_derivatives(f, x.copy())
    return g


# --- repeated indices: NumPy keeps the last write -------------------------------------------
def test_repeated_index_write_keeps_the_last_value():
    def f(x):
        y = np.zeros_like(x)
        y[[0, 0]] = x          # y[0] == x[1]
        return y[0]

    np.testing.assert_array_equal(like_numpy(f, np.array([1.0, 2.0])), [0.0, 1.0])


def test_repeated_index_buffered_add_keeps_the_last_value():
    def f(x):
        y = np.zeros_like(x)
        y[[0, 0]] += x         # buffered: y[0] == 0 + x[1]
        return y[0]

    np.testing.assert_array_equal(like_numpy(f, np.array([1.0, 2.0])), [0.0, 1.0])


def test_repeated_index_write_of_products_and_broadcast_scalars():
    def products(x):
        y = np.zeros_like(x)
        y[[1, 1]] = x[[0, 0]] * np.array([2.0, 3.0])   # y[1] == 3 x[0]
        return y[1]

    def scalar(x):
        y = np.zeros_like(x)
        y[[0, 0]] = x[0]        # one value written twice: its derivative is 1, not 2
        return y[0]

    np.testing.assert_array_equal(like_numpy(products, np.array([1.0, 2.0])), [3.0, 0.0])
    np.testing.assert_array_equal(like_numpy(scalar, np.array([1.0, 2.0])), [1.0, 0.0])


@pytest.mark.parametrize("n", [6, 5000])
def test_repeated_indices_in_two_dimensions_and_at_large_sizes(n):
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 3, size=n)          # many repeats
    w = rng.standard_normal((3, 2))

    def f(x):
        y = np.ones_like(x, shape=(3, 2))
        y[rows, :] = np.reshape(x[: 2 * n], (n, 2)) ** 2
        y[rows % 2, 1] += x[2 * n:]
        return np.sum(w * y)

    x = rng.standard_normal(3 * n)
    g = optad.grad(f)(x)
    expected = f(x.copy())
    assert optad.value_and_grad(f)(x)[0] == pytest.approx(expected)
    check_derivatives(f, x)
    assert np.count_nonzero(g[: 2 * n]) <= 6 and np.count_nonzero(g[2 * n:]) <= 2


def test_unique_indices_and_masks_are_unchanged():
    def f(x):
        y = np.zeros_like(x)
        y[[2, 0]] = x[:2] * 3.0
        y[x > 1.5] += 1.0
        return np.sum(y * x)

    like_numpy(f, np.array([1.0, 2.0, 3.0]))


# --- ufunc.at: the unbuffered form sums repeats ----------------------------------------------
def test_add_at_sums_repeated_indices():
    def f(x):
        y = np.zeros_like(x)
        np.add.at(y, [0, 0, 2], x)      # y[0] == x[0] + x[1]
        return np.sum(y * np.array([1.0, 10.0, 100.0]))

    np.testing.assert_array_equal(like_numpy(f, np.array([1.0, 2.0, 3.0])), [1.0, 1.0, 100.0])


def test_subtract_at_and_add_at_with_a_traced_target_and_a_plain_value():
    def f(x):
        y = x * 2.0
        np.subtract.at(y, np.array([1, 1]), x[:2] ** 2)
        np.add.at(y, (np.array([0, 0]),), 1.5)
        return np.sum(y ** 2)

    like_numpy(f, np.array([0.5, 1.0, 2.0]))


def test_add_at_into_a_view_reaches_its_base():
    def f(x):
        y = x * 1.0
        v = y[1:]
        np.add.at(v, [0, 0], x[:2])
        return np.sum(y ** 2)

    like_numpy(f, np.array([0.5, 1.0, 2.0]))


def test_other_ufunc_methods_and_plain_targets_are_refused_clearly():
    def multiply_at(x):
        y = x * 1.0
        np.multiply.at(y, [0, 0], x[:2])
        return np.sum(y)

    with pytest.raises(optad.errors.UnsupportedFunctionError, match="multiply.at"):
        optad.grad(multiply_at)(np.ones(3))

    def plain_target(x):
        y = np.zeros(3)
        np.add.at(y, [0, 0], x[:2])
        return np.sum(y)

    with pytest.raises(optad.errors.TracerConversionError, match="zeros_like"):
        optad.grad(plain_target)(np.ones(3))


# --- views: a write reaches every array that shares the memory -------------------------------
VIEWS = {
    "slice": lambda y: y[:2],
    "reshape": lambda y: y.reshape(3, 1),
    "none": lambda y: y[None],
    "transpose": lambda y: y.reshape(1, 3).T,
    "flip": lambda y: np.flip(y),
    "ravel": lambda y: np.ravel(y),
    "broadcast_to": lambda y: np.broadcast_to(y, (2, 3)),
    "ellipsis": lambda y: y[...],
}


@pytest.mark.parametrize("take", list(VIEWS), ids=list(VIEWS))
def test_a_view_taken_before_a_write_sees_it(take):
    def f(x):
        y = x * 1.0
        v = VIEWS[take](y)
        y[0] = 5.0            # written afterwards: NumPy's view sees it
        y[1:] *= x[1:]
        return np.sum(v ** 2)

    like_numpy(f, np.array([1.0, 2.0, 3.0]))


def test_the_issue_examples_of_stale_views():
    def f(x):
        y = x * 1.0
        v = y[:2]
        y[0] = 5.0
        return np.sum(v ** 2)

    value, g = optad.value_and_grad(f)(np.array([1.0, 2.0, 3.0]))
    assert value == 29.0
    np.testing.assert_array_equal(g, [0.0, 4.0, 0.0])

    def g2(x):
        x = x * 1.0
        v = x[1:]
        v += x[1:] ** 2          # NumPy carries this into x
        return np.sum(x)

    value, g = optad.value_and_grad(g2)(np.array([1.0, 2.0, 3.0]))
    assert value == 19.0
    np.testing.assert_array_equal(g, [1.0, 5.0, 7.0])


def test_writes_through_views_of_views_and_transposes():
    def f(x):
        a = np.reshape(x * 1.0, (3, 4))
        t = a.T                 # a view of a
        row = t[1]              # a view of the view
        row[::2] = x[:2]        # reaches t and a
        t[0] += 1.0
        b = a[1:, 1:]
        a[2, 3] = x[5] ** 2     # reaches b and row
        return np.sum(a * b[0, 0]) + np.sum(row ** 2) + np.sum(t[2] * b)

    like_numpy(f, np.linspace(0.5, 2.0, 12))


def test_a_flattened_copy_and_a_copying_reshape_are_not_views():
    def f(x):
        y = x * 1.0
        flat = y.flatten()              # always a copy
        t = np.reshape(y, (2, 3)).T     # a view
        r = np.reshape(t, (6,))         # a transposed array reshapes by copying
        y[0] = 7.0
        return np.sum(flat * x) + np.sum(r * x) + np.sum(t)

    like_numpy(f, np.arange(1.0, 7.0))


def test_writing_into_a_broadcast_view_is_refused_as_numpy_does():
    def f(x):
        b = np.broadcast_to(x, (2, 3))
        b[0, 0] = 1.0
        return np.sum(b)

    with pytest.raises(ValueError, match="read-only"):
        f(np.ones(3))
    with pytest.raises(ValueError, match="read-only"):
        optad.grad(f)(np.ones(3))


def test_views_in_forward_mode_and_under_hvp():
    def f(x):
        y = x * x
        v = y[1:]
        y[0] = x[2] * 3.0
        v *= x[:-1]
        return np.sum(y * v[0])

    x = np.array([0.5, 1.5, -1.0, 2.0])
    like_numpy(f, x)
    h = optad.hessian(f)(x)
    hv = optad.hvp(f, x, np.ones(4))
    np.testing.assert_allclose(hv, h @ np.ones(4), rtol=1e-10)


def test_views_with_refcount_tricks_off():
    # What users of CPython >= 3.14 get: the view rules never relied on reference counts.
    with optad.config.override(refcounts=False):
        test_the_issue_examples_of_stale_views()
        test_writes_through_views_of_views_and_transposes()


@pytest.mark.parametrize("n", [4096, 40000])
def test_views_at_large_sizes(n):
    def f(x):
        y = x * 1.0
        v = y[: n // 2]
        y[::3] = np.sin(x[::3])
        v += x[n // 2:] ** 2
        return np.sum(y * x) + np.sum(v)

    x = np.linspace(-1.0, 1.0, n)
    expected = f(x.copy())
    value, g = optad.value_and_grad(f)(x)
    assert value == pytest.approx(expected)
    check_derivatives(f, x)


# --- overlapping right sides: NumPy's result depends on memory order --------------------------
def test_overlapping_writes_are_refused_with_the_fix():
    def strided(d):
        d = d * 1.0
        d[::2] = d[:5]
        return np.sum(d)

    def masked(e):
        e = e * 1.0
        e[e > 0] = e[:3]
        return np.sum(e)

    for f, x in ((strided, np.arange(10.0)), (masked, np.array([1.0, -1.0, 2.0, 3.0]))):
        with pytest.raises(ViewWriteError, match=r"\.copy\(\)"):
            optad.grad(f)(x)

    def copied(d):
        d = d * 1.0
        d[::2] = d[:5].copy()
        d[5:] = d[:5]           # no overlap: fine, as in NumPy
        return np.sum(d * d)

    like_numpy(copied, np.arange(10.0))


def test_a_roll_by_a_whole_turn_is_a_copy():
    # Found by the fuzzer: np.roll by a multiple of the length returned its argument
    # itself, so a later write into the argument changed the roll too.
    def f(x):
        y = x * 1.0
        r = np.roll(y, 3)
        y[0] = 7.0
        return np.sum(r * r) + np.sum(y)

    like_numpy(f, np.array([1.0, 2.0, 3.0]))


def test_einsum_views_see_later_writes_and_refuse_writes_through_them():
    # Found by the fuzzer: np.einsum('ij->ji', a) is a view of a in NumPy.
    def f(x):
        a = np.reshape(x * 1.0, (2, 3))
        t = np.einsum("ij->ji", a)
        a[0, 1] = 9.0
        return np.sum(t * np.arange(6.0).reshape(3, 2))

    like_numpy(f, np.arange(1.0, 7.0))

    def g(x):
        a = np.reshape(x * 1.0, (2, 3))
        t = np.einsum("ij->ji", a)
        t[0, 0] = 1.0
        return np.sum(a)

    with pytest.raises(ViewWriteError, match="einsum"):
        optad.grad(g)(np.arange(1.0, 7.0))


@pytest.mark.parametrize("reps", [2, (2, 1), (1, 3)])
def test_writes_into_a_tile_of_a_single_element(reps):
    # Found by the fuzzer: the tile of a 1-element array was a view of a read-only
    # broadcast, and a write into it raised "assignment destination is read-only".
    def f(x):
        v = np.tile(x, reps)
        v[v > 1.4] = 0.5
        v[(0,) * v.ndim] = x[0] * 3.0
        return np.sum(v * np.arange(1.0, v.size + 1.0).reshape(v.shape))

    like_numpy(f, np.array([1.5]))
    like_numpy(f, np.array([1.0]))


def test_ravel_of_a_strided_input_is_a_copy_but_its_reshape_is_a_view():
    # Found by the fuzzer (large programs, inputs in every layout): NumPy's ravel copies an
    # array that is not C-contiguous even where a reshape to the same shape is a view.
    def f(x):
        v = np.ravel(x)
        v[:] = 0.5                 # a copy: x unchanged
        w = x.reshape(-1)
        w[0] = 3.0                 # a view: x changed
        return np.sum(x * x) + np.sum(v)

    for n in (8, 8192):
        strided = np.linspace(0.5, 2.5, 2 * n)[::2]
        expected = f(np.linspace(0.5, 2.5, 2 * n)[::2])
        value, g = optad.value_and_grad(f)(strided)
        assert value == pytest.approx(expected)
        assert g[0] == 0.0 and g[1] == pytest.approx(2 * strided[1])

    def g(x):
        v = np.ravel(x)            # x in Fortran order: a copy
        v[0] = 9.0
        return np.sum(x) + np.sum(v * v)

    fortran = lambda: np.asfortranarray(np.arange(1.0, 7.0).reshape(2, 3))  # noqa: E731
    value, grad = optad.value_and_grad(g)(fortran())
    assert value == g(fortran()) and grad[0, 0] == 1.0


# --- 0-d arrays: arrays like any other (indexed, viewed, written into in place) -------------
def _alias_then_add(x):
    y = x                   # another name for the 0-d array
    x += 1.0                # NumPy: in place, so y sees it
    return y * 2.0 + x ** 2


def _view_then_add(x):
    v = np.reshape(x, (-1,))   # a view of the 0-d array
    x *= 3.0
    return np.sum(v ** 2)


def _write_through_view(x):
    v = x[None]
    v[0] = np.sin(x) * 2.0      # reaches x
    return x * x


def _index_and_write(x):
    y = np.where(x > 0.0, x, -x)   # a 0-d array
    y[...] = y * x
    return np.sum(y[None, None] * 1.5)


@pytest.mark.parametrize("f", [_alias_then_add, _view_then_add, _write_through_view,
                               _index_and_write], ids=lambda f: f.__name__[1:])
def test_0d_arrays_are_written_and_viewed_as_numpy_does(f):
    x = np.array(0.7)
    expected = f(x.copy())
    for engine in (optad.reference, lambda: optad.reference(False)):
        with engine():
            value, g = optad.value_and_grad(f)(x.copy())
            assert value == pytest.approx(expected, rel=1e-12)
            fd = optad.numerical_grad(f, x.copy())
            assert g == pytest.approx(fd, rel=1e-6)
            t = optad.jvp(f, (x.copy(),), (np.array(1.0),))[1]
            assert t == pytest.approx(g, rel=1e-10)


def test_a_0d_argument_written_in_place_still_belongs_to_the_caller():
    # The traced copy is written, never the caller's array.
    x = np.array(0.7)
    optad.grad(_alias_then_add)(x)
    assert x == 0.7


def test_a_traced_0d_array_written_into_a_plain_array_is_an_error():
    # NumPy takes a traced 0-d array for a sequence before asking it anything, so the
    # error is NumPy's own; the point is that it is an error, not a dropped gradient.
    def f(x):
        a = np.zeros(3)
        a[0] = np.where(x > 0.0, x, 0.0)
        return np.sum(a * x)

    with pytest.raises(ValueError, match="sequence"):
        optad.grad(f)(1.5)
