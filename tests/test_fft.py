"""np.fft: the rules of the six 1-D primitives checked directly (on plain arrays), values
equal to NumPy's for every keyword, refusals, and a spectral-penalty gradient.

The rule checks are the definition of the rules (module docstring of optad/prims/fft.py):
the forward rule is the transform of the tangent, and the reverse rule satisfies the
bilinear pairing Re Σ g·L(ẋ) = Re Σ vjp(g)·ẋ for random ẋ (complex or real per the
input dtype) and g (per the output dtype), with no conjugation.
"""

import warnings

import numpy as np
import optad
import pytest
from optad.errors import TracerConversionError
from optad.prims import fft as F

RNG = np.random.default_rng(20240611)
# out=, s[i] = -1 and the DeprecationWarnings of s without axes / None in s are NumPy 2's
NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def _complex(shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


# name, primitive, NumPy function, complex input?, default n from the input length m
ONE_D = [
    ("fft", F.fft, np.fft.fft, True, lambda m: m),
    ("ifft", F.ifft, np.fft.ifft, True, lambda m: m),
    ("rfft", F.rfft, np.fft.rfft, False, lambda m: m),
    ("ihfft", F.ihfft, np.fft.ihfft, False, lambda m: m),
    ("irfft", F.irfft, np.fft.irfft, True, lambda m: 2 * (m - 1)),
    ("hfft", F.hfft, np.fft.hfft, True, lambda m: 2 * (m - 1)),
]
NORMS = [None, "backward", "ortho", "forward"]
SHAPES = [((6,), 0), ((3, 5), 1), ((5, 3), 0), ((2, 4, 3), 1)]


def _lengths(m, default):
    # the default, smaller (truncation), equal, larger (padding), 1, odd and even
    return sorted({default(m), 1, 2, m - 1, m, m + 1, m + 3, 2 * m} - {0})


@pytest.mark.parametrize("shape,axis", SHAPES, ids=[f"{s}-axis{a}" for s, a in SHAPES])
@pytest.mark.parametrize("name,prim,npf,complex_in,default", ONE_D, ids=[s[0] for s in ONE_D])
def test_rules_are_the_transform_and_its_bilinear_transpose(name, prim, npf, complex_in,
                                                            default, shape, axis):
    for n in _lengths(shape[axis], default):
        for norm in NORMS:
            where = f"{name}(n={n}, axis={axis}, norm={norm!r}) on {shape}"
            x = _complex(shape) if complex_in else RNG.standard_normal(shape)
            y = npf(x, n, axis, norm)
            kw = dict(n=n, axis=axis, norm=norm)
            np.testing.assert_allclose(prim.impl(x, **kw), y, err_msg=where)
            xdot = _complex(shape) if complex_in else RNG.standard_normal(shape)
            g = _complex(y.shape) if np.iscomplexobj(y) else RNG.standard_normal(y.shape)
            # forward: L(ẋ)
            np.testing.assert_allclose(prim.jvp(0)(xdot, y, x, **kw), npf(xdot, n, axis, norm),
                                       rtol=1e-12, atol=1e-12, err_msg=where)
            # reverse: Re Σ g·L(ẋ) = Re Σ v·ẋ, and v has the input's shape
            v = prim.vjp(0)(g, y, x, **kw)
            assert v.shape == x.shape, where
            lhs = np.real(np.sum(g * npf(xdot, n, axis, norm)))
            rhs = np.real(np.sum(v * xdot))
            assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs)), (where, lhs, rhs)


@pytest.mark.parametrize("name,prim,npf,complex_in,default",
                         [s for s in ONE_D if s[3]], ids=[s[0] for s in ONE_D if s[3]])
def test_reverse_rule_is_the_full_jacobian_transpose(name, prim, npf, complex_in, default):
    """The pairing test above, made exhaustive on a small case: the real Jacobian of
    (Re x, Im x) -> (Re y, Im y) built column by column from L, against the one built
    row by row from the reverse rule (Re/Im of vjp(e_j) and vjp(i e_j))."""
    m, n, norm = 4, 5, "ortho"
    x = _complex(m)
    y = npf(x, n, 0, norm)
    kw = dict(n=n, axis=0, norm=norm)
    cols = []
    for d in np.concatenate([np.eye(m), 1j * np.eye(m)]):
        out = npf(d, n, 0, norm)
        cols.append(np.concatenate([np.real(out), np.imag(out)]) if np.iscomplexobj(out)
                    else np.real(out))
    jac = np.array(cols).T                       # rows: outputs (re, im), cols: inputs
    rows = []
    outs = np.eye(y.size) if not np.iscomplexobj(y) else np.concatenate(
        [np.eye(y.size), -1j * np.eye(y.size)])
    # With the bilinear pairing, Re Σ g·y picks Re y_j for g = e_j and Im y_j for g = -i e_j;
    # Re Σ v·ẋ picks (Re v)·Re ẋ - (Im v)·Im ẋ.
    for g in outs:
        v = prim.vjp(0)(g, y, x, **kw)
        rows.append(np.concatenate([np.real(v), -np.imag(v)]))
    np.testing.assert_allclose(np.array(rows), jac, atol=1e-12)


def test_hermitian_weights():
    np.testing.assert_array_equal(F._hermitian_weights(6, 0, 1), [1, 2, 2, 1])
    np.testing.assert_array_equal(F._hermitian_weights(5, 0, 1), [1, 2, 2])
    assert F._hermitian_weights(4, 1, 3).shape == (1, 3, 1)


# --- argument handling ----------------------------------------------------------------------
@pytest.mark.parametrize("shape,s,axes,invreal", [
    ((3, 4, 5), None, None, False), ((3, 4, 5), None, None, True),
    ((3, 4, 5), None, (0, 2), True), ((3, 4, 5), (2, 6), (0, -1), False),
    ((3, 4, 5), (-1, 7), (1, 2), True), ((3, 4, 5), (4, 4), (0, 0), False),
    ((3, 4, 5), (2, 3), None, False), ((3, 4, 5), (None, 3), (0, 1), True),
    ((3, 4), (), (), False),
])
def test_nd_arguments_resolve_as_numpy_does(shape, s, axes, invreal):
    cook = getattr(np.fft._pocketfft, "_cook_nd_args", None)
    if cook is None:
        pytest.skip("NumPy's private _cook_nd_args has moved")
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        expected = cook(np.zeros(shape), s, axes, invreal)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        got = F._cook_nd_args(shape, s, axes, invreal)
    assert [list(v) for v in got] == [list(v) for v in expected]
    assert [w.category for w in ours] == [w.category for w in theirs]
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]


def test_mismatched_s_and_axes_is_numpys_value_error():
    with pytest.raises(ValueError, match="Shape and axes have different lengths"):
        F._cook_nd_args((3, 4), (3,), (0, 1))


@pytest.mark.parametrize("fun", [np.fft.fft, np.fft.rfft, np.fft.irfft, np.fft.fft2,
                                 np.fft.rfftn, np.fft.irfftn])
def test_out_is_refused(fun):
    out = np.zeros(8, complex)
    with pytest.raises(TracerConversionError if NUMPY2 else TypeError,
                       match="out=" if NUMPY2 else "unexpected keyword argument 'out'"):
        optad.grad(lambda x: np.sum(np.abs(fun(x, out=out)) ** 2))(np.ones((2, 4)))


def test_invalid_norm_axis_and_n_are_numpys_errors():
    x = np.ones(4)
    with pytest.raises(ValueError, match="Invalid norm value"):
        optad.grad(lambda x: np.sum(np.fft.irfft(x, norm="bogus")))(x)
    with pytest.raises(np.exceptions.AxisError):
        optad.grad(lambda x: np.sum(np.fft.irfft(x, axis=1)))(x)
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        optad.grad(lambda x: np.sum(np.fft.irfft(x, n=0)))(x)
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        optad.grad(lambda x: np.sum(np.fft.irfft(x[:1])))(x)
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        optad.grad(lambda x: np.sum(np.fft.irfft(x, n=4.0)))(x)


# --- values on traced inputs equal NumPy's --------------------------------------------------
def _traced_value(fun, x):
    """fun(x) computed on a traced x (the value a reverse pass records), on both engines."""
    values = [optad.vjp(fun, x)[0]]
    with optad.reference():
        values.append(optad.vjp(fun, x)[0])
    return values


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
def test_one_d_values_equal_numpys(name):
    fun = getattr(np.fft, name)
    x = RNG.standard_normal((4, 5))
    if name in ("fft", "ifft", "irfft", "hfft"):
        x = x + 1j * RNG.standard_normal((4, 5))
    for n in (None, 1, 3, 4, 9):
        for axis in (0, -1):
            for norm in NORMS:
                kw = dict(n=n, axis=axis, norm=norm)
                expected = fun(x, **kw)
                for got in _traced_value(lambda x: fun(x, **kw), x):
                    assert got.shape == expected.shape and got.dtype == expected.dtype, kw
                    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13,
                                               err_msg=str(kw))


ND_CALLS = [
    (name, kw)
    for name in ("fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn")
    for kw in (
        {}, {"norm": "ortho"}, {"norm": "forward"}, {"norm": "backward"},
        {"s": (3, 6), "axes": (0, 2)}, {"s": (2, 5)} if name.endswith("2") else {"axes": (2,)},
        {"s": (-1, 7), "axes": (2, 1)}, {"axes": (0, 1)}, {"axes": (1, 0), "norm": "ortho"},
        {"s": (3, 4, 5), "axes": (0, 1, 2)}, {"s": (4, 4), "axes": (1, 1)},
    )
]


@pytest.mark.parametrize("name,kw", [
    pytest.param(n, k, marks=pytest.mark.skipif(
        not NUMPY2 and -1 in k.get("s", ()), reason="s[i] = -1 (the whole axis) is NumPy 2's"))
    for n, k in ND_CALLS], ids=[f"{n}-{k}" for n, k in ND_CALLS])
def test_nd_values_equal_numpys(name, kw):
    fun = getattr(np.fft, name)
    x = RNG.standard_normal((2, 3, 4))
    if name.startswith("i") or name.startswith("f"):
        x = x + 1j * RNG.standard_normal((2, 3, 4))
    expected = fun(x, **kw)
    for got in _traced_value(lambda x: fun(x, **kw), x):
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", ["fftn", "rfftn", "irfftn", "fft2"])
def test_deprecated_s_forms_warn_and_agree_with_numpy(name):
    fun = getattr(np.fft, name)
    x = RNG.standard_normal((3, 4))
    for kw in ({"s": (3, 5), "axes": None}, {"s": (None, 6), "axes": (0, 1)}):
        # deprecated in NumPy 2.0, so they warn there; NumPy 1.x takes them silently
        results, warned = [], []
        for call in (lambda: fun(x, **kw), lambda: optad.vjp(lambda x: fun(x, **kw), x)[0]):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                results.append(call())
            warned.append({w.category for w in caught})
        assert warned[1] == warned[0] == ({DeprecationWarning} if NUMPY2 else set())
        np.testing.assert_allclose(results[1], results[0], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
@pytest.mark.parametrize("axes", [None, 0, -1, (1,), (0, 1), (1, 1), ()])
def test_shift_values_equal_numpys(name, axes):
    fun = getattr(np.fft, name)
    x = RNG.standard_normal((3, 4))
    for got in _traced_value(lambda x: fun(x, axes=axes), x):
        np.testing.assert_array_equal(got, fun(x, axes=axes))


@pytest.mark.parametrize("name", ["rfft", "ihfft", "rfft2", "rfftn"])
def test_complex_input_to_a_real_transform_is_refused(name):
    with pytest.raises(TypeError, match="takes a real input"):
        optad.vjp(getattr(np.fft, name), _complex((2, 3)))


# --- a spectral penalty against finite differences ------------------------------------------
def test_spectral_penalty_gradient():
    """grad of Σ w_k |rfft(x)_k|², the roughness penalty of smoothing splines, against
    central differences and its closed form: Σ w_k |X_k|² is the quadratic form xᵀ A x
    with A = Re(Fᴴ diag(w) F) restricted to the half spectrum, so the gradient is 2 A x."""
    n = 16
    x = RNG.standard_normal(n)
    w = np.linspace(0.0, 1.0, n // 2 + 1) ** 2

    def penalty(x):
        return np.sum(w * np.abs(np.fft.rfft(x, norm="ortho")) ** 2)

    g = optad.grad(penalty)(x)
    np.testing.assert_allclose(g, optad.numerical_grad(penalty, x), rtol=1e-6, atol=1e-8)
    f_mat = np.fft.rfft(np.eye(n), norm="ortho", axis=0)          # (n//2 + 1, n)
    a = np.real(f_mat.conj().T @ (w[:, None] * f_mat))
    np.testing.assert_allclose(g, 2 * a @ x, rtol=1e-12, atol=1e-12)
    # the rules are traced again: the Hessian of the quadratic form is 2 A, exactly
    np.testing.assert_allclose(optad.hessian(penalty)(x), 2 * a, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["fft", "ifft", "irfft", "hfft", "fftn", "irfftn"])
def test_forward_mode_is_the_transform_of_the_tangent(name):
    fun = getattr(np.fft, name)
    z, t = _complex((3, 4)), _complex((3, 4))
    y, ydot = optad.jvp(fun, (z,), (t,))
    np.testing.assert_allclose(y, fun(z), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(ydot, fun(t), rtol=1e-13, atol=1e-13)
