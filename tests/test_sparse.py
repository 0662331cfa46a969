"""Sparse Jacobians by colouring (optad/sparse): the colouring is valid, the pattern never
misses a nonzero of the dense Jacobian, and the sparse Jacobian equals the dense one.

The dense ``optad.jacobian`` (already checked against finite differences elsewhere) is
the reference throughout.
"""

import warnings

import numpy as np
import optad
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from optad.errors import ArgnumsError, InputTypeError, ShapeError
from optad.sparse import (DensePatternError, PatternError, SparsityWarning, colour_columns, colour_rows,
                          is_colouring, sparse_jacobian, sparsity_pattern)

N = 12
RNG = np.random.default_rng(0)
BAND = np.diag(np.full(N, 2.0)) + np.diag(np.ones(N - 1), 1) + np.diag(np.ones(N - 2), -2)


# --- the problems of the issue ---------------------------------------------------------------
def broyden_tridiagonal(x):
    """MGH 30, written with in-place writes into shifted slices."""
    y = (3 - 2 * x) * x + 1
    y[1:] -= x[:-1]
    y[:-1] -= 2 * x[1:]
    return y


def broyden_tridiagonal_concat(x):
    """MGH 30, with the neighbours as shifted copies padded by zeros."""
    left = np.concatenate([[0.0], x[:-1]])
    right = np.concatenate([x[1:], [0.0]])
    return (3 - 2 * x) * x - left - 2 * right + 1


def broyden_banded(x, ml=5, mu=1):
    """MGH 31, the sum over the band written with shifted slices."""
    s = np.zeros_like(x)
    for k in range(1, ml + 1):
        s[k:] += x[:-k] * (1 + x[:-k])
    for k in range(1, mu + 1):
        s[:-k] += x[k:] * (1 + x[k:])
    return x * (2 + 5 * x ** 2) + 1 - s


def _setitem(x):
    y = np.zeros_like(np.concatenate([x, x[:2]]))
    y[1:-1] = x ** 2
    y[0] = x[-1]
    y[[3, 5]] = x[[0, 0]] * 2
    return y


def _add_at(x):
    y = np.zeros_like(x[:4])
    np.add.at(y, [0, 1, 1, 3], x[:4])
    return y


FUNCTIONS = {
    "broyden_tridiagonal": broyden_tridiagonal,
    "broyden_tridiagonal_concat": broyden_tridiagonal_concat,
    "broyden_banded": broyden_banded,
    "gather": lambda x: x[[0, 2, 1, 2]] * x[3],
    "boolean_mask": lambda x: np.sin(x[x > -100]),
    "strides": lambda x: x[::2] * x[1::2],
    "flip": lambda x: np.flip(x) * x,
    "roll": lambda x: np.roll(x, 2) - x,
    "banded_matmul": lambda x: BAND @ x,
    "banded_vecmat": lambda x: x @ BAND,
    "banded_dot": lambda x: np.dot(BAND, np.tanh(x)),
    "banded_einsum": lambda x: np.einsum("ij,j->i", BAND, x),
    "constant_zeros": lambda x: x * np.where(np.arange(N) % 3 == 0, 0.0, 2.0),
    "where": lambda x: np.where(x > 0, x ** 2, -x),
    "where_constant_mask": lambda x: np.where(np.arange(N) < 4, x, np.roll(x, 1)),
    "relu": lambda x: x * (x > 0),
    "sum_axis": lambda x: np.sum(x.reshape(3, 4) ** 2, axis=0),
    "mean_axis": lambda x: np.mean(x.reshape(3, 4), axis=1),
    "prod_axis": lambda x: np.prod(x.reshape(4, 3), axis=1),
    "max_axis": lambda x: np.max(x.reshape(4, 3), axis=1),
    "min_keepdims": lambda x: np.min(x.reshape(4, 3), axis=1, keepdims=True).ravel(),
    "std_axis": lambda x: np.std(x.reshape(3, 4), axis=1),
    "cumsum": np.cumsum,
    "minus_mean": lambda x: x - np.mean(x),
    "transpose": lambda x: (x.reshape(3, 4).T * np.arange(3.0)).ravel(),
    "setitem": _setitem,
    "outer": lambda x: np.outer(x[:3], x[3:6]).ravel(),
    "matmul_both_traced": lambda x: (x[:6].reshape(2, 3) @ x[6:].reshape(3, 2)).ravel(),
    "kron": lambda x: np.kron(x[:4].reshape(2, 2), np.eye(2)).ravel(),
    "fft": lambda x: np.real(np.fft.fft(x.reshape(3, 4), axis=1)).ravel(),
    "solve": lambda x: np.linalg.solve(np.eye(3) * 2 + x[:9].reshape(3, 3), x[9:]),
    "clip": lambda x: np.clip(x, -0.5, 0.5) * x[0],
    "tile": lambda x: np.tile(x[:3], 2) * x[3:9],
    "repeat": lambda x: np.repeat(x[:4], 2),
    "sort": lambda x: np.sort(x)[:3],
    "diag": lambda x: np.diag(x[:3]).ravel() + 1.0,
    "stack": lambda x: np.stack([x[:4], x[4:8]], axis=1).ravel() * 2,
    "add_at": _add_at,
    "norm": lambda x: np.atleast_1d(np.linalg.norm(x)),
    "pad": lambda x: np.pad(x, 2) * 3.0,
    "triu": lambda x: np.triu(x[:9].reshape(3, 3)).ravel(),
    "constant_output": lambda x: np.ones(3),
}


def dense(f, x):
    return optad.jacobian(f)(x)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_sparse_jacobian_equals_the_dense_one(name, mode):
    f = FUNCTIONS[name]
    jac = sparse_jacobian(f, mode=mode)
    for x in (RNG.uniform(-1, 1, N), RNG.uniform(-2, 2, N)):
        J = jac(x)
        assert isinstance(J, sp.csr_matrix)
        D = dense(f, x)
        np.testing.assert_allclose(J.toarray(), D, rtol=1e-13, atol=1e-13)
        P = jac.sparsity(x).toarray()
        assert not np.any((D != 0) & ~P), "the pattern misses a nonzero"
        assert J.shape == P.shape and J.nnz == P.sum()


@pytest.mark.parametrize("name, nnz", [
    ("broyden_tridiagonal", 3 * N - 2), ("broyden_tridiagonal_concat", 3 * N - 2),
    ("banded_matmul", 3 * N - 3), ("banded_vecmat", 3 * N - 3), ("banded_einsum", 3 * N - 3),
    ("constant_zeros", N - 4), ("relu", N), ("where", N), ("gather", 8), ("add_at", 4),
    ("sum_axis", N), ("setitem", 13), ("strides", N), ("kron", 8),
    ("transpose", 8),       # the column multiplied by the constant 0 depends on nothing
    ("constant_output", 0),
])
def test_patterns_are_tight_where_the_structure_is_known(name, nnz):
    assert sparsity_pattern(FUNCTIONS[name], RNG.uniform(-1, 1, N)).nnz == nnz


def test_banded_broyden_pattern_is_the_band():
    P = sparsity_pattern(broyden_banded, np.ones(20)).toarray()
    i, j = np.indices(P.shape)
    np.testing.assert_array_equal(P, (j - i <= 1) & (i - j <= 5))


def test_the_tridiagonal_pattern_gets_exactly_three_colours():
    n = 1000
    for f in (broyden_tridiagonal, broyden_tridiagonal_concat):
        P = sparsity_pattern(f, -np.ones(n))
        assert P.nnz == 3 * n - 2
        for colours in (colour_columns(P), colour_rows(P)):
            assert colours.max() + 1 == 3 and is_colouring(P, colours)
    plan = optad.jacobian(broyden_tridiagonal, sparse=True).plan(-np.ones(n))
    assert plan.ncolours == 3


def test_value_dependent_constants_are_not_taken_as_structural():
    # x * (x > 0): the mask is a comparison, its zeros move with x
    P = sparsity_pattern(lambda x: x * (x > 0).astype(float), np.array([1.0, -1.0, 2.0, -3.0]))
    np.testing.assert_array_equal(P.toarray(), np.eye(4, dtype=bool))
    # np.sort: a permutation computed from the values: every output may be any input
    assert sparsity_pattern(lambda x: np.sort(x), np.arange(4.0)).nnz == 16


def test_comparison_masks_never_give_structural_zeros():
    # (x > 1000) is False at every point tried, but not everywhere: a boolean constant
    # is a comparison's result, whose zeros move with x
    x = np.ones(4)
    for f in (lambda x: x * (x > 1000), lambda x: np.diag(x > 1000) @ x):
        jac = optad.jacobian(f, sparse=True)
        assert jac.sparsity(x).toarray().diagonal().all()
        np.testing.assert_array_equal(jac(np.full(4, 2000.0)).toarray(), np.eye(4))


def test_an_operand_that_depends_on_the_input_may_be_nonzero_even_where_it_is_zero():
    def f(x):
        Y = x[:4].reshape(2, 2)
        Z = (x[4:] * (x[4:] > 1000)).reshape(2, 2)   # zero at every point tried
        return (Y @ Z).ravel()

    jac = optad.jacobian(f, sparse=True)
    x = np.concatenate([np.ones(4), np.full(4, 2000.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SparsityWarning)
        jac(np.ones(8))
        np.testing.assert_allclose(jac(x).toarray(), dense(f, x))


def test_traced_constants_written_into_keep_their_zeros():
    def f(x):
        c = np.zeros_like(x)        # a traced constant (np.zeros_like of a traced x)
        c[::2] = 1.0
        return x * c

    np.testing.assert_array_equal(sparsity_pattern(f, np.ones(4)).toarray(),
                                  np.diag([True, False, True, False]))
    g = lambda x: (np.zeros_like(x) + np.zeros((4, 4))) @ x     # a traced zero matrix
    assert sparsity_pattern(g, np.ones(4)).nnz == 0


def test_control_flow_on_values_warns_and_merges_both_points():
    def f(x):
        return x[::-1] * 2.0 if x[0] > 0 else x * 2.0

    with pytest.warns(SparsityWarning, match="control flow"):
        P = sparsity_pattern(f, np.ones(4))       # -x flips the comparison
    P = P.toarray()
    assert P.diagonal().all() and P[::-1].diagonal().all()     # both branches


def test_a_dependency_missed_at_the_first_point_is_found_later():
    def f(x):       # a branch neither the first point nor the second one takes
        return x * 1.0 if x[0] > 100 else x * np.array([1.0, 0.0, 1.0, 1.0])

    jac = optad.jacobian(f, sparse=True)
    assert jac(np.zeros(4)).nnz == 3
    x = np.array([200.0, 1.0, 2.0, 3.0])
    with pytest.warns(SparsityWarning, match="missed a dependency"):
        J = jac(x)
    np.testing.assert_array_equal(J.toarray(), np.eye(4))


def test_a_given_pattern_skips_tracing_and_is_checked():
    calls = []

    def f(x):
        calls.append(1)
        return broyden_tridiagonal(x)

    n = 30
    pattern = sp.diags([1, 1, 1], [-1, 0, 1], shape=(n, n), dtype=bool)
    jac = optad.jacobian(f, sparsity=pattern)
    J = jac(np.ones(n))
    np.testing.assert_allclose(J.toarray(), dense(broyden_tridiagonal, np.ones(n)))
    assert len(calls) <= 4          # the passes only: no tracing
    missing_row = pattern.toarray()
    missing_row[0] = False          # J[0, 0] and J[0, 1] are nonzero: the check sees them
    jac = sparse_jacobian(f, sparsity=missing_row, mode="forward")
    with pytest.raises(PatternError, match="outside the sparsity pattern"):
        jac(np.ones(n))


def test_the_plan_is_cached_per_input_size():
    calls = []

    def f(x):
        calls.append(1)
        return broyden_tridiagonal(x)

    jac = sparse_jacobian(f, mode="forward")
    jac(np.ones(20))
    calls.clear()
    jac(2 * np.ones(20))
    assert len(calls) == 3          # one forward pass per colour
    jac = sparse_jacobian(f, mode="reverse")
    jac(np.ones(20))
    calls.clear()
    jac(2 * np.ones(20))
    assert len(calls) == 1          # one recording, three backward passes
    jac(np.ones(7))
    assert jac.plan(np.ones(7)).shape == (7, 7)


def test_the_reference_engine_gives_the_same_jacobian():
    x = RNG.uniform(-1, 1, N)
    with optad.reference():
        J = optad.jacobian(broyden_banded, sparse=True)(x)
    np.testing.assert_allclose(J.toarray(), dense(broyden_banded, x), rtol=1e-14)


def test_shapes_and_types_other_than_vectors_are_refused():
    jac = optad.jacobian(lambda x: x * 2, sparse=True)
    with pytest.raises(ShapeError, match="1-D input"):
        jac(np.ones((2, 2)))
    with pytest.raises(InputTypeError):
        jac(np.arange(3))
    with pytest.raises(ShapeError, match="1-D array"):
        optad.jacobian(lambda x: np.sum(x), sparse=True)(np.ones(3))
    with pytest.raises(ShapeError, match="1-D array"):
        optad.jacobian(lambda x: x.reshape(2, 2), sparse=True)(np.ones(4))
    with pytest.raises(ShapeError, match="one 1-D array"):
        optad.jacobian(lambda x: (x, x), sparse=True)(np.ones(4))
    with pytest.raises(ArgnumsError):
        optad.jacobian(lambda a, x: x, argnums=1, sparse=True)
    with pytest.raises(ArgnumsError, match="one 1-D array"):
        jac(np.ones(2), np.ones(2))
    with pytest.raises(ShapeError, match="columns"):
        optad.jacobian(lambda x: x, sparsity=np.eye(3, dtype=bool))(np.ones(4))
    with pytest.raises(ValueError, match="mode"):
        sparse_jacobian(lambda x: x, mode="sideways")
    with pytest.raises(ValueError, match="order"):
        colour_columns(np.eye(2), order="random")


def test_a_dense_pattern_past_the_limit_is_refused_with_the_fix():
    x = np.ones(5000)               # x - mean(x): 25 million dependencies
    with pytest.raises(DensePatternError, match="without sparse=True"):
        optad.jacobian(lambda x: x - np.mean(x), sparse=True)(x)


def test_a_list_input_is_taken_as_floats():
    J = optad.jacobian(lambda x: x ** 2, sparse=True)([1.0, 2.0])
    np.testing.assert_array_equal(J.toarray(), np.diag([2.0, 4.0]))


# --- Hypothesis: colourings of random patterns ------------------------------------------------
@st.composite
def patterns(draw):
    m = draw(st.integers(1, 25))
    n = draw(st.integers(1, 25))
    density = draw(st.floats(0.0, 0.6))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    return np.random.default_rng(seed).random((m, n)) < density


def _valid(P, colours):
    """No two columns of one colour share a row (checked directly, row by row)."""
    for row in P:
        used = colours[np.flatnonzero(row)]
        if len(set(used.tolist())) != len(used):
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(patterns(), st.sampled_from(["natural", "largest_first", "best"]))
def test_colourings_of_random_patterns_are_valid(P, order):
    colours = colour_columns(sp.csr_matrix(P), order=order)
    assert colours.shape == (P.shape[1],) and colours.min() >= 0
    assert _valid(P, colours) and is_colouring(P, colours)
    k = colours.max() + 1
    assert k >= P.sum(axis=1).max()                 # a row's columns all differ
    degree = ((P.T.astype(int) @ P.astype(int)) > 0).sum(axis=1) - 1
    assert k <= max(degree.max(), 0) + 1            # greedy never needs more
    rows = colour_rows(P, order=order)
    assert _valid(P.T, rows)


def test_is_colouring_catches_a_shared_row():
    P = np.array([[1, 0, 1], [0, 1, 0]], dtype=bool)
    assert not is_colouring(P, [0, 1, 0]) and is_colouring(P, [0, 0, 1])


# --- Hypothesis: random functions --------------------------------------------------------------
def _apply(op, v, rng):
    """One random step on a traced vector v (length >= 2); returns a vector."""
    L = v.shape[0]
    if op == "shift":
        return v[1:] * v[:-1] if rng.random() < 0.5 else v[1:] - 2 * v[:-1]
    if op == "elementwise":
        return [np.sin, np.tanh, lambda u: u ** 2, lambda u: np.exp(0.1 * u)][rng.integers(4)](v)
    if op == "constant":
        return v * np.where(rng.random(L) < 0.4, 0.0, rng.normal(size=L))
    if op == "matmul":
        A = np.where(rng.random((L, L)) < 0.3, rng.normal(size=(L, L)), 0.0)
        return A @ v
    if op == "gather":
        return v[rng.integers(0, L, size=L)] * v[rng.integers(L)]
    if op == "setitem":
        w = np.zeros_like(v)
        idx = rng.choice(L, size=max(L // 2, 1), replace=False)
        w[idx] = np.cos(v[rng.integers(0, L, size=idx.size)])
        return w + 0.5 * v
    if op == "concatenate":
        return np.concatenate([v, v[::2] ** 2])[:max(L, 2)]
    if op == "reduce":
        k = 2 if L % 2 == 0 else 1
        return np.repeat(np.sum(v.reshape(-1, k), axis=1), k) * v
    if op == "where":
        mask = rng.random(L) < 0.5
        return np.where(mask, v, np.roll(v, 1) * v)
    if op == "cumsum":
        return np.cumsum(v) * 0.5
    raise AssertionError(op)


OPS = ["shift", "elementwise", "constant", "matmul", "gather", "setitem", "concatenate",
       "reduce", "where", "cumsum"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(4, 14), st.lists(st.sampled_from(OPS), min_size=1, max_size=5),
       st.integers(0, 2 ** 32 - 1))
def test_the_pattern_contains_every_nonzero_of_random_functions(n, ops, seed):
    def f(x):
        rng = np.random.default_rng(seed)       # the same constants at every call
        v = x
        for op in ops:
            if v.shape[0] < 2:
                break
            v = _apply(op, v, rng)
        return v

    x = np.random.default_rng(seed + 1).uniform(-1, 1, n)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SparsityWarning)     # no control flow here
        jac = optad.jacobian(f, sparse=True)
        J = jac(x)
    D = dense(f, x)
    P = jac.sparsity(x).toarray()
    assert not np.any((D != 0) & ~P), "the pattern misses a nonzero"
    np.testing.assert_allclose(J.toarray(), D, rtol=1e-12, atol=1e-12)
    # at another point, the pattern still holds
    x2 = np.random.default_rng(seed + 2).uniform(-1, 1, n)
    np.testing.assert_allclose(jac(x2).toarray(), dense(f, x2), rtol=1e-12, atol=1e-12)


# --- jit=True: the passes replayed by optad.jit ------------------------------------------------
@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("f", [broyden_tridiagonal, broyden_banded])
def test_jitted_passes_replay_the_same_jacobian(mode, f):
    calls = []

    def counted(x):
        calls.append(1)
        return f(x)

    jac = sparse_jacobian(counted, mode=mode, jit=True)
    for seed in range(4):
        x = np.random.default_rng(seed).uniform(-1, 1, 30)
        calls.clear()
        value, J = jac.value_and_jacobian(x)
        np.testing.assert_allclose(J.toarray(), dense(f, x), rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(value, f(x), rtol=1e-15)
        if seed:
            assert not calls            # replayed: f's Python code does not run
    assert jac.plan(np.ones(30)).program.cache_info().traces == 1


def test_a_jitted_branch_that_changes_the_pattern_retraces_it():
    def f(x):
        if x[0] < 10:                   # a guard of the jitted passes (and no point
            return x[1:] * x[:-1]       # the pattern is traced at goes the other way)
        return x[1:] * x[0]             # another pattern: column 0 in every row

    jac = optad.jacobian(f, sparse=True, jit=True)
    x = np.linspace(0.5, 1.5, 6)
    np.testing.assert_allclose(jac(x).toarray(), dense(f, x))
    y = x + 20.0
    with pytest.warns(SparsityWarning, match="missed a dependency"):
        J = jac(y)
    np.testing.assert_allclose(J.toarray(), dense(f, y))
    np.testing.assert_allclose(jac(x).toarray(), dense(f, x))     # the merged pattern


def test_jit_is_for_sparse_jacobians_only():
    with pytest.raises(ValueError, match="optad.jit\\(optad.jacobian"):
        optad.jacobian(np.sin, jit=True)
