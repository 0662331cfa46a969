"""Every primitive, checked two independent ways on random shapes (incl. broadcasting).

The cases of the core families are here; each further family has its own
``tests/cases_<family>.py`` (imported below), built from :mod:`primitive_cases`.
``test_every_registered_function_has_a_case`` makes the suite fail when a primitive is
added without a case.
"""

import importlib
from pathlib import Path

import numpy as np
import optad
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optad.primitive import FUNCTION_HANDLERS
from optad.registry import builtin
from optad.testing import check_derivatives, check_second_derivatives
from primitive_cases import (CASES, DISTINCT, POS, QUIET, SETTINGS, STD, U, binary, case,
                             fixed, unary, well_conditioned)

# --- elementwise ------------------------------------------------------------------------
for uf, dom in [
    (np.exp, STD), (np.exp2, STD), (np.expm1, STD), (np.log, POS), (np.log2, POS),
    (np.log10, POS), (np.log1p, U(-0.5, 2)), (np.sqrt, POS), (np.cbrt, POS), (np.sin, STD),
    (np.cos, STD), (np.tan, U(-1, 1)), (np.arcsin, U(-0.9, 0.9)), (np.arccos, U(-0.9, 0.9)),
    (np.arctan, STD), (np.sinh, STD), (np.cosh, STD), (np.tanh, STD), (np.arcsinh, STD),
    (np.arccosh, U(1.2, 3)), (np.arctanh, U(-0.9, 0.9)), (np.absolute, U(0.2, 2, True)),
    (np.fabs, U(0.2, 2, True)), (np.sign, U(0.2, 2, True)), (np.square, STD),
    (np.reciprocal, POS), (np.negative, STD), (np.positive, STD), (np.deg2rad, STD),
    (np.rad2deg, STD), (np.radians, STD), (np.degrees, STD), (np.sinc, STD),
]:
    case(uf.__name__, uf, (uf,), unary(dom))

for uf, d0, d1 in [
    (np.add, STD, STD), (np.subtract, STD, STD), (np.multiply, STD, STD),
    (np.divide, STD, POS), (np.true_divide, STD, POS), (np.power, POS, STD),
    (np.float_power, POS, STD), (np.arctan2, U(0.3, 2, True), U(0.3, 2, True)),
    (np.hypot, U(0.3, 2, True), U(0.3, 2, True)), (np.maximum, STD, STD), (np.minimum, STD, STD),
    (np.fmax, STD, STD), (np.fmin, STD, STD), (np.logaddexp, STD, STD),
    (np.logaddexp2, STD, STD), (np.remainder, U(0.1, 0.6), U(1.0, 2.0)),
    (np.mod, U(0.1, 0.6), U(1.0, 2.0)), (np.fmod, U(0.1, 0.6), U(1.0, 2.0)),
]:
    case(uf.__name__, uf, (uf,), binary(d0, d1))

case("operators", lambda x, y: (x + 1.0) * y - x / (y * y + 1.0) + 2.0 ** x - (-x) ** 2 + abs(y),
     (), binary(STD, U(0.2, 2, True)))
case("pow_const", lambda x: x ** 2 + x ** 3.5 + x ** -1, (), unary(POS))

# --- reductions -------------------------------------------------------------------------
AXES_SHAPES = fixed(((3, 4, 2), DISTINCT))
for red in (np.sum, np.mean, np.max, np.min, np.amax, np.amin):
    for axis, kd in [(None, False), (0, False), (1, True), ((0, 2), False), (-1, True)]:
        case(f"{red.__name__}_axis{axis}_kd{kd}",
             lambda x, red=red, axis=axis, kd=kd: red(x, axis=axis, keepdims=kd), (red,), AXES_SHAPES)
for axis in (None, 1):
    case(f"prod_axis{axis}", lambda x, axis=axis: np.prod(x, axis=axis), (np.prod,),
         fixed(((3, 4), U(0.5, 1.5, True))))
    case(f"cumsum_axis{axis}", lambda x, axis=axis: np.cumsum(x, axis=axis), (np.cumsum,),
         fixed(((3, 4), STD)))
    case(f"var_std_axis{axis}", lambda x, axis=axis: np.var(x, axis=axis) + np.std(x, axis=axis, ddof=1),
         (np.var, np.std), fixed(((3, 4), STD)))
def _with_zeros(n_zeros):
    def sample(rng, shape):
        v = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        v.flat[rng.choice(v.size, n_zeros, replace=False)] = 0.0
        return v
    return sample


for nz in (1, 2):
    case(f"prod_with_{nz}_zeros", lambda x: np.prod(x) + np.prod(x, axis=0).sum(), (),
         # two zeros: higher derivatives are refused (NotDifferentiableError, tested elsewhere)
         fixed(((3, 4), _with_zeros(nz))), second=nz == 1)
case("average", lambda x, w: np.average(x) + np.average(x, weights=w), (np.average,),
     fixed(((5,), STD), ((5,), POS)))
case("methods", lambda x: x.sum(axis=0) + x.mean(0) + x.max(axis=0) - x.min(0)
     + x.prod(0) + x.var(0) + x.std(0), (), fixed(((3, 2), lambda rng, s: DISTINCT(rng, s) + 3.0)))
case("logsumexp_style", lambda x: np.max(x) + np.log(np.sum(np.exp(x - np.max(x)))), (),
     fixed(((6,), DISTINCT)))

# --- shapes -----------------------------------------------------------------------------
M = fixed(((3, 4), STD))
case("reshape", lambda x: np.reshape(x, (2, 6)) * np.arange(12.0).reshape(2, 6), (np.reshape,), M)
case("reshape_method", lambda x: x.reshape(4, -1)[0] + x.reshape((-1,))[:3], (), M)
case("ravel", lambda x: np.ravel(x) * np.arange(12.0) + x.ravel() + x.flatten(), (np.ravel,), M)
case("transpose", lambda x: np.transpose(x) @ np.arange(3.0) + x.T[:, 0] + x.transpose(1, 0)[:, 1],
     (np.transpose,), M)
case("transpose_axes", lambda x: np.transpose(x, (2, 0, 1)), (), fixed(((2, 3, 4), STD)))
case("swapaxes", lambda x: np.swapaxes(x, 0, 2) * 2.0 + x.swapaxes(0, 2), (np.swapaxes,),
     fixed(((2, 3, 4), STD)))
case("moveaxis", lambda x: np.moveaxis(x, 0, -1), (np.moveaxis,), fixed(((2, 3, 4), STD)))
case("expand_squeeze", lambda x: np.squeeze(np.expand_dims(x, (0, 2)), axis=0) + x.squeeze()[:, None],
     (np.expand_dims, np.squeeze), fixed(((3, 1), STD)))
case("broadcast_to", lambda x: np.broadcast_to(x, (3, 4)) * np.arange(12.0).reshape(3, 4),
     (np.broadcast_to,), fixed(((4,), STD)))
case("broadcast_arrays", lambda x, y: np.broadcast_arrays(x, y)[0] * np.broadcast_arrays(x, y)[1],
     (np.broadcast_arrays,), fixed(((3, 1), STD), ((4,), STD)))
case("concatenate", lambda x, y: np.concatenate([x, y, x], axis=1), (np.concatenate,),
     fixed(((2, 3), STD), ((2, 2), STD)))
case("concatenate_none", lambda x, y: np.concatenate([x, y], axis=None), (),
     fixed(((2, 3), STD), ((2, 2), STD)))
case("stack", lambda x, y: np.stack([x, y, x * y], axis=1), (np.stack,),
     fixed(((3,), STD), ((3,), STD)))
case("stack_scalars", lambda x, y: np.stack([x, y, x * y]), (), fixed(((), STD), ((), STD)))
case("hstack_vstack", lambda x, y: np.vstack([x, y]) + np.hstack([x, y])[:3],
     (np.hstack, np.vstack), fixed(((3,), STD), ((3,), STD)))
case("column_stack", lambda x, y: np.column_stack([x, y]), (np.column_stack,),
     fixed(((3,), STD), ((3,), STD)))
case("atleast", lambda x: np.atleast_2d(x) + np.atleast_1d(x), (np.atleast_1d, np.atleast_2d),
     fixed(((), STD)))
case("flip_roll", lambda x: np.flip(x, axis=1) + np.roll(x, 1, axis=0) + np.roll(x, 2)
     + np.flip(x), (np.flip, np.roll), M)
case("diag", lambda x, v: np.diag(x) @ np.diag(v) + np.diagonal(x) + np.trace(x) + np.diag(v, 1)[:3, :3],
     (np.diag, np.diagonal, np.trace), fixed(((3, 3), STD), ((3,), STD)))
case("triu_tril", lambda x: np.triu(x) * 2.0 + np.tril(x, -1), (np.triu, np.tril), M)
case("tile_repeat", lambda x: np.tile(x, (2, 1)) + np.repeat(x, 2, axis=0), (np.tile, np.repeat),
     fixed(((2, 3), STD)))
case("repeat_flat", lambda x: np.repeat(x, [1, 2, 3]), (), fixed(((3,), STD)))
case("copy", lambda x: np.copy(x) * x.copy(), (np.copy,), M)
case("sort", lambda x: np.sort(x) * np.arange(12.0).reshape(3, 4) + np.sort(x, axis=0)
     + np.sort(x, axis=None)[:4], (np.sort,), fixed(((3, 4), DISTINCT)))
case("take", lambda x: np.take(x, [0, 2, 2]) + np.take(x, [1, 1, 0], axis=1)[0], (np.take,), M)
case("take_along_axis", lambda x: np.take_along_axis(x, np.array([[0, 1], [3, 3], [2, 0]]), axis=1),
     (np.take_along_axis,), M)

# --- indexing ---------------------------------------------------------------------------
case("getitem_basic", lambda x: x[1, :3] + x[:, 2] + x[1:, ::2].sum() + x[..., -1] + x[None, 0, 1],
     (), M)
case("getitem_advanced_repeated", lambda x: x[[0, 0, 2]] * 2.0 + x[np.array([1, 1, 1]), [0, 1, 1]].sum(),
     (), M)
case("getitem_bool", lambda x: x[x > 0].sum() + x[:, [True, False, True, False]], (), M)
case("iterate", lambda x: sum(row * i for i, row in enumerate(x)), (), M)


def _setitem_fun(x, v):
    y = np.zeros_like(x)
    y[1:] = x[:-1] ** 2
    y[0] = v
    y[[0, 2], 1] = x[0, :2] * v
    return y


case("setitem", _setitem_fun, (np.zeros_like,), fixed(((3, 4), STD), ((), STD)))


def _setitem_on_traced(x):
    x = x * 1.0
    x[0] = x[1] * x[2]
    x[1:] += x[:-1]
    return x


case("setitem_on_traced", _setitem_on_traced, (), fixed(((4,), STD)))
case("ones_full_empty_like", lambda x: (np.ones_like(x) * x + np.full_like(x, 2.0) * x
                                        + 0.0 * np.empty_like(x)), (np.ones_like, np.full_like, np.empty_like), M)

# --- selection --------------------------------------------------------------------------
case("where", lambda x, y: np.where(x > 0, x * y, y ** 2), (np.where,), binary(U(0.2, 2, True), STD))
case("clip", lambda x, lo, hi: np.clip(x, lo, hi) + np.clip(x, -0.5, None) + x.clip(max=0.3),
     (np.clip,), fixed(((6,), U(0.05, 2, True)), ((6,), U(-1.5, -1.0)), ((6,), U(1.0, 1.5))))

# --- linear algebra -----------------------------------------------------------------------
for sa, sb in [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
               ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)),
               ((2, 3, 4), (4,))]:
    case(f"matmul{sa}{sb}", lambda a, b: a @ b, (np.matmul,), fixed((sa, STD), (sb, STD)))
case("matmul_fn_rmatmul", lambda a, b: np.matmul(a, b) + np.arange(12.0).reshape(3, 4) @ b,
     (), fixed(((3, 4), STD), ((4, 2), STD)))
case("dot", lambda a, b, c: np.dot(a, b) + np.dot(c, c) + a.dot(b) + np.dot(np.dot(a, b), 2.0).sum(),
     (np.dot,), fixed(((3, 4), STD), ((4, 2), STD), ((3,), STD)))
case("dot_nd", lambda a, b: np.dot(a, b), (), fixed(((2, 3, 4), STD), ((2, 4, 3), STD)))
for spec, shapes in [("ij,jk->ik", [(3, 4), (4, 2)]), ("i,i->", [(4,), (4,)]),
                     ("ij->j", [(3, 4)]), ("ij,j->i", [(3, 4), (4,)]),
                     ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]), ("ij,kj", [(3, 4), (2, 4)]),
                     ("bij,bjk,k->bi", [(2, 3, 4), (2, 4, 3), (3,)]), ("ij,kl->ijkl", [(2, 3), (2, 2)]),
                     ("ij", [(2, 3)]), ("i,j->", [(3,), (2,)])]:
    case(f"einsum_{spec}", lambda *ops, spec=spec: np.einsum(spec, *ops), (np.einsum,),
         fixed(*[(s, STD) for s in shapes]))
case("outer_inner_vdot", lambda a, b: np.outer(a, b) * np.inner(a, b[:4]) + np.vdot(a, b[:4]),
     (np.outer, np.inner, np.vdot), fixed(((4,), STD), ((5,), STD)))
case("inner_nd", lambda a, b: np.inner(a, b), (), fixed(((2, 3), STD), ((4, 3), STD)))
case("tensordot", lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 1])) + np.tensordot(a, a, 2),
     (np.tensordot,), fixed(((3, 4), STD), ((4, 3, 2), STD)))
case("kron", lambda a, b: np.kron(a, b), (np.kron,), fixed(((2, 3), STD), ((2, 2), STD)))
case("inv", lambda a: np.linalg.inv(a), (np.linalg.inv,), fixed(((3, 3), well_conditioned(3))))
case("inv_batched", lambda a: np.linalg.inv(a), (), fixed(((2, 3, 3), well_conditioned(3))))
case("solve_vec", lambda a, b: np.linalg.solve(a, b), (np.linalg.solve,),
     fixed(((3, 3), well_conditioned(3)), ((3,), STD)))
case("solve_mat", lambda a, b: np.linalg.solve(a, b), (),
     fixed(((3, 3), well_conditioned(3)), ((3, 2), STD)))
case("det", lambda a: np.linalg.det(a), (np.linalg.det,), fixed(((3, 3), well_conditioned(3))))
case("det_batched", lambda a: np.linalg.det(a), (), fixed(((2, 3, 3), well_conditioned(3))))
case("slogdet", lambda a: np.linalg.slogdet(a)[1] * np.linalg.slogdet(a).sign, (np.linalg.slogdet,),
     fixed(((3, 3), well_conditioned(3))))
case("norm_default", lambda x, m: np.linalg.norm(x) + np.linalg.norm(m) + np.linalg.norm(m, axis=1),
     (np.linalg.norm,), fixed(((4,), STD), ((3, 4), STD)))
def _distinct_magnitudes(rng, shape):
    """Magnitudes at least 0.1 apart, random signs: norm(x, -inf) = min|x| has no near-tie
    (a kink) that a finite-difference step could cross."""
    size = int(np.prod(shape))
    v = rng.permutation(np.linspace(0.3, 0.3 + 0.15 * size, size)) + rng.uniform(-0.01, 0.01, size)
    return (v * rng.choice([-1.0, 1.0], size)).reshape(shape)


case("norm_ords", lambda x, m: (np.linalg.norm(x, 1) + np.linalg.norm(x, np.inf) + np.linalg.norm(x, 3)
                                + np.linalg.norm(x, -np.inf) + np.linalg.norm(m, "fro")
                                + np.linalg.norm(m, 1) + np.linalg.norm(m, np.inf)
                                + np.linalg.norm(m, axis=0, keepdims=True).sum()),
     (), fixed(((4,), _distinct_magnitudes), ((3, 4), _distinct_magnitudes)))


# --- the families with a file of their own ---------------------------------------------------
for _path in sorted(Path(__file__).parent.glob("cases_*.py")):
    importlib.import_module(_path.stem)


# --- the checks -------------------------------------------------------------------------
@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
@SETTINGS
@given(data=st.data())
def test_reverse_mode_matches_finite_differences_and_forward_mode(c, data):
    args = data.draw(c.draw)
    check_derivatives(c.fun, *args, seed=data.draw(st.integers(0, 1000)))


# (slow: the whole suite on the main stack runs it; the other CI stacks, which run the
# first-derivative checks of every case, skip it to keep CI within its time)
@pytest.mark.slow
@pytest.mark.parametrize("c", [c for c in CASES if c.second], ids=lambda c: c.name)
@settings(max_examples=3, deadline=None, suppress_health_check=QUIET)
@given(data=st.data())
def test_second_derivatives_match_finite_differences_and_forward_over_reverse(c, data):
    args = data.draw(c.draw)
    check_second_derivatives(c.fun, *args, seed=data.draw(st.integers(0, 1000)))


# Handlers that only read values (shapes, argmax, comparisons): no derivative to check.
def _is_value_only(handler):
    return getattr(handler, "value_only", False)


def test_every_registered_function_has_a_case():
    covered = {f for c in CASES for f in c.covers}
    ufuncs, functions = builtin()
    missing_ufuncs = [u.__name__ for u in ufuncs if u not in covered]
    missing_functions = [getattr(f, "__name__", f) for f in functions
                         if f not in covered and not _is_value_only(FUNCTION_HANDLERS[f])]
    assert not missing_ufuncs and not missing_functions, (
        f"primitives without a test case: ufuncs {missing_ufuncs}, functions {missing_functions}")


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
@settings(max_examples=3, deadline=None, suppress_health_check=QUIET)
@given(data=st.data())
def test_rules_read_only_what_they_declare(c, data):
    # With the size threshold at 0, every array a rule did not declare in `needs` is
    # replaced on the tape by a shape-only stand-in, which fails loudly if read.
    args = data.draw(c.draw)
    with optad.config.override(drop_min_size=0):
        check_derivatives(c.fun, *args, modes=("fd",))
