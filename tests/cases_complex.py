"""Complex numbers: every complex-safe family on complex inputs, intermediates and outputs.

Each case is checked like any other (tests/test_primitives.py): reverse mode against
central differences along random complex directions, against forward mode (the
dot-product test with the pairing Re Σ ū·ẏ), and second derivatives.
"""

import numpy as np

from primitive_cases import CSTD, STD, C, U, case, fixed

Z = fixed(((4,), CSTD))
ZM = fixed(((3, 3), C(-1, 1)))
AWAY = C(0.3, 1.5)          # away from 0 (log, 1/z, |z|) and the branch cuts used below


def _well_conditioned(rng, shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * 0.3 + 2.0 * np.eye(shape[-1])


# --- the non-holomorphic functions --------------------------------------------------------
case("real_imag_conj", lambda z: np.real(z) * np.imag(z) + np.conjugate(z) * z + np.conj(z) ** 2,
     (np.real, np.imag, np.conjugate), Z)
case("attributes", lambda z: z.real - 2 * z.imag + z.conj() * 1j + z.conjugate(), (), Z)
case("abs_angle", lambda z: np.abs(z) ** 3 + np.angle(z) + np.angle(z, deg=True) * 0.01,
     (np.angle,), fixed(((5,), AWAY)))
case("real_of_real", lambda x: np.real(x) + np.imag(x) + np.conj(x) + np.angle(x), (),
     fixed(((3,), U(0.2, 2))))

# --- holomorphic elementwise functions ------------------------------------------------------
for uf in (np.exp, np.sin, np.cos, np.tan, np.sinh, np.cosh, np.tanh, np.log, np.sqrt, np.square,
           np.reciprocal, np.exp2, np.expm1, np.log1p, np.log2, np.log10, np.arctan, np.arcsinh,
           np.arcsin, np.arccos, np.arctanh, np.arccosh, np.negative, np.positive):
    case(f"complex_{uf.__name__}", uf, (), fixed(((4,), AWAY)))
case("complex_arithmetic", lambda z, w, x: (z * w - z / w + z ** 2 + w ** 1.5 + z ** w - x * z + 1j * x
                                            + (2 + 1j) ** z),
     (), fixed(((3,), AWAY), ((3,), AWAY), ((3,), STD)))

# --- real inputs, complex intermediates, real outputs -------------------------------------
case("phase_rotation", lambda x, t: np.abs(np.sum(x * np.exp(1j * t))) ** 2 + np.real(np.exp(1j * x) * x),
     (), fixed(((4,), STD), ((4,), STD)))
case("complex_from_pairs", lambda a, b: np.abs(a + 1j * b) + np.angle(a + 1j * b),
     (), fixed(((4,), U(0.3, 2)), ((4,), U(0.3, 2))))

# --- reductions, shapes, indexing, writes, selection ----------------------------------------
case("complex_reductions", lambda z: (np.sum(z) + np.mean(z) * np.prod(z) + np.cumsum(z)[-1]
                                      + np.var(z) + np.linalg.norm(z) + np.linalg.norm(z, 1)),
     (), fixed(((5,), AWAY)))
case("complex_shapes", lambda z: np.concatenate([z, z[::-1]]).reshape(2, 4).T @ np.array([1.0, 1j])
     + np.stack([z, 2 * z])[1] + np.broadcast_to(z, (2, 4)).sum(0) + np.transpose(z.reshape(2, 2)).ravel(),
     (), Z)


def _writes(z, x):
    y = np.zeros_like(z)
    y[1:] = z[:-1] * x[1:]
    y[0] = z[3] * 1j
    w = np.zeros_like(x, dtype=complex)
    w[[0, 0, 2]] = z[:3]
    return y + w * 0 + np.where(np.abs(z) > 1, z, 2 * z) + z[[1, 1, 3]].sum()


case("complex_writes", _writes, (), fixed(((4,), CSTD), ((4,), STD)))

# --- linear algebra ---------------------------------------------------------------------------
case("complex_matmul", lambda a, b: a @ b + np.einsum("ij,jk->ik", a, b) + np.dot(a, b),
     (), fixed(((3, 4), CSTD), ((4, 2), CSTD)))
case("complex_matmul_mixed", lambda a, b: a @ b, (), fixed(((3, 4), STD), ((4, 2), CSTD)))
case("complex_inv_solve_det", lambda a, b: np.linalg.inv(a) + np.linalg.solve(a, b)[:, None]
     + np.linalg.det(a), (), fixed(((3, 3), _well_conditioned), ((3,), CSTD)))
