"""Matrix decompositions: ``np.linalg`` cholesky, eigh, eigvalsh, svd, qr, pinv, lstsq, and
eig, eigvals for matrices with real eigenvalues.

All are batched over leading axes as NumPy is, for real (float64) and complex
(complex128) matrices (eig: complex eigenvalues, real eigenvectors). Values are
NumPy's own (each primitive's implementation calls NumPy); the rules below are the
standard matrix-calculus identities, written with differentiable NumPy calls
(``matmul``, ``solve``, ``tril``, ``where``) so that they can be traced again.

A primitive has one output, so a decomposition with several outputs (``eigh``: w and
V) is one primitive whose output packs them along the last axis (each flattened); the
handler unpacks it with slices and reshapes, which are differentiable themselves.

The math (``F`` is the matrix of inverse gaps, 0 on its diagonal; ``∘`` elementwise;
``Φ(X)`` the lower triangle of X with its diagonal halved; cotangents carry bars):

* Triangles. NumPy's ``cholesky`` and ``eigh(UPLO='L')`` read only the lower triangle:
  they decompose S = tril(A) + tril(A, -1)ᵀ. A rule first finds S̄ for a general
  (unsymmetric) perturbation of S, then Ā = tril(S̄ + S̄ᵀ, -1) + diag(S̄): the other
  triangle's gradient is exactly 0, as for what NumPy computes.
* cholesky, S = L Lᵀ (Murray 2016): dL = L Φ(L⁻¹ dS L⁻ᵀ); S̄ = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹.
* eigh, S = V diag(w) Vᵀ, F_ij = 1/(w_j - w_i): dw = diag(Vᵀ dS V),
  dV = V (F ∘ Vᵀ dS V); S̄ = V (diag(w̄) + F ∘ Vᵀ V̄) Vᵀ.
* svd, A = U diag(s) Vᵀ thin (k = min(m, n)), F_ij = 1/(s_j² - s_i²), P = Uᵀ dA V:
  ds = diag(P), dU = U (F ∘ (P S + S Pᵀ)) + (I - UUᵀ) dA V S⁻¹, and dV likewise with
  Aᵀ; the reverse rule (Townsend 2016) Ā = U [(F ∘ (UᵀŪ - ŪᵀU)) S + diag(s̄) +
  S (F ∘ (VᵀV̄ - V̄ᵀV))] Vᵀ + (I - UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - VVᵀ).
* qr, A = Q R with m ≥ n (Walter & Lehmann 2018): with X = Qᵀ dA R⁻¹ and
  Ω = tril(X, -1) - tril(X, -1)ᵀ, dQ = Q (Ω - X) + dA R⁻¹ and dR = (X - Ω) R; reverse:
  M = R R̄ᵀ - Q̄ᵀ Q, Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ with copyltu(M) = tril(M) + tril(M, -1)ᵀ.
  A wide A = [X Y] (m < n) is X = Q R₁ (square) and R₂ = Qᵀ Y.
* pinv, P = A⁺ at constant rank (Golub & Pereyra 1973): dP = -P dA P + P Pᵀ dAᵀ (I - A P)
  + (I - P A) dAᵀ Pᵀ P.
* eig, A = V diag(w) V⁻¹ with unit columns vᵢ: M = V⁻¹ dA V, dw = diag(M),
  dV = V (F ∘ M) minus each column's part along itself; Ā = V⁻ᵀ (diag(w̄) + F ∘ Vᵀ V̄')
  Vᵀ with V̄' = V̄ - V diag(diag(VᵀV̄)).
* lstsq: x = A⁺ b; the residuals r = ‖b - A x‖² have Ā = -2 (b - A x) xᵀ r̄ and
  b̄ = 2 (b - A x) r̄ (x is optimal, so its own change does not count).

Eigenvalues and singular values alone use the first formula even where values repeat
(the usual subgradient-like choice). Eigenvectors and singular vectors do not exist as
functions there: their rules raise :class:`~optad.errors.NotDifferentiableError`
naming the repeated values (JAX and PyTorch return inf or NaN). The sign of each
eigenvector or singular vector is NumPy's (LAPACK's); the rules differentiate exactly
those vectors, and functions that do not depend on the sign (``V * V``,
``U @ diag(s) @ Vh``) are the ones worth differentiating.

**Complex matrices.** The decompositions conjugate inside their own math (A = U S Vᴴ,
S = L Lᴴ, a Hermitian S = V diag(w) Vᴴ with real w, A = Q R with Qᴴ Q = I and, as LAPACK
returns it, a real diagonal of R), while the cotangents keep the engines' convention
(:mod:`optad.prims.complex`: the pairing Re Σ ḡ·ż, no conjugation), so a reverse rule is
the transpose of the forward one under that pairing: a term in dA carries ``conj(U)``,
``Vᵀ = conj(Vh)`` (svd: Ā = conj(U) C Vᵀ), a term in dAᴴ a conjugate of the whole (pinv).
Triangles: cholesky and eigh read one triangle and the *real part* of the diagonal (LAPACK
ignores its imaginary part), S = tril(A, -1) + tril(A, -1)ᴴ + Re diag(A), so
Ā = tril(S̄ + conj(S̄)ᵀ, -1) + Re diag(S̄). The real outputs (eigenvalues of eigh, singular
values, lstsq's residuals and s) are real arrays, as NumPy's.

*Phases.* Each complex eigenvector of eigh, and each pair (uᵢ, vᵢ) of singular vectors,
is defined only up to a factor e^{iθ} (LAPACK picks one); only functions that do not
depend on it are differentiable: ``np.abs(V) ** 2``, projectors ``V @ diag(c) @ V.conj().T``,
``U @ diag(s) @ Vh``. The reverse rules refuse a cotangent that depends on a phase
(Im diag(Vᵀ V̄) ≠ 0, for svd Im diag(UᵀŪ + VᵀV̄), a first-order test of the function
used) with :class:`~optad.errors.NotDifferentiableError`. Forward mode cannot see how the
vectors are used: it returns their tangent in the gauge Im diag(Vᴴ dV) = 0 (JAX's), for svd
with the phase difference that A fixes, Im diag(Uᴴ dU) = Im diag(Uᴴ dA V)/s, put on U;
a phase-invariant function gets its exact tangent, another one the tangent of that gauge
(not of LAPACK's choice). svd of a complex matrix also refuses its vectors where a
singular value is 0 (the phases of uᵢ and vᵢ separate there). QR has no phase: R's real
diagonal fixes Q and R (Ω = Qᴴ dQ gets i Im diag(Qᴴ dA R⁻¹) on its diagonal).
"""

import warnings
from collections import namedtuple

import numpy as np

from ..engine import bind, value_of
from ..traced import decide, peek, plain, read
from ..errors import NotDifferentiableError
from ..primitive import Primitive
from .declare import implements

EighResult = namedtuple("EighResult", "eigenvalues eigenvectors")
EigResult = namedtuple("EigResult", "eigenvalues eigenvectors")
SVDResult = namedtuple("SVDResult", "U S Vh")
QRResult = namedtuple("QRResult", "Q R")

#: Two eigenvalues (singular values) closer than this times the largest magnitude count
#: as repeated: the vectors' derivatives (1/gap) would be meaningless there.
REPEATED_RTOL = 1e-10

# As the running NumPy: cholesky's upper= and pinv's rtol= are NumPy 2's (before it, NumPy
# refuses them itself, before optad sees the call), and lstsq's default rcond is None
# from NumPy 2.0 on, "warn" before (a FutureWarning, then machine precision: rcond=-1).
NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


# --- helpers ----------------------------------------------------------------------------
def _mT(a):
    return np.swapaxes(a, -1, -2)


def _diag(v):
    """Batched diagonal matrices from vectors (…, n) -> (…, n, n)."""
    n = np.shape(peek(v))[-1]
    return np.expand_dims(v, -1) * np.eye(n)


def _diagonal(m):
    """Batched diagonals (…, n, n) -> (…, n)."""
    n = np.shape(peek(m))[-1]
    return np.sum(m * np.eye(n), axis=-1)


def _pack(*parts, batch):
    """Flatten each part's core dims and join them along one last axis."""
    return np.concatenate([np.reshape(p, batch + (-1,)) for p in parts], axis=-1)


def _unpack(packed, shapes):
    """The parts of ``_pack``'s output, given each part's core shape."""
    batch = np.shape(peek(packed))[:-1]
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(np.reshape(packed[..., start:start + size], batch + tuple(shape)))
        start += size
    return parts


def _is_complex(x):
    return np.iscomplexobj(peek(x))


def _conj(a):
    """conj(a) for a complex a; a itself (untouched, no recorded step) for a real one."""
    return np.conjugate(a) if _is_complex(a) else a


def _mH(a):
    """The conjugate transpose (batched); the plain transpose of a real a."""
    return _conj(_mT(a))


def _re(a):
    """The real part of a complex a (a real output packed with complex ones); a itself
    for a real one."""
    return np.real(a) if _is_complex(a) else a


def _symmetric_from(t, uplo):
    """The matrix NumPy decomposes when it reads only the ``uplo`` triangle of ``t``:
    symmetric for a real t; Hermitian for a complex one, whose diagonal's imaginary
    part LAPACK ignores (it takes the diagonal as real)."""
    if not _is_complex(t):
        if uplo == "L":
            return np.tril(t) + _mT(np.tril(t, -1))
        return np.triu(t) + _mT(np.triu(t, 1))
    n = np.shape(peek(t))[-1]
    off = np.tril(t, -1) if uplo == "L" else np.triu(t, 1)
    return off + _mH(off) + np.real(t) * np.eye(n)


def _triangle_adjoint(s_bar, uplo):
    """Adjoint of ``_symmetric_from``: S̄ folded onto the triangle read (0 elsewhere);
    for a complex S̄, tril(S̄ + conj(S̄)ᵀ, -1) + Re diag(S̄) (Re Σ S̄·Ṡ with
    Ṡ_ji = conj(Ȧ_ij) pairs conj(S̄_ji) with Ȧ_ij; the diagonal's imaginary part is
    not read)."""
    n = np.shape(peek(s_bar))[-1]
    both = s_bar + _mH(s_bar)
    off = np.tril(both, -1) if uplo == "L" else np.triu(both, 1)
    return off + _re(s_bar) * np.eye(n)


def _inverse_gaps(w):
    """F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it (batched)."""
    n = np.shape(peek(w))[-1]
    eye = np.eye(n, dtype=bool)
    diff = np.expand_dims(w, -2) - np.expand_dims(w, -1)
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, diff))


def _repeated(w):
    """The first pair (batch index, i, j) of values ``w`` (plain) closer than
    REPEATED_RTOL·scale, or None."""
    w = np.asarray(w, dtype=float)
    n = w.shape[-1]
    if n < 2:
        return None
    scale = np.max(np.abs(w), axis=-1)[..., None, None]
    close = (np.abs(w[..., :, None] - w[..., None, :]) <= REPEATED_RTOL * scale) & ~np.eye(
        n, dtype=bool)
    if not close.any():
        return None
    where = np.argwhere(close)[0]
    return tuple(int(k) for k in where[:-2]), int(where[-2]), int(where[-1])


def _refuse_repeated(values, function, kind, advice):
    """Raise NotDifferentiableError if ``values`` repeat; ``kind`` is "eigen" or "singular ".
    Under optad.jit only whether they repeat is a guard (one bool), not the values."""
    if not decide(lambda w: _repeated(w) is not None, values):
        return
    w = np.asarray(value_of(values))      # (raising: the message names them)
    batch, i, j = _repeated(w)
    w = w[batch]
    at = f" (matrix {batch} of the stack)" if batch else ""
    raise NotDifferentiableError(
        f"{function}: the {kind}vectors have no derivative at repeated {kind}values: "
        f"{kind}values {i} and {j} are equal to a relative {REPEATED_RTOL:g} "
        f"({float(w[i])!r} and {float(w[j])!r}){at}, so any rotation of their "
        f"{kind}vectors is as good.\n{advice}")


def _any_nonzero(x):
    """Whether ``x`` (a cotangent) is not all zero: under optad.jit a guard on one bool."""
    return decide(lambda x: bool(np.any(np.asarray(x) != 0)), x)


#: A cotangent of complex singular vectors or eigenvectors depends on their phases when
#: Im diag(Vᵀ V̄) exceeds this times Σ|V|·|V̄| (rounding leaves ~1e-16 of a phase-invariant
#: function's cotangent; a phase-dependent one has a part of order 1).
PHASE_RTOL = 1e-8


def _phase_dependent(flat):
    """Per column, whether the cotangents depend on the phases (plain V, V̄, V, V̄...)."""
    total = scale = 0.0
    for v, gv in zip(flat[::2], flat[1::2]):
        vv, gg = np.asarray(v), np.asarray(gv)
        total = total + np.sum(vv * gg, axis=-2)
        scale = scale + np.sum(np.abs(vv) * np.abs(gg), axis=-2)
    return np.abs(np.imag(total)) > PHASE_RTOL * scale


def _refuse_phase_dependent(pairs, function, kind, advice):
    """Refuse cotangents of complex vectors that depend on the vectors' phases.

    Each column of V (of U and V together for svd: ``pairs`` [(V, V̄), ...]) is defined
    only up to a factor e^{iθ}; a function f of them is differentiable only if it does not
    depend on θ: d/dθ f = Re Σ V̄·(iV) = -Im diag(Vᵀ V̄) must vanish, column by column."""
    flat = [x for pair in pairs for x in pair]
    if not decide(lambda *vs: bool(np.any(_phase_dependent(vs))), *flat):
        return
    bad = _phase_dependent([np.asarray(value_of(x)) for x in flat])
    where = np.argwhere(bad)[0]
    at = f" of matrix {tuple(int(k) for k in where[:-1])} of the stack" if where.size > 1 else ""
    raise NotDifferentiableError(
        f"{function}: the {kind}vectors of a complex matrix are defined only up to a phase "
        f"each (column j times any e^{{iθ}}{', in U and V together' if len(pairs) > 1 else ''}), "
        f"and the function differentiated depends on that phase (column {int(where[-1])}{at}), "
        f"so it has no derivative. Differentiate a phase-invariant function of them: "
        f"np.abs(V) ** 2, projectors V @ diag(c) @ V.conj().T, U @ np.diag(s) @ Vh, ...\n{advice}")


# --- cholesky ----------------------------------------------------------------------------
def _phi(x):
    """Lower triangle with the diagonal halved (Murray's Φ)."""
    n = np.shape(peek(x))[-1]
    return x * (np.tril(np.ones((n, n))) - 0.5 * np.eye(n))


def _cholesky_vjp(g, ans, a, upper):
    # upper=True returns U = Lᴴ: L = Uᴴ, and Re Σ Ū·conj(L̇ᵀ) makes L̄ = Ūᴴ
    L, gL = (_mH(ans), _mH(g)) if upper else (ans, g)
    p = _phi(np.matmul(_mT(L), gL))
    x = np.linalg.solve(_mT(L), p)                    # L⁻ᵀ Φ(Lᵀ L̄)
    s_bar = _mT(np.linalg.solve(_mH(L), _mT(x)))      # … conj(L)⁻¹
    return _triangle_adjoint(s_bar, "U" if upper else "L")


def _cholesky_jvp(t, ans, a, upper):
    L = _mH(ans) if upper else ans
    ds = _symmetric_from(t, "U" if upper else "L")
    y = np.linalg.solve(L, ds)                        # L⁻¹ dS
    x = _mH(np.linalg.solve(L, _mH(y)))               # L⁻¹ dS L⁻ᴴ
    dL = np.matmul(L, _phi(x))
    return _mH(dL) if upper else dL


cholesky = Primitive(   # (upper=True only reaches here on NumPy 2, which has it)
    "cholesky",
    lambda a, upper: np.linalg.cholesky(a, upper=True) if upper else np.linalg.cholesky(a),
    vjps=(_cholesky_vjp,), jvps=(_cholesky_jvp,), needs=((-1,),), complex_safe=True,
    explain=("cholesky({0})", ("L⁻ᵀ Φ(Lᵀ L̄) L⁻¹",)))


@implements(np.linalg.cholesky)
def _cholesky(a, /, *, upper=False):
    """np.linalg.cholesky on traced values (only the triangle NumPy reads gets a gradient;
    for a complex Hermitian matrix, only the real part of its diagonal).

    >>> import numpy as np, optad
    >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
    >>> optad.grad(lambda a: np.linalg.cholesky(a)[1, 1])(a)
    array([[ 0.08838835,  0.        ],
           [-0.35355339,  0.35355339]])
    """
    return bind(cholesky, (a,), {"upper": bool(upper)})


# --- eigh, eigvalsh ---------------------------------------------------------------------------
_EIGH_ADVICE = ("Differentiate a function of the eigenvalues only (np.linalg.eigvalsh), or "
                "perturb the matrix so that its eigenvalues are distinct.")


def _eigh_impl(a, UPLO):
    w, v = np.linalg.eigh(a, UPLO)
    return _pack(w, v, batch=w.shape[:-1])


def _eigh_parts(packed):
    n = int(round((np.sqrt(1 + 4 * np.shape(peek(packed))[-1]) - 1) / 2))
    return _unpack(packed, [(n,), (n, n)])


def _eigh_vjp(g, ans, a, UPLO):
    w, v = _eigh_parts(ans)
    gw, gv = _eigh_parts(g)
    w, gw = _re(w), _re(gw)       # (the eigenvalues are real, packed with complex vectors)
    inner = _diag(gw)
    if _any_nonzero(gv):
        _refuse_repeated(w, "np.linalg.eigh", "eigen", _EIGH_ADVICE)
        if _is_complex(v):
            _refuse_phase_dependent([(v, gv)], "np.linalg.eigh", "eigen", _EIGH_ADVICE)
        inner = inner + _inverse_gaps(w) * np.matmul(_mT(v), gv)
    s_bar = np.matmul(_conj(v), np.matmul(inner, _mT(v)))     # conj(V) K Vᵀ
    return _triangle_adjoint(s_bar, UPLO.upper())


def _eigh_jvp(t, ans, a, UPLO):
    w, v = _eigh_parts(ans)
    w = _re(w)
    _refuse_repeated(w, "np.linalg.eigh (forward mode)", "eigen",
                     _EIGH_ADVICE + " Forward mode computes the eigenvectors' tangent "
                     "even when only the eigenvalues are used; reverse mode does not.")
    m = np.matmul(_mH(v), np.matmul(_symmetric_from(t, UPLO.upper()), v))
    dv = np.matmul(v, _inverse_gaps(w) * m)
    return _pack(_re(_diagonal(m)), dv, batch=np.shape(peek(w))[:-1])


eigh = Primitive(
    "eigh", _eigh_impl, vjps=(_eigh_vjp,), jvps=(_eigh_jvp,), needs=((-1,),), complex_safe=True,
    explain=("eigh({0})", ("V (diag(w̄) + F∘VᵀV̄) Vᵀ",)))


def _eigvalsh_vjp(g, ans, a, UPLO):
    v = np.linalg.eigh(a, UPLO)[1]        # traced again under a second derivative
    # conj(V) diag(w̄) Vᵀ: each term conj(vⱼ) vⱼᵀ is phase-invariant
    return _triangle_adjoint(np.matmul(_conj(v) * np.expand_dims(g, -2), _mT(v)), UPLO.upper())


def _eigvalsh_jvp(t, ans, a, UPLO):
    v = np.linalg.eigh(a, UPLO)[1]
    return _re(np.sum(_conj(v) * np.matmul(_symmetric_from(t, UPLO.upper()), v), axis=-2))


eigvalsh = Primitive(
    "eigvalsh", lambda a, UPLO: np.linalg.eigvalsh(a, UPLO),
    vjps=(_eigvalsh_vjp,), jvps=(_eigvalsh_jvp,), needs=((0,),), complex_safe=True,
    explain=("eigvalsh({0})", ("V diag(w̄) Vᵀ",)))


def _uplo(UPLO):
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return UPLO.upper()


@implements(np.linalg.eigh)
def _eigh(a, UPLO="L"):
    """np.linalg.eigh on traced values: ``(eigenvalues, eigenvectors)``.

    >>> import numpy as np, optad
    >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> optad.grad(lambda a: np.sum(np.linalg.eigh(a).eigenvectors[:, 0] ** 2 * [1.0, 0.0]))(a)
    array([[-0.17888544,  0.        ],
           [-0.17888544,  0.17888544]])

    A complex matrix is read as Hermitian (the lower triangle, the real diagonal); its
    eigenvectors, each defined up to a phase, differentiate through phase-invariant
    functions (``np.abs(v) ** 2``, ``v @ v.conj().T``); others are refused.

    >>> h = np.array([[2.0, 1j], [-1j, 3.0]])
    >>> np.round(optad.grad(lambda a: np.linalg.eigh(a).eigenvalues[1])(h), 6) + 0
    array([[0.276393+0.j      , 0.      +0.j      ],
           [0.      -0.894427j, 0.723607+0.j      ]])
    """
    w, v = _eigh_parts(bind(eigh, (a,), {"UPLO": _uplo(UPLO)}))
    return EighResult(_re(w), v)


@implements(np.linalg.eigvalsh)
def _eigvalsh(a, UPLO="L"):
    """np.linalg.eigvalsh on traced values (finite also at repeated eigenvalues).

    >>> import numpy as np, optad
    >>> optad.grad(lambda a: np.linalg.eigvalsh(a)[1])(np.eye(2))
    array([[0., 0.],
           [0., 1.]])
    """
    return bind(eigvalsh, (a,), {"UPLO": _uplo(UPLO)})


# --- svd -----------------------------------------------------------------------------------
_SVD_ADVICE = ("Differentiate a function of the singular values only "
               "(np.linalg.svd(a, compute_uv=False), np.linalg.norm(a, 2 / -2 / 'nuc')), or "
               "perturb the matrix so that its singular values are distinct.")


def _svd_shapes(m, n, full_matrices):
    k = min(m, n)
    mu, nv = (m, n) if full_matrices else (k, k)
    return [(m, mu), (k,), (nv, n)]


def _svd_impl(a, full_matrices):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return _pack(u, s, vh, batch=s.shape[:-1])


def _svd_parts(packed, a, full_matrices):
    m, n = np.shape(peek(a))[-2:]
    return _unpack(packed, _svd_shapes(m, n, full_matrices))


def _refuse_full(function, m, n, forward=False):
    use = ("Forward mode computes the tangent of every column: use full_matrices=False."
           if forward else "Use full_matrices=False (the thin factors), or use only the "
           "first min(m, n) columns of U and rows of Vh.")
    raise NotDifferentiableError(
        f"{function} with full_matrices=True of a {m}×{n} matrix: the {max(m, n) - min(m, n)} "
        f"extra {'columns of U' if m > n else 'rows of Vh'} are any orthonormal basis of the "
        f"complement, so they have no derivative. {use}")


def _has_zero_singular(s):
    s = np.asarray(s)
    return bool(np.any(s <= REPEATED_RTOL * np.max(s, axis=-1, keepdims=True)))


def _check_svd_vectors(s, m, n, function, complex_=False):
    _refuse_repeated(s, function, "singular ", _SVD_ADVICE)
    if (m != n or complex_) and decide(_has_zero_singular, s):
        why = ("(the matrix is rank-deficient)" if m != n else "(a complex matrix: the phases "
               "of its pair of singular vectors are then independent)")
        raise NotDifferentiableError(
            f"{function}: the singular vectors of a {'complex ' if complex_ else ''}{m}×{n} "
            f"matrix have no derivative where a singular value is 0 {why}. {_SVD_ADVICE}")


def _svd_vjp(g, ans, a, full_matrices):
    m, n = np.shape(peek(a))[-2:]
    k = min(m, n)
    u, s, vh = _svd_parts(ans, a, full_matrices)
    gu, gs, gvh = _svd_parts(g, a, full_matrices)
    s, gs = _re(s), _re(gs)       # (the singular values are real, packed with complex vectors)
    if full_matrices and m != n:
        if _any_nonzero(gu[..., :, k:]) or _any_nonzero(gvh[..., k:, :]):
            _refuse_full("np.linalg.svd", m, n)
        u, gu, vh, gvh = u[..., :, :k], gu[..., :, :k], vh[..., :k, :], gvh[..., :k, :]
    core = _diag(gs)
    uc, vt = _conj(u), _conj(vh)          # Ā = conj(U) (coefficient of P = Uᴴ dA V) Vᵀ
    if _any_nonzero(gu) or _any_nonzero(gvh):
        cplx = _is_complex(u)
        _check_svd_vectors(s, m, n, "np.linalg.svd", cplx)
        v, gv = _mH(vh), _mH(gvh)         # V = Vhᴴ, and V̄ = V̄hᴴ (Re Σ V̄h·conj(V̇ᵀ))
        if cplx:
            _refuse_phase_dependent([(u, gu), (v, gv)], "np.linalg.svd", "singular ",
                                    _SVD_ADVICE)
        f = _inverse_gaps(s * s)
        ut_gu, vt_gv = np.matmul(_mT(u), gu), np.matmul(_mT(v), gv)       # J, K
        j = f * (ut_gu - _mH(ut_gu))
        kk = f * (vt_gv - _mH(vt_gv))
        core = core + j * np.expand_dims(s, -2) + np.expand_dims(s, -1) * kk
        if cplx:        # the phase of dU fixed by Im diag(P) (the forward rule's i Im Pᵢᵢ/sᵢ)
            core = core + 1j * _diag(np.imag(_diagonal(ut_gu)) / s)
        out = np.matmul(uc, np.matmul(core, vt))
        if m > k:       # (I - conj(U)Uᵀ) Ū S⁻¹ Vᵀ
            out = out + np.matmul((gu - np.matmul(uc, ut_gu)) / np.expand_dims(s, -2), vt)
        if n > k:       # conj(U S⁻¹ V̄ᵀ (I - VVᴴ))
            out = out + np.matmul(uc, _mT((_conj(gv) - np.matmul(v, _conj(vt_gv)))
                                          / np.expand_dims(s, -2)))
        return out
    return np.matmul(uc * np.expand_dims(gs, -2), vt)


def _svd_jvp(t, ans, a, full_matrices):
    m, n = np.shape(peek(a))[-2:]
    k = min(m, n)
    if full_matrices and m != n:
        _refuse_full("np.linalg.svd (forward mode)", m, n, forward=True)
    u, s, vh = _svd_parts(ans, a, full_matrices)
    s = _re(s)
    cplx = _is_complex(u)
    _check_svd_vectors(s, m, n, "np.linalg.svd (forward mode)", cplx)
    v = _mH(vh)
    p = np.matmul(_mH(u), np.matmul(t, v))
    f = _inverse_gaps(s * s)
    ps, sp = p * np.expand_dims(s, -2), np.expand_dims(s, -1) * p      # P S, S P
    du = np.matmul(u, f * (ps + _mH(ps)))
    dv = np.matmul(v, f * (sp + _mH(sp)))
    if cplx:
        # A = U S Vᴴ fixes only the difference of the phases of uᵢ and vᵢ: Im Pᵢᵢ/sᵢ.
        # The gauge (JAX's): vᵢ's phase does not move, uᵢ's takes all of it.
        du = du + u * np.expand_dims(1j * np.imag(_diagonal(p)) / s, -2)
    if m > k:
        tv = np.matmul(t, v)
        du = du + (tv - np.matmul(u, np.matmul(_mH(u), tv))) / np.expand_dims(s, -2)
    if n > k:
        ttu = np.matmul(_mH(t), u)
        dv = dv + (ttu - np.matmul(v, np.matmul(_mH(v), ttu))) / np.expand_dims(s, -2)
    return _pack(du, _re(_diagonal(p)), _mH(dv), batch=np.shape(peek(s))[:-1])


svd = Primitive(
    "svd", _svd_impl, vjps=(_svd_vjp,), jvps=(_svd_jvp,), needs=((0, -1),), complex_safe=True,
    explain=("svd({0})", ("U (…) Vᵀ (Townsend)",)))


def _svdvals_vjp(g, ans, a):
    u, _, vh = np.linalg.svd(a, full_matrices=False)     # traced again for second order
    # conj(U diag(s̄) Vh): each term conj(uᵢ vhᵢ) is phase-invariant
    return np.matmul(_conj(u) * np.expand_dims(_re(g), -2), _conj(vh))


def _svdvals_jvp(t, ans, a):
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return _re(np.sum(_conj(u) * np.matmul(t, _mH(vh)), axis=-2))      # Re diag(Uᴴ dA V)


svdvals = Primitive(
    "svdvals", lambda a: np.linalg.svd(a, compute_uv=False),
    vjps=(_svdvals_vjp,), jvps=(_svdvals_jvp,), needs=((0,),), complex_safe=True,
    explain=("svd({0}).S", ("U diag(s̄) Vᵀ",)))


def _order_and_sign(w):
    """The order of ``|w|`` (largest first) and the signs of ``w`` in it (plain ``w``)."""
    order = np.argsort(np.abs(w), axis=-1)[..., ::-1]
    return order, np.take_along_axis(np.copysign(1.0, w), order, axis=-1)


def _svd_hermitian(a, compute_uv):
    """NumPy's own hermitian=True route (eigh, then |w| sorted), on traced values."""
    if not compute_uv:
        return np.sort(np.abs(np.linalg.eigvalsh(a)), axis=-1)[..., ::-1]
    w, u = np.linalg.eigh(a)
    order, sign = plain(_order_and_sign, w)     # under optad.jit: a recomputed step
    s = np.take_along_axis(np.abs(w), order, axis=-1)
    # (an index broadcast to u's shape: take_along_axis's rule mishandles a broadcasting one)
    shape = np.shape(peek(w))
    u = np.take_along_axis(u, np.broadcast_to(order[..., None, :], shape + shape[-1:]), axis=-1)
    return SVDResult(u, s, _mH(u * sign[..., None, :]))


@implements(np.linalg.svd)
def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """np.linalg.svd on traced values: ``(U, S, Vh)``, or ``S`` with ``compute_uv=False``.

    Singular values alone differentiate everywhere; U and Vh need distinct (and, for a
    non-square or complex matrix, nonzero) singular values, and with ``full_matrices=True``
    only the first min(m, n) columns of U / rows of Vh carry derivatives. Complex singular
    vectors are defined up to a phase per pair (uᵢ, vᵢ): differentiate functions that do
    not depend on it (``np.abs(U) ** 2``, ``U @ np.diag(S) @ Vh``, ``U @ U.conj().T``);
    reverse mode refuses the others. The gradient of ‖A‖₂ is u₁ v₁ᴴ:

    >>> import numpy as np, optad
    >>> b = np.array([[1.0, 1j], [0.0, 2.0]])
    >>> np.round(optad.grad(lambda a: np.linalg.norm(a, 2))(b), 6) + 0
    array([[0.120788+0.j      , 0.      +0.511667j],
           [0.      -0.19544j , 0.827895+0.j      ]])

    >>> import numpy as np, optad
    >>> a = np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> optad.grad(lambda a: np.linalg.svd(a, compute_uv=False)[0])(a)
    array([[1., 0.],
           [0., 0.],
           [0., 0.]])
    """
    if hermitian:
        return _svd_hermitian(a, compute_uv)
    if not compute_uv:
        return bind(svdvals, (a,), {})
    u, s, vh = _svd_parts(bind(svd, (a,), {"full_matrices": bool(full_matrices)}), a,
                          bool(full_matrices))
    return SVDResult(u, _re(s), vh)


# --- qr ---------------------------------------------------------------------------------
def _qr_impl(a, complete):
    q, r = np.linalg.qr(a, mode="complete" if complete else "reduced")
    return _pack(q, r, batch=q.shape[:-2])


def _qr_shapes(m, n, complete):
    k = m if complete else min(m, n)
    return [(m, k), (k, n)]


def _qr_parts(packed, a, complete):
    m, n = np.shape(peek(a))[-2:]
    return _unpack(packed, _qr_shapes(m, n, complete))


def _dependent_columns(r, k):
    d = np.abs(np.diagonal(np.asarray(r)[..., :k, :k], axis1=-2, axis2=-1))
    return bool(np.any(d <= REPEATED_RTOL * np.max(d, axis=-1, keepdims=True))
                or not np.all(d > 0))


def _refuse_qr(function, r, m, n):
    k = min(m, n)
    if decide(lambda r: _dependent_columns(r, k), r):
        raise NotDifferentiableError(
            f"{function}: Q and R have no derivative where the first min(m, n) columns of the "
            f"{m}×{n} matrix are linearly dependent (a diagonal entry of R is 0). Perturb "
            f"the matrix, or differentiate something that does not need its QR.")


def _copyltu(x):
    """tril(x) + tril(x, -1)ᵀ; for a complex x the Hermitian version, whose diagonal is
    Re diag(x)."""
    n = np.shape(peek(x))[-1]
    low = np.tril(x, -1)
    return low + _mH(low) + _re(x) * np.eye(n)


def _qr_square_vjp(gq, gr, q, r):
    """Ā for A = Q R with R square (m ≥ n): (Q̄ + conj(Q) copyltu(M)) R⁻ᵀ,
    M = conj(R R̄ᵀ - Q̄ᵀ Q) (Q, R plain for a real A)."""
    mm = _conj(np.matmul(r, _mT(gr)) - np.matmul(_mT(gq), q))
    b = gq + np.matmul(_conj(q), _copyltu(mm))
    return _mT(np.linalg.solve(r, _mT(b)))


def _qr_square_jvp(t, q, r):
    dx_rinv = _mT(np.linalg.solve(_mT(r), _mT(t)))      # dA R⁻¹
    x = np.matmul(_mH(q), dx_rinv)
    low = np.tril(x, -1)
    omega = low - _mH(low)          # Qᴴ dQ: anti-Hermitian, its strict lower part that of X
    if _is_complex(x):
        # LAPACK's R has a real diagonal, so dR R⁻¹ has too: Im diag(X) is Qᴴ dQ's
        omega = omega + 1j * np.imag(x) * np.eye(np.shape(peek(x))[-1])
    return np.matmul(q, omega - x) + dx_rinv, np.matmul(x - omega, r)


def _qr_vjp(g, ans, a, complete):
    m, n = np.shape(peek(a))[-2:]
    q, r = _qr_parts(ans, a, complete)
    gq, gr = _qr_parts(g, a, complete)
    if complete and m > n:
        if _any_nonzero(gq[..., :, n:]):      # (R's extra rows are 0 whatever A is)
            _refuse_complete(m, n)
        q, gq, r, gr = q[..., :, :n], gq[..., :, :n], r[..., :n, :], gr[..., :n, :]
    _refuse_qr("np.linalg.qr", r, m, n)
    if m >= n:
        return _qr_square_vjp(gq, gr, q, r)
    # wide: A = [X Y], X = Q R₁, R₂ = Qᴴ Y
    y, r1, gr1, gr2 = a[..., :, m:], r[..., :, :m], gr[..., :, :m], gr[..., :, m:]
    gx = _qr_square_vjp(gq + _conj(np.matmul(y, _mT(gr2))), gr1, q, r1)
    return np.concatenate([gx, np.matmul(_conj(q), gr2)], axis=-1)


def _qr_jvp(t, ans, a, complete):
    m, n = np.shape(peek(a))[-2:]
    if complete and m > n:
        _refuse_complete(m, n, forward=True)
    q, r = _qr_parts(ans, a, complete)
    _refuse_qr("np.linalg.qr (forward mode)", r, m, n)
    batch = np.shape(peek(q))[:-2]
    if m >= n:
        dq, dr = _qr_square_jvp(t, q, r)
        return _pack(dq, dr, batch=batch)
    dq, dr1 = _qr_square_jvp(t[..., :, :m], q, r[..., :, :m])
    dr2 = np.matmul(_mH(dq), a[..., :, m:]) + np.matmul(_mH(q), t[..., :, m:])
    return _pack(dq, np.concatenate([dr1, dr2], axis=-1), batch=batch)


def _refuse_complete(m, n, forward=False):
    use = ("Forward mode computes the tangent of every column: use mode='reduced'."
           if forward else f"Use mode='reduced', or use only the first {n} columns of Q.")
    raise NotDifferentiableError(
        f"np.linalg.qr(mode='complete') of a {m}×{n} matrix: the {m - n} extra columns of Q "
        f"are any orthonormal basis of the complement, so they have no derivative. {use}")


qr = Primitive(
    "qr", _qr_impl, vjps=(_qr_vjp,), jvps=(_qr_jvp,), needs=((0, -1),), complex_safe=True,
    explain=("qr({0})", ("(Q̄ + Q copyltu(M)) R⁻ᵀ",)))


@implements(np.linalg.qr)
def _qr(a, mode="reduced"):
    """np.linalg.qr on traced values, modes 'reduced', 'complete' and 'r'.

    >>> import numpy as np, optad
    >>> a = np.array([[3.0, 1.0], [4.0, 2.0]])
    >>> optad.grad(lambda a: np.linalg.qr(a, mode="r")[0, 0] ** 2)(a)
    array([[6., 0.],
           [8., 0.]])
    """
    if mode not in ("reduced", "complete", "r"):
        if mode == "raw":
            raise NotDifferentiableError(
                "np.linalg.qr(mode='raw') returns LAPACK's Householder reflectors, which "
                "optad does not differentiate; use mode='reduced' (Q, R) or mode='r'.")
        if mode in ("f", "full", "e", "economic"):
            raise NotDifferentiableError(
                f"np.linalg.qr(mode={mode!r}) is deprecated in NumPy and not differentiated "
                f"by optad; use mode='reduced' (the default).")
        raise ValueError(f"Unrecognized mode '{mode}'")
    q, r = _qr_parts(bind(qr, (a,), {"complete": mode == "complete"}), a, mode == "complete")
    return r if mode == "r" else QRResult(q, r)


# --- pinv -----------------------------------------------------------------------------------
def _drops_singular(a, rcond, hermitian):
    a = np.asarray(a)
    s = (np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False))
    if s.shape[-1] == 0:
        return False
    top = np.max(s, axis=-1, keepdims=True)
    dropped = s <= np.asarray(rcond)[..., None] * top
    return bool(np.any(dropped & (s > REPEATED_RTOL * top)))


def _pinv_check(a, rcond, hermitian, function="np.linalg.pinv"):
    """Refuse a cutoff that drops singular values that are not negligible: the rule below
    is exact at constant rank, i.e. where the dropped singular values are 0. Under
    optad.jit only the answer is a guard (one bool), not the matrix."""
    if decide(_drops_singular, a, rcond, hermitian):
        raise NotDifferentiableError(
            f"{function}: the cutoff rcond drops singular values that are not negligible "
            f"(larger than {REPEATED_RTOL:g} times the largest); the pseudo-inverse is then "
            f"not differentiable at constant rank. Use a smaller rcond, or a matrix whose "
            f"small singular values are exactly 0.")


def _pinv_vjp_formula(g, p, a):
    """Ā = -Pᵀ Ḡ Pᵀ + conj[(I - A P) Ḡᵀ P Pᴴ + Pᴴ P Ḡᵀ (I - P A)], for P = A⁺ at constant
    rank (the dAᴴ terms of the forward rule pair through a conjugate)."""
    pt, ph, gt = _mT(p), _mH(p), _mT(g)
    x = np.matmul(gt, np.matmul(p, ph))
    y = np.matmul(np.matmul(ph, p), gt)
    return (-np.matmul(pt, np.matmul(g, pt))
            + _conj(x - np.matmul(a, np.matmul(p, x)) + y - np.matmul(np.matmul(y, p), a)))


def _pinv_jvp_formula(t, p, a):
    """dP = -P dA P + P Pᴴ dAᴴ (I - A P) + (I - P A) dAᴴ Pᴴ P."""
    ph, th = _mH(p), _mH(t)
    z = np.matmul(p, np.matmul(ph, th))
    w = np.matmul(th, np.matmul(ph, p))
    return (-np.matmul(p, np.matmul(t, p)) + z - np.matmul(np.matmul(z, a), p)
            + w - np.matmul(p, np.matmul(a, w)))


def _pinv_vjp(g, ans, a, rcond, hermitian):
    _pinv_check(a, rcond, hermitian)
    if hermitian:
        return _triangle_adjoint(_pinv_vjp_formula(g, ans, _symmetric_from(a, "L")), "L")
    return _pinv_vjp_formula(g, ans, a)


def _pinv_jvp(t, ans, a, rcond, hermitian):
    _pinv_check(a, rcond, hermitian)
    if hermitian:
        return _pinv_jvp_formula(_symmetric_from(t, "L"), ans, _symmetric_from(a, "L"))
    return _pinv_jvp_formula(t, ans, a)


pinv = Primitive(
    "pinv", lambda a, rcond, hermitian: np.linalg.pinv(a, rcond=rcond, hermitian=hermitian),
    vjps=(_pinv_vjp,), jvps=(_pinv_jvp,), needs=((0, -1),), complex_safe=True,
    explain=("pinv({0})", ("Golub–Pereyra",)))

_UNSET = object()


@implements(np.linalg.pinv)
def _pinv(a, rcond=None, hermitian=False, *, rtol=_UNSET):
    """np.linalg.pinv on traced values (exact where the dropped singular values are 0).

    >>> import numpy as np, optad
    >>> optad.grad(lambda a: np.sum(np.linalg.pinv(a)))(np.array([[2.0, 0.0], [0.0, 4.0], [0.0, 0.0]]))
    array([[-0.25  , -0.125 ],
           [-0.125 , -0.0625],
           [ 0.25  ,  0.0625]])
    """
    m, n = np.shape(peek(a))[-2:]
    if rcond is None:
        if rtol is _UNSET:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(m, n) * np.finfo(float).eps
        else:
            rcond = rtol
    elif rtol is not _UNSET:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    return bind(pinv, (a,), {"rcond": value_of(rcond), "hermitian": bool(hermitian)})


# --- lstsq -------------------------------------------------------------------------------------
def _lstsq_impl(a, b, rcond):
    x, res, rank, s = np.linalg.lstsq(a, b, rcond=rcond)
    return np.concatenate([x.ravel(), res.ravel(), s, [float(rank)]])


def _lstsq_parts(packed, a, b):
    """(x, residuals, s) of the packed result (its last entry, the rank, has no derivative)."""
    (m, n), tail = np.shape(peek(a)), np.shape(peek(b))[1:]
    xsize, k = n * int(np.prod(tail)), min(m, n)
    total = np.shape(peek(packed))[-1]
    x = np.reshape(packed[:xsize], (n,) + tail)
    # (the residuals and s are real: packed with a complex x, their real parts)
    return x, _re(packed[xsize:total - 1 - k]), _re(packed[total - 1 - k:total - 1])


def _pinv_rcond(a, rcond):
    m, n = np.shape(peek(a))
    eps = np.finfo(float).eps
    return eps * max(m, n) if rcond is None else (eps if rcond < 0 else rcond)


def _outer_last(u, v):
    """u vᵀ for vectors, u @ vᵀ for matrices (the shapes of x and b)."""
    if np.ndim(peek(u)) == 1:
        return np.expand_dims(u, -1) * np.expand_dims(v, -2)
    return np.matmul(u, _mT(v))


def _lstsq_vjp(k):
    def rule(g, ans, a, b, rcond):
        x, res, _ = _lstsq_parts(ans, a, b)
        gx, gres, gs = _lstsq_parts(g, a, b)
        out = 0.0
        if _any_nonzero(gx):
            pr = _pinv_rcond(a, rcond)
            _pinv_check(a, pr, False, "np.linalg.lstsq")
            p = np.linalg.pinv(a, rcond=pr)              # traced again for second order
            out = out + (np.matmul(_mT(p), gx) if k == 1
                         else _pinv_vjp_formula(_outer_last(gx, b), p, a))
        if np.size(peek(res)) and _any_nonzero(gres):
            # the residuals ‖b - A x‖² at the optimum x: only their explicit dependence
            r = b - np.matmul(a, x)
            # (d‖r‖² = 2 Re Σ conj(r)·dr: the partial is 2 conj(r))
            weighted = 2.0 * _conj(r) * (gres[0] if np.ndim(peek(b)) == 1 else gres)
            out = out + (weighted if k == 1 else -_outer_last(weighted, x))
        if k == 0 and _any_nonzero(gs):
            out = out + _svdvals_vjp(gs, None, a)
        return out if np.ndim(peek(out)) else np.zeros(np.shape(peek((a, b)[k])))
    return rule


def _lstsq_jvp(k):
    def rule(t, ans, a, b, rcond):
        x, res, s = _lstsq_parts(ans, a, b)
        pr = _pinv_rcond(a, rcond)
        _pinv_check(a, pr, False, "np.linalg.lstsq")
        p = np.linalg.pinv(a, rcond=pr)
        r = b - np.matmul(a, x)
        if k == 1:
            dx, dr, ds = np.matmul(p, t), t, s * 0.0
        else:
            dx = np.matmul(_pinv_jvp_formula(t, p, a), b)
            dr, ds = -np.matmul(t, x), _svdvals_jvp(t, None, a)
        dres = (2.0 * _re(np.sum(_conj(r) * dr, axis=0)) if np.size(peek(res))
                else res * 0.0)
        return np.concatenate([np.ravel(dx), np.ravel(dres), ds, np.zeros(1)])
    return rule


lstsq = Primitive(
    "lstsq", _lstsq_impl, vjps=(_lstsq_vjp(0), _lstsq_vjp(1)),
    jvps=(_lstsq_jvp(0), _lstsq_jvp(1)), needs=((0, 1, -1), (0, 1, -1)), complex_safe=True,
    explain=("lstsq({0}, {1})", ("x = A⁺b", "A⁺ᵀ")))


@implements(np.linalg.lstsq)
def _lstsq(a, b, rcond=None if NUMPY2 else "warn"):
    """np.linalg.lstsq on traced values: NumPy's ``(x, residuals, rank, s)``; x, the
    residuals and s carry derivatives (x = A⁺b: exact where A has full column rank, or
    its dropped singular values are 0).

    >>> import numpy as np, optad
    >>> a, b = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), np.array([1.0, 2.0, 4.0])
    >>> np.round(optad.grad(lambda b: np.linalg.lstsq(a, b, rcond=None)[0][1])(b), 12) + 0.0
    array([-0.5,  0. ,  0.5])
    """
    if isinstance(rcond, str) and rcond == "warn":   # NumPy 1.x's default, as it does it
        warnings.warn(
            "`rcond` parameter will change to the default of machine precision times "
            "``max(M, N)`` where M and N are the input matrix dimensions.\nTo use the future "
            "default and silence this warning we advise to pass `rcond=None`, to keep using "
            "the old, explicitly pass `rcond=-1`.", FutureWarning, stacklevel=3)
        rcond = -1
    x, res, s = _lstsq_parts(packed := bind(lstsq, (a, b), {"rcond": value_of(rcond)}), a, b)
    # the rank, a Python int as NumPy's: under optad.jit a guard on it alone
    return x, res, read(plain(lambda p: p[-1], packed), lambda r: int(np.real(r))), s


# --- eig, eigvals ---------------------------------------------------------------------------
# The eigenvalue rule Ā = V⁻ᵀ diag(w̄) Vᵀ holds for complex eigenvalues too (plain
# transposes: optad.prims.complex); eigenvectors with complex entries are defined only up
# to a phase, so their derivative is refused.
def _refuse_complex_vectors(v, function):
    if np.iscomplexobj(peek(v)) and decide(lambda v: bool(np.any(np.imag(v) != 0)), v):
        raise NotDifferentiableError(
            f"{function}: the eigenvectors are complex, and a complex eigenvector is defined "
            f"only up to a phase, so it has no derivative. Differentiate a function of the "
            f"eigenvalues only (np.linalg.eigvals); for a symmetric matrix use np.linalg.eigh.")


def _eig_impl(a):
    w, v = np.linalg.eig(a)
    return _pack(w, v, batch=w.shape[:-1])


def _eig_back(v, inner, function):
    """V⁻ᵀ X Vᵀ (the eigenvectors must be independent: a defective matrix has no rule)."""
    if decide(lambda v: bool(np.any(np.linalg.cond(np.asarray(v)) > 1.0 / REPEATED_RTOL)), v):
        raise NotDifferentiableError(
            f"{function}: the eigenvectors are (nearly) dependent, so the matrix is (nearly) "
            f"defective and its eigenvalues have no derivative. Perturb the matrix.")
    return np.linalg.solve(_mT(v), np.matmul(inner, _mT(v)))


def _eig_vjp(g, ans, a):
    w, v = _eigh_parts(ans)
    gw, gv = _eigh_parts(g)
    inner = _diag(gw)
    if _any_nonzero(gv):
        _refuse_complex_vectors(v, "np.linalg.eig")
        _refuse_repeated(w, "np.linalg.eig", "eigen", _EIG_ADVICE)
        # NumPy's eigenvectors have unit norm: the part of V̄ along each vᵢ does not count
        gv = gv - v * np.expand_dims(np.sum(v * gv, axis=-2), -2)
        inner = inner + _inverse_gaps(w) * np.matmul(_mT(v), gv)
    return _eig_back(v, inner, "np.linalg.eig")


def _eig_jvp(t, ans, a):
    w, v = _eigh_parts(ans)
    _refuse_complex_vectors(v, "np.linalg.eig (forward mode: it computes the vectors' tangent)")
    _refuse_repeated(w, "np.linalg.eig (forward mode)", "eigen", _EIG_ADVICE)
    m = np.linalg.solve(v, np.matmul(t, v))                   # V⁻¹ dA V
    dv = np.matmul(v, _inverse_gaps(w) * m)
    dv = dv - v * np.expand_dims(np.sum(v * dv, axis=-2), -2)   # keep each ‖vᵢ‖ = 1
    return _pack(_diagonal(m), dv, batch=np.shape(peek(w))[:-1])


_EIG_ADVICE = ("Differentiate a function of the eigenvalues only (np.linalg.eigvals), or "
               "perturb the matrix so that its eigenvalues are distinct.")

eig = Primitive(
    "eig", _eig_impl, vjps=(_eig_vjp,), jvps=(_eig_jvp,), needs=((-1,),), complex_safe=True,
    explain=("eig({0})", ("V⁻ᵀ (diag(w̄) + F∘VᵀV̄) Vᵀ",)))


def _eigvals_impl(a):
    return np.linalg.eigvals(a)


def _eig_for(a, w):
    """eig's eigenvectors in the order of eigvals' eigenvalues ``w`` (the same LAPACK
    routine orders them alike; matched here rather than assumed)."""
    we, v = np.linalg.eig(a)
    shape = np.shape(peek(w))
    # which of eig's vectors goes with which eigenvalue: a recomputed step under optad.jit;
    # only whether the match is one-to-one is a guard
    order = plain(lambda w, we: np.argmin(np.abs(w[..., :, None] - we[..., None, :]), axis=-1),
                  w, we)
    if decide(lambda o: bool(np.any(np.sort(o, axis=-1) != np.arange(o.shape[-1]))), order):
        raise NotDifferentiableError(
            "np.linalg.eigvals: its eigenvalues could not be matched with np.linalg.eig's "
            "(repeated eigenvalues?); perturb the matrix.")
    return np.take_along_axis(v, np.broadcast_to(order[..., None, :], shape + shape[-1:]),
                              axis=-1)


def _eigvals_vjp(g, ans, a):
    v = _eig_for(a, ans)
    return _eig_back(v, _diag(g), "np.linalg.eigvals")


def _eigvals_jvp(t, ans, a):
    v = _eig_for(a, ans)
    _eig_back(v, _diag(ans * 0.0), "np.linalg.eigvals")     # the same refusal as reverse mode
    return _diagonal(np.linalg.solve(v, np.matmul(t, v)))


eigvals = Primitive(
    "eigvals", _eigvals_impl, vjps=(_eigvals_vjp,), jvps=(_eigvals_jvp,), needs=((0, -1),),
    complex_safe=True,
    explain=("eigvals({0})", ("V⁻ᵀ diag(w̄) Vᵀ",)))


@implements(np.linalg.eig)
def _eig(a):
    """np.linalg.eig on traced values. Eigenvalues differentiate also where they are
    complex; eigenvectors where they are real (a complex one is defined up to a phase).

    >>> import numpy as np, optad
    >>> f = lambda a: np.real(np.linalg.eig(a).eigenvalues[1])   # (complex on NumPy >= 2.5)
    >>> optad.grad(f)(np.array([[2.0, 1.0], [0.0, 3.0]]))
    array([[0., 1.],
           [0., 1.]])
    """
    w, v = _eigh_parts(bind(eig, (a,), {}))
    return EigResult(w, v)


@implements(np.linalg.eigvals)
def _eigvals(a):
    """np.linalg.eigvals on traced values (complex eigenvalues too).

    >>> import numpy as np, optad
    >>> optad.grad(lambda a: np.real(np.linalg.eigvals(a)[0]))(np.array([[2.0, 1.0], [0.0, 3.0]]))
    array([[ 1.,  0.],
           [-1.,  0.]])
    """
    return bind(eigvals, (a,), {})
