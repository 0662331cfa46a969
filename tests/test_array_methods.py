"""Every public name of ``np.ndarray`` on a traced array: it works as in NumPy, or says why not.

The loop is over ``dir(np.ndarray)`` of the NumPy that runs the suite, so a name NumPy
adds, or a function optad starts to support, lands in a test here by itself: a method
whose ``np.<name>`` is in ``optad.supported()`` must have a case in ``CASES`` (same
value as NumPy, gradient equal to central differences, forward mode agreeing), and
every name without a case must raise a clear optad error.
"""

import numpy as np
import pytest

import optad
from optad.errors import (OptadError, TracerConversionError, UnsupportedFunctionError,
                          UnsupportedMethodError)
from optad.testing import check_derivatives

NAMES = sorted(n for n in dir(np.ndarray) if not n.startswith("_"))
SUPPORTED = set(optad.supported())

# Distinct values (no ties for sort/max/argsort) well away from the rounding points of
# round(…, 1), so central differences see a smooth function everywhere.
X = np.array([[0.31, -1.12, 2.07, 0.54],
              [-0.73, 1.46, -0.18, 1.83],
              [0.92, -1.57, 0.07, -0.44]])
W = np.linspace(-1.0, 1.5, 8).reshape(4, 2)


def _sorted(a, **kwargs):
    y = a.copy()
    y.sort(**kwargs)
    return y


def _filled(a):
    y = a.copy()
    y.fill(a[0, 1])        # a traced scalar: every entry of y now depends on a[0, 1]
    return y * a


def _put(a, mode="raise", indices=(0, 5, -1, 5)):
    y = a.copy()
    y.put(list(indices), a[1, :3] * 2.0, mode=mode)   # values repeat; the last 5 wins
    return y * a


# name -> functions of the array (plain or traced) that exercise x.<name>
CASES = {
    "all": [lambda a: a.all(), lambda a: a.all(0)],
    "any": [lambda a: a.any(), lambda a: a.any(axis=1)],
    "argmax": [lambda a: a.argmax(), lambda a: a.argmax(axis=0)],
    "argmin": [lambda a: a.argmin(), lambda a: a.argmin(axis=1)],
    "argsort": [lambda a: a.argsort(), lambda a: a.argsort(axis=0)],
    "clip": [lambda a: a.clip(-0.5, 0.7), lambda a: a.clip(min=0.0)],
    "copy": [lambda a: a.copy()],
    "cumprod": [lambda a: a.cumprod(), lambda a: a.cumprod(axis=0)],
    "cumsum": [lambda a: a.cumsum(), lambda a: a.cumsum(axis=1)],
    "diagonal": [lambda a: a.diagonal(), lambda a: a.diagonal(1), lambda a: a.diagonal(-1, 1, 0)],
    "dot": [lambda a: a.dot(W), lambda a: a.dot([1.0, -2.0, 0.5, 3.0]), lambda a: a[0].dot(a[1])],
    "max": [lambda a: a.max(), lambda a: a.max(axis=1, keepdims=True)],
    "mean": [lambda a: a.mean(), lambda a: a.mean(axis=0)],
    "min": [lambda a: a.min(), lambda a: a.min(axis=0)],
    "ndim": [lambda a: a.ndim],
    "nonzero": [lambda a: a.nonzero(), lambda a: (a > 0.5).nonzero()],
    "prod": [lambda a: a.prod(), lambda a: a.prod(axis=1)],
    "ptp": [lambda a: a.ptp(), lambda a: a.ptp(axis=0, keepdims=True)],   # NumPy < 2.0 only
    "ravel": [lambda a: a.ravel()],
    "repeat": [lambda a: a.repeat(2), lambda a: a.repeat([1, 0, 2], axis=0)],
    "reshape": [lambda a: a.reshape(4, 3), lambda a: a.reshape((2, 6)), lambda a: a.reshape(-1)],
    "round": [lambda a: a.round(), lambda a: a.round(1) * a],
    "searchsorted": [lambda a: np.sort(a.ravel()).searchsorted([0.0, 1.0]),
                     lambda a: np.sort(a[0]).searchsorted(0.6, side="right")],
    "shape": [lambda a: a.shape],
    "size": [lambda a: a.size],
    "sort": [_sorted, lambda a: _sorted(a, axis=0), lambda a: _sorted(a[1:])],
    "squeeze": [lambda a: a[:1].squeeze(), lambda a: a[:, 2:3].squeeze(axis=1)],
    "std": [lambda a: a.std(), lambda a: a.std(axis=1, ddof=1)],
    "sum": [lambda a: a.sum(), lambda a: a.sum(axis=0, keepdims=True)],
    "swapaxes": [lambda a: a.swapaxes(0, 1)],
    "take": [lambda a: a.take([0, 5, -1]), lambda a: a.take([2, 0], axis=1),
             lambda a: a.take([7, -5], axis=1, mode="wrap"),
             lambda a: a.take([[9], [-3]], mode="clip")],
    "trace": [lambda a: a.trace(), lambda a: a.trace(1), lambda a: a.trace(-1, 1, 0)],
    "transpose": [lambda a: a.transpose(), lambda a: a.transpose(1, 0),
                  lambda a: a.transpose((1, 0))],
    "var": [lambda a: a.var(), lambda a: a.var(axis=0, ddof=1)],
    # No np.<name> rule (or no np.<name> at all), but they work:
    "T": [lambda a: a.T],
    "mT": [lambda a: a.mT],
    "real": [lambda a: a.real],
    "imag": [lambda a: a.imag + a],
    "conj": [lambda a: a.conj()],
    "conjugate": [lambda a: a.conjugate()],
    "astype": [lambda a: a.astype(np.float64), lambda a: a.astype(int)],
    "flatten": [lambda a: a.flatten()],
    "dtype": [lambda a: a.dtype],
    "itemsize": [lambda a: a.itemsize],
    "nbytes": [lambda a: a.nbytes],
    "device": [lambda a: a.device],
    "to_device": [lambda a: a.to_device("cpu")],
    "fill": [_filled],
    "put": [_put, lambda a: _put(a, "wrap", (0, 13, -14)), lambda a: _put(a, "clip", (-3, 40))],
}
CONVERSIONS = {"item", "tolist", "tobytes", "tostring", "tofile", "dump", "dumps"}


def _plain(r):
    if isinstance(r, tuple):
        return tuple(_plain(p) for p in r)
    return optad.value_of(r)


def _is_float(r):
    return not isinstance(r, (tuple, np.dtype, str)) and np.result_type(r).kind == "f"


def _number(r):
    """A plain number summing up a result without a derivative (indices, shapes, flags)."""
    if isinstance(r, tuple):
        return sum(_number(p) for p in r)
    if isinstance(r, (np.dtype, str)):
        return float(len(str(r)))
    return float(np.sum(np.asarray(r, dtype=float)))


def _scalar(r, a):
    """A scalar of the result that depends on every entry (weights, so sums don't hide errors)."""
    if not _is_float(r):
        return np.sum(a) * (1.0 + _number(r))
    weights = np.cos(np.arange(np.size(r)) + 1.0).reshape(np.shape(r))
    return np.sum(r * weights)


CASE_IDS = [(name, k) for name in NAMES if name in CASES for k in range(len(CASES[name]))]


def test_every_supported_method_has_a_case():
    missing = [n for n in NAMES if f"numpy.{n}" in SUPPORTED and n not in CASES]
    assert not missing, f"np.<name> is supported but x.<name> has no case here: {missing}"


@pytest.mark.parametrize("name,k", CASE_IDS, ids=[f"{n}-{k}" for n, k in CASE_IDS])
def test_method_gives_numpys_value_and_the_right_gradient(name, k):
    use = CASES[name][k]
    expected = use(X.copy())
    seen = []

    def f(a):
        r = use(a)
        seen.append(_plain(r))
        return _scalar(r, a)

    g = optad.grad(f)(X.copy())
    got = seen[0]
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for e, v in zip(expected, got):
            np.testing.assert_array_equal(v, e)
    elif isinstance(expected, (np.dtype, str, int)):
        assert got == expected and type(got) is type(expected)
    else:
        assert np.shape(got) == np.shape(expected)
        assert np.result_type(got) == np.result_type(expected)
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)
    assert g.shape == X.shape
    assert optad.check_grad(lambda a: _scalar(use(a), a), X.copy()) < 1e-7
    if _is_float(expected) and np.ndim(expected) > 0:
        check_derivatives(use, X.copy(), modes=("fwd",))   # forward mode agrees too


UNSUPPORTED = [n for n in NAMES if n not in CASES and n not in CONVERSIONS]


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_method_without_a_rule_raises_a_clear_optad_error(name):
    assert f"numpy.{name}" not in SUPPORTED

    def f(a):
        getattr(a, name)
        return a.sum()

    with pytest.raises(UnsupportedMethodError) as caught:
        optad.grad(f)(X.copy())
    message = str(caught.value)
    assert message.startswith(f"x.{name}") and "not supported on traced arrays" in message
    assert len(message.splitlines()) == 2            # what happened, then what to do
    assert isinstance(caught.value, UnsupportedFunctionError)
    # Also an AttributeError: probing code (hasattr, getattr with a default) still works.
    assert optad.grad(lambda a: a.sum() * (not hasattr(a, name)))(X.copy()).sum() == X.size


@pytest.mark.parametrize("name", sorted(CONVERSIONS & set(NAMES)))
def test_converting_methods_refuse_to_drop_the_gradient(name):
    with pytest.raises(TracerConversionError, match="plain"):
        optad.grad(lambda a: getattr(a, name)() + a.sum())(X.copy())


def test_the_names_cover_numpys_whole_ndarray():
    # Every public name is in exactly one group: a case, a refused conversion, or a clear error.
    assert set(NAMES) == (set(NAMES) & set(CASES)) | (set(NAMES) & CONVERSIONS) | set(UNSUPPORTED)
    assert {"partition", "resize", "setfield", "flat"} & set(NAMES) <= set(UNSUPPORTED)


# --- in-place methods: details --------------------------------------------------------------
def test_sort_in_place_rebinds_every_name_of_the_array():
    def f(a):
        y = a.copy()
        z = y                 # a second name for the same array sees the sort, as in NumPy
        y.sort(axis=1)
        return np.sum(z[:, 0] * np.array([1.0, 10.0, 100.0]))   # each row's minimum

    g = optad.grad(f)(X.copy())
    expected = np.zeros_like(X)
    for i, j in enumerate(X.argmin(axis=1)):
        expected[i, j] = 10.0 ** i
    np.testing.assert_array_equal(g, expected)


def test_in_place_methods_on_a_view_reach_its_base_like_writes():
    for method in (lambda v: v.sort(), lambda v: v.fill(1.5), lambda v: v.put([0, 2], [2.0, 3.0]),
                   lambda v: v.sort(axis=0)):
        def f(a):
            a = a * np.linspace(1.0, 2.0, a.size).reshape(a.shape)
            v = a[1:]
            method(v)           # NumPy changes a too
            return np.sum(a * a)

        x = X.copy()
        assert optad.value_and_grad(f)(x.copy())[0] == pytest.approx(f(x.copy()))
        assert optad.check_grad(f, x.copy()) < 1e-6


def test_in_place_methods_on_a_traced_scalar_say_so():
    with pytest.raises(UnsupportedMethodError, match="in place"):
        optad.grad(lambda s: s.fill(1.0) or s)(2.0)


def test_put_follows_numpys_modes_and_last_write_wins():
    for mode, idx in [("raise", [0, -1, 3, 3]), ("wrap", [25, -13]), ("clip", [-4, 99])]:
        plain = X.copy()
        plain.put(idx, [7.0, 8.0, 9.0], mode=mode)

        def f(a):
            y = a.copy()
            y.put(idx, [7.0, 8.0, 9.0], mode=mode)
            return y

        np.testing.assert_array_equal(optad.jvp(f, (X.copy(),), (np.ones_like(X),))[0], plain)
    with pytest.raises(IndexError, match="out of bounds"):
        optad.grad(lambda a: (a.put([12], 1.0), a.sum())[1])(X.copy())
    with pytest.raises(ValueError, match="mode"):
        optad.grad(lambda a: (a.put([0], 1.0, mode="bogus"), a.sum())[1])(X.copy())


def test_fill_needs_a_scalar_and_sort_an_axis():
    with pytest.raises(ValueError, match="scalar"):
        optad.grad(lambda a: (a.fill(np.ones(4)), a.sum())[1])(X.copy())
    with pytest.raises(TypeError, match="axis=None"):
        optad.grad(lambda a: (a.sort(axis=None), a.sum())[1])(X.copy())


def test_out_arguments_are_refused_not_ignored():
    out = np.zeros(())
    for method in (lambda a: a.trace(out=out), lambda a: a.round(out=np.zeros_like(X)),
                   lambda a: a.take([0], out=np.zeros(1)), lambda a: a[0].dot(a[1], out=out)):
        with pytest.raises(TracerConversionError, match="out="):
            optad.grad(lambda a: np.sum(method(a)))(X.copy())


def test_flatten_is_a_copy_that_can_be_written():
    def f(a):
        y = a.flatten()
        y[0] = 0.0            # y[0] = ... on a.ravel() would be refused: that is a view
        return np.sum(y * y)

    np.testing.assert_array_equal(optad.grad(f)(X.copy()).ravel()[1:], 2 * X.ravel()[1:])
    assert issubclass(UnsupportedMethodError, OptadError)
