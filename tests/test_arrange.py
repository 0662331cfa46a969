"""Behaviour of the rearranging functions on traced values (optad/prims/pieces.py): the
values equal NumPy's for every keyword, the gradients put each adjoint where NumPy put
the number, and what optad refuses is refused clearly.

Derivatives are checked against finite differences in tests/cases_arrange.py.
"""

import numpy as np
import optad
import pytest
from optad.errors import NotDifferentiableError, UnsupportedFunctionError

RNG = np.random.default_rng(0)


def traced(f, *args):
    """What ``f`` returns when its arguments are traced (the forward pass of optad.vjp)."""
    return optad.vjp(f, *args)[0]


def assert_same(want, got):
    """Equal values, shapes and container types (list, tuple) as NumPy's."""
    if isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want)
        for w, g in zip(want, got):
            assert_same(w, g)
        return
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-13, atol=1e-13)


def check(f, *args):
    assert_same(f(*args), traced(f, *args))


def distinct(*shape):
    return RNG.permutation(np.linspace(-2, 2, int(np.prod(shape)))).reshape(shape)


# --- np.pad ----------------------------------------------------------------------------------
PAD_MODES = [
    ("constant", {}), ("constant", {"constant_values": 3.5}),
    ("constant", {"constant_values": (1.0, 2.0)}), ("constant", {"constant_values": ((1.0, 2.0),)}),
    ("edge", {}), ("wrap", {}), ("reflect", {}), ("symmetric", {}),
    ("reflect", {"reflect_type": "even"}), ("reflect", {"reflect_type": "odd"}),
    ("symmetric", {"reflect_type": "odd"}), ("linear_ramp", {}),
    ("linear_ramp", {"end_values": (1.0, -2.0)}), ("maximum", {}), ("minimum", {"stat_length": 2}),
    ("mean", {"stat_length": (1, 2)}), ("mean", {}), ("median", {}), ("median", {"stat_length": 2}),
    ("maximum", {"stat_length": ((1, 2),)}),
]
PAD_WIDTHS = [1, (2,), (1, 3), ((1, 2),), 7, "per_axis"]
# np.pad takes a dict pad_width from NumPy 2.4 on; before, NumPy refuses it (TypeError)
PAD_DICT = np.lib.NumpyVersion(np.__version__) >= "2.4.0"
DICT_WIDTHS = [{0: 2}, {-1: (1, 0)}]
if PAD_DICT:
    PAD_WIDTHS += DICT_WIDTHS


@pytest.mark.parametrize("mode, kwargs", PAD_MODES, ids=lambda v: str(v))
def test_pad_values_equal_numpys_for_every_width_form(mode, kwargs):
    for shape in [(5,), (3, 4), (2, 3, 4), (1, 3)]:
        x = distinct(*shape)
        for width in PAD_WIDTHS:
            if width == "per_axis":
                width = [[k % 3, (k + 1) % 4] for k in range(len(shape))]
            check(lambda x: np.pad(x, width, mode, **kwargs), x)


@pytest.mark.skipif(PAD_DICT, reason="NumPy >= 2.4 takes a dict pad_width (checked above)")
def test_pad_dict_width_is_numpys_type_error_before_numpy_2_4():
    for width in DICT_WIDTHS:
        with pytest.raises(TypeError, match="integral type"):
            np.pad(np.ones(3), width)
        with pytest.raises(TypeError, match="integral type"):
            traced(lambda x: np.pad(x, width), np.ones(3))


def test_pad_per_axis_values_and_traced_constants():
    x = distinct(3, 4)
    per_axis = [[1.0, -1.0], [2.0, -2.0]]
    check(lambda x: np.pad(x, ((1, 2), (3, 0)), constant_values=per_axis), x)
    check(lambda x: np.pad(x, 2, mode="linear_ramp", end_values=per_axis), x)
    # traced constants: each gets the adjoint of every cell it fills (corners by axis 1)
    _, g = optad.grad(lambda x, c: np.sum(np.pad(x, ((1, 0), (0, 2)), constant_values=c)),
                      argnums=(0, 1))(x, np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(g, [[4.0, 0.0], [0.0, 8.0]])
    # NumPy dispatches np.pad on its array alone: with a plain array, NumPy itself converts
    # traced constants to a plain array, and optad refuses that (never a dropped gradient)
    with pytest.raises(optad.errors.TracerConversionError):
        optad.grad(lambda c: np.sum(np.pad(x, 1, constant_values=c)))(1.0)
    g = optad.grad(lambda c: np.sum(np.pad(x * c, 1, constant_values=((c, 1.0), (2.0, 3.0)))))(2.0)
    assert g == pytest.approx(np.sum(x) + 4)   # x's sum, and the 4 cells of the first row pad


def test_pad_gradients_count_the_copies():
    grad = optad.grad(lambda x, mode: np.sum(np.pad(x, (2, 3), mode=mode) * 1.0))
    x = np.arange(4.0)
    np.testing.assert_array_equal(grad(x, "edge"), [3, 1, 1, 4])
    np.testing.assert_array_equal(grad(x, "wrap"), [2, 2, 3, 2])
    np.testing.assert_array_equal(grad(x, "reflect"), [2, 3, 3, 1])
    np.testing.assert_array_equal(grad(x, "symmetric"), [2, 3, 2, 2])
    np.testing.assert_array_equal(grad(x, "constant"), [1, 1, 1, 1])
    # maximum: the pad cells copy the max, so it collects their adjoints
    np.testing.assert_array_equal(grad(np.array([1.0, 3.0, 2.0]), "maximum"), [1, 6, 1])


def test_pad_empty_mode_fills_zeros_and_keeps_the_array():
    x = distinct(2, 3)
    y = traced(lambda x: np.pad(x, ((1, 0), (0, 2)), mode="empty"), x)
    assert y.shape == (3, 5)
    np.testing.assert_array_equal(y[1:, :3], x)
    np.testing.assert_array_equal(y[0], 0.0)


def test_pad_0d_empty_and_no_padding():
    check(lambda x: np.pad(x, 2), np.array(1.5))
    check(lambda x: np.pad(x, ((0, 0), (1, 1))), np.zeros((0, 3)))
    check(lambda x: np.pad(x, 0, mode="mean"), distinct(2, 2))
    with pytest.raises(ValueError, match="empty axis"):
        traced(lambda x: np.pad(x, 1, mode="edge"), np.zeros((0, 3)))


def test_pad_refusals():
    x = np.ones(3)
    with pytest.raises(UnsupportedFunctionError, match="'edge'"):
        traced(lambda x: np.pad(x, 1, mode=lambda vector, width, axis, kwargs: None), x)
    with pytest.raises(ValueError, match="'linear_ramp'.*'median'"):
        traced(lambda x: np.pad(x, 1, mode="nonsense"), x)
    with pytest.raises(ValueError, match="unsupported keyword"):
        traced(lambda x: np.pad(x, 1, mode="edge", constant_values=1.0), x)
    with pytest.raises(NotDifferentiableError, match="pad_width"):
        optad.grad(lambda x: np.sum(np.pad(x, x[0])))(x)
    with pytest.raises(ValueError, match="negative"):
        traced(lambda x: np.pad(x, -1), x)
    with pytest.raises(TypeError, match="integral"):
        traced(lambda x: np.pad(x, 1.5), x)
    check(lambda x: np.pad(x, 2, mode="mean", stat_length=2.0), distinct(4))   # rounded
    with pytest.raises(ValueError, match="stat_length of 0"):
        traced(lambda x: np.pad(x, 1, mode="maximum", stat_length=0), x)


# --- splitting, flips, rotations -----------------------------------------------------------
def test_splits_equal_numpys_and_are_views():
    x = distinct(4, 6, 2)
    for f in [lambda x: np.split(x, 2), lambda x: np.split(x, [1, 3], axis=1),
              lambda x: np.split(x, [-1, 5, 2], axis=-2), lambda x: np.array_split(x, 3, axis=1),
              lambda x: np.array_split(x, 5), lambda x: np.array_split(np.ravel(x), [7, 40]),
              lambda x: np.hsplit(x, 3), lambda x: np.hsplit(x[0, :, 0], [2]),
              lambda x: np.vsplit(x, [3]), lambda x: np.dsplit(x, 2), lambda x: np.dsplit(x, [1])]:
        check(f, x)

    def write_into_a_piece(x):
        y = x * 1.0
        np.split(y, 2)[1][0] = 0.0     # a view, as NumPy's: the write reaches y
        return y
    check(write_into_a_piece, distinct(4))


@pytest.mark.parametrize("call, message", [
    (lambda x: np.split(x, 4), "equal division"), (lambda x: np.array_split(x, 0), "larger than 0"),
    (lambda x: np.hsplit(x[0, 0, 0], 1), "1 or more"), (lambda x: np.vsplit(x[0, 0], 1), "2 or more"),
    (lambda x: np.dsplit(x[0], 1), "3 or more")])
def test_split_errors(call, message):
    with pytest.raises(ValueError, match=message):
        traced(call, np.ones((3, 3, 3)))


def test_flips_and_rot90_equal_numpys():
    x = distinct(2, 3, 4)
    check(lambda x: (np.flipud(x), np.fliplr(x)), x)
    for k in range(-2, 6):
        for axes in [(0, 1), (1, 0), (0, 2), (-1, 1), (2, -3)]:
            check(lambda x: np.rot90(x, k, axes), x)
    check(lambda x: np.rot90(x), x[0])
    for bad in [(0, 0), (0, 3), (0,), (0, -3)]:
        with pytest.raises(ValueError):
            traced(lambda x: np.rot90(x, 1, bad), x)
    with pytest.raises(ValueError, match=">= 2-d"):
        traced(np.fliplr, x[0, 0])
    with pytest.raises(ValueError, match=">= 1-d"):
        traced(np.flipud, 1.0)


# --- append, insert, delete ----------------------------------------------------------------
def test_append_equals_numpys():
    x, v = distinct(3, 4), distinct(2, 4)
    check(lambda x, v: (np.append(x, v), np.append(x, v, axis=0), np.append(x[0], 5.0),
                        np.append(x, x[:, :1], axis=1)), x, v)
    check(lambda v: np.append([1.0, 2.0], v), v)
    with pytest.raises(ValueError):
        traced(lambda x: np.append(x, x[0], axis=0), x)


INSERTS = [(1, 0), (1, None), (-1, 1), (4, 1), ([0, 2, 2], 1), ([3, 0], None), (slice(0, 4, 2), 1),
           (slice(None), 0), ([1], 0), (np.array(2), 1)]


@pytest.mark.parametrize("obj, axis", INSERTS, ids=str)
def test_insert_equals_numpys(obj, axis):
    x = distinct(3, 4)
    n = (np.size(x) if axis is None else x.shape[axis])
    count = len(range(*obj.indices(n))) if isinstance(obj, slice) else np.size(obj)
    for values in [7.0, distinct(count), distinct(3, 1), distinct(1, 4)]:
        try:
            want = np.insert(x, obj, values, axis=axis)
        except ValueError:
            continue
        assert_same(want, traced(lambda x, v: np.insert(x, obj, v, axis=axis), x, values))


def test_insert_traced_values_into_plain_arrays():
    v = np.array([5.0, 6.0])
    check(lambda v: np.insert(np.arange(4.0), [1, 3], v), v)
    g = optad.grad(lambda v: np.sum(np.insert(np.zeros(4), 1, v) * np.arange(6.0)))(v)
    np.testing.assert_array_equal(g, [1.0, 2.0])
    with pytest.raises(NotDifferentiableError, match="integer"):
        traced(lambda v: np.insert(np.arange(4), 1, v), v)
    with pytest.raises(NotDifferentiableError, match="positions"):
        traced(lambda v: np.insert(v, v[0], 1.0), v)
    with pytest.raises(IndexError):
        traced(lambda v: np.insert(v, 5, 1.0), v)


@pytest.mark.parametrize("obj, axis", [(1, 0), (-1, 1), ([0, 2], 1), ([], 0), (slice(None, None, 2), None),
                                       (np.array([True, False, True]), 0), (5, None)], ids=str)
def test_delete_equals_numpys(obj, axis):
    check(lambda x: np.delete(x, obj, axis=axis), distinct(3, 4))


def test_delete_gradient_and_errors():
    g = optad.grad(lambda x: np.sum(np.delete(x, [0, 2]) ** 2))(np.arange(4.0))
    np.testing.assert_array_equal(g, [0.0, 2.0, 0.0, 6.0])
    with pytest.raises(IndexError):
        traced(lambda x: np.delete(x, 9), np.ones(3))
    with pytest.raises(NotDifferentiableError):
        traced(lambda x: np.delete(x, x[0]), np.ones(3))


# --- meshgrid and select -------------------------------------------------------------------
@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("copy", [True, False])
def test_meshgrid_equals_numpys(indexing, sparse, copy):
    x, y, z = distinct(3), distinct(2), distinct(4)
    kw = {"indexing": indexing, "sparse": sparse, "copy": copy}
    check(lambda x, y, z: np.meshgrid(x, y, z, **kw), x, y, z)
    check(lambda x, y: np.meshgrid(x, y, **kw), x, y)
    check(lambda x: np.meshgrid(x, **kw), x)
    check(lambda y: np.meshgrid(np.arange(3.0), y, **kw), y)


def test_meshgrid_errors():
    with pytest.raises(ValueError, match="indexing"):
        traced(lambda x: np.meshgrid(x, x, indexing="xz"), np.ones(2))


def test_select_equals_numpys():
    x, y = distinct(3, 4), distinct(4)
    check(lambda x, y: np.select([x < 0, x < 1], [x ** 2, y], default=-1.0), x, y)
    check(lambda x: np.select([x > 0], [x]), x)
    check(lambda x: np.select([x > 0, x > 1], [2.0, x], default=-x), x)
    # NumPy dispatches np.select on the conditions and choices, not on default: a traced
    # default with plain choices is converted by NumPy itself, which optad refuses
    with pytest.raises(optad.errors.TracerConversionError):
        traced(lambda x: np.select([x > 0], [2.0], default=x), x)
    check(lambda y: np.select([y > 0, np.array(True)], [y, -y], default=7.0), y)
    check(lambda x, y: np.select([y > 0], [x], default=y[::-1]), x, y)


def test_select_gradient_flows_only_through_the_chosen_entries():
    x = np.array([-4.0, -1.0, 0.5, 2.0, 1.5])

    def f(x):
        with np.errstate(all="ignore"):
            return np.sum(np.select([x < -2, x < 0, x < 1], [np.sqrt(-x), np.log(-x), 1 / x],
                                    default=x ** 3))
    g = optad.grad(f)(x)
    # where a branch is not taken its slope is NaN or infinite there: it contributes 0
    np.testing.assert_array_equal(g, [-0.25, -1.0, -4.0, 12.0, 6.75])
    # and so do their second derivatives: the Hessian is diagonal, the chosen branches' own
    # (checked by hvp and on the reference engine: the fast engine's hessian of np.where
    # with a NaN slope in the untaken branch gives NaN, a core issue reported separately)
    want = np.diag([-1 / 32, -1.0, 16.0, 12.0, 9.0])
    np.testing.assert_allclose(optad.hvp(f, x, np.ones(5)), want.sum(axis=1))
    with optad.reference():
        np.testing.assert_allclose(optad.hessian(f)(x), want)


def test_select_errors():
    x = np.ones(3)
    with pytest.raises(ValueError, match="same length"):
        traced(lambda x: np.select([x > 0], [x, x]), x)
    with pytest.raises(ValueError, match="empty"):
        traced(lambda x: np.select([], [], default=x), x)
    with pytest.raises(TypeError, match="invalid entry 0"):
        traced(lambda x: np.select([x], [x]), x)
    with pytest.raises(TypeError, match="invalid entry 1"):
        traced(lambda x: np.select([x > 0, np.ones(3)], [x, x]), x)
