"""Drop-ins for ``scipy.linalg``: ``solve_triangular``, ``cho_factor``, ``cho_solve``.

``solve_triangular`` is a primitive run by SciPy on the plain values; its rules call it
again (O(n²) per solve, and traceable, so second derivatives work). With ``op(A)`` = A
or Aᵀ (``trans``) and x = op(A)⁻¹ b:

* b̄ = op(A)⁻ᵀ x̄ (one more triangular solve, with the other ``trans``);
* Ā = −b̄ xᵀ (or −x b̄ᵀ for ``trans``), kept on the triangle SciPy reads (the strict
  triangle with ``unit_diagonal``): the other entries do not change x.

``cho_factor`` uses a Cholesky primitive of its own (``cholesky``: NumPy's factor, which
reads the lower triangle) with the rule of I. Murray, *Differentiation of the Cholesky
decomposition* (2016): for A = L Lᵀ and Φ(X) = the lower triangle of X with its diagonal
halved, ``Ā_sym = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹`` for symmetric perturbations; since only the lower
triangle is read, Ā = tril(S + Sᵀ) − diag(S) with S = Ā_sym (an off-diagonal entry
stands for both of its symmetric positions). ``cho_solve`` is two triangular solves.

>>> import numpy as np, optad
>>> A = np.array([[4.0, 1.0], [1.0, 3.0]])
>>> b = np.array([1.0, 2.0])
>>> np.allclose(cho_solve(cho_factor(A), b), np.linalg.solve(A, b))
True
>>> f = lambda A: np.sum(cho_solve(cho_factor(A, lower=True), b))
>>> optad.check_grad(f, A) < 1e-6
True
"""

import numpy as np
import scipy.linalg as _sl

from ..engine import Traced, bind, value_of
from ..traced import data_of
from ..errors import NotDifferentiableError
from ..primitive import Primitive

__all__ = ["solve_triangular", "cho_factor", "cho_solve", "cholesky"]


def _mT(a):
    return np.swapaxes(a, -1, -2)


def _read(m, lower, unit_diagonal):
    """The part of ``m`` on the triangle solve_triangular reads (strict with a unit diagonal)."""
    if lower:
        return np.tril(m, -1 if unit_diagonal else 0)
    return np.triu(m, 1 if unit_diagonal else 0)


def _outer(u, v):
    """u vᵀ for vectors, u @ vᵀ for matrices."""
    if np.ndim(u) == 1:
        return np.expand_dims(u, -1) * np.expand_dims(v, -2)
    return np.matmul(u, _mT(v))


# --- solve_triangular -------------------------------------------------------------------------
def _st_impl(a, b, trans, lower, unit_diagonal, check_finite=True):
    return _sl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal,
                                check_finite=check_finite)


def _st(a, b, trans, lower, unit_diagonal):
    """The primitive, as the rules call it (on values SciPy has already checked)."""
    return bind(_solve_triangular, (a, b), {"trans": trans, "lower": lower,
                                            "unit_diagonal": unit_diagonal,
                                            "check_finite": False})


def _st_vjp_b(g, ans, a, b, trans, lower, unit_diagonal, check_finite=True):
    return _st(a, g, 1 - trans, lower, unit_diagonal)


def _st_vjp_a(g, ans, a, b, trans, lower, unit_diagonal, check_finite=True):
    gb = _st(a, g, 1 - trans, lower, unit_diagonal)
    grad = -(_outer(ans, gb) if trans else _outer(gb, ans))
    return _read(grad, lower, unit_diagonal)


def _st_jvp_a(t, ans, a, b, trans, lower, unit_diagonal, check_finite=True):
    dop = _read(t, lower, unit_diagonal)
    return -_st(a, np.matmul(_mT(dop) if trans else dop, ans), trans, lower, unit_diagonal)


def _st_jvp_b(t, ans, a, b, trans, lower, unit_diagonal, check_finite=True):
    return _st(a, t, trans, lower, unit_diagonal)


_solve_triangular = Primitive(
    "solve_triangular", _st_impl, vjps=(_st_vjp_a, _st_vjp_b), jvps=(_st_jvp_a, _st_jvp_b),
    explain=("solve_triangular({0}, {1})", ("-op⁻ᵀḡ xᵀ (triangle)", "op⁻ᵀ")),
    needs=((0, -1), (0,)))

_TRANS = {0: 0, "N": 0, 1: 1, "T": 1, 2: 1, "C": 1}


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """``scipy.linalg.solve_triangular``: x with op(a) x = b for a triangular ``a``,
    op(a) = a (``trans=0``/``'N'``) or aᵀ (``1``/``'T'``; ``2``/``'C'`` is the same for
    real ``a``), differentiable in ``a`` and ``b``. Only the triangle that ``lower`` names
    is read (without its diagonal if ``unit_diagonal``); ``a`` is 2-D, ``b`` 1-D or 2-D.
    ``overwrite_b`` only permits SciPy to overwrite ``b``: optad never does.

    >>> import numpy as np, optad
    >>> L = np.array([[2.0, 0.0], [1.0, 4.0]])
    >>> solve_triangular(L, np.array([2.0, 9.0]), lower=True)
    array([1., 2.])
    >>> optad.grad(lambda b: np.sum(solve_triangular(L, b, lower=True)))(np.ones(2))
    array([0.375, 0.25 ])
    """
    if trans not in _TRANS:
        raise ValueError(f"trans must be one of 0, 1, 2, 'N', 'T', 'C', not {trans!r}")
    if not isinstance(a, Traced) and not isinstance(b, Traced):
        return _sl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal,
                                    overwrite_b=overwrite_b, check_finite=check_finite)
    if np.ndim(a) != 2 or np.ndim(b) not in (1, 2):
        raise NotDifferentiableError(
            f"optad.scipy.linalg.solve_triangular on traced values takes a 2-D a and a 1-D or "
            f"2-D b (got {np.ndim(a)}-D and {np.ndim(b)}-D); solve each matrix of a batch in "
            f"turn, or use np.linalg.solve.")
    a, b = _float(a), _float(b)
    return bind(_solve_triangular, (a, b), {"trans": _TRANS[trans], "lower": bool(lower),
                                            "unit_diagonal": bool(unit_diagonal),
                                            "check_finite": check_finite})


def _float(v):
    return v if isinstance(v, Traced) else np.asarray(v, dtype=float)


# --- Cholesky ----------------------------------------------------------------------------------
def _phi(x):
    """The lower triangle of a square ``x`` with its diagonal halved."""
    n = np.shape(x)[-1]
    return x * (np.tril(np.ones((n, n))) - 0.5 * np.eye(n))


def _cholesky_vjp(g, L, a):
    # S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹ (Murray 2016), then Ā on the lower triangle that is read
    p = _phi(np.matmul(_mT(L), np.tril(g)))
    y = _st(L, p, 1, True, False)                  # L⁻ᵀ P
    s = _mT(_st(L, _mT(y), 1, True, False))        # (L⁻ᵀ Yᵀ)ᵀ = Y L⁻¹
    return np.tril(s + _mT(s)) - s * np.eye(np.shape(s)[-1])


def _cholesky_jvp(t, L, a):
    # Ȧ as the symmetric matrix its lower triangle stands for; L̇ = L Φ(L⁻¹ Ȧ L⁻ᵀ)
    sym = np.tril(t) + _mT(np.tril(t, -1))
    z = _st(L, sym, 0, True, False)                # L⁻¹ Ȧ
    c = _mT(_st(L, _mT(z), 0, True, False))        # (L⁻¹ Zᵀ)ᵀ = Z L⁻ᵀ
    return np.matmul(L, _phi(c))


def _cholesky_impl(a):
    """L with a = L Lᵀ, from the lower triangle of a symmetric positive definite ``a``
    (NumPy's factor), differentiable to any order.

    >>> import numpy as np, optad
    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    >>> optad.grad(lambda a: cholesky(a)[0, 0])(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[0.25, 0.  ],
           [0.  , 0.  ]])
    """
    return np.linalg.cholesky(a)


cholesky = Primitive(
    "cholesky", _cholesky_impl,
    vjps=(_cholesky_vjp,), jvps=(_cholesky_jvp,),
    explain=("cholesky({0})", ("L⁻ᵀΦ(LᵀL̄)L⁻¹ (sym.)",)), needs=((-1,),))


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """``scipy.linalg.cho_factor``: ``(c, lower)`` with the Cholesky factor of ``a`` in the
    triangle ``lower`` names (L with a = L Lᵀ, or U with a = Uᵀ U, read from that triangle
    of ``a``) and in the other what the running SciPy puts there (``a``'s own entries up
    to SciPy 1.17, zeros since). Differentiable in ``a``.

    >>> import numpy as np, optad
    >>> c, low = cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]]))
    >>> np.triu(c), bool(low)
    (array([[2., 1.],
           [0., 2.]]), False)
    >>> a = np.array([[4.0, 2.0], [2.0, 5.0]])
    >>> float(optad.grad(lambda a: cho_factor(a)[0][1, 1])(a)[1, 1])
    0.25
    """
    if not isinstance(a, Traced):
        return _sl.cho_factor(a, lower=lower, overwrite_a=overwrite_a, check_finite=check_finite)
    if np.ndim(a) != 2:
        raise NotDifferentiableError(
            f"optad.scipy.linalg.cho_factor takes a 2-D matrix (got {np.ndim(a)}-D).")
    if check_finite and not np.all(np.isfinite(data_of(a))):
        raise ValueError("array must not contain infs or NaNs")
    keep, flag = _scipy_cho_factor_layout()
    if lower:
        factor = bind(cholesky, (a,), {})
        return (factor + np.triu(a, 1) if keep else factor), flag(lower)
    # the upper triangle of a is the lower triangle of aᵀ: U = cholesky(aᵀ)ᵀ
    factor = _mT(bind(cholesky, (_mT(a),), {}))
    return (factor + np.tril(a, -1) if keep else factor), flag(lower)


_LAYOUT = []


def _scipy_cho_factor_layout():
    """``(keeps, flag)``: whether the running SciPy's cho_factor leaves ``a``'s entries in
    the triangle it does not factor (it did up to 1.17; 1.18 writes zeros), and the type
    it returns ``lower`` as (a bool, or a 0-d array since 1.18). Asked of SciPy once."""
    if not _LAYOUT:
        c, low = _sl.cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]]))
        _LAYOUT.append((bool(c[1, 0] != 0), np.asarray if isinstance(low, np.ndarray) else bool))
    return _LAYOUT[0]


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """``scipy.linalg.cho_solve``: x with a x = b from ``(c, lower) = cho_factor(a)``, as two
    triangular solves; differentiable in ``c`` (its factor triangle) and ``b``.

    >>> import numpy as np, optad
    >>> a = np.array([[4.0, 2.0], [2.0, 5.0]])
    >>> cho_solve(cho_factor(a), np.array([6.0, 7.0]))
    array([1., 1.])
    """
    c, lower = c_and_lower
    if not isinstance(c, Traced) and not isinstance(b, Traced):
        return _sl.cho_solve((c, lower), b, overwrite_b=overwrite_b, check_finite=check_finite)
    if lower:       # a = L Lᵀ: L y = b, then Lᵀ x = y
        return solve_triangular(c, solve_triangular(c, b, 0, True, check_finite=check_finite),
                                1, True, check_finite=check_finite)
    # a = Uᵀ U: Uᵀ y = b, then U x = y
    return solve_triangular(c, solve_triangular(c, b, 1, False, check_finite=check_finite),
                            0, False, check_finite=check_finite)
