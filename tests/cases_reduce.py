"""Cases of the reduce family: reduction keywords (where=, initial=, dtype=, mean=,
correction=), ufunc methods (reduce, accumulate, outer, reduceat), einsum's remaining
forms (operand lists, repeated letters, optimize=), sequences of traced values, int().

Each is checked by tests/test_primitives.py against finite differences, forward mode and
(second=True, the default) second derivatives. Masks and indices are fixed constants;
domains keep maxima apart (DISTINCT) and products away from 0.
"""

import numpy as np

from primitive_cases import DISTINCT, POS, STD, U, case, fixed

M34 = np.array([[True, False, True, True], [False, True, True, False], [True, True, False, True]])
X34 = fixed(((3, 4), STD))
D34 = fixed(((3, 4), DISTINCT))
NONZERO = U(0.5, 1.5, signed=True)


def cat(*parts):
    """Several results of different shapes as one vector (each checked entry by entry)."""
    return np.concatenate([np.ravel(p) for p in parts])


# --- reduction keywords ---------------------------------------------------------------------
case("sum_where_initial", lambda x: cat(np.sum(x, axis=1, where=M34, initial=0.5),
                                        np.sum(x, where=M34, keepdims=True),
                                        np.sum(x, axis=0, initial=-1.0, dtype=np.float64)),
     (np.sum,), X34)
case("prod_where_initial", lambda x: cat(np.prod(x, axis=0, where=M34, initial=2.0),
                                         np.prod(x, where=M34),
                                         np.prod(x, axis=1, initial=0.5, keepdims=True)),
     (np.prod,), fixed(((3, 4), NONZERO)))
case("max_min_where_initial", lambda x: cat(np.max(x, axis=1, where=M34, initial=-5.0),
                                            np.min(x, axis=1, where=M34, initial=5.0),
                                            np.amax(x, axis=0, initial=0.05),
                                            np.amin(x, initial=-0.05, keepdims=True),
                                            # a column with every entry masked: initial wins
                                            np.max(x, axis=0, where=M34 & (np.arange(4) != 2),
                                                   initial=-1.9)),
     (np.max, np.min, np.amax, np.amin), D34)
case("mean_where", lambda x: cat(np.mean(x, axis=0, where=M34), np.mean(x, where=M34),
                                 np.mean(x, axis=1, where=M34, keepdims=True)), (np.mean,), X34)
case("var_std_where", lambda x: cat(np.var(x, axis=1, where=M34), np.std(x, axis=1, where=M34, ddof=1),
                                    np.std(x, where=M34), np.var(x, axis=0, where=M34, keepdims=True)),
     (np.var, np.std), fixed(((3, 4), DISTINCT)))     # (two close values: a std near 0)
if np.lib.NumpyVersion(np.__version__) >= "2.0.0":   # mean= and correction= are NumPy 2's
    case("var_std_mean_correction", lambda x: cat(
        np.var(x, axis=0, mean=np.mean(x, axis=0, keepdims=True)), np.std(x, axis=1, correction=1),
        np.var(x, correction=1.5), np.std(x, axis=0, mean=np.full((1, 4), 0.3))), (), X34)

# --- ufunc.reduce ------------------------------------------------------------------------------
case("add_multiply_reduce", lambda x: cat(
    np.add.reduce(x), np.add.reduce(x, axis=None), np.multiply.reduce(x, 0),
    np.add.reduce(x, 1, where=M34, initial=1.0, keepdims=True), np.multiply.reduce(x, axis=(0, 1))),
     (np.add.reduce, np.multiply.reduce), fixed(((3, 4), NONZERO)))
case("maximum_minimum_reduce", lambda x: cat(
    np.maximum.reduce(x), np.minimum.reduce(x, axis=1),
    np.maximum.reduce(x, 1, where=M34, initial=-3.0)), (np.maximum.reduce, np.minimum.reduce), D34)
case("logaddexp_reduce", lambda x: cat(
    np.logaddexp.reduce(x, axis=1), np.logaddexp2.reduce(x, axis=None),
    np.logaddexp.reduce(x * 300.0, axis=1, keepdims=True) / 300.0,     # no overflow
    np.logaddexp.reduce(x, 1, where=M34, initial=0.2)),
     (np.logaddexp.reduce, np.logaddexp2.reduce), X34)
case("fold_reduce", lambda x: cat(
    np.subtract.reduce(x, axis=1), np.divide.reduce(x, 1), np.hypot.reduce(x, axis=-1),
    np.power.reduce(x, axis=1, initial=1.3), np.arctan2.reduce(x, axis=1, keepdims=True)),
     (np.subtract.reduce, np.divide.reduce, np.hypot.reduce, np.power.reduce), fixed(((3, 4), POS)))

# --- ufunc.accumulate --------------------------------------------------------------------------
case("add_multiply_accumulate", lambda x: cat(
    np.add.accumulate(x), np.multiply.accumulate(x, axis=1), np.multiply.accumulate(x, 0)),
     (np.add.accumulate, np.multiply.accumulate), fixed(((3, 4), NONZERO)))
case("running_extremes", lambda x: cat(
    np.maximum.accumulate(x, axis=1), np.minimum.accumulate(x), np.maximum.accumulate(x[::-1])),
     (np.maximum.accumulate, np.minimum.accumulate), D34)
case("fold_accumulate", lambda x: cat(
    np.logaddexp.accumulate(x, axis=1), np.subtract.accumulate(x), np.logaddexp2.accumulate(x, 0),
    np.divide.accumulate(x * x + 0.5, axis=1)),
     (np.logaddexp.accumulate, np.subtract.accumulate, np.logaddexp2.accumulate), X34)

# --- ufunc.outer and reduceat ----------------------------------------------------------------------
case("outer", lambda a, b: cat(
    np.multiply.outer(a, b), np.subtract.outer(a, b), np.add.outer(b, a[0]),
    np.arctan2.outer(a, b), np.multiply.outer(a, [1.0, 2.0]), np.multiply.outer(2.0, b)),
     (np.multiply.outer, np.subtract.outer, np.add.outer), fixed(((3, 2), POS), ((3,), POS)))
case("maximum_outer", lambda a, b: cat(np.maximum.outer(a, b), np.minimum.outer(b, a)),
     (np.maximum.outer, np.minimum.outer),
     fixed(((4,), DISTINCT), ((3,), lambda rng, s: DISTINCT(rng, s) + 0.07)))
case("reduceat", lambda x: cat(
    np.add.reduceat(x, [0, 2, 1, 3], axis=1), np.multiply.reduceat(x, [0, 3, 3, 1], axis=1),
    np.maximum.reduceat(x, [0, 1, 3], axis=1), np.minimum.reduceat(x, [1, 0, 2])),
     (np.add.reduceat, np.multiply.reduceat, np.maximum.reduceat, np.minimum.reduceat),
     fixed(((3, 4), lambda rng, s: DISTINCT(rng, s) + 3.0)))

# --- einsum -----------------------------------------------------------------------------------
A33, T334, E233 = ((3, 3), STD), ((3, 3, 4), STD), ((2, 3, 3), STD)
for name, fun, shapes in [
    ("interleaved", lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]), [A33, ((3, 4), STD)]),
    ("interleaved_implicit", lambda a, b: np.einsum(a, [0, 1], b, [1, 40]), [A33, ((3, 4), STD)]),
    ("interleaved_ellipsis", lambda e, a: np.einsum(e, [Ellipsis, 0, 1], a, [1, 2], [Ellipsis, 0, 2]),
     [E233, A33]),
    ("trace", lambda a: cat(np.einsum("ii->", a), np.einsum("ii", a * a)), [A33]),
    ("diagonal", lambda a: np.einsum("ii->i", a) ** 2, [A33]),
    ("iij_j", lambda t: cat(np.einsum("iij->j", t), np.einsum("iij->", t)), [T334]),
    ("iii_i", lambda t: np.einsum("iii->i", t), [((3, 3, 3), STD)]),
    ("repeated_with_others", lambda a, t, b: np.einsum("ii,iij,ij->j", a, t, b),
     [A33, T334, ((3, 4), STD)]),
    ("ellipsis_diagonal", lambda e: cat(np.einsum("...ii->...i", e),
                                        np.einsum(e, [Ellipsis, 0, 0], [Ellipsis])), [E233]),
    ("optimize", lambda a, b: cat(np.einsum("ij,jk,kl->il", a, a, b, optimize=True),
                                  np.einsum("ij,jk,kl->il", a, a, b, optimize="optimal"),
                                  np.einsum("ij,jk,kl->il", a, a, b,
                                            optimize=["einsum_path", (0, 1), (0, 1)])),
     [A33, ((3, 4), STD)]),
]:
    case(f"einsum_{name}", fun, (np.einsum,), fixed(*shapes))

# --- sequences of traced values, int() --------------------------------------------------------
case("sequences", lambda x: cat(
    np.dot([x[0], 2.0 * x[1], x[2]], x), np.add(x, [x[2], 1.0, x[0]]),
    np.concatenate([[x[0], x[1]], x[:1]]), np.where(x > 0, [x[1], x[2], x[0]], x),
    np.average(x, weights=[x[0] ** 2, 1.0, 1.0]), np.stack([x[1], 2.0])), (), fixed(((3,), POS)))
# int() truncates: constant between integers (the domains stay inside (1, 2) and (3, 4))
case("int_is_piecewise_constant", lambda x, c: cat(x * int(c), x[0] * int(x[1]), c * int(x[2])),
     (), fixed(((3,), U(1.2, 1.8)), ((), U(3.2, 3.8))))
