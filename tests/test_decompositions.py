"""Behaviour of the np.linalg decompositions on traced values (optad.prims.decompositions)
and of matrix_power, multi_dot and the singular-value norms: values are NumPy's own for
every keyword, the refusals (repeated eigen/singular values for vectors, the extra
columns of full factors, complex eigenvectors) are clear errors, and only the triangle
NumPy reads gets a gradient. The derivatives themselves are checked in cases_linalg.py.
"""

import warnings

import numpy as np
import optad
import pytest
from optad.errors import NotDifferentiableError
from optad.testing import check_derivatives

from cases_linalg import real_eigen, singular, spectrum

RNG = np.random.default_rng(7)
# cholesky's upper= and pinv's rtol= are NumPy 2's: NumPy 1.x refuses them itself (TypeError)
NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"
ONLY_NUMPY2 = pytest.mark.skipif(not NUMPY2, reason="a keyword NumPy 2.0 added")
SYM = spectrum([-1.0, 0.5, 2.0], noise=0.3)(RNG, (3, 3))       # unsymmetric on purpose
SPD = SYM @ SYM.T + 3.0 * np.eye(3) + 0.2 * np.triu(RNG.standard_normal((3, 3)), 1)
TALL = singular([3.0, 2.0, 1.0])(RNG, (4, 3))
STACK = singular([3.0, 2.0, 1.0])(RNG, (2, 3, 4))


def traced(f, *args):
    """f's result computed on traced values (recorded for reverse mode), as plain arrays."""
    return optad.vjp(f, *args)[0]


def same(got, expected):
    got, expected = optad.tree.flatten(got)[0], optad.tree.flatten(expected)[0]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert np.shape(g) == np.shape(e) and np.array_equal(g, e), (g, e)


# --- values equal NumPy's -----------------------------------------------------------------
@pytest.mark.parametrize("f, args", [
    (lambda a: np.linalg.cholesky(a), (SPD,)),
    pytest.param(lambda a: np.linalg.cholesky(a, upper=True), (SPD,), marks=ONLY_NUMPY2),
    (lambda a: tuple(np.linalg.eigh(a)), (SYM,)),
    (lambda a: tuple(np.linalg.eigh(a, UPLO="U")), (SYM,)),
    (lambda a: tuple(np.linalg.eigh(a, "u")), (SYM,)),
    (lambda a: np.linalg.eigvalsh(a), (SYM,)),
    (lambda a: np.linalg.eigvalsh(a, UPLO="U"), (SYM,)),
    (lambda a: tuple(np.linalg.svd(a)), (TALL,)),
    (lambda a: tuple(np.linalg.svd(a, full_matrices=False)), (STACK,)),
    (lambda a: tuple(np.linalg.svd(a, full_matrices=True)), (STACK,)),
    (lambda a: np.linalg.svd(a, compute_uv=False), (STACK,)),
    (lambda a: tuple(np.linalg.svd(a, hermitian=True)), (SYM,)),
    (lambda a: np.linalg.svd(a, compute_uv=False, hermitian=True), (SYM,)),
    (lambda a: tuple(np.linalg.qr(a)), (TALL,)),
    (lambda a: tuple(np.linalg.qr(a)), (STACK,)),
    (lambda a: tuple(np.linalg.qr(a, mode="complete")), (TALL,)),
    (lambda a: np.linalg.qr(a, mode="r"), (STACK,)),
    (lambda a: np.linalg.pinv(a), (STACK,)),
    (lambda a: np.linalg.pinv(a, rcond=1e-3), (TALL,)),
    pytest.param(lambda a: np.linalg.pinv(a, rtol=None), (TALL,), marks=ONLY_NUMPY2),
    pytest.param(lambda a: np.linalg.pinv(a, rtol=1e-8), (TALL,), marks=ONLY_NUMPY2),
    (lambda a: np.linalg.pinv(a, hermitian=True), (SYM,)),
    (lambda a: tuple(np.linalg.eig(a)), (real_eigen([-1.0, 0.5, 2.0])(RNG, (2, 3, 3)),)),
    (lambda a: np.linalg.eigvals(a), (real_eigen([-1.0, 0.5, 2.0])(RNG, (3, 3)),)),
    (lambda a: np.linalg.norm(a, 2), (TALL,)),
    (lambda a: np.linalg.norm(a, -2, axis=(2, 1), keepdims=True), (STACK,)),
    (lambda a: np.linalg.norm(a, "nuc", axis=(0, 2)), (STACK,)),
])
def test_values_are_numpys(f, args):
    same(traced(f, *args), f(*args))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 6, 7, 13, -1, -2, -5])
def test_matrix_power_values_and_identity(n):
    a = singular([1.2, 1.0, 0.8])(RNG, (2, 3, 3))
    same(traced(lambda a: np.linalg.matrix_power(a, n), a), np.linalg.matrix_power(a, n))
    if n == 0:   # the identity does not depend on a
        assert np.array_equal(optad.grad(lambda a: np.sum(np.linalg.matrix_power(a, 0)))(a),
                              np.zeros_like(a))


def test_matrix_power_refuses_what_numpy_refuses():
    with pytest.raises(TypeError, match="exponent must be an integer"):
        optad.grad(lambda a: np.sum(np.linalg.matrix_power(a, 2.0)))(np.eye(2))
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        optad.grad(lambda a: np.sum(np.linalg.matrix_power(a, 2)))(np.ones((2, 3)))


@pytest.mark.parametrize("shapes", [
    [(3,), (3, 4)], [(3,), (3, 4), (4,)], [(10, 100), (100, 5), (5, 50)], [(5, 50), (50, 100), (100, 5)],
    [(2, 9), (9, 3), (3, 8), (8, 4), (4,)], [(7,), (7, 2), (2, 6), (6, 5)], [(3, 2), (2, 3), (3, 2), (2, 3)],
])
def test_multi_dot_uses_numpys_order(shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    same(traced(lambda *xs: np.linalg.multi_dot(xs), *arrays), np.linalg.multi_dot(arrays))


def test_multi_dot_refuses_out_and_too_few():
    with pytest.raises(TypeError, match="out="):
        optad.grad(lambda a: np.sum(np.linalg.multi_dot([a, a, a], out=np.zeros((2, 2)))))(np.eye(2))
    with pytest.raises(ValueError, match="at least two"):
        optad.grad(lambda a: np.sum(np.linalg.multi_dot([a])))(np.eye(2))


# --- lstsq -----------------------------------------------------------------------------
@pytest.mark.parametrize("a, b, rcond", [
    (TALL, RNG.standard_normal(4), None), (TALL, RNG.standard_normal((4, 2)), None),
    (TALL.T, RNG.standard_normal(3), None), (TALL[:3], RNG.standard_normal(3), -1),
    (TALL, RNG.standard_normal(4), 0.5),          # drops nothing (s ≥ 0.9 > 0.5·3.1)
])
def test_lstsq_returns_numpys_tuple(a, b, rcond):
    expected = np.linalg.lstsq(a, b, rcond=rcond)
    got = traced(lambda a, b: np.linalg.lstsq(a, b, rcond=rcond), a, b)
    assert isinstance(got, tuple) and len(got) == 4
    assert isinstance(got[2], int) and got[2] == expected[2]
    same(got[:2] + got[3:], expected[:2] + expected[3:])


def test_lstsq_residuals_only_when_numpy_gives_them():
    b = RNG.standard_normal(3)
    res = traced(lambda a, b: np.linalg.lstsq(a, b, rcond=None)[1], TALL.T, b)
    assert np.shape(res) == (0,)
    g = optad.grad(lambda b: np.sum(np.linalg.lstsq(TALL, b, rcond=None)[1]))(
        RNG.standard_normal(4))
    assert g.shape == (4,) and np.all(np.isfinite(g))


def test_lstsq_rank_deficient_follows_pinv():
    a = singular([2.0, 1.0])(RNG, (4, 2)) @ singular([1.0, 1.5])(RNG, (2, 3))   # rank 2
    b = RNG.standard_normal(4)
    # (rcond=None: NumPy 2's default; NumPy 1.x's, machine precision, keeps the rounding
    # errors of the zero singular value as rank)
    ga = optad.grad(lambda a: np.sum(np.linalg.lstsq(a, b, rcond=None)[0] ** 2))(a)
    gp = optad.grad(lambda a: np.sum((np.linalg.pinv(a) @ b) ** 2))(a)
    assert np.allclose(ga, gp, atol=1e-10)
    assert np.linalg.lstsq(a, b, rcond=None)[2] == 2


def test_lstsq_default_rcond_is_the_running_numpys():
    # a smallest singular value (relative) between machine precision (NumPy 1.x's default
    # cutoff, rcond="warn" meaning -1) and 200·eps (NumPy 2's, rcond=None): the rank tells
    rng = np.random.default_rng(3)
    u = np.linalg.qr(rng.standard_normal((200, 3)))[0]
    v = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    a, b = (u * [1.0, 0.5, 1e-14]) @ v.T, rng.standard_normal(200)
    warned = []
    for call in (lambda: np.linalg.lstsq(a, b),
                 lambda: traced(lambda a, b: np.linalg.lstsq(a, b), a, b)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = call()
        warned.append([(w.category, str(w.message)) for w in caught])
    expected, got = np.linalg.lstsq(a, b, rcond=None if NUMPY2 else -1), result
    assert warned[1] == warned[0] and len(warned[0]) == (0 if NUMPY2 else 1)
    assert got[2] == expected[2] == (2 if NUMPY2 else 3)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)


# --- one triangle --------------------------------------------------------------------------
@pytest.mark.parametrize("f, uplo", [
    (lambda a: np.sum(np.linalg.eigvalsh(a) ** 3), "L"),
    (lambda a: np.sum(np.linalg.eigvalsh(a, UPLO="U") ** 3), "U"),
    (lambda a: np.sum(np.linalg.eigh(a, UPLO="U")[1] ** 3), "U"),
    (lambda a: np.sum(np.linalg.eigh(a)[1][0] ** 2 * np.arange(3.0)), "L"),
    (lambda a: np.sum(np.linalg.cholesky(a) ** 3), "L"),
    pytest.param(lambda a: np.sum(np.linalg.cholesky(a, upper=True) ** 3), "U", marks=ONLY_NUMPY2),
    (lambda a: np.sum(np.linalg.pinv(a, hermitian=True) ** 3), "L"),
])
def test_only_the_triangle_numpy_reads_has_a_gradient(f, uplo):
    a = SPD
    g = optad.grad(f)(a)
    other = np.triu(g, 1) if uplo == "L" else np.tril(g, -1)
    assert np.all(other == 0.0)
    # and the rest is the gradient of the symmetric matrix NumPy decomposes, folded
    tri = np.tril if uplo == "L" else np.triu
    sym = lambda t: tri(t) + tri(t, -1 if uplo == "L" else 1).T   # noqa: E731
    gs = optad.grad(lambda t: f(sym(t)))(a)
    assert np.allclose(g, gs, rtol=1e-12, atol=1e-12)
    assert np.allclose(optad.grad(f)(sym(a)), g)     # the other triangle's values do not matter


def test_uplo_must_be_l_or_u():
    with pytest.raises(ValueError, match="UPLO"):
        optad.grad(lambda a: np.sum(np.linalg.eigvalsh(a, UPLO="X")))(SPD)


# --- repeated values ------------------------------------------------------------------------
REPEATED = np.diag([1.0, 2.0, 2.0])


def test_eigenvalues_alone_are_differentiable_at_repeated_values():
    g = optad.grad(lambda a: np.sum(np.linalg.eigvalsh(a) * [1.0, 2.0, 3.0]))(REPEATED)
    assert np.all(np.isfinite(g)) and np.isclose(np.trace(g), 6.0)
    g2 = optad.grad(lambda a: np.sum(np.linalg.eigh(a)[0] * [1.0, 2.0, 3.0]))(REPEATED)
    assert np.allclose(g, g2)
    assert np.allclose(optad.grad(lambda a: np.linalg.norm(a, 2))(np.eye(3)).trace(), 1.0)
    assert np.allclose(optad.grad(lambda a: np.linalg.norm(a, "nuc"))(np.eye(3)), np.eye(3))
    assert np.all(np.isfinite(optad.grad(lambda a: np.sum(np.linalg.svd(a)[1]))(np.eye(3))))


@pytest.mark.parametrize("f, which", [
    (lambda a: np.sum(np.linalg.eigh(a)[1] ** 2 @ [1.0, 2.0, 3.0]), "eigenvalues 1 and 2"),
    (lambda a: np.sum(np.linalg.svd(a)[0] ** 2 @ [1.0, 2.0, 3.0]), "singular values 0 and 1"),
    # (np.real: NumPy 2.5's eig returns complex arrays, also for real eigenvalues)
    (lambda a: np.real(np.sum(np.linalg.eig(a)[1] ** 2 @ [1.0, 2.0, 3.0])), "eigenvalues 1 and 2"),
])
def test_vectors_at_repeated_values_are_refused(f, which):
    with pytest.raises(NotDifferentiableError, match=which) as info:
        optad.grad(f)(REPEATED)
    assert "perturb" in str(info.value)
    with pytest.raises(NotDifferentiableError, match="forward mode"):
        optad.jvp(f, (REPEATED,), (np.ones((3, 3)),))


def test_nearly_repeated_values_are_refused_and_the_matrix_is_named():
    a = np.stack([np.diag([1.0, 2.0, 3.0]), np.diag([1.0, 2.0, 2.0 + 1e-12])])
    with pytest.raises(NotDifferentiableError, match=r"matrix \(1,\)"):
        optad.grad(lambda a: np.sum(np.linalg.eigh(a)[1] ** 3))(a)


def test_rank_deficient_non_square_singular_vectors_are_refused():
    a = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    with pytest.raises(NotDifferentiableError, match="rank-deficient"):
        optad.grad(lambda a: np.sum(np.linalg.svd(a, full_matrices=False)[0] ** 3))(a)


# --- full factors ----------------------------------------------------------------------------
@pytest.mark.parametrize("a", [TALL, TALL.T])
def test_svd_full_matrices_thin_part_only(a):
    k = min(a.shape)
    thin = lambda a: np.sum(np.linalg.svd(a, full_matrices=False)[0] ** 3)   # noqa: E731
    g_full = optad.grad(lambda a: np.sum(np.linalg.svd(a)[0][:, :k] ** 3))(a)
    assert np.allclose(g_full, optad.grad(thin)(a), rtol=1e-12, atol=1e-12)
    with pytest.raises(NotDifferentiableError, match="full_matrices=False"):
        optad.grad(lambda a: np.sum(np.linalg.svd(a)[0] ** 3) + np.sum(np.linalg.svd(a)[2] ** 3))(a)
    with pytest.raises(NotDifferentiableError, match="Forward mode"):
        optad.jvp(lambda a: np.linalg.svd(a)[1], (a,), (a,))


def test_qr_complete_thin_part_only_and_modes():
    g = optad.grad(lambda a: np.sum(np.linalg.qr(a, mode="complete")[0][:, :3] ** 3))(TALL)
    assert np.allclose(g, optad.grad(lambda a: np.sum(np.linalg.qr(a)[0] ** 3))(TALL))
    with pytest.raises(NotDifferentiableError, match="mode='reduced'"):
        optad.grad(lambda a: np.sum(np.linalg.qr(a, mode="complete")[0] ** 3))(TALL)
    with pytest.raises(NotDifferentiableError, match="raw"):
        optad.grad(lambda a: np.sum(np.linalg.qr(a, mode="raw")[0]))(TALL)
    with pytest.raises(ValueError, match="Unrecognized mode"):
        optad.grad(lambda a: np.sum(np.linalg.qr(a, mode="nope")))(TALL)


def test_qr_of_dependent_columns_is_refused():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    with pytest.raises(NotDifferentiableError, match="linearly dependent"):
        optad.grad(lambda a: np.sum(np.linalg.qr(a)[0]))(a)


# --- pinv, eig refusals -----------------------------------------------------------------------
def test_pinv_refuses_dropping_singular_values_that_are_not_zero():
    with pytest.raises(NotDifferentiableError, match="rcond"):
        optad.grad(lambda a: np.sum(np.linalg.pinv(a, rcond=0.5)))(TALL)
    with pytest.raises(ValueError if NUMPY2 else TypeError,
                       match="both" if NUMPY2 else "unexpected keyword argument 'rtol'"):
        optad.grad(lambda a: np.sum(np.linalg.pinv(a, rcond=0.1, rtol=0.1)))(TALL)
    if not NUMPY2:
        with pytest.raises(TypeError, match="unexpected keyword argument 'upper'"):
            optad.grad(lambda a: np.sum(np.linalg.cholesky(a, upper=True)))(SPD)


def test_complex_eigenvalues_differentiate_and_complex_eigenvectors_are_refused():
    a = np.array([[0.0, -2.0], [1.0, 0.3]])            # eigenvalues 0.15 ± 1.406i
    for f in (lambda a: np.real(np.sum(np.linalg.eigvals(a) ** 2)) + np.abs(np.linalg.eigvals(a)[0]),
              lambda a: np.imag(np.linalg.eig(a)[0][0]) * np.real(np.linalg.eig(a)[0][1])):
        assert optad.check_grad(f, a) < 1e-7
    check_derivatives(lambda a: np.linalg.eigvals(a), a)
    with pytest.raises(NotDifferentiableError, match="up to a phase"):
        optad.grad(lambda a: np.abs(np.linalg.eig(a)[1][0, 0]))(a)


# --- second order and the reference engine -------------------------------------------------------
def test_hessian_of_logdet_through_cholesky_matches_slogdet():
    def via_cholesky(a):
        return 2.0 * np.sum(np.log(np.diagonal(np.linalg.cholesky(a))))
    sym = SPD + SPD.T          # symmetric: both read the same matrix

    def on_sym(t):
        return t + t.T - np.diag(np.diag(t))   # any matrix -> symmetric, the lower triangle free

    h1 = optad.hessian(lambda t: via_cholesky(on_sym(t)))(np.tril(sym))
    h2 = optad.hessian(lambda t: np.linalg.slogdet(on_sym(t))[1])(np.tril(sym))
    assert np.allclose(h1, h2, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", [
    lambda a: np.sum(np.linalg.cholesky(a @ a.T + 3.0 * np.eye(3)) ** 2),
    lambda a: np.sum(np.linalg.eigh(a)[1] ** 4) + np.sum(np.linalg.eigvalsh(a) ** 3),
    lambda a: np.sum(np.linalg.svd(a)[0] ** 4) + np.linalg.norm(a, "nuc"),
    lambda a: np.sum(np.linalg.qr(a)[0] ** 3) + np.sum(np.linalg.pinv(a) ** 2),
])
def test_reference_engine_agrees(f):
    a = SYM
    g = optad.grad(f)(a)
    h = optad.hessian(f)(a)
    with optad.reference():
        assert np.allclose(optad.grad(f)(a), g, rtol=1e-12, atol=1e-12)
        assert np.allclose(optad.hessian(f)(a), h, rtol=1e-10, atol=1e-10)
