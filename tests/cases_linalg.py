"""Derivative cases of the matrix decompositions (optad.prims.decompositions) and of
np.linalg matrix_power, multi_dot and the singular-value matrix norms.

Inputs are drawn inside each function's domain, away from where its derivative does
not exist: symmetric positive definite matrices for cholesky (built in the case from a
general matrix, so finite differences stay in the domain), eigenvalues and singular
values about 1 apart for eigenvectors and singular vectors. Case functions of vectors
are sign-invariant (``V * V``, ``U @ diag(s) @ Vh``, ``(V @ c) ** 2``): each vector's
sign is LAPACK's choice. Some inputs are not symmetric on purpose: cholesky, eigh and
eigvalsh read one triangle only, and the finite differences see exactly that.
"""

import numpy as np

from primitive_cases import STD, case, fixed, well_conditioned


def _mT(a):
    return np.swapaxes(a, -1, -2)


def _orthogonal(rng, shape):
    q, r = np.linalg.qr(rng.standard_normal(shape))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def spectrum(values, noise=0.0):
    """Symmetric matrices with eigenvalues near ``values`` (±0.1), plus ``noise`` times a
    general matrix (so not symmetric: only the triangle read matters)."""
    def sample(rng, shape):
        q = _orthogonal(rng, shape)
        w = np.asarray(values, dtype=float) + rng.uniform(-0.1, 0.1, shape[:-1])
        return (q * w[..., None, :]) @ _mT(q) + noise * rng.standard_normal(shape)
    return sample


def singular(values):
    """m×n matrices with singular values near ``values`` (±0.1; min(m, n) of them)."""
    def sample(rng, shape):
        m, n = shape[-2:]
        k = min(m, n)
        u = _orthogonal(rng, shape[:-2] + (m, m))[..., :k]
        v = _orthogonal(rng, shape[:-2] + (n, n))[..., :k]
        s = np.asarray(values[:k], dtype=float) + rng.uniform(-0.1, 0.1, shape[:-2] + (k,))
        return (u * s[..., None, :]) @ _mT(v)
    return sample


def real_eigen(values):
    """Unsymmetric matrices S diag(w) S⁻¹ with real eigenvalues near ``values``."""
    def sample(rng, shape):
        n = shape[-1]
        # (a nearly singular S makes the eigenvalues ill-conditioned: entries of 1e3,
        # where central differences lose their digits; draw again)
        s = np.eye(n) + 0.3 * rng.standard_normal(shape)
        while np.any(np.linalg.cond(s) > 10.0):
            s = np.eye(n) + 0.3 * rng.standard_normal(shape)
        w = np.asarray(values, dtype=float) + rng.uniform(-0.1, 0.1, shape[:-1])
        return (s * w[..., None, :]) @ np.linalg.inv(s)
    return sample


def _spd(a):
    return a @ _mT(a) + 3.0 * np.eye(np.shape(a)[-1])


# --- cholesky -----------------------------------------------------------------------------
case("cholesky_spd", lambda a: np.linalg.cholesky(_spd(a)), (np.linalg.cholesky,),
     fixed(((3, 3), STD)))
UPPER = np.lib.NumpyVersion(np.__version__) >= "2.0.0"   # cholesky's upper= is NumPy 2's
if UPPER:
    case("cholesky_batched_upper", lambda a: np.linalg.cholesky(_spd(a), upper=True), (),
         fixed(((2, 3, 3), STD)))
# a general input: only the lower (upper) triangle is read, and gets a gradient
case("cholesky_triangle", lambda a: (np.linalg.cholesky(a),) + (
    (np.linalg.cholesky(a, upper=True),) if UPPER else ()),
     (), fixed(((3, 3), spectrum([1.0, 2.0, 3.0], noise=0.2))))

# --- eigh, eigvalsh -------------------------------------------------------------------------
C3 = np.array([1.0, -2.0, 0.5])
for uplo in ("L", "U"):
    case(f"eigh_{uplo}", lambda a, uplo=uplo: (lambda r: (r.eigenvalues, r.eigenvectors ** 2,
                                                          (C3 @ r.eigenvectors) ** 2))(
        np.linalg.eigh(a, UPLO=uplo)), (np.linalg.eigh,),
        fixed(((3, 3), spectrum([-1.0, 0.5, 2.0], noise=0.3))))
    case(f"eigvalsh_{uplo}", lambda a, uplo=uplo: np.linalg.eigvalsh(a, UPLO=uplo),
         (np.linalg.eigvalsh,), fixed(((3, 3), spectrum([-1.0, 0.5, 2.0], noise=0.3))))
case("eigh_batched", lambda a: (lambda r: (r[0], r[1] * r[1]))(np.linalg.eigh(a)), (),
     fixed(((2, 3, 3), spectrum([0.0, 1.0, 2.0]))))
case("eigh_values_only", lambda a: np.linalg.eigh(a)[0] * np.linalg.eigvalsh(a), (),
     fixed(((2, 3, 3), spectrum([0.0, 1.0, 2.0]))))

# --- svd ---------------------------------------------------------------------------------
def _usv(r):
    return r.U * r.U, r.S, r.Vh * r.Vh, r.U @ (r.S[..., None] * r.Vh)


for shape in [(3, 3), (4, 2), (2, 4), (2, 4, 3)]:
    case(f"svd_thin{shape}", lambda a: _usv(np.linalg.svd(a, full_matrices=False)),
         (np.linalg.svd,), fixed((shape, singular([3.0, 2.0, 1.0]))))
    if shape in ((4, 2), (2, 4, 3)):
        case(f"svd_values{shape}", lambda a: np.linalg.svd(a, compute_uv=False), (),
             fixed((shape, singular([3.0, 2.0, 1.0]))))
case("svd_full_square", lambda a: _usv(np.linalg.svd(a)), (), fixed(((3, 3), singular([3.0, 2.0, 1.0]))))
case("svd_hermitian", lambda a: (lambda r: (r[0] ** 2, r[1], r[2] ** 2))(
    np.linalg.svd(a, hermitian=True)) + (np.linalg.svd(a, compute_uv=False, hermitian=True),),
     (), fixed(((3, 3), spectrum([-3.0, 1.0, 2.0], noise=0.2))))

# --- qr ----------------------------------------------------------------------------------
for shape in [(3, 3), (4, 2), (2, 4), (2, 4, 3), (2, 2, 3)]:
    case(f"qr{shape}", lambda a: tuple(np.linalg.qr(a)) + (np.linalg.qr(a, mode="r"),),
         (np.linalg.qr,), fixed((shape, singular([3.0, 2.0, 1.0]))))
case("qr_complete_square", lambda a: tuple(np.linalg.qr(a, mode="complete")), (),
     fixed(((3, 3), well_conditioned(3))))

# --- pinv, lstsq -------------------------------------------------------------------------
for shape in [(3, 3), (4, 2), (2, 4), (2, 4, 3)]:
    case(f"pinv{shape}", lambda a: np.linalg.pinv(a), (np.linalg.pinv,),
         fixed((shape, singular([3.0, 2.0, 1.0]))))
case("pinv_rank_deficient", lambda u, v: np.linalg.pinv(u @ v), (),
     fixed(((4, 2), singular([2.0, 1.0])), ((2, 3), singular([2.0, 1.0]))))
case("pinv_hermitian", lambda a: np.linalg.pinv(a, hermitian=True), (),
     fixed(((3, 3), spectrum([-3.0, 1.0, 2.0], noise=0.2))))
for sa, sb in [((4, 2), (4,)), ((4, 3), (4, 2)), ((3, 3), (3,)), ((2, 4), (2, 2))]:
    case(f"lstsq{sa}{sb}",
         lambda a, b: (lambda r: (r[0], r[1], r[3]))(np.linalg.lstsq(a, b, rcond=None)),
         (np.linalg.lstsq,), fixed((sa, singular([3.0, 2.0, 1.0])), (sb, STD)))

# --- eig, eigvals (real eigenvalues) --------------------------------------------------------
case("eig", lambda a: (lambda r: (r[0], r[1] ** 2))(np.linalg.eig(a)), (np.linalg.eig,),
     fixed(((3, 3), real_eigen([-1.0, 0.5, 2.0]))))
case("eigvals_batched", lambda a: np.linalg.eigvals(a), (np.linalg.eigvals,),
     fixed(((2, 3, 3), real_eigen([-1.0, 0.5, 2.0]))))

# --- matrix_power, multi_dot, norms -------------------------------------------------------------
for n in (0, 3, 5, -2):
    case(f"matrix_power_{n}", lambda a, n=n: np.linalg.matrix_power(a, n) + 0.0 * a,
         (np.linalg.matrix_power,), fixed(((2, 3, 3), lambda rng, s: 0.5 * well_conditioned(3)(rng, s))))
for shapes in [[(3,), (3, 4), (4,)], [(2, 3), (3, 4), (4, 2)], [(2, 3), (3, 4), (4, 5), (5,)],
               [(3, 4), (4, 2)]]:
    case(f"multi_dot{len(shapes)}_{shapes[0]}_{shapes[-1]}", lambda *xs: np.linalg.multi_dot(xs),
         (np.linalg.multi_dot,), fixed(*[(s, STD) for s in shapes]))
case("norm_singular_values", lambda x: (np.linalg.norm(x[0], 2), np.linalg.norm(x, -2, axis=(1, 2)),
                                        np.linalg.norm(x, "nuc", axis=(2, 1), keepdims=True)),
     (), fixed(((2, 3, 4), singular([3.0, 2.0, 1.0]))))
