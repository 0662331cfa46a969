"""Derivative cases of the calculus family (optad/prims/calculus.py and signal.py):
differences, integrals, products, interpolation, convolution, polynomials, i0.

Each case is checked by tests/test_primitives.py against central finite differences,
forward mode, and (unless ``second=False``) second derivatives.
"""

import warnings

import numpy as np
from optad.prims.calculus import TWO_VECTORS

from primitive_cases import DISTINCT, POS, STD, U, case, fixed

M = fixed(((3, 4), STD))


def _increasing(lo, hi):
    """Sorted values spread over [lo, hi], at least ~0.2 apart (knots, coordinates)."""
    def sample(rng, shape):
        n = shape[0]
        return np.linspace(lo, hi, n) + rng.uniform(-0.05, 0.05, n) * (hi - lo) / n
    return sample


def _with_zeros(*where):
    """Signed values away from 0, with exact zeros at the given flat positions."""
    def sample(rng, shape):
        v = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        v.flat[list(where)] = 0.0
        return v
    return sample


# --- differences ------------------------------------------------------------------------
case("diff_axes", lambda x: np.diff(x)[:2] + np.diff(x, axis=0)[:, :3] * 2.0 + np.diff(x, n=2)[0, 0],
     (np.diff,), M)
case("diff_n0_n3", lambda x: np.diff(x, n=0) + np.diff(x, 3, axis=-1).sum(), (), M)
case("diff_prepend_append", lambda x, p, q: np.diff(x, prepend=p, append=q, axis=0)
     + np.diff(x, prepend=1.5, append=np.ones((3, 1)))[:, :4].sum(),
     (), fixed(((3, 4), STD), ((1, 4), STD), ((), STD)))
case("ediff1d", lambda x, b, e: np.concatenate([
    np.ediff1d(x), np.ediff1d(x, to_begin=b, to_end=e), np.ediff1d(x, to_end=[1.0, 2.0]),
    np.ediff1d(x, to_begin=e)]), (np.ediff1d,), fixed(((2, 3), STD), ((2,), STD), ((), STD)))

# --- gradient ---------------------------------------------------------------------------
case("gradient_uniform", lambda f: np.gradient(f)[0] + np.gradient(f, 0.5, edge_order=2)[1]
     + np.gradient(f, axis=1) + np.gradient(f, 2.0, axis=-1, edge_order=2),
     (np.gradient,), fixed(((4, 5), STD)))
case("gradient_coordinates", lambda f, x: np.gradient(f, x) + np.gradient(f, x, edge_order=2) * 2.0,
     (), fixed(((6,), STD), ((6,), _increasing(0.0, 3.0))))
case("gradient_plain_coordinates", lambda f: np.gradient(f, [0.0, 0.3, 1.0, 1.2], 2.0, edge_order=2)[0]
     + np.gradient(f, np.arange(4.0), [0.0, 0.5, 1.5], axis=(0, 1))[1][:, :3].sum(),
     (), fixed(((4, 3), STD)))
case("gradient_spacing_traced", lambda f, h, k: np.gradient(f, h, k)[1] + np.gradient(f, h, edge_order=2)[0],
     (), fixed(((3, 4), STD), ((), POS), ((), POS)))
case("gradient_two_samples", lambda f: np.gradient(f), (), fixed(((2,), STD)))

# --- integrals --------------------------------------------------------------------------
_trapz = [f for f in (getattr(np, "trapezoid", None), getattr(np, "trapz", None)) if f is not None]


def _quiet(f, *args, **kwargs):
    with warnings.catch_warnings():   # np.trapz is deprecated on NumPy 2.x
        warnings.simplefilter("ignore", DeprecationWarning)
        return f(*args, **kwargs)


case("trapezoid", lambda y, x, d: sum(
    _quiet(t, y) + _quiet(t, y, dx=d) + _quiet(t, y, x)
    + _quiet(t, y, x=np.stack([x, x, x]), axis=1)[0]
    + _quiet(t, y, axis=0).sum() + _quiet(t, y, [0.0, 0.5, 2.0], axis=0)[1] for t in _trapz),
     tuple(_trapz), fixed(((3, 5), STD), ((5,), _increasing(0.0, 2.0)), ((), POS)))

# --- cumulative products -----------------------------------------------------------------
case("cumprod", lambda x: np.cumprod(x) + np.cumprod(x, axis=1).ravel() + np.cumprod(x, axis=0).ravel(),
     (np.cumprod,), fixed(((3, 4), U(0.5, 1.5, True))))
case("cumprod_one_zero_per_lane", lambda x: np.cumprod(x, axis=1) + np.cumprod(x, axis=0)[:, :4].sum(),
     (), fixed(((3, 5), _with_zeros(1, 5, 14))))
# two zeros in a lane: exact first derivatives; the second ones are refused (tested in
# tests/test_calculus.py), as for np.prod
case("cumprod_two_zeros", lambda x: np.cumprod(x), (), fixed(((6,), _with_zeros(1, 4))), second=False)
if hasattr(np, "cumulative_prod"):
    case("cumulative_prod", lambda x: np.cumulative_prod(x, axis=1, include_initial=True)[:, :4]
         + np.cumulative_prod(x, axis=-2) + np.cumulative_prod(x[0], include_initial=True)[1:],
         (np.cumulative_prod,), fixed(((3, 4), U(0.5, 1.5, True))))
case("nancumsum_nancumprod", lambda x: np.nancumsum(x, axis=0) + np.nancumprod(x, axis=1)
     + np.nancumsum(x)[:4] + np.nancumprod(x)[-4:], (np.nancumsum, np.nancumprod),
     fixed(((3, 4), U(0.5, 1.5, True))))

# --- cross product ------------------------------------------------------------------------
case("cross3", lambda a, b: np.cross(a, b) + np.cross(a, b[0]) * 2.0, (np.cross,),
     fixed(((4, 3), STD), ((4, 3), STD)))
case("cross_axes", lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0)
     + np.cross(a.T, b, axis=1).T, (), fixed(((3, 4), STD), ((4, 3), STD)))


def _cross2(a, b):
    with warnings.catch_warnings():   # 2-vectors are deprecated on NumPy 2
        warnings.simplefilter("ignore", DeprecationWarning)
        return (np.cross(a, b).sum() + np.cross(a, np.ones((4, 3)))
                + np.cross(np.ones(3), b).sum(axis=1, keepdims=True))


if TWO_VECTORS:     # (NumPy 2.5 refuses 2-vectors)
    case("cross2", _cross2, (), fixed(((4, 2), STD), ((4, 2), STD)))

# --- convolution and correlation -----------------------------------------------------------
for _mode in ("full", "same", "valid"):
    for _n, _m in ((6, 3), (3, 5), (4, 4), (1, 3)):
        case(f"convolve_correlate_{_mode}_{_n}_{_m}", lambda a, v, mode=_mode: np.concatenate([
            np.convolve(a, v, mode), np.correlate(a, v, mode) * 2.0,
            np.convolve(a, np.arange(1.0, 4.0), mode), np.correlate(np.arange(1.0, 3.0), v, mode)]),
            (np.convolve, np.correlate), fixed(((_n,), STD), ((_m,), STD)))
case("convolve_scalar", lambda a, s: np.convolve(a, s) + np.convolve(s, a)[:3],
     (), fixed(((3,), STD), ((), STD)))

# --- interpolation --------------------------------------------------------------------------
_XS = U(-0.4, 3.4)   # inside and outside [xp[0], xp[-1]] = about [0, 3]; ties have measure 0
case("interp", lambda x, xp, fp: np.interp(x, xp, fp), (np.interp,),
     fixed(((7,), _XS), ((5,), _increasing(0.0, 3.0)), ((5,), STD)))
case("interp_left_right", lambda x, fp, lo, hi: np.interp(x, [0.0, 1.0, 2.5, 3.0], fp, left=lo, right=hi)
     + np.interp(x, [0.0, 1.0, 2.5, 3.0], fp, right=2.0), (),
     fixed(((8,), _XS), ((4,), STD), ((), STD), ((), STD)))
case("interp_fp_only", lambda fp: np.interp(np.linspace(-0.5, 3.5, 9), [0.0, 1.2, 2.0, 3.0], fp),
     (), fixed(((4,), STD)))
case("interp_period", lambda x, xp, fp: np.interp(x, xp, fp, period=2.5)
     + np.interp(x, [0.3, 2.4, 1.1], fp[:3], period=-2.5), (),
     fixed(((6,), U(-4.0, 4.0)), ((5,), _increasing(0.0, 2.3)), ((5,), STD)))
case("interp_one_knot", lambda x, fp: np.interp(x, [0.5], fp, left=-1.0), (),
     fixed(((5,), U(-1.0, 2.0)), ((1,), STD)))
case("interp_matrix_x", lambda x, fp: np.interp(x, [-1.0, 0.0, 1.5], fp), (),
     fixed(((3, 4), STD), ((3,), STD)))

# --- polynomials ----------------------------------------------------------------------------
case("polyval", lambda p, x: np.polyval(p, x) + np.polyval([1.0, -2.0, 0.5], x)
     + np.polyval(p, 0.7), (np.polyval,), fixed(((4,), STD), ((3, 2), STD)))
case("polyval_2d_coefficients", lambda p, x: np.polyval(p, x), (), fixed(((3, 2), STD), ((2,), STD)))

# --- Bessel I0 ------------------------------------------------------------------------------
case("i0", np.i0, (np.i0,), fixed(((2, 3), U(-3.0, 3.0))))
case("i0_at_zero", lambda x: np.i0(x * np.array([0.0, 1.0, 2.0])), (), fixed(((3,), DISTINCT)))
