"""Complex cases of the decompositions, the selections and std, and SciPy's holomorphic
special functions (each checked like any case: tests/test_primitives.py, along random
complex directions, with the pairing Re Σ ū·ẏ).

Inputs are drawn as in tests/cases_linalg.py, with unitary factors in place of orthogonal
ones: Hermitian matrices with eigenvalues about 1 apart (plus a general complex part, so
only the triangle read matters: the other triangle and the imaginary part of the diagonal
must get a zero derivative), matrices with singular values about 1 apart. A complex
singular vector or eigenvector is defined up to a phase, so the case functions of vectors
are phase-invariant: |U|², U S Vh, projectors V diag(c) Vᴴ. Selections (max, sort) draw
values whose real parts are 0.1 apart, so a finite-difference step never reorders them.
"""

import numpy as np
import scipy.special as sp

from primitive_cases import STD, C, case, fixed

LA = np.linalg

NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def _cholesky_upper(a):
    """np.linalg.cholesky(a, upper=True), also on NumPy 1 (which has no upper=)."""
    if NUMPY2:
        return np.linalg.cholesky(a, upper=True)
    return np.conj(np.swapaxes(np.linalg.cholesky(a), -1, -2))



def _mH(a):
    return np.conj(np.swapaxes(a, -1, -2))


def _unitary(rng, shape):
    q, r = LA.qr(rng.standard_normal(shape) + 1j * rng.standard_normal(shape))
    d = np.diagonal(r, axis1=-2, axis2=-1)
    return q * (d / np.abs(d))[..., None, :]


def _general(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def hermitian(values, noise=0.0):
    """Hermitian matrices with eigenvalues near ``values`` (±0.1), plus ``noise`` times a
    general complex matrix (not Hermitian: only the triangle read matters)."""
    def sample(rng, shape):
        q = _unitary(rng, shape)
        w = np.asarray(values, dtype=float) + rng.uniform(-0.1, 0.1, shape[:-1])
        return (q * w[..., None, :]) @ _mH(q) + noise * _general(rng, shape)
    return sample


def singular(values):
    """Complex m×n matrices with singular values near ``values`` (±0.1)."""
    def sample(rng, shape):
        m, n = shape[-2:]
        k = min(m, n)
        u = _unitary(rng, shape[:-2] + (m, m))[..., :k]
        v = _unitary(rng, shape[:-2] + (n, n))[..., :k]
        s = np.asarray(values[:k], dtype=float) + rng.uniform(-0.1, 0.1, shape[:-2] + (k,))
        return (u * s[..., None, :]) @ _mH(v)
    return sample


def distinct(rng, shape):
    """Complex values whose real parts are at least 0.1 apart (no lexicographic near-ties)."""
    size = int(np.prod(shape))
    re = rng.permutation(np.linspace(-2, 2, size)) + rng.uniform(-0.01, 0.01, size)
    return (re + 1j * rng.uniform(-2, 2, size)).reshape(shape)


def pairs(rng, shape):
    """Two stacked arrays (axis 0) whose real parts differ by 0.1 to 1 in each position."""
    a = rng.uniform(-2, 2, shape[1:]) + 1j * rng.uniform(-2, 2, shape[1:])
    b = a + rng.choice([-1.0, 1.0], shape[1:]) * rng.uniform(0.1, 1.0, shape[1:]) \
        + 1j * rng.uniform(-2, 2, shape[1:])
    return np.stack([a, b])


def _hpd(a):
    return a @ _mH(a) + 3.0 * np.eye(np.shape(a)[-1])


C3 = np.array([1.0, -2.0, 0.5])


def _phase_free(v):
    """Phase-invariant functions of the columns of v: |v|² and Σ cⱼ vⱼ vⱼᴴ."""
    return np.abs(v) ** 2, (v * C3[: np.shape(v)[-1]]) @ _mH(v)


def _usv(r):
    """Phase-invariant functions of an SVD: |U|², S, |Vh|², U S Vh, U Uᴴ."""
    return (np.abs(r.U) ** 2, r.S, np.abs(r.Vh) ** 2, r.U @ (r.S[..., None] * r.Vh),
            r.U @ _mH(r.U))


# (several inputs per case: fewer, larger cases keep the suite fast)
# --- cholesky: the triangle read, the other one and Im diag ignored -----------------------------
case("complex_cholesky", lambda a, b: (LA.cholesky(a), _cholesky_upper(a),
                                       _cholesky_upper(_hpd(b))),
     (LA.cholesky,), fixed(((3, 3), hermitian([1.0, 2.0, 3.0], noise=0.2)), ((2, 3, 3), C(-1, 1))))

# --- eigh, eigvalsh of Hermitian matrices -------------------------------------------------
def _eigh_all(a, uplo):
    r = LA.eigh(a, UPLO=uplo)
    return (r.eigenvalues,) + _phase_free(r.eigenvectors) + (LA.eigvalsh(a, UPLO=uplo),)


case("complex_eigh", lambda a, b: _eigh_all(a, "L") + _eigh_all(b, "U"), (LA.eigh, LA.eigvalsh),
     fixed(((3, 3), hermitian([-1.0, 0.5, 2.0], noise=0.3)),
           ((2, 3, 3), hermitian([-1.0, 0.5, 2.0], noise=0.3))))

# --- svd, and the singular-value norms ------------------------------------------------------
case("complex_svd_thin", lambda a, b: _usv(LA.svd(a, full_matrices=False))
     + _usv(LA.svd(b, full_matrices=False)),
     (LA.svd,), fixed(((4, 2), singular([3.0, 2.0])), ((2, 3, 4), singular([3.0, 2.0, 1.0]))))
case("complex_svd_full_values_norms", lambda a, b: _usv(LA.svd(a)) + (
    LA.svd(b, compute_uv=False), LA.norm(b[0], 2), LA.norm(b, -2, axis=(1, 2)),
    LA.norm(b, "nuc", axis=(2, 1), keepdims=True)),
     (LA.norm,), fixed(((3, 3), singular([3.0, 2.0, 1.0])), ((2, 4, 3), C(-1, 1))))
case("complex_svd_hermitian", lambda a: _usv(LA.svd(a, hermitian=True))
     + (LA.svd(a, compute_uv=False, hermitian=True),),
     (), fixed(((3, 3), hermitian([-3.0, 1.0, 2.0], noise=0.2))))

# --- qr (R's diagonal is real: Q and R are unique, no phase) ---------------------------------
case("complex_qr_square_tall", lambda a, b: tuple(LA.qr(a)) + tuple(LA.qr(a, mode="complete"))
     + tuple(LA.qr(b)) + (LA.qr(b, mode="r"),),
     (LA.qr,), fixed(((3, 3), singular([3.0, 2.0, 1.0])), ((4, 2), singular([3.0, 2.0]))))
case("complex_qr_wide_batched", lambda a, b: tuple(LA.qr(a)) + tuple(LA.qr(b)),
     (), fixed(((2, 4), singular([3.0, 2.0])), ((2, 3, 2), singular([3.0, 2.0]))))

# --- pinv, lstsq -------------------------------------------------------------------------
case("complex_pinv", lambda a, b, u, v, h: (LA.pinv(a), LA.pinv(b), LA.pinv(u @ v),
                                            LA.pinv(h, hermitian=True)),
     (LA.pinv,), fixed(((4, 2), singular([3.0, 2.0])), ((2, 2, 3), singular([3.0, 2.0])),
                       ((4, 2), singular([2.0, 1.0])), ((2, 3), singular([2.0, 1.0])),
                       ((3, 3), hermitian([-3.0, 1.0, 2.0], noise=0.2))))


def _lstsq(a, b):
    r = LA.lstsq(a, b)
    return r[0], r[1], r[3]


case("complex_lstsq_tall", lambda a, b, c, d: _lstsq(a, b) + _lstsq(c, d), (LA.lstsq,),
     fixed(((4, 3), singular([3.0, 2.0, 1.0])), ((4, 2), C(-2, 2)),
           ((4, 2), singular([3.0, 2.0])), ((4,), STD)))       # (a real b)
case("complex_lstsq_wide_square", lambda a, b, c, d: _lstsq(a, b) + _lstsq(c, d), (),
     fixed(((2, 4), singular([3.0, 2.0])), ((2, 2), C(-2, 2)),
           ((3, 3), singular([3.0, 2.0, 1.0])), ((3,), C(-2, 2))))

# --- selections (lexicographic, as NumPy orders complex values) and std -------------------------
case("complex_max_min", lambda z: (np.max(z), np.min(z, axis=0), np.amax(z, axis=1, keepdims=True),
                                   np.amin(z, axis=(0, 1)), z.max(0),
                                   np.max(z, axis=1, initial=-3 + 0j,
                                          where=np.array([True, False, True, False])),
                                   np.sort(z, axis=0), np.sort(z, axis=None)),
     (np.max, np.min, np.amax, np.amin, np.sort), fixed(((3, 4), distinct)))
case("complex_maximum_minimum", lambda p, x: (np.maximum(p[0], p[1]), np.minimum(p[0], p[1]),
                                              np.fmax(p[0], p[1]), np.fmin(p[1], p[0]),
                                              np.maximum(p[0], x), np.minimum(x, p[1])),
     (np.maximum, np.minimum, np.fmax, np.fmin), fixed(((2, 5), pairs), ((5,), STD)))
case("complex_std", lambda z: (np.std(z), np.std(z, axis=0, ddof=1), z.std(1, keepdims=True),
                               np.std(z, axis=1, where=np.array([True, False, True, True])),
                               (np.std(z, axis=0, mean=np.mean(z, axis=0, keepdims=True)) if NUMPY2
                                else np.std(z, axis=0))),
     (np.std,), fixed(((3, 4), C(-2, 2))))

# --- SciPy's holomorphic special functions ------------------------------------------------------
AWAY = C(0.3, 1.5)      # away from the poles of Γ and the branch cuts of log Γ, log
case("complex_erf_ndtr", lambda z: (sp.erf(z), sp.erfc(z), sp.ndtr(z), sp.log_ndtr(z)),
     (sp.erf, sp.erfc, sp.ndtr, sp.log_ndtr), fixed(((5,), C(-1.5, 1.5))))
case("complex_gamma", lambda z: (sp.gamma(z), sp.loggamma(z), sp.digamma(z), sp.psi(z - 2.5)),
     (sp.gamma, sp.loggamma, sp.digamma), fixed(((5,), AWAY)))
case("complex_xlogy", lambda z, w, x: (sp.xlogy(z, w), sp.xlog1py(w, z), sp.xlogy(x, w)),
     (sp.xlogy, sp.xlog1py), fixed(((4,), AWAY), ((4,), AWAY), ((4,), STD)))
