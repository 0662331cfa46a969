"""optad.jit: replays equal un-jitted calls, never a stale value, and the frozen cases.

Each test changes the inputs between calls so that anything the program froze that it
should recompute (a mask, a sign, a permutation, a branch) would show as a wrong value.
"""

import importlib
import threading
import warnings
from pathlib import Path

import numpy as np
import optad
from optad.engines import using_reference
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optad.jit import JitWarning
from primitive_cases import CASES, QUIET

# Every family's cases (as tests/test_primitives.py gathers them): the core ones live in
# test_primitives itself, the others in tests/cases_*.py.
importlib.import_module("test_primitives")
for _path in sorted(Path(__file__).parent.glob("cases_*.py")):
    importlib.import_module(_path.stem)


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def same(a, b, rtol=1e-12):
    """Equal pytrees: same structure, values to ``rtol`` (NaN where NaN), same dtypes."""
    la, ta = optad.tree.flatten(a)
    lb, tb = optad.tree.flatten(b)
    assert ta == tb
    for u, v in zip(la, lb):
        assert np.shape(u) == np.shape(v)
        assert np.result_type(u) == np.result_type(v)
        np.testing.assert_allclose(u, v, rtol=rtol, atol=rtol * (1 + np.max(np.abs(
            np.nan_to_num(np.asarray(v, dtype=complex))), initial=0.0)), equal_nan=True)


def against(fun, *inputs, traces=None):
    """Call ``jit(fun)`` on each input tuple in turn, each compared with ``fun``; return
    the jitted function (its cache_info tells how often it traced)."""
    jitted = optad.jit(fun)
    for args in inputs:
        same(jitted(*args), fun(*args))
    # (the count is the fast engine's: the reference engine's structural-zero masks read
    # values, which are guards, so it may trace again where the fast engine does not)
    if traces is not None and not using_reference():
        assert jitted.cache_info().traces == traces
    return jitted


# --- control flow and recomputed data -----------------------------------------------------
def test_branch_taken_both_ways_gives_the_right_value_and_gradient():
    def f(x):
        if x[0] > 0:
            return np.sum(x ** 2)
        return np.sum(np.sin(x))
    vg = optad.value_and_grad(f)
    xs = [np.array([1.0, 2.0]), np.array([-1.0, 2.0]), np.array([3.0, -2.0]),
          np.array([-3.0, 0.5])]
    jitted = against(vg, *[(x,) for x in xs], traces=2)   # one program per branch
    assert jitted.cache_info().replays == 2


def test_where_with_a_mask_that_changes_between_calls_is_recomputed():
    vg = optad.value_and_grad(lambda x: np.sum(np.where(x > 0, x ** 2, -3.0 * x)))
    against(vg, (np.array([1.0, -2.0, 3.0]),), (np.array([-1.0, 2.0, -3.0]),),
            (np.array([0.5, 0.5, -0.5]),), traces=1)


@pytest.mark.parametrize("f", [
    lambda x: np.sum(np.sort(x) * np.arange(4.0)),
    lambda x: x[np.argmax(x)] * 2.0 + np.max(x),
    lambda x: np.sum(np.abs(x) * np.arange(4.0)),
    lambda x: np.sum(np.maximum(x, 0.5) ** 2) + np.sum(np.minimum(x, -x[::-1])),
    lambda x: np.sum(np.clip(x, -1.0, 1.0) * x),
    lambda x: np.sum(x[np.argsort(x)][:2]),
    lambda x: np.sum(np.take(x, np.argsort(-x))[:1]),
], ids=["sort", "argmax", "abs", "maximum", "clip", "argsort-index", "take"])
def test_permutations_and_signs_are_recomputed_not_frozen(f):
    vg = optad.value_and_grad(f)
    xs = [np.array([3.0, -1.0, 2.0, 0.5]), np.array([-3.0, 1.0, -2.0, 4.0]),
          np.array([0.25, 3.0, -1.5, -2.0])]
    against(vg, *[(x,) for x in xs], traces=1)


def test_masked_write_and_data_dependent_length():
    def f(x):
        y = x.copy()
        y[y < 0] = 0.0                      # a recorded mask
        return np.sum(y ** 2) + np.sum(x[x > 1.0])     # a length that depends on the data
    vg = optad.value_and_grad(f)
    jitted = against(vg, (np.array([1.0, -3.0, 2.0]),), (np.array([-3.0, 1.5, 0.2]),),
                     (np.array([2.0, 1.5, 3.0]),), (np.array([2.0, -1.5, 3.0]),))
    assert jitted.cache_info().traces <= 3


def test_int_and_bool_reads_are_guards():
    def f(x, v):
        k = int(np.sum(x > 0))              # a count read in Python: guarded
        return np.sum(v[:k + 1] ** 2) if bool(x[0] < 1) else np.sum(v)
    v = np.arange(5.0)
    fun = optad.value_and_grad(f, argnums=1)
    against(fun, (np.array([0.5, 2.0]), v), (np.array([0.5, -2.0]), v),
            (np.array([3.0, -2.0]), v), (np.array([0.5, 2.0]), v))


def test_shapes_and_static_arguments_that_change_retrace():
    def f(x, power, mode):
        y = x ** power
        return np.sum(y) if mode == "sum" else np.max(y)
    fun = optad.value_and_grad(f)
    jitted = against(fun, (np.ones(3), 2, "sum"), (np.arange(4.0), 2, "sum"),
                     (np.arange(4.0), 3, "sum"), (np.arange(4.0), 3, "max"),
                     (np.arange(4.0) + 1, 3, "max"))
    assert jitted.cache_info() == (4, 1, 4)


def test_a_python_float_is_an_input_and_does_not_retrace():
    fun = optad.grad(lambda x: x ** 3 + np.sin(x))
    jitted = against(fun, (2.0,), (3.0,), (-1.5,), traces=1)
    assert type(jitted(2.0)) is type(fun(2.0))


def test_nan_inputs():
    def f(x):
        return np.sum(np.where(np.isnan(x), 0.0, x) ** 2) + (1.0 if x[0] > 0 else 2.0)
    vg = optad.value_and_grad(f)
    against(vg, (np.array([np.nan, 1.0]),), (np.array([np.nan, 2.0]),),
            (np.array([1.0, np.nan]),), (np.array([np.nan, np.nan]),))
    plain = optad.jit(lambda x: x * 2.0)
    same(plain(np.array([np.nan, 1.0])), np.array([np.nan, 2.0]))
    same(optad.jit(rosen)(np.array([np.nan, 1.0, 2.0])), rosen(np.array([np.nan, 1.0, 2.0])))


def test_a_nan_read_in_python_is_a_guard_that_holds_on_nan():
    def f(x):
        y = optad.value_of(x[0])            # a read of the data: a guard on its value
        return x * (2.0 if y != y else 3.0)
    jitted = optad.jit(f)
    same(jitted(np.array([np.nan, 1.0])), np.array([np.nan, 2.0]))
    same(jitted(np.array([np.nan, 5.0])), np.array([np.nan, 10.0]))
    same(jitted(np.array([1.0, 5.0])), np.array([3.0, 15.0]))
    assert jitted.cache_info().traces == 2


def test_a_sign_of_zero_read_in_python_is_guarded():
    f = optad.jit(lambda x: x * (1.0 / optad.value_of(x[0])))
    same(f(np.array([0.0, 1.0])), np.array([np.nan, np.inf]))
    same(f(np.array([-0.0, 1.0])), np.array([np.nan, -np.inf]))


# --- what is frozen ------------------------------------------------------------------------
def test_a_closure_constant_changed_between_calls_keeps_its_traced_value():
    scale = np.array([2.0])
    offset = [1.0]
    jitted = optad.jit(lambda x: x * scale + offset[0])
    same(jitted(np.array([1.0, 2.0])), np.array([3.0, 5.0]))
    scale[0] = 10.0           # changed in place, and a global read changed: both frozen
    offset[0] = 100.0
    same(jitted(np.array([1.0, 2.0])), np.array([3.0, 5.0]))
    jitted.clear_cache()      # the documented way to pick up new constants
    same(jitted(np.array([1.0, 2.0])), np.array([110.0, 120.0]))


def test_random_draws_while_tracing_warn_naming_them():
    def noisy(x):
        return x + np.random.normal(size=x.shape)
    with pytest.warns(JitWarning, match=r"noisy drew random numbers.*numpy\.random\.normal"):
        optad.jit(noisy)(np.zeros(2))

    rng = np.random.default_rng(0)

    def with_generator(x):
        return x * rng.uniform()
    with pytest.warns(JitWarning, match="the generator rng"):
        jitted = optad.jit(with_generator)
        first = jitted(np.ones(2))
    assert np.array_equal(jitted(np.ones(2)), first)     # the draw is a constant
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optad.jit(lambda x: x * 2.0)(np.ones(2))         # no draw: no warning
    assert np.random.normal is not None and not hasattr(np.random.normal, "__wrapped__")


def test_outputs_are_never_shared_with_the_program():
    jitted = optad.jit(lambda x: (x * 2.0, np.zeros_like(x) + 1.0, np.ones(2)))
    for _ in range(3):
        a, b, c = jitted(np.ones(2))
        assert np.array_equal(a, [2.0, 2.0]) and np.array_equal(b, [1.0, 1.0])
        assert np.array_equal(c, [1.0, 1.0])
        a[:] = b[:] = c[:] = -7.0          # writing into results reaches no later call


def _buffers_released(program):
    """Whether this thread's buffers of ``program`` are free (and kept): two takes, each
    released, give the same set."""
    take = program.fn.__globals__["_take"]
    first = take()
    first.busy = False
    second = take()
    second.busy = False
    return first is second


def _program(jitted):
    (entry,) = jitted.cache.entries.values()
    return entry.variants[0]


def test_intermediates_live_in_buffers_reused_across_calls_never_in_outputs():
    def f(x):
        a = np.sin(x) * 2.0                 # an intermediate (a buffer)
        b = np.exp(a) + x                   # an output
        return b, (a * 3.0)[1:], np.sum(a * a)      # a view of a fresh array: an output
    jitted = optad.jit(f)
    xs = [np.linspace(-1, 1, 5000) * k for k in (1.0, 2.0, 3.0, 4.0)]
    kept = []
    for x in xs:
        kept.append((x, jitted(x)))
    for x, out in kept:                     # earlier results untouched by later calls
        same(out, f(x), rtol=0)
    program = _program(jitted)
    assert program.slots, program.source
    assert _buffers_released(program)       # the same buffers every call (released at the end)


def test_a_steady_state_replay_allocates_fewer_large_arrays():
    import tracemalloc
    from optad.jit import program as program_module

    x = np.random.default_rng(0).uniform(-2, 2, 200_000)
    peaks = {}
    for planned in (True, False):
        jitted = optad.jit(optad.value_and_grad(rosen))
        if not planned:
            real = program_module.plan_buffers
            program_module.plan_buffers = lambda steps, meta: ({}, [])
        try:
            jitted(x)
            jitted(x)                       # compiles
        finally:
            if not planned:
                program_module.plan_buffers = real
        tracemalloc.start()
        jitted(x)
        peaks[planned] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # (each array is 1.6 MB; without the plan the replay allocates several more)
    assert peaks[True] + 2 * x.nbytes <= peaks[False], peaks


def test_a_failed_guard_releases_the_buffers():
    jitted = optad.jit(lambda x: np.sin(x) * 2.0 + 1.0 if x[0] > 0 else np.cos(x) * 2.0 - 1.0)
    for k in range(6):
        x = np.linspace(0.5, 1.5, 5000) * (1 if k % 2 else -1)
        same(jitted(x), np.sin(x) * 2.0 + 1.0 if x[0] > 0 else np.cos(x) * 2.0 - 1.0)
    for program in next(iter(jitted.cache.entries.values())).variants:
        if program.fn is not None and program.slots:
            assert _buffers_released(program)


def test_retracing_warns_and_the_cache_is_bounded():
    jitted = optad.jit(lambda x: x * float(optad.value_of(x[0])), variants=1)
    with pytest.warns(JitWarning, match="traced 9 times"):
        for k in range(10):
            same(jitted(np.array([float(k), 1.0])), np.array([k * k, k], dtype=float))
    small = optad.jit(lambda x: x + 1.0, cache_size=2)
    for n in range(1, 6):
        small(np.ones(n))
    assert small.cache_info().signatures == 2
    small.clear_cache()
    assert small.cache_info().signatures == 0


def test_a_leaked_traced_value_is_refused():
    kept = []
    jitted = optad.jit(lambda x: kept.append(x) or x * 2.0)
    jitted(np.ones(2))
    with pytest.raises(optad.errors.LeakedTracerError):
        kept[0] * 2.0
    with pytest.raises(optad.errors.LeakedTracerError):
        optad.value_of(kept[0])


def test_complex_inside_a_derivative_runs_without_jit():
    f = optad.grad(lambda x: np.real(np.sum(np.exp(1j * x))))
    with pytest.warns(JitWarning, match="runs without jit"):
        jitted = against(f, (np.array([0.5, 1.0]),), (np.array([1.5, 2.0]),))
    assert jitted.cache_info().traces == 0


# --- threads ---------------------------------------------------------------------------------
def test_eight_threads_replay_what_serial_calls_give():
    def f(x):
        return np.sum(np.where(x > 0, np.sort(x) ** 2, np.abs(x))) + (
            np.max(x) if x[0] > 0 else np.min(x))
    vg = optad.value_and_grad(f)
    jitted = optad.jit(vg)
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(50) for _ in range(64)]
    expected = [vg(x) for x in inputs]
    results = [None] * len(inputs)
    barrier = threading.Barrier(8)

    def work(k):
        barrier.wait()
        for _ in range(3):
            for i in range(k, len(inputs), 8):
                results[i] = jitted(inputs[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        same(got, want)


# --- composition -------------------------------------------------------------------------
def test_jit_inside_grad_just_calls_the_function():
    jitted = optad.jit(rosen)
    x = np.array([0.5, 1.5, -1.0])
    same(optad.grad(jitted)(x), optad.grad(rosen)(x))
    same(optad.hessian(jitted)(x), optad.hessian(rosen)(x))
    assert jitted.cache_info().traces == 0
    same(jitted(x), rosen(x))          # and outside a transform it is jitted
    assert jitted.cache_info().traces == 1


def test_grad_inside_jit_value_and_grad_hvp_and_jacobian():
    rng = np.random.default_rng(1)
    xs = [(rng.standard_normal(6),) for _ in range(3)]
    v = rng.standard_normal(6)
    against(optad.value_and_grad(rosen), *xs, traces=1)
    against(lambda x: optad.hvp(rosen, x, v), *xs, traces=1)
    against(optad.jacobian(lambda x: np.sin(x[1:]) * x[:-1]), *xs, traces=1)
    against(optad.hessian(rosen), *xs, traces=1)
    against(lambda x: optad.jvp(rosen, (x,), (v,)), *xs, traces=1)
    pytree = optad.value_and_grad(lambda p, s: np.sum(p["w"] ** 2) * s + p["b"] * s)
    against(pytree, ({"w": np.ones(3), "b": 2.0}, 3.0), ({"w": np.arange(3.0), "b": -1.0}, 0.5),
            traces=1)


def test_jit_of_jit_and_plain_functions():
    inner = optad.jit(lambda x: np.sin(x) * 2.0)
    outer = optad.jit(lambda x: inner(x) + 1.0)
    same(outer(np.ones(3)), np.sin(np.ones(3)) * 2.0 + 1.0)
    same(outer(np.zeros(3)), np.ones(3))
    assert inner.cache_info().traces == 0 and outer.cache_info().traces == 1


def test_replay_is_bitwise_for_plain_numpy():
    x = np.random.default_rng(2).standard_normal(1000)
    jitted = optad.jit(rosen)
    jitted(x)
    for scale in (1.0, 0.5, 3.0):
        assert jitted(x * scale) == rosen(x * scale)


# --- every primitive case: jitted value_and_grad of sum(u·f) against un-jitted --------------
def _objective(case, args):
    """s(args) = Re sum(u·f(args)) with u random of f's output shapes, and its argnums."""
    out = case.fun(*args)
    rng = np.random.default_rng(7)
    us = [rng.standard_normal(np.shape(o)) for o in optad.tree.flatten(out)[0]]

    def s(*a):
        leaves = optad.tree.flatten(case.fun(*a))[0]
        return sum(np.real(np.sum(u * leaf)) for u, leaf in zip(us, leaves))
    return s


def _moved(args, rng):
    """The arguments with their entries permuted: the same values (so the same domain),
    in other places, so masks, signs and permutations change."""
    def move(a):
        if isinstance(a, np.ndarray) and a.size > 1:
            return rng.permutation(a.ravel()).reshape(a.shape)
        return a
    return tuple(optad.tree.tree_map(move, a) for a in args)


@pytest.mark.parametrize("buffers", [False, pytest.param(True, marks=pytest.mark.slow)],
                         ids=["", "buffers"])
@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
@settings(max_examples=2, deadline=None, suppress_health_check=QUIET)
@given(data=st.data())
def test_every_primitive_case_jitted_matches_unjitted(c, buffers, data):
    """(``buffers``: every intermediate array, however small, in the buffer plan, which
    otherwise takes only large ones: Hypothesis draws small arrays.)"""
    from optad.jit import optimize as jit_optimize

    threshold = jit_optimize.BUFFER_MIN_SIZE
    jit_optimize.BUFFER_MIN_SIZE = 1 if buffers else threshold
    try:
        _jitted_matches_unjitted(c, data)
    finally:
        jit_optimize.BUFFER_MIN_SIZE = threshold


def _jitted_matches_unjitted(c, data):
    args = data.draw(c.draw)
    again = data.draw(c.draw)
    if [np.shape(a) for a in optad.tree.flatten(again)[0]] != [
            np.shape(a) for a in optad.tree.flatten(args)[0]]:
        again = _moved(args, np.random.default_rng(3))   # same shapes: a replay
    s = _objective(c, args)
    vg = optad.value_and_grad(s, argnums=tuple(range(len(args))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JitWarning)      # (complex cases run without jit)
        warnings.simplefilter("ignore", RuntimeWarning)
        jitted = optad.jit(vg)
        for a in (args, again, args):
            same(jitted(*a), vg(*a), rtol=1e-11)


# --- the optimizers --------------------------------------------------------------------------
def test_minimize_with_jit_takes_the_same_steps():
    import optimizers

    x0 = np.linspace(-1.2, 1.0, 10)
    plain = optimizers.minimize(rosen, x0, method="L-BFGS-B")
    jitted = optimizers.minimize(rosen, x0, method="L-BFGS-B", jit=True)
    assert jitted.success and jitted.nit == plain.nit and jitted.nfev == plain.nfev
    np.testing.assert_allclose(jitted.x, plain.x, rtol=1e-10)


def test_minimize_with_jit_reads_changing_data_from_args():
    import optimizers

    def loss(w, X, y):
        return np.sum((X @ w - y) ** 2)
    rng = np.random.default_rng(4)
    X = rng.standard_normal((20, 3))
    for y in (X @ np.array([1.0, 2.0, 3.0]), X @ np.array([-1.0, 0.5, 0.0])):
        res = optimizers.minimize(loss, np.zeros(3), args=(X, y), method="BFGS", jit=True)
        np.testing.assert_allclose(X @ res.x, y, atol=1e-5)


def test_compare_and_the_command_line_take_jit(tmp_path):
    import json

    import optimizers
    from plots.cli import main

    records = optimizers.compare(["BFGS"], [(rosen, np.array([-1.2, 1.0]))],
                                 executor="serial", progress=False, jit=True)
    assert records[0]["status"] == "ok" and records[0]["budget"]["jit"] is True
    out = tmp_path / "study"
    assert main(["compare", "--problems", "rosenbrock", "--methods", "BFGS", "--jit",
                 "--out", str(out), "--workers", "1", "--quiet", "--no-figures"]) == 0
    record = json.loads((out / "results.jsonl").read_text().splitlines()[0])
    assert record["status"] == "ok" and record["budget"]["jit"] is True


def test_an_exception_caught_while_tracing_is_not_frozen():
    def f(a):
        try:
            return np.sum(np.linalg.cholesky(a))       # raises for a matrix not PD
        except np.linalg.LinAlgError:
            return np.sum(a) * 0.0 - 1.0
    vg = optad.value_and_grad(f)
    pd, not_pd = np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([[1.0, 2.0], [2.0, 1.0]])
    jitted = against(vg, (not_pd,), (pd,), (not_pd,), (pd * 2.0,), (not_pd * 3.0,))
    assert jitted.cache_info().traces == 2
