"""Matrix decompositions: ``np.linalg`` cholesky, eigh, eigvalsh, svd, qr, pinv, lstsq.

All are batched over leading axes as NumPy is, for real (float64) matrices. Values are
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
* lstsq: x = A⁺ b; the residuals r = ‖b - A x‖² have Ā = -2 (b - A x) xᵀ r̄ and
  b̄ = 2 (b - A x) r̄ (x is optimal, so its own change does not count).

Eigenvalues and singular values alone use the first formula even where values repeat
(the usual subgradient-like choice). Eigenvectors and singular vectors do not exist as
functions there: their rules raise :class:`~optad.errors.NotDifferentiableError`
naming the repeated values (JAX and PyTorch return inf or NaN). The sign of each
eigenvector or singular vector is NumPy's (LAPACK's); the rules differentiate exactly
those vectors, and functions that do not depend on the sign (``V * V``,
``U @ diag(s) @ Vh``) are the ones worth differentiating.
"""

from collections import namedtuple

import numpy as np

from ..engine import bind, value_of
from ..errors import NotDifferentiableError
from ..primitive import Primitive
from .declare import implements

EighResult = namedtuple("EighResult", "eigenvalues eigenvectors")
SVDResult = namedtuple("SVDResult", "U S Vh")
QRResult = namedtuple("QRResult", "Q R")
LstsqResult = tuple          # NumPy returns a plain tuple (x, residuals, rank, s)

#: Two eigenvalues (singular values) closer than this times the largest magnitude count
#: as repeated: the vectors' derivatives (1/gap) would be meaningless there.
REPEATED_RTOL = 1e-10


# --- helpers ----------------------------------------------------------------------------
def _mT(a):
    return np.swapaxes(a, -1, -2)


def _diag(v):
    """Batched diagonal matrices from vectors (…, n) -> (…, n, n)."""
    n = np.shape(value_of(v))[-1]
    return np.expand_dims(v, -1) * np.eye(n)


def _diagonal(m):
    """Batched diagonals (…, n, n) -> (…, n)."""
    n = np.shape(value_of(m))[-1]
    return np.sum(m * np.eye(n), axis=-1)


def _pack(*parts, batch):
    """Flatten each part's core dims and join them along one last axis."""
    return np.concatenate([np.reshape(p, batch + (-1,)) for p in parts], axis=-1)


def _unpack(packed, shapes):
    """The parts of ``_pack``'s output, given each part's core shape."""
    batch = np.shape(value_of(packed))[:-1]
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(np.reshape(packed[..., start:start + size], batch + tuple(shape)))
        start += size
    return parts


def _symmetric_from(t, uplo):
    """The matrix NumPy decomposes when it reads only the ``uplo`` triangle of ``t``."""
    if uplo == "L":
        return np.tril(t) + _mT(np.tril(t, -1))
    return np.triu(t) + _mT(np.triu(t, 1))


def _triangle_adjoint(s_bar, uplo):
    """Adjoint of ``_symmetric_from``: S̄ folded onto the triangle read (0 elsewhere)."""
    n = np.shape(value_of(s_bar))[-1]
    both = s_bar + _mT(s_bar)
    off = np.tril(both, -1) if uplo == "L" else np.triu(both, 1)
    return off + s_bar * np.eye(n)


def _inverse_gaps(w):
    """F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it (batched)."""
    n = np.shape(value_of(w))[-1]
    eye = np.eye(n, dtype=bool)
    diff = np.expand_dims(w, -2) - np.expand_dims(w, -1)
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, diff))


def _repeated(values):
    """The first pair (batch index, i, j) of values closer than REPEATED_RTOL·scale, or None."""
    w = np.asarray(value_of(values), dtype=float)
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


def _refuse_repeated(values, function, what, advice):
    found = _repeated(values)
    if found is None:
        return
    batch, i, j = found
    w = np.asarray(value_of(values))[batch]
    at = f" (matrix {batch} of the stack)" if batch else ""
    raise NotDifferentiableError(
        f"{function}: the derivative of the {what}s does not exist at repeated {what[:-6]}"
        f"values: {what[:-6]}values {i} and {j} are equal to a relative {REPEATED_RTOL:g} "
        f"({w[i]!r} and {w[j]!r}){at}, so any rotation of their vectors is as good.\n"
        f"{advice}")


def _any_nonzero(x):
    return bool(np.any(np.asarray(value_of(x)) != 0))


# --- cholesky ----------------------------------------------------------------------------
def _phi(x):
    """Lower triangle with the diagonal halved (Murray's Φ)."""
    n = np.shape(value_of(x))[-1]
    return x * (np.tril(np.ones((n, n))) - 0.5 * np.eye(n))


def _cholesky_vjp(g, ans, a, upper):
    L, gL = (_mT(ans), _mT(g)) if upper else (ans, g)
    p = _phi(np.matmul(_mT(L), gL))
    x = np.linalg.solve(_mT(L), p)                    # L⁻ᵀ Φ(Lᵀ L̄)
    s_bar = _mT(np.linalg.solve(_mT(L), _mT(x)))      # … L⁻¹
    return _triangle_adjoint(s_bar, "U" if upper else "L")


def _cholesky_jvp(t, ans, a, upper):
    L = _mT(ans) if upper else ans
    ds = _symmetric_from(t, "U" if upper else "L")
    y = np.linalg.solve(L, ds)                        # L⁻¹ dS
    x = _mT(np.linalg.solve(L, _mT(y)))               # L⁻¹ dS L⁻ᵀ
    dL = np.matmul(L, _phi(x))
    return _mT(dL) if upper else dL


cholesky = Primitive(
    "cholesky", lambda a, upper: np.linalg.cholesky(a, upper=upper),
    vjps=(_cholesky_vjp,), jvps=(_cholesky_jvp,), needs=((-1,),),
    explain=("cholesky({0})", ("L⁻ᵀ Φ(Lᵀ L̄) L⁻¹",)))


@implements(np.linalg.cholesky)
def _cholesky(a, /, *, upper=False):
    """np.linalg.cholesky on traced values (only the triangle NumPy reads gets a gradient).

    >>> import numpy as np, optad
    >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
    >>> optad.grad(lambda a: np.linalg.cholesky(a)[1, 1])(a)
    array([[ 0.08838835,  0.        ],
           [-0.35355339,  0.28867513]])
    """
    return bind(cholesky, (a,), {"upper": bool(upper)})


# --- eigh, eigvalsh ---------------------------------------------------------------------------
_EIGH_ADVICE = ("Differentiate a function of the eigenvalues only (np.linalg.eigvalsh), or "
                "perturb the matrix so that its eigenvalues are distinct.")


def _eigh_impl(a, UPLO):
    w, v = np.linalg.eigh(a, UPLO)
    return _pack(w, v, batch=w.shape[:-1])


def _eigh_parts(packed):
    n = int(round((np.sqrt(1 + 4 * np.shape(value_of(packed))[-1]) - 1) / 2))
    return _unpack(packed, [(n,), (n, n)])


def _eigh_vjp(g, ans, a, UPLO):
    w, v = _eigh_parts(ans)
    gw, gv = _eigh_parts(g)
    inner = _diag(gw)
    if _any_nonzero(gv):
        _refuse_repeated(w, "np.linalg.eigh", "eigenvectors", _EIGH_ADVICE)
        inner = inner + _inverse_gaps(w) * np.matmul(_mT(v), gv)
    s_bar = np.matmul(v, np.matmul(inner, _mT(v)))
    return _triangle_adjoint(s_bar, UPLO.upper())


def _eigh_jvp(t, ans, a, UPLO):
    w, v = _eigh_parts(ans)
    _refuse_repeated(w, "np.linalg.eigh (forward mode)", "eigenvectors",
                     _EIGH_ADVICE + " Forward mode computes the eigenvectors' tangent "
                     "even when only the eigenvalues are used; reverse mode does not.")
    m = np.matmul(_mT(v), np.matmul(_symmetric_from(t, UPLO.upper()), v))
    dv = np.matmul(v, _inverse_gaps(w) * m)
    return _pack(_diagonal(m), dv, batch=np.shape(value_of(w))[:-1])


eigh = Primitive(
    "eigh", _eigh_impl, vjps=(_eigh_vjp,), jvps=(_eigh_jvp,), needs=((-1,),),
    explain=("eigh({0})", ("V (diag(w̄) + F∘VᵀV̄) Vᵀ",)))


def _eigvalsh_vjp(g, ans, a, UPLO):
    v = np.linalg.eigh(a, UPLO)[1]        # traced again under a second derivative
    return _triangle_adjoint(np.matmul(v * np.expand_dims(g, -2), _mT(v)), UPLO.upper())


def _eigvalsh_jvp(t, ans, a, UPLO):
    v = np.linalg.eigh(a, UPLO)[1]
    return np.sum(v * np.matmul(_symmetric_from(t, UPLO.upper()), v), axis=-2)


eigvalsh = Primitive(
    "eigvalsh", lambda a, UPLO: np.linalg.eigvalsh(a, UPLO),
    vjps=(_eigvalsh_vjp,), jvps=(_eigvalsh_jvp,), needs=((0,),),
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
    array([[-0.2236068,  0.       ],
           [ 0.4472136,  0.2236068]])
    """
    w, v = _eigh_parts(bind(eigh, (a,), {"UPLO": _uplo(UPLO)}))
    return EighResult(w, v)


@implements(np.linalg.eigvalsh)
def _eigvalsh(a, UPLO="L"):
    """np.linalg.eigvalsh on traced values (finite also at repeated eigenvalues).

    >>> import numpy as np, optad
    >>> optad.grad(lambda a: np.linalg.eigvalsh(a)[1])(np.eye(2))
    array([[0., 0.],
           [0., 1.]])
    """
    return bind(eigvalsh, (a,), {"UPLO": _uplo(UPLO)})
