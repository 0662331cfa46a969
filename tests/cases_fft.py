"""Derivative cases of np.fft: every function, n smaller and larger than the input, every
norm, axis/axes and s.

Complex inputs (CSTD) where a transform takes them, so that a rule that conjugates where it
should not is seen; real inputs go through a readout of the complex spectrum that weighs
its real and imaginary parts differently (``_read``: |z|² alone would not see such an
error either). Complex outputs are squared (z·z, holomorphic) so that the second-order
check sees a nonzero Hessian.
"""

import numpy as np
from primitive_cases import CSTD, STD, case, fixed

FFT = np.fft
NORMS = (None, "backward", "ortho", "forward")
# s[i] = -1 (the whole axis) is NumPy 2's; on NumPy 1.x the same length, given
WHOLE = -1 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 4


def _read(z):
    """Real, quadratic and linear in both Re z and Im z, with different weights."""
    re, im = np.real(z), np.imag(z)
    return re * re + 0.5 * im * im - 0.3 * re * im + re - 0.7 * im


def _c(name, fun, covers, *shapes, domain=STD):
    case(f"fft_{name}", fun, covers, fixed(*((s, domain) for s in shapes)))


def _z(name, fun, covers, *shapes):
    """A case on complex inputs (CSTD)."""
    _c(name, fun, covers, *shapes, domain=CSTD)


def _all_norms(transform, **kw):
    """The sum of a readout of ``transform`` under each norm: one case checks all four."""
    return lambda x: sum(np.sum(_read(transform(x, norm=norm, **kw))) for norm in NORMS)


# --- 1-D: each norm; n default, truncating and padding (odd and even); axis -------------------
# complex inputs where the transform takes them: conjugation errors in a rule show there
_z("fft_norms", _all_norms(FFT.fft), (FFT.fft,), (6,))
_z("ifft_norms", _all_norms(FFT.ifft), (FFT.ifft,), (5,))
_c("rfft_norms", _all_norms(FFT.rfft, n=7), (FFT.rfft,), (6,))
_c("ihfft_norms", _all_norms(FFT.ihfft, n=4), (FFT.ihfft,), (6,))
_z("irfft_norms", _all_norms(FFT.irfft), (FFT.irfft,), (5,))      # n = 8: h = 5, the input
_z("hfft_norms", _all_norms(FFT.hfft, n=7), (FFT.hfft,), (5,))

for n in (3, 9):          # smaller and larger than the input length (5)
    _z(f"fft_n{n}", lambda z, n=n: FFT.fft(z, n=n) ** 2, (FFT.fft,), (5,))
    _z(f"ifft_n{n}", lambda z, n=n: FFT.ifft(z, n=n, norm="ortho") ** 2, (FFT.ifft,), (5,))
    _c(f"rfft_n{n}", lambda x, n=n: _read(FFT.rfft(x, n=n)), (FFT.rfft,), (5,))
    _c(f"ihfft_n{n}", lambda x, n=n: _read(FFT.ihfft(x, n=n)), (FFT.ihfft,), (5,))
for n in (4, 13):         # half spectra shorter (3) and longer (7) than the input (5)
    _z(f"irfft_n{n}", lambda z, n=n: FFT.irfft(z, n=n) ** 2, (FFT.irfft,), (5,))
    _z(f"hfft_n{n}", lambda z, n=n: FFT.hfft(z, n=n, norm="forward") ** 2, (FFT.hfft,), (5,))
_c("real_into_irfft_hfft", lambda x: _read(FFT.irfft(x, n=5) + FFT.hfft(x, n=5)),
   (FFT.irfft, FFT.hfft), (3, 3))

_z("fft_axis0", lambda z: FFT.fft(z, n=5, axis=0) ** 2, (FFT.fft,), (3, 4))
_z("ifft_axis1", lambda z: FFT.ifft(z, axis=1) ** 2, (FFT.ifft,), (2, 3, 4))
_c("rfft_axis0", lambda x: _read(FFT.rfft(x, axis=0, norm="ortho")), (FFT.rfft,), (3, 4))
_c("ihfft_axis1", lambda x: _read(FFT.ihfft(x, axis=1)), (FFT.ihfft,), (2, 3, 4))
_z("irfft_axis0", lambda z: FFT.irfft(z, n=5, axis=0) ** 2, (FFT.irfft,), (3, 4))
_z("hfft_axis-2", lambda z: FFT.hfft(z, axis=-2) ** 2, (FFT.hfft,), (2, 3, 4))

# Chains from real inputs: complex spectra into the transforms that take them.
_c("roundtrip", lambda x: _read(FFT.irfft(FFT.rfft(x) * np.arange(1.0, 5.0), n=6)), (), (6,))
_c("hermitian_chain", lambda x: _read(FFT.hfft(FFT.fft(x)[:4], n=7)
                                      + FFT.irfft(FFT.ifft(x, norm="ortho"), n=8)[:7]), (), (5,))
_c("ifft_of_fft", lambda x: _read(FFT.ifft(FFT.fft(np.sin(x), n=7) ** 2, n=4)), (), (5,))

# --- 2-D and N-D: s, axes, norm -------------------------------------------------------------
_z("fft2", lambda z: FFT.fft2(z) ** 2, (FFT.fft2,), (3, 4))
_c("fft2_s_axes", lambda x: _read(FFT.fft2(x, s=(2, 5), axes=(1, 0), norm="ortho")),
   (FFT.fft2,), (2, 3, 4))
_z("ifft2", lambda z: FFT.ifft2(z, s=(4, 3), norm="forward") ** 2, (FFT.ifft2,), (3, 4))
_c("fftn", lambda x: _read(FFT.fftn(x)), (FFT.fftn,), (2, 3, 4))
_c("fftn_s_axes", lambda x: _read(FFT.fftn(x, s=(3, WHOLE), axes=(0, 2), norm="forward")),
   (FFT.fftn,), (2, 3, 4))
_c("fftn_repeated_axis", lambda x: _read(FFT.fftn(x, s=(3, 5), axes=(1, 1))), (FFT.fftn,), (2, 4))
_c("ifftn", lambda x: _read(FFT.ifftn(x, axes=(1,), norm="ortho")), (FFT.ifftn,), (2, 3, 4))
_z("ifftn_s", lambda z: FFT.ifftn(z, s=(3, 2, 5), axes=(0, 1, 2)) ** 2, (FFT.ifftn,), (2, 3, 4))
_c("rfft2", lambda x: _read(FFT.rfft2(x)), (FFT.rfft2,), (3, 4))
_c("rfft2_s", lambda x: _read(FFT.rfft2(x, s=(4, 5), norm="ortho")), (FFT.rfft2,), (3, 4))
_c("rfftn", lambda x: _read(FFT.rfftn(x, s=(2, 3, 6), axes=(0, 1, 2))), (FFT.rfftn,), (2, 3, 4))
_c("rfftn_axes", lambda x: _read(FFT.rfftn(x, axes=(2, 0), norm="forward")), (FFT.rfftn,),
   (2, 3, 4))
_c("irfft2", lambda x: _read(FFT.irfft2(x)), (FFT.irfft2,), (3, 4))
_z("irfft2_s", lambda z: FFT.irfft2(z, s=(4, 5), norm="forward") ** 2, (FFT.irfft2,), (3, 4))
_z("irfftn", lambda z: FFT.irfftn(z, s=(3, 7), axes=(1, 2), norm="ortho") ** 2,
   (FFT.irfftn,), (2, 3, 4))
_c("irfftn_default", lambda x: _read(FFT.irfftn(x)), (FFT.irfftn,), (2, 3, 3))
_c("rfftn_irfftn", lambda x: _read(FFT.irfftn(FFT.rfftn(x) ** 2, s=(3, 4), axes=(0, 1))),
   (), (3, 4))

# --- shifts ---------------------------------------------------------------------------------
_W = np.arange(15.0).reshape(3, 5)
_c("fftshift", lambda x: np.sin(FFT.fftshift(x)) * _W + np.sin(FFT.fftshift(x, axes=(1,))),
   (FFT.fftshift,), (3, 5))
_c("ifftshift", lambda x: np.sin(FFT.ifftshift(x)) * _W + np.sin(FFT.ifftshift(x, axes=0)),
   (FFT.ifftshift,), (3, 5))
_z("shifts_complex", lambda z: FFT.fftshift(FFT.fftn(FFT.ifftshift(z))) ** 2, (), (3, 4))
