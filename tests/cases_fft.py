"""Derivative cases of np.fft: every function, n smaller and larger than the input, every
norm, axis/axes and s.

Each case maps real arrays to real ones through a readout of the complex spectrum that
weighs the real and imaginary parts differently (``_read``): |z|² alone would not see a
rule that conjugates where it should not.
"""

import numpy as np
from primitive_cases import STD, case, fixed

FFT = np.fft
NORMS = (None, "backward", "ortho", "forward")


def _read(z):
    """Real, quadratic and linear in both Re z and Im z, with different weights."""
    re, im = np.real(z), np.imag(z)
    return re * re + 0.5 * im * im - 0.3 * re * im + re - 0.7 * im


def _c(name, fun, covers, *shapes):
    case(f"fft_{name}", fun, covers, fixed(*((s, STD) for s in shapes)))


# --- 1-D: n (default, truncating, padding, odd/even), norm, axis --------------------------------
for norm in NORMS:
    _c(f"fft_norm{norm}", lambda x, norm=norm: _read(FFT.fft(x, norm=norm)), (FFT.fft,), (6,))
    _c(f"ifft_norm{norm}", lambda x, norm=norm: _read(FFT.ifft(x, norm=norm)), (FFT.ifft,), (5,))
    _c(f"rfft_norm{norm}", lambda x, norm=norm: _read(FFT.rfft(x, n=7, norm=norm)),
       (FFT.rfft,), (6,))
    _c(f"ihfft_norm{norm}", lambda x, norm=norm: _read(FFT.ihfft(x, n=4, norm=norm)),
       (FFT.ihfft,), (6,))
    _c(f"irfft_norm{norm}", lambda x, norm=norm: _read(FFT.irfft(x, norm=norm)),
       (FFT.irfft,), (5,))
    _c(f"hfft_norm{norm}", lambda x, norm=norm: _read(FFT.hfft(x, n=7, norm=norm)),
       (FFT.hfft,), (5,))

for n in (1, 3, 9):      # smaller and larger than the input length (5)
    _c(f"fft_n{n}", lambda x, n=n: _read(FFT.fft(x, n=n)), (FFT.fft,), (5,))
    _c(f"ifft_n{n}", lambda x, n=n: _read(FFT.ifft(x, n=n, norm="ortho")), (FFT.ifft,), (5,))
    _c(f"rfft_n{n}", lambda x, n=n: _read(FFT.rfft(x, n=n)), (FFT.rfft,), (5,))
    _c(f"ihfft_n{n}", lambda x, n=n: _read(FFT.ihfft(x, n=n)), (FFT.ihfft,), (5,))
for n in (2, 3, 4, 13, 14):  # half spectra shorter and longer than the input (5), odd and even n
    _c(f"irfft_n{n}", lambda x, n=n: _read(FFT.irfft(x, n=n)), (FFT.irfft,), (5,))
    _c(f"hfft_n{n}", lambda x, n=n: _read(FFT.hfft(x, n=n, norm="forward")), (FFT.hfft,), (5,))

for axis in (0, -1):
    _c(f"fft_axis{axis}", lambda x, axis=axis: _read(FFT.fft(x, n=5, axis=axis)),
       (FFT.fft,), (3, 4))
    _c(f"rfft_axis{axis}", lambda x, axis=axis: _read(FFT.rfft(x, axis=axis, norm="ortho")),
       (FFT.rfft,), (3, 4))
    _c(f"irfft_axis{axis}", lambda x, axis=axis: _read(FFT.irfft(x, n=5, axis=axis)),
       (FFT.irfft,), (3, 4))
    _c(f"hfft_axis{axis}", lambda x, axis=axis: _read(FFT.hfft(x, axis=axis)),
       (FFT.hfft,), (3, 4))
    _c(f"ihfft_axis{axis}", lambda x, axis=axis: _read(FFT.ihfft(x, axis=axis)),
       (FFT.ihfft,), (2, 3, 4))
    _c(f"ifft_axis{axis}", lambda x, axis=axis: _read(FFT.ifft(x, axis=axis)),
       (FFT.ifft,), (2, 3, 4))

# Chains: a complex spectrum into the transforms that take one (imaginary parts, including
# those irfft and hfft ignore at k = 0 and n/2, reach the rules).
_c("roundtrip", lambda x: _read(FFT.irfft(FFT.rfft(x) * np.arange(1.0, 5.0), n=6)), (), (6,))
_c("hermitian_chain", lambda x: _read(FFT.hfft(FFT.fft(x)[:4], n=7)
                                      + FFT.irfft(FFT.ifft(x, norm="ortho"), n=8)[:7]), (), (5,))
_c("ifft_of_fft", lambda x: _read(FFT.ifft(FFT.fft(np.sin(x), n=7) ** 2, n=4)), (), (5,))

# --- 2-D and N-D: s, axes, norm -------------------------------------------------------------
_c("fft2", lambda x: _read(FFT.fft2(x)), (FFT.fft2,), (3, 4))
_c("fft2_s_axes", lambda x: _read(FFT.fft2(x, s=(2, 5), axes=(1, 0), norm="ortho")),
   (FFT.fft2,), (2, 3, 4))
_c("ifft2", lambda x: _read(FFT.ifft2(x, s=(4, 3), norm="forward")), (FFT.ifft2,), (3, 4))
_c("fftn", lambda x: _read(FFT.fftn(x)), (FFT.fftn,), (2, 3, 4))
_c("fftn_s_axes", lambda x: _read(FFT.fftn(x, s=(3, -1), axes=(0, 2), norm="forward")),
   (FFT.fftn,), (2, 3, 4))
_c("fftn_repeated_axis", lambda x: _read(FFT.fftn(x, s=(3, 5), axes=(1, 1))), (FFT.fftn,), (2, 4))
_c("ifftn", lambda x: _read(FFT.ifftn(x, axes=(1,), norm="ortho")), (FFT.ifftn,), (2, 3, 4))
_c("ifftn_s", lambda x: _read(FFT.ifftn(x, s=(3, 2, 5), axes=(0, 1, 2))), (FFT.ifftn,), (2, 3, 4))
_c("rfft2", lambda x: _read(FFT.rfft2(x)), (FFT.rfft2,), (3, 4))
_c("rfft2_s", lambda x: _read(FFT.rfft2(x, s=(4, 5), norm="ortho")), (FFT.rfft2,), (3, 4))
_c("rfftn", lambda x: _read(FFT.rfftn(x, s=(2, 3, 6), axes=(0, 1, 2))), (FFT.rfftn,), (2, 3, 4))
_c("rfftn_axes", lambda x: _read(FFT.rfftn(x, axes=(2, 0), norm="forward")), (FFT.rfftn,),
   (2, 3, 4))
_c("irfft2", lambda x: _read(FFT.irfft2(x)), (FFT.irfft2,), (3, 4))
_c("irfft2_s", lambda x: _read(FFT.irfft2(x, s=(4, 5), norm="forward")), (FFT.irfft2,), (3, 4))
_c("irfftn", lambda x: _read(FFT.irfftn(x, s=(3, 7), axes=(1, 2), norm="ortho")),
   (FFT.irfftn,), (2, 3, 4))
_c("irfftn_default", lambda x: _read(FFT.irfftn(x)), (FFT.irfftn,), (2, 3, 3))
_c("rfftn_irfftn", lambda x: _read(FFT.irfftn(FFT.rfftn(x) ** 2, s=(3, 4), axes=(0, 1))),
   (), (3, 4))

# --- shifts ---------------------------------------------------------------------------------
for axes in (None, 0, (1,), (0, 1)):
    _c(f"fftshift_axes{axes}", lambda x, axes=axes: np.sin(FFT.fftshift(x, axes=axes))
       * np.arange(15.0).reshape(3, 5), (FFT.fftshift,), (3, 5))
    _c(f"ifftshift_axes{axes}", lambda x, axes=axes: np.sin(FFT.ifftshift(x, axes=axes))
       * np.arange(15.0).reshape(3, 5), (FFT.ifftshift,), (3, 5))
