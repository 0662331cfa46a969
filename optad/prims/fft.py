"""Discrete Fourier transforms: all of ``np.fft`` (fft, ifft, rfft, irfft, hfft, ihfft, their
2-D and N-D forms, fftshift and ifftshift), with ``n``/``s``, ``axis``/``axes`` and ``norm``
exactly as NumPy takes them.

The six 1-D transforms are primitives; the 2-D and N-D ones call them axis by axis in
NumPy's own order (so the values are NumPy's), and the shifts are ``np.roll``.

Every transform is a linear map ``L`` of its input (over the reals at least), so its
forward rule is ``L`` itself applied to the tangent. Its reverse rule follows the
convention of JAX, a bilinear pairing with no conjugation: the adjoint ``v`` of a
cotangent ``g`` is the one with ``Re Σ g·L(ẋ) = Re Σ v·ẋ`` for every ``ẋ``. Along the
axis, with ``m`` the input length, ``n`` the transform length, ``h = n//2 + 1`` and
``P`` the cut or zero-padding of the input to the length the transform reads
(its transpose ``Pᵀ`` is the cut or padding back to ``m``):

* fft, ifft: the DFT matrix is symmetric, so ``v = Pᵀ fft(g)`` (``ifft(g)``), same norm;
* rfft = (first h entries) ∘ fft ∘ P, so ``v = Pᵀ fft(g padded to n)``; ihfft likewise
  with ifft (ihfft's scale is ifft's);
* irfft: ``y_t = s Σ_{k<h} c_k Re(X_k e^{2πikt/n})`` with ``s`` ifft's scale for the norm
  (1/n for "backward"), ``c_0 = 1``, ``c_{n/2} = 1`` for even n, else ``c_k = 2`` (the
  imaginary parts of X_0 and X_{n/2} drop out of Re, as NumPy ignores them), so for the
  real cotangent g, ``v_k = c_k · s Σ_t g_t e^{2πikt/n} = c_k · ihfft(g)_k``, then ``Pᵀ``;
* hfft(X) = irfft(conj X) with the swapped norm, so ``v_k = c_k · rfft(g)_k``, then ``Pᵀ``.

For a real input (rfft, ihfft, or fft of a real array) the rule's complex value is
returned as it is; the engine keeps its real part. rfft and ihfft refuse a complex input
(TypeError, as NumPy 2.4 does).

Each rule calls the transforms again, so it can be traced again (second derivatives).

>>> import numpy as np, optad
>>> w = np.array([0.0, 1.0, 4.0])            # penalize the high frequencies
>>> def roughness(x):
...     return np.sum(w * np.abs(np.fft.rfft(x)) ** 2)
>>> optad.grad(roughness)(np.array([1.0, 2.0, 0.0, 1.0]))
array([-14.,  18., -18.,  14.])
"""

import operator
import warnings

import numpy as np

from ..engine import bind
from ..primitive import Primitive
from .declare import implements, no_out

try:
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover - NumPy < 1.25
    from numpy import AxisError

_NORMS = (None, "backward", "ortho", "forward")
# NumPy 2.0 added out=, s[i] = -1 (the whole axis) and the DeprecationWarnings of s without
# axes and of None in s; before it, NumPy refuses out= itself (TypeError) and -1 is an
# invalid length (ValueError), as here.
NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


# --- helpers the rules share ------------------------------------------------------------
def _resize(a, m, axis):
    """``a`` cut or zero-padded to length ``m`` along ``axis`` (P and Pᵀ above)."""
    k = np.shape(a)[axis]
    if k == m:
        return a
    if k > m:
        index = [slice(None)] * np.ndim(a)
        index[axis] = slice(0, m)
        return a[tuple(index)]
    shape = list(np.shape(a))
    shape[axis] = m - k
    return np.concatenate([a, np.zeros(shape, dtype=np.result_type(a))], axis=axis)


def _hermitian_weights(n, axis, ndim):
    """c_k of the module docstring, shaped to broadcast along ``axis``: how many times
    the half spectrum's entry k counts in the full Hermitian one (1 for k = 0 and, for
    even n, k = n/2; 2 otherwise)."""
    c = np.full(n // 2 + 1, 2.0)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = c.size
    return c.reshape(shape)


def _length(x, axis):
    return np.shape(x)[axis]


# --- the six 1-D primitives ---------------------------------------------------------------
# Each takes (x, n=..., axis=..., norm=...) with n and axis resolved by the handler (an
# int, and a non-negative int). The reverse rules read only x's shape (needs=((),)).
def _declare(name, function, vjp):
    def impl(x, n, axis, norm):
        return function(x, n, axis, norm)
    impl.__name__ = name
    impl.__doc__ = (f"np.fft.{name}(x, n, axis, norm) with n and axis resolved; its rules "
                    f"are in the docstring of optad.prims.fft.")
    return Primitive(
        name, impl,
        vjps=(vjp,),
        jvps=(lambda t, ans, x, n, axis, norm: function(t, n, axis, norm),),
        needs=((),), complex_safe=True,
        explain=(f"{name}({{0}})", (f"{name}ᵀ",)))


fft = _declare("fft", np.fft.fft, lambda g, ans, x, n, axis, norm: _resize(
    np.fft.fft(g, axis=axis, norm=norm), _length(x, axis), axis))

ifft = _declare("ifft", np.fft.ifft, lambda g, ans, x, n, axis, norm: _resize(
    np.fft.ifft(g, axis=axis, norm=norm), _length(x, axis), axis))

rfft = _declare("rfft", np.fft.rfft, lambda g, ans, x, n, axis, norm: _resize(
    np.fft.fft(_resize(g, n, axis), axis=axis, norm=norm), _length(x, axis), axis))

ihfft = _declare("ihfft", np.fft.ihfft, lambda g, ans, x, n, axis, norm: _resize(
    np.fft.ifft(_resize(g, n, axis), axis=axis, norm=norm), _length(x, axis), axis))

irfft = _declare("irfft", np.fft.irfft, lambda g, ans, x, n, axis, norm: _resize(
    _hermitian_weights(n, axis, np.ndim(g)) * np.fft.ihfft(g, axis=axis, norm=norm),
    _length(x, axis), axis))

hfft = _declare("hfft", np.fft.hfft, lambda g, ans, x, n, axis, norm: _resize(
    _hermitian_weights(n, axis, np.ndim(g)) * np.fft.rfft(g, axis=axis, norm=norm),
    _length(x, axis), axis))


# --- argument handling, as NumPy does it ----------------------------------------------------
def _check_norm(norm):
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or '
                         f'"forward".')


def _axis(axis, ndim):
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise AxisError(axis, ndim)
    return axis % ndim


def _real_input(name, a):
    """rfft and ihfft take a real input: NumPy 2.4 raises TypeError for a complex one
    (older versions dropped its imaginary part with a ComplexWarning). optad refuses it
    on every version, so that a derivative with respect to that imaginary part is never
    silently lost."""
    if np.iscomplexobj(a):
        raise TypeError(f"np.fft.{name} takes a real input, got a complex one: take np.real "
                        f"of it first (or use np.fft.fft for a complex signal).")


def _one_d(prim, default_n, real_input=False):
    name = prim.name

    def handler(a, n=None, axis=-1, norm=None, out=None):
        no_out(f"np.fft.{name}", out)
        _check_norm(norm)
        axis = _axis(axis, np.ndim(a))
        if real_input:
            _real_input(name, a)
        n = default_n(np.shape(a)[axis]) if n is None else operator.index(n)
        if n < 1:
            raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
        return bind(prim, (a,), {"n": n, "axis": axis, "norm": norm})
    handler.primitive = prim
    handler.__name__ = name
    handler.__doc__ = f"np.fft.{name} on traced values (see the module docstring for its rules)."
    return handler


def _same(m):
    return m


def _hermitian(m):
    return 2 * (m - 1)


implements(np.fft.fft)(_one_d(fft, _same))
implements(np.fft.ifft)(_one_d(ifft, _same))
implements(np.fft.rfft)(_one_d(rfft, _same, real_input=True))
implements(np.fft.ihfft)(_one_d(ihfft, _same, real_input=True))
implements(np.fft.irfft)(_one_d(irfft, _hermitian))
implements(np.fft.hfft)(_one_d(hfft, _hermitian))


# --- 2-D and N-D: the 1-D transforms axis by axis, in NumPy's order --------------------------
def _cook_nd_args(shape, s, axes, invreal=False):
    """NumPy's own resolution of ``s`` and ``axes`` (numpy/fft/_pocketfft.py) on the running
    NumPy: from 2.0 on, with its deprecation warnings (s without axes; None inside s) and
    ``s[i] = -1`` meaning the whole axis."""
    shapeless = s is None
    if shapeless:
        s = list(shape) if axes is None else [shape[a] for a in axes]
    s = list(s)
    if axes is None:
        if not shapeless and NUMPY2:
            warnings.warn(
                "`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy 2.0). "
                "In a future version of NumPy, this will raise an error and `s[i]` will "
                "correspond to the size along the transformed axis specified by `axes[i]`. "
                "To retain current behaviour, pass a sequence [0, ..., k-1] to `axes` for "
                "an array of dimension k.", DeprecationWarning, stacklevel=4)
        axes = list(range(-len(s), 0))
    axes = list(axes)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless:
        s[-1] = (shape[axes[-1]] - 1) * 2
    if not NUMPY2:
        return s, axes
    if None in s:
        warnings.warn(
            "Passing an array containing `None` values to `s` is deprecated in NumPy 2.0 "
            "and will raise an error in a future version of NumPy. To use the default "
            "behaviour of the corresponding 1-D transform, pass the value matching the "
            "default for its `n` parameter. To use the default behaviour for every axis, "
            "the `s` argument can be omitted.", DeprecationWarning, stacklevel=4)
    s = [shape[ax] if n == -1 else n for n, ax in zip(s, axes)]
    return s, axes


def _fftn_like(name, function):
    def handler(a, s=None, axes=None, norm=None, out=None):
        no_out(f"np.fft.{name}", out)
        s, axes = _cook_nd_args(np.shape(a), s, axes)
        for k in reversed(range(len(axes))):
            a = function(a, n=s[k], axis=axes[k], norm=norm)
        return a
    return handler


def _rfftn(a, s=None, axes=None, norm=None, out=None, name="rfftn"):
    no_out(f"np.fft.{name}", out)
    s, axes = _cook_nd_args(np.shape(a), s, axes)
    a = np.fft.rfft(a, s[-1], axes[-1], norm)
    for k in range(len(axes) - 2, -1, -1):
        a = np.fft.fft(a, s[k], axes[k], norm)
    return a


def _irfftn(a, s=None, axes=None, norm=None, out=None, name="irfftn"):
    no_out(f"np.fft.{name}", out)
    s, axes = _cook_nd_args(np.shape(a), s, axes, invreal=True)
    for k in range(len(axes) - 1):
        a = np.fft.ifft(a, s[k], axes[k], norm)
    return np.fft.irfft(a, s[-1], axes[-1], norm)


implements(np.fft.fftn)(_fftn_like("fftn", np.fft.fft))
implements(np.fft.ifftn)(_fftn_like("ifftn", np.fft.ifft))
implements(np.fft.rfftn)(_rfftn)
implements(np.fft.irfftn)(_irfftn)

_fft2, _ifft2 = _fftn_like("fft2", np.fft.fft), _fftn_like("ifft2", np.fft.ifft)
implements(np.fft.fft2)(lambda a, s=None, axes=(-2, -1), norm=None, out=None:
                        _fft2(a, s, axes, norm, out))
implements(np.fft.ifft2)(lambda a, s=None, axes=(-2, -1), norm=None, out=None:
                         _ifft2(a, s, axes, norm, out))
implements(np.fft.rfft2)(lambda a, s=None, axes=(-2, -1), norm=None, out=None:
                         _rfftn(a, s, axes, norm, out, name="rfft2"))
implements(np.fft.irfft2)(lambda a, s=None, axes=(-2, -1), norm=None, out=None:
                          _irfftn(a, s, axes, norm, out, name="irfft2"))


# --- shifts: np.roll by half of each axis ----------------------------------------------------
def _shift(x, axes, sign):
    ndim = np.ndim(x)
    if axes is None:
        axes = range(ndim)
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    if len(axes) == 0:
        return np.copy(x)
    shape = np.shape(x)
    for ax in axes:
        ax = _axis(ax, ndim)
        x = np.roll(x, sign * (shape[ax] // 2), axis=ax)
    return x


@implements(np.fft.fftshift)
def _fftshift(x, axes=None):
    """np.fft.fftshift on traced values: ``np.roll`` by ``n // 2`` along each axis.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.fft.fftshift(x)[0] * 2.0)(np.arange(4.0))
    array([0., 0., 2., 0.])
    """
    return _shift(x, axes, 1)


@implements(np.fft.ifftshift)
def _ifftshift(x, axes=None):
    """np.fft.ifftshift on traced values: ``np.roll`` by ``-(n // 2)`` along each axis.

    >>> import numpy as np, optad
    >>> optad.grad(lambda x: np.fft.ifftshift(x)[0] * 2.0)(np.arange(5.0))
    array([0., 0., 2., 0., 0.])
    """
    return _shift(x, axes, -1)
