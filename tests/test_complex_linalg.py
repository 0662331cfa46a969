"""Complex decompositions, selections, std and special functions: values equal NumPy's and
SciPy's (dtypes too: singular values, eigenvalues of Hermitian matrices and residuals
are real), gradients in the user convention (∂f/∂Re z + i·∂f/∂Im z), the phase of
complex vectors (refused in reverse mode, a documented gauge in forward mode), and what
stays refused. The derivative cases themselves are in tests/cases_complex_linalg.py.
"""

import numpy as np
import optad
import pytest
import scipy.special as sp

from optad.errors import ComplexValueError, NotDifferentiableError

from cases_complex_linalg import NUMPY2, _cholesky_upper
from test_complex import _numerical_complex_grad

LA = np.linalg

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
T = RNG.standard_normal((4, 3)) + 1j * RNG.standard_normal((4, 3))
H = A @ A.conj().T + 3 * np.eye(3)          # Hermitian positive definite


_numerical_grad = _numerical_complex_grad     # ∂f/∂Re z + i·∂f/∂Im z by central differences


def _traced(f, *args):
    """f's value when it runs on traced arguments."""
    return optad.vjp(f, *args)[0]


def _same(got, expected):
    for g, e in zip(got if isinstance(got, tuple) else (got,),
                    expected if isinstance(expected, tuple) else (expected,)):
        assert np.asarray(g).dtype == np.asarray(e).dtype
        np.testing.assert_allclose(g, e, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name, f, args", [
    ("svd", lambda a: tuple(LA.svd(a)), (A,)),
    ("svd_thin", lambda a: tuple(LA.svd(a, full_matrices=False)), (T,)),
    ("svd_values", lambda a: LA.svd(a, compute_uv=False), (T,)),
    ("svd_hermitian", lambda a: tuple(LA.svd(a, hermitian=True)), (H,)),
    ("eigh", lambda a: tuple(LA.eigh(a)), (A,)),
    ("eigh_U", lambda a: tuple(LA.eigh(a, UPLO="U")), (A,)),
    ("eigvalsh", lambda a: LA.eigvalsh(a, "U"), (A,)),
    ("cholesky", lambda a: (LA.cholesky(a), _cholesky_upper(a)), (H,)),
    ("qr", lambda a: tuple(LA.qr(a)) + tuple(LA.qr(a.T, mode="complete")) + (LA.qr(a, mode="r"),),
     (T,)),
    ("pinv", lambda a, h: (LA.pinv(a), LA.pinv(h, hermitian=True)), (T, H)),
    ("lstsq", lambda a, b: (lambda r: (r[0], r[1], r[3]))(LA.lstsq(a, b)), (T, T[:, 0] * 1j + 1)),
    ("norms", lambda a: (LA.norm(a, 2), LA.norm(a, -2), LA.norm(a, "nuc")), (T,)),
    ("selections", lambda z: (np.max(z), np.min(z, axis=0), np.maximum(z, z.T), np.minimum(z, 0.5),
                              np.sort(z, axis=None), np.std(z), np.std(z, axis=1, ddof=1)), (A,)),
    ("special", lambda z: (sp.erf(z), sp.erfc(z), sp.ndtr(z), sp.log_ndtr(z), sp.gamma(z),
                           sp.loggamma(z), sp.digamma(z), sp.xlogy(z, z.T), sp.xlog1py(z, 2.0)),
     (A + 2.0,)),
])
def test_values_equal_numpy(name, f, args):
    _same(_traced(f, *args), f(*args))


def test_lstsq_rank_is_an_int_and_residuals_are_real():
    x, res, rank, s = _traced(lambda a, b: LA.lstsq(a, b), T, T[:, 0] + 1j)
    assert rank == 3 and isinstance(rank, int)
    assert res.dtype == np.float64 and s.dtype == np.float64 and x.dtype == np.complex128


# --- gradients in closed form --------------------------------------------------------------
def test_spectral_norm_gradient_is_u1_v1h():
    # σ₁ = Re(u₁ᴴ dA v₁): the gradient ∂/∂Re + i ∂/∂Im is u₁ v₁ᴴ
    u, s, vh = LA.svd(T, full_matrices=False)
    np.testing.assert_allclose(optad.grad(lambda a: LA.norm(a, 2))(T), np.outer(u[:, 0], vh[0]),
                               atol=1e-12)
    np.testing.assert_allclose(optad.grad(lambda a: LA.norm(a, "nuc"))(T), u @ vh, atol=1e-12)


def test_eigenvalue_gradient_reads_one_triangle_and_the_real_diagonal():
    f = lambda a: LA.eigvalsh(a)[2]             # noqa: E731  (reads the lower triangle)
    g = optad.grad(f)(A)
    np.testing.assert_allclose(g, _numerical_grad(f, A), atol=1e-7)
    assert np.all(np.triu(g, 1) == 0) and np.all(np.imag(np.diag(g)) == 0)
    # on the Hermitian matrix read, w = vᴴ S v: its gradient folds v vᴴ onto the lower triangle
    s = np.tril(A, -1) + np.tril(A, -1).conj().T + np.diag(np.diag(A).real)
    v = LA.eigh(s)[1][:, 2]
    p = np.outer(v, v.conj())
    np.testing.assert_allclose(g, np.tril(2 * p, -1) + np.diag(np.diag(p).real), atol=1e-12)


def test_cholesky_gradient_matches_differences():
    f = lambda a: np.sum(np.abs(_cholesky_upper(a)) ** 2 * np.arange(9.0).reshape(3, 3))  # noqa: E731
    g = optad.grad(f)(H)
    np.testing.assert_allclose(g, _numerical_grad(f, H), atol=1e-6)
    if NUMPY2:
        assert np.all(np.tril(g, -1) == 0)      # upper=True reads the upper triangle


def test_phase_invariant_functions_of_vectors_match_differences():
    c = np.array([1.0, -2.0, 0.5])

    def f(a):
        u, s, vh = LA.svd(a, full_matrices=False)
        w, v = LA.eigh(a.T @ a.conj())
        return (np.sum(np.abs(u) ** 2 * np.arange(12.0).reshape(4, 3))
                + np.real(np.sum((u * s) @ vh * np.arange(12.0).reshape(4, 3)))
                + np.real(np.trace((v * c) @ v.conj().T @ np.diag([1.0, 2.0, 3.0]))))
    np.testing.assert_allclose(optad.grad(f)(T), _numerical_grad(f, T), atol=1e-6)


# --- the phase of complex vectors ----------------------------------------------------------
@pytest.mark.parametrize("f", [
    lambda a: np.real(LA.svd(a)[0][1, 0]),
    lambda a: np.real(np.sum(LA.svd(a, full_matrices=False)[2])),
    lambda a: np.real(np.sum(LA.eigh(a)[1])),
    lambda a: np.real(np.sum(LA.eigh(a, UPLO="U")[1][:, 1])),
    lambda a: np.real(np.sum(LA.svd(a, hermitian=True)[0])),
])
def test_phase_dependent_functions_of_complex_vectors_are_refused(f):
    with pytest.raises(NotDifferentiableError, match="up to a phase"):
        optad.grad(f)(A)


def test_real_matrices_keep_real_vectors_and_no_phase_check():
    # real input: real U (defined up to a sign only), so Re U[1, 0] is differentiable
    g = optad.grad(lambda a: np.real(LA.svd(a)[0][1, 0]))(A.real)
    assert g.dtype == np.float64


def test_forward_mode_gauge_is_documented():
    # Forward mode cannot see what the vectors are used for: it returns the tangent in the
    # gauge Im diag(Vᴴ dV) = 0 (svd: the vᵢ keep their phase, the uᵢ take Im(uᵢᴴ dA vᵢ)/sᵢ)
    da = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
    (u, s, vh), (du, ds, dvh) = optad.jvp(lambda a: tuple(LA.svd(a)), (A,), (da,))
    np.testing.assert_allclose(np.diag(vh @ dvh.conj().T).imag, 0.0, atol=1e-12)
    p = u.conj().T @ da @ vh.conj().T
    np.testing.assert_allclose(np.diag(u.conj().T @ du).imag, np.diag(p).imag / s, atol=1e-12)
    (w, v), (dw, dv) = optad.jvp(lambda a: tuple(LA.eigh(a)), (A,), (da,))
    assert dw.dtype == np.float64
    np.testing.assert_allclose(np.diag(v.conj().T @ dv).imag, 0.0, atol=1e-12)


def test_singular_vectors_of_a_singular_complex_square_matrix_are_refused():
    u, _, vh = LA.svd(A)
    a = (u * [2.0, 1.0, 0.0]) @ vh
    with pytest.raises(NotDifferentiableError, match="singular value is 0"):
        optad.grad(lambda a: np.sum(np.abs(LA.svd(a)[0]) ** 2 * np.arange(9.0).reshape(3, 3)))(a)
    optad.grad(lambda a: np.sum(LA.svd(a, compute_uv=False)))(a)     # the values are fine


# --- selections: lexicographic, as NumPy -----------------------------------------------------
def test_max_follows_the_lexicographic_order():
    z = np.array([1.0 + 2.0j, 1.0 + 3.0j, 0.5 + 5.0j])      # real parts tie: the imaginary decides
    assert _traced(np.max, z) == np.max(z) == 1.0 + 3.0j
    np.testing.assert_array_equal(optad.grad(lambda z: np.imag(np.max(z)))(z), [0, 1j, 0])
    np.testing.assert_array_equal(optad.grad(lambda z: np.real(np.min(z)))(z), [0, 0, 1])


def test_ties_between_equal_complex_values_split_evenly():
    z = np.array([1.0 + 1.0j, 1.0 + 1.0j, 0.0j])
    np.testing.assert_array_equal(optad.grad(lambda z: np.real(np.max(z)))(z), [0.5, 0.5, 0])
    w = np.array([1.0 + 1.0j, 2.0 + 0.0j, 0.0j])
    g1, g2 = optad.grad(lambda z, w: np.real(np.sum(np.maximum(z, w))), argnums=(0, 1))(z, w)
    np.testing.assert_array_equal(g1, [0.5, 0, 0.5])       # tie, 2 > 1+1j, tie
    np.testing.assert_array_equal(g2, [0.5, 1, 0.5])


def test_maximum_of_complex_and_real_gives_the_real_argument_a_real_gradient():
    z = np.array([1.0 + 5.0j, -1.0 + 1.0j])
    g = optad.grad(lambda x: np.abs(np.sum(np.maximum(z, x))) ** 2)(np.array([0.0, 0.0]))
    assert g.dtype == np.float64 and g[0] == 0 and g[1] != 0


def test_std_of_complex_values():
    f = lambda z: np.std(z, ddof=1) + (  # noqa: E731
        np.std(z[:, :2], mean=np.mean(z[:, :2])) if NUMPY2 else np.std(z[:, :2]))
    value, g = optad.value_and_grad(f)(A)
    assert value == pytest.approx(f(A), rel=1e-14)
    np.testing.assert_allclose(g, _numerical_grad(f, A), atol=1e-7)
    # std = sqrt(var): the same gradient as through var
    np.testing.assert_allclose(optad.grad(lambda z: np.std(z))(A),
                               optad.grad(lambda z: np.sqrt(np.var(z)))(A), rtol=1e-12)


# --- special functions ------------------------------------------------------------------------
def test_holomorphic_special_functions_have_the_complex_derivative():
    z = np.array([0.5 + 0.7j, 1.3 - 1.1j, -0.4 + 1.4j])
    for f, df in [(sp.erf, lambda z: 2 / np.sqrt(np.pi) * np.exp(-z * z)),
                  (sp.loggamma, sp.digamma), (sp.gamma, lambda z: sp.gamma(z) * sp.digamma(z))]:
        _, pullback = optad.vjp(f, z)
        np.testing.assert_allclose(pullback(np.ones(3) + 0j)[0], df(z), rtol=1e-13)


def test_complex_polygamma_matches_differences_of_digamma():
    z = np.array([0.5 + 0.7j, -1.2 + 0.4j, 3.0 - 5.0j, 25.0 + 1.0j])
    h = 1e-5
    fd = (sp.digamma(z + h) - sp.digamma(z - h)) / (2 * h)
    _, pullback = optad.vjp(sp.digamma, z)
    np.testing.assert_allclose(pullback(np.ones(4) + 0j)[0], fd, rtol=1e-8)
    # second order: ψ'' through the recurrence and the asymptotic series (|z| = 25: the
    # series alone)
    d2 = optad.jvp(lambda z: optad.vjp(sp.digamma, z)[1](np.ones(4) + 0j)[0], (z,), (np.ones(4) + 0j,))[1]
    h = 1e-3
    np.testing.assert_allclose(d2, (sp.digamma(z + h) - 2 * sp.digamma(z) + sp.digamma(z - h)) / h ** 2,
                               rtol=1e-5)


def test_real_special_functions_are_unchanged_and_loggamma_of_negative_reals_still_refused():
    assert optad.grad(sp.digamma)(2.5) == pytest.approx(sp.polygamma(1, 2.5), rel=1e-14)
    with pytest.raises(ComplexValueError, match="gammaln"):
        optad.grad(lambda x: np.sum(sp.loggamma(x)))(np.array([-1.5, 2.0]))
    # a complex argument left of 0 is fine: the principal branch
    z = np.array([-1.5 + 0.5j])
    _, pullback = optad.vjp(sp.loggamma, z)
    np.testing.assert_allclose(pullback(np.ones(1) + 0j)[0], sp.digamma(z), rtol=1e-13)


def test_what_stays_refused():
    for f in (lambda z: np.sign(z), lambda z: np.clip(z, 0, 1), lambda z: np.sinc(z)):
        with pytest.raises(ComplexValueError, match="no complex derivative rule"):
            optad.grad(lambda z: np.abs(np.sum(f(z))))(A)
    with pytest.raises(NotDifferentiableError, match="eigenvectors are complex"):
        optad.grad(lambda a: np.sum(np.abs(LA.eig(a)[1]) ** 2))(A)
