"""The reverse-mode core: the seed example, Rosenbrock against SciPy, the engine's promises."""

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy.optimize import rosen_der

import optad
from optad.primitive import Primitive


def seed(x1, x2):
    return x1 * x2 + np.sin(x1)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


# --- the seed example -------------------------------------------------------------------
def test_seed_example_gradient_is_exact():
    g1, g2 = optad.grad(seed, argnums=(0, 1))(2.0, 3.0)
    assert g1 == pytest.approx(3.0 + np.cos(2.0), rel=1e-15)
    assert g2 == 2.0
    assert isinstance(g1, np.float64)


def test_value_and_grad_is_one_pass_of_each():
    value, g = optad.value_and_grad(seed)(2.0, 3.0)
    assert value == pytest.approx(6.0 + np.sin(2.0))
    assert g == pytest.approx(3.0 + np.cos(2.0))


def test_rosenbrock_matches_scipy_rosen_der_at_n_1000():
    x = np.random.default_rng(0).uniform(-2, 2, 1000)
    g = optad.grad(rosenbrock)(x)
    ref = rosen_der(x)
    np.testing.assert_allclose(g, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def test_rosenbrock_written_with_in_place_writes():
    # Plain NumPy style with an array filled by slice assignment.
    def rosen_loop_style(x):
        terms = np.zeros_like(x)
        terms[:-1] = 100.0 * (x[1:] - x[:-1] ** 2) ** 2
        terms[:-1] += (1.0 - x[:-1]) ** 2
        return terms.sum()

    x = np.random.default_rng(1).uniform(-2, 2, 50)
    np.testing.assert_allclose(optad.grad(rosen_loop_style)(x), rosen_der(x), rtol=1e-12)


def test_in_place_write_example_from_the_design():
    def f(x):
        y = np.zeros_like(x)
        y[1:] = x[:-1] ** 2
        return np.sum(y * np.arange(1.0, 5.0))

    x = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(optad.grad(f)(x), [2 * 1 * 2, 2 * 2 * 3, 2 * 3 * 4, 0.0])


# --- the engine's promises ------------------------------------------------------------------
@pytest.mark.parametrize("ReverseTrace", [optad.ref.ReverseTrace, optad.fast.ReverseTrace],
                         ids=["reference", "fast"])
def test_engine_runs_on_python_floats_alone(ReverseTrace):
    mul = Primitive("mul", lambda a, b: a * b,
                    vjps=(lambda g, ans, a, b: g * b, lambda g, ans, a, b: g * a))
    add = Primitive("add", lambda a, b: a + b,
                    vjps=(lambda g, ans, a, b: g, lambda g, ans, a, b: g))
    with ReverseTrace() as tr:
        x = tr.new_input(3.0)
        y = tr.new_input(4.0)
        z = add(mul(x, y), mul(x, x))      # x*y + x*x: x is reached along 3 paths
        adj = tr.backward([(z, 1.0)])
    assert adj[x._aux] == 4.0 + 2 * 3.0
    assert adj[y._aux] == 3.0
    assert type(adj[x._aux]) is float


@pytest.mark.slow
def test_million_node_chain_has_no_recursion_error():
    def chain(x):
        for _ in range(1_000_000):
            x = x * 1.0000001
        return x

    limit = sys.getrecursionlimit()
    g = optad.grad(chain)(1.0)
    assert g == pytest.approx(1.0000001 ** 1_000_000, rel=1e-9)
    assert sys.getrecursionlimit() == limit


def test_adjoints_sum_over_every_path_and_broadcasting_is_undone():
    def f(x, b):
        return np.sum((x + b) * x + b)   # b broadcast over rows, used twice

    x = np.arange(6.0).reshape(2, 3)
    b = np.array([1.0, 2.0, 3.0])
    gx, gb = optad.grad(f, argnums=(0, 1))(x, b)
    np.testing.assert_allclose(gx, 2 * x + b)
    np.testing.assert_allclose(gb, x.sum(0) + 2.0)
    assert gb.shape == (3,)


def test_uniform_adjoints_fold_correctly_into_broadcast_parents():
    # sum() and mean() send back one float for a whole array; the engine carries it as a
    # float and must multiply it by the number of elements each parent's entry stands for.
    a = np.array([[1.0], [2.0], [3.0]])          # (3, 1)
    b = np.array([[1.0, 2.0, 3.0, 4.0]])         # (1, 4)
    s = 0.5                                      # a scalar parent of a (3, 4) value

    def f(a, b, s):
        return np.sum(a + b + s) + np.mean(2.0 * (a - b)) + np.sum((a * s)[1:])

    ga, gb, gs = optad.grad(f, argnums=(0, 1, 2))(a, b, s)
    np.testing.assert_allclose(ga, [[4 + 8 / 12], [4 + 8 / 12 + s], [4 + 8 / 12 + s]])
    np.testing.assert_allclose(gb, np.full((1, 4), 3 - 6 / 12))
    np.testing.assert_allclose(gs, 12 + a[1:].sum())
    for g in (ga, gb):
        assert g.flags.writeable and g.base is None   # handed out in full, owned
    for arg, g in zip((a, b, s), (ga, gb, gs)):
        assert np.shape(g) == np.shape(arg)
    assert optad.check_grad(lambda a: f(a, b, s), a) < 1e-7


def test_tape_is_freed_after_grad():
    import gc
    import weakref

    holder = {}

    def f(x):
        y = x * 2.0
        holder["tape_value"] = weakref.ref(optad.value_of(y))
        return np.sum(y)

    optad.grad(f)(np.ones(100))
    gc.collect()
    assert holder["tape_value"]() is None


def test_gc_is_restored_after_transforms():
    import gc

    assert gc.isenabled()
    optad.grad(rosenbrock)(np.ones(5))
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        optad.grad(lambda x: 1 / 0)(1.0)
    assert gc.isenabled()


def test_concurrent_grads_in_8_threads_equal_serial_results():
    rng = np.random.default_rng(2)
    points = [rng.uniform(-2, 2, 200) for _ in range(32)]

    def f(x):
        return rosenbrock(x) + np.sum(np.tanh(x) * np.exp(-x ** 2))

    serial = [optad.grad(f)(x) for x in points]
    barrier = threading.Barrier(8)

    def work(i):
        if i < 8:
            barrier.wait()   # start the first eight together
        return optad.grad(f)(points[i])

    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(work, range(len(points))))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


# --- arguments and results ---------------------------------------------------------------
def test_argnums_and_pytrees():
    def f(params, x):
        return np.sum((params["w"] @ x + params["b"]) ** 2) + params["extra"][0] * params["extra"][1]

    params = {"w": np.ones((2, 3)), "b": np.array([0.5, -0.5]), "extra": [2.0, 3.0]}
    x = np.array([1.0, 2.0, 3.0])
    g = optad.grad(f)(params, x)
    assert set(g) == {"w", "b", "extra"} and isinstance(g["extra"], list)
    r = params["w"] @ x + params["b"]
    np.testing.assert_allclose(g["w"], 2 * np.outer(r, x))
    np.testing.assert_allclose(g["b"], 2 * r)
    assert g["extra"] == [3.0, 2.0]
    gp, gx = optad.grad(f, argnums=(0, 1))(params, x)
    np.testing.assert_allclose(gx, 2 * params["w"].T @ r)
    assert optad.grad(f, argnums=-1)(params, x).shape == (3,)


def test_outputs_are_float64_and_never_views_of_the_tape():
    g = optad.grad(lambda x: np.sum(x))(np.ones(3, dtype=np.float32))
    assert g.dtype == np.float64 and g.flags.writeable and g.base is None
    g[0] = 5.0   # writable, owned


def test_gradient_of_unused_input_is_zero():
    assert optad.grad(lambda x, y: x * 2.0, argnums=1)(1.0, np.ones(2)).tolist() == [0.0, 0.0]


def test_vjp_reuses_one_tape_for_many_cotangents():
    calls = []

    def f(x):
        calls.append(1)
        return np.stack([x[0] * x[1], x[1] ** 2])

    y, pullback = optad.vjp(f, np.array([2.0, 3.0]))
    np.testing.assert_allclose(pullback(np.array([1.0, 0.0]))[0], [3.0, 2.0])
    np.testing.assert_allclose(pullback(np.array([0.0, 1.0]))[0], [0.0, 6.0])
    np.testing.assert_allclose(pullback(np.array([1.0, 1.0]))[0], [3.0, 8.0])
    assert len(calls) == 1


def test_stop_gradient_and_control_flow():
    def f(x):
        if x > 0:                         # comparisons and bool() work on values
            return x * optad.stop_gradient(x)
        return -x

    assert optad.grad(f)(3.0) == 3.0
    assert optad.grad(f)(-3.0) == -1.0


def test_user_primitive_with_defvjp_and_defjvp():
    @optad.primitive
    def logsumexp(x):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))

    optad.defvjp(logsumexp, lambda g, ans, x: g * np.exp(x - ans))
    optad.defjvp(logsumexp, lambda t, ans, x: np.sum(t * np.exp(x - ans)))
    x = np.array([1.0, 2.0, 3.0])
    softmax = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(optad.grad(logsumexp)(x), softmax)
    assert optad.jvp(logsumexp, (x,), (np.ones(3),))[1] == pytest.approx(1.0)
    np.testing.assert_allclose(optad.hessian(logsumexp)(x), np.diag(softmax) - np.outer(softmax, softmax),
                               atol=1e-12)


def test_check_grad_reports_a_wrong_rule():
    bad = optad.primitive(lambda x: np.sin(x), name="bad_sin")
    optad.defvjp(bad, lambda g, ans, x: g * np.sin(x))    # wrong on purpose
    good_error = optad.check_grad(lambda x: np.sum(np.sin(x)), np.array([0.3, 1.2]))
    bad_error = optad.check_grad(lambda x: np.sum(bad(x)), np.array([0.3, 1.2]))
    assert good_error < 1e-8
    assert bad_error > 0.1


def test_division_by_zero_follows_numpy_semantics():
    with np.errstate(divide="ignore"):
        assert optad.grad(lambda x: x / 0)(2.0) == np.inf
        assert optad.grad(lambda x: 1.0 / x)(0.0) == -np.inf


@pytest.mark.fast_engine
def test_buffer_pool_reuses_only_dead_arrays():
    from optad.pool import POOL

    optad.release_memory()
    kept = []

    def f(x):
        y = np.sin(x) * 2.0                  # large temporaries: pooled when dead
        kept.append(optad.value_of(y))       # ... but this one stays referenced
        return np.sum(y * x + np.cos(x) ** 2)

    x = np.linspace(0.0, 1.0, 100_000)
    exact = lambda x: 2 * np.cos(x) * x + 2 * np.sin(x) - 2 * np.cos(x) * np.sin(x)  # noqa: E731
    g1 = optad.grad(f)(x)
    # Dead temporaries were kept for reuse (only when reference counts can tell death).
    assert (POOL.nbytes > 0) == optad.config.refcounts
    snapshot = kept[0].copy()
    g2 = optad.grad(f)(x + 1.0)              # writes into pooled buffers
    np.testing.assert_array_equal(kept[0], snapshot)   # the referenced one was not reused
    np.testing.assert_allclose(g1, exact(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g2, exact(x + 1.0), rtol=1e-12, atol=1e-12)
    assert (optad.release_memory() > 0) == optad.config.refcounts and POOL.nbytes == 0


def test_repeated_large_gradients_stay_exact_with_pooled_buffers():
    # Adjoints consumed during a backward pass go back to the pool and are written into
    # by later rules and calls; results must not change from call to call.
    def f(x):
        a = x[1:] - x[:-1] ** 2
        b = np.tanh(x) * x               # x reached along several paths
        return rosenbrock(x) + np.sum(a * b[1:]) - np.sum(-b)

    x = np.random.default_rng(3).uniform(-1, 1, 60_000)
    first = optad.grad(f)(x)
    for _ in range(3):
        np.testing.assert_array_equal(optad.grad(f)(x), first)
    fd = optad.numerical_grad(lambda y: f(np.concatenate([y, x[5:]])), x[:5])
    np.testing.assert_allclose(first[:5], fd, rtol=1e-6, atol=1e-3)   # f ~ 1e6: FD noise ~1e-4
    np.testing.assert_allclose(optad.grad(rosenbrock)(x), rosen_der(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_adjoints_handed_on_whole_are_written_in_place_only_when_unshared(sign):
    # x - y hands the adjoint itself to x (and x + y to both): the backward pass may keep
    # writing into it in place only when a single parent holds it.
    def f(x):
        s = np.tanh(x[1:]) + sign * np.sin(x[:-1]) if sign > 0 else np.tanh(x[1:]) - np.sin(x[:-1])
        return np.sum(s ** 2)

    x = np.linspace(-1.5, 1.5, 60_000)
    t, sn = np.tanh(x[1:]), np.sin(x[:-1])
    s = t + sign * sn
    expected = np.zeros_like(x)
    expected[1:] += 2 * s * (1 - t ** 2)
    expected[:-1] += sign * 2 * s * np.cos(x[:-1])
    for _ in range(3):                       # later calls run on recycled buffers
        np.testing.assert_allclose(optad.grad(f)(x), expected, rtol=1e-12, atol=1e-12)


def test_out_for_gives_a_buffer_only_for_the_exact_result_shape():
    from optad.pool import POOL, out_for

    optad.release_memory()
    big = np.ones(100_000)
    POOL.recycle([np.empty(100_000), np.empty(100_000)])
    assert out_for(big, 2.0).shape == big.shape
    assert out_for(big, np.ones(1)).shape == big.shape
    # A size-1 operand of more dimensions broadcasts the result to (1, n): no (n,) buffer.
    assert out_for(big, np.ones((1, 1))) is None
    assert out_for(np.ones((1, 1)), big) is None
    assert np.multiply(big, np.ones((1, 1)), out=out_for(big, np.ones((1, 1)))).shape == (1, 100_000)
    assert out_for(big, np.ones(3)) is None and out_for(big.astype(np.float32)) is None
    optad.release_memory()


def test_slices_scattered_into_recycled_buffers_leave_zeros_elsewhere():
    # The first slice adjoint of an input is written into a recycled (garbage-filled)
    # buffer: every element outside the slice must come out exactly zero.
    n = 50_000
    x = np.linspace(-1.0, 1.0, n)
    keys = [slice(5, -7), slice(None, -1), slice(1, None), slice(-3, 2), slice(None, None, 3),
            slice(n - 1, 0, -2), slice(10, 10)]
    for _ in range(2):                       # the second round reuses the first's buffers
        for key in keys:
            optad.grad(lambda v: np.sum(np.sin(v) * 3.0))(x)   # leave garbage in the pool
            g = optad.grad(lambda v: np.sum(v[key] ** 2))(x)
            expected = np.zeros(n)
            expected[key] = 2 * x[key]
            np.testing.assert_array_equal(g, expected)


def test_a_copy_is_independent_of_its_source():
    def f(x):
        y = x.copy()
        y[0] = 0.0
        z = np.copy(x)
        z[1] = 0.0
        w = x.astype(float)
        w[2] = 0.0
        v = +x
        v[0] = 1.0
        return np.sum(x * (y + z + w + v))

    x = np.array([1.0, 2.0, 3.0])
    assert f(x) == pytest.approx(1 * (0 + 1 + 1 + 1) + 2 * (2 + 0 + 2 + 2) + 3 * (3 + 3 + 0 + 3))
    np.testing.assert_allclose(optad.grad(f)(x), optad.numerical_grad(f, x), rtol=1e-8)


def test_writing_into_a_view_reaches_the_array_it_views():
    # NumPy: y = x[1:] is a view, so y[0] = 5 also changes x (see test_views.py for more).
    def f(x):
        y = x[1:]
        y[0] = 5.0
        return np.sum(x * x)

    x = np.ones(3)
    assert optad.value_and_grad(f)(x.copy())[0] == f(x.copy()) == 27.0
    np.testing.assert_allclose(optad.grad(f)(np.ones(3)), [2.0, 0.0, 2.0])
    np.testing.assert_allclose(optad.jvp(f, (np.ones(3),), (np.ones(3),))[1], 4.0)
    # Writing into a copy of the slice leaves x alone.
    def g(x):
        y = x[1:].copy()
        y[0] = 5.0
        x = x * 1.0
        x[1] = 5.0
        return np.sum(x) + np.sum(y)
    np.testing.assert_allclose(optad.grad(g)(np.ones(3)), [1.0, 0.0, 2.0])


def test_writing_into_an_input_inside_the_function():
    # The gradient is of the function the code computes: x[0] is overwritten, so its
    # derivative is 0, and the written value does not leak into the other entries.
    def f(x):
        x[0] = 5.0
        return np.sum(x * x)

    np.testing.assert_allclose(optad.grad(f)(np.array([1.0, 2.0, 3.0])), [0.0, 4.0, 6.0])
    t = optad.trace(f, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(t.gradients[0][0][1], [0.0, 4.0, 6.0])


def test_in_place_operators_update_every_name_of_the_array():
    def f(x):
        y = x * 1.0
        z = y              # another name for the same array, as in NumPy
        y += 1.0
        y *= 2.0
        return np.sum(z * x)

    x = np.array([1.0, 2.0])
    assert f(x) == pytest.approx(np.sum((x + 1) * 2 * x))
    np.testing.assert_allclose(optad.grad(f)(x), 4 * x + 2)


def test_in_place_operator_on_a_named_view_reaches_its_base_and_slice_updates_work():
    def named_view(x):
        x = x * 1.0
        v = x[1:]
        v += 1.0          # NumPy changes x too
        return np.sum(x * x)

    x = np.array([1.0, 2.0, 3.0])
    assert optad.value_and_grad(named_view)(x)[0] == named_view(x.copy()) == 1 + 9 + 16
    np.testing.assert_allclose(optad.grad(named_view)(x), [2.0, 6.0, 8.0])

    def slice_update(x):
        x = x * 1.0
        x[1:] += x[:-1] ** 2      # the idiom: a temporary view written back into x
        return np.sum(x)

    x = np.array([1.0, 2.0, 3.0])
    assert slice_update(x) == pytest.approx(1 + (2 + 1) + (3 + 4))
    np.testing.assert_allclose(optad.grad(slice_update)(x), [3.0, 5.0, 1.0])


# --- constant factors in adjoints: -g, g * c and the 2 of d(x**2) ----------------------
# Written for a trial that deferred these factors for adjoints of 4096 elements or more
# (docs/notes-reverse-deferred-factors.md); kept because they reach every place such a
# factor meets another adjoint, a leaf, a slice or the explain view, at both sizes.
def _rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@pytest.mark.parametrize("n", [50, 60_000])
def test_deferred_factors_rosenbrock_matches_rosen_der(n):
    # Fresh scatter with a factor, non-fresh scatters of other factors (axpy), the leaf.
    x = np.random.default_rng(n).uniform(-2, 2, n)
    for _ in range(3):          # pooled buffers on the later calls
        np.testing.assert_allclose(optad.grad(_rosen)(x), rosen_der(x), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("n", [50, 60_000])
def test_deferred_factors_meeting_in_one_adjoint(n):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(n), rng.standard_normal(n)
    f = lambda x: np.sum(w * (-x + 3.0 * x - x ** 2 + x * -0.5 - (2.5 * x) * 4.0))
    np.testing.assert_allclose(optad.grad(f)(x), w * (-1 + 3 - 2 * x - 0.5 - 10.0), rtol=1e-12,
                               atol=1e-12)
    # A scaled slice meets a scaled whole array, in both orders.
    g = lambda x: np.sum(w[1:] * (-7.0 * x[1:])) + np.sum(w * (x * 3.0))
    h = lambda x: np.sum(w * (x * 3.0)) + np.sum(w[1:] * (-7.0 * x[1:]))
    expect = 3.0 * w
    expect[1:] -= 7.0 * w[1:]
    np.testing.assert_allclose(optad.grad(g)(x), expect, rtol=1e-12)
    np.testing.assert_allclose(optad.grad(h)(x), expect, rtol=1e-12)


@pytest.mark.parametrize("n", [50, 60_000])
def test_deferred_factor_meets_a_uniform_adjoint(n):
    w = np.random.default_rng(2).standard_normal(n)
    x = np.ones(n)
    for f in (lambda x: np.sum(x) + np.sum(w * -x), lambda x: np.sum(w * -x) + np.sum(x)):
        np.testing.assert_allclose(optad.grad(f)(x), 1 - w, rtol=1e-12)
    f = lambda x: np.sum(x[2:]) + np.sum(w[2:] * (x[2:] * 5.0))
    expect = np.zeros(n)
    expect[2:] = 1 + 5.0 * w[2:]
    np.testing.assert_allclose(optad.grad(f)(x), expect, rtol=1e-12)


@pytest.mark.parametrize("n", [50, 60_000])
def test_deferred_factors_through_broadcasting(n):
    rng = np.random.default_rng(3)
    x, b, w = rng.standard_normal((n // 50, 50)), rng.standard_normal(50), rng.standard_normal((n // 50, 50))
    f = lambda x, b: np.sum(w * (2.0 * (x - b)))
    gx, gb = optad.grad(f, argnums=(0, 1))(x, b)
    np.testing.assert_allclose(gx, 2.0 * w, rtol=1e-12)
    np.testing.assert_allclose(gb, -2.0 * w.sum(axis=0), rtol=1e-12)


def test_huge_and_tiny_factors_are_multiplied_out_as_plain_code_would():
    n = 60_000
    w = np.full(n, 1e300)
    x = np.ones(n)
    # Each factor is deferred; their product (1e-360) underflows to 0, while one at a time
    # (as plain code) 1e300 -> 1e180 -> 1e60 -> 1e-60.
    got = optad.grad(lambda x: np.sum(w * (1e-120 * (1e-120 * (1e-120 * x)))))(x)
    np.testing.assert_allclose(got, ((w * 1e-120) * 1e-120) * 1e-120, rtol=1e-14)
    w = np.full(n, 1e-300)
    with np.errstate(over="ignore"):
        got = optad.grad(lambda x: np.sum(w * (-(1e120 * (1e120 * (1e120 * x))))))(x)
    np.testing.assert_allclose(got, -(((w * 1e120) * 1e120) * 1e120), rtol=1e-14)


@pytest.mark.fast_engine   # (the reference's structural zeros give 0 where w = 0)
def test_zero_and_non_finite_factors_give_plain_numpy_results():
    n = 60_000
    w = np.random.default_rng(4).standard_normal(n)
    w[::7] = 0.0
    x = np.ones(n)
    assert np.array_equal(optad.grad(lambda x: np.sum(w * (0.0 * x)))(x), w * 0.0)
    with np.errstate(invalid="ignore"):
        got = optad.grad(lambda x: np.sum(w * -(np.inf * x)))(x)
        np.testing.assert_array_equal(got, -(w * np.inf))


def test_explain_view_shows_plain_adjoints_with_deferred_factors():
    x = np.random.default_rng(5).uniform(-1, 1, 5000)
    t = optad.trace(_rosen, x)
    for r in t.rows:
        assert type(r.adjoint) in (np.ndarray, float, np.float64), type(r.adjoint)
        for term in r.terms:
            assert "Scaled" not in type(term).__name__
    np.testing.assert_allclose(t.rows[0].adjoint, rosen_der(x), rtol=1e-12)


def test_jacrev_replays_tape_with_negations_unchanged():
    # The tape is replayed for every row; no row may change what the next one reads.
    n = 400
    x = np.random.default_rng(6).standard_normal(n)
    f = lambda x: -(x[1:] - 3.0 * x[:-1]) * 2.0 - x[1:] ** 2
    J = optad.jacrev(f)(x)
    expect = np.zeros((n - 1, n))
    k = np.arange(n - 1)
    expect[k, k + 1] = -2.0 - 2 * x[1:]
    expect[k, k] = 6.0
    np.testing.assert_allclose(J, expect, rtol=1e-12)
    np.testing.assert_allclose(optad.jacrev(f)(x), expect, rtol=1e-12)   # again: nothing mutated


def test_hessian_and_hvp_with_negations():
    from scipy.optimize import rosen_hess, rosen_hess_prod
    f = lambda x: np.sum(100.0 * (-(x[:-1] ** 2) + x[1:]) ** 2 + (1.0 - x[:-1]) ** 2)
    x = np.random.default_rng(7).uniform(-1, 1, 30)
    np.testing.assert_allclose(optad.hessian(f)(x), rosen_hess(x), rtol=1e-12, atol=1e-9)
    x = np.random.default_rng(8).uniform(-1, 1, 60_000)
    v = np.random.default_rng(9).standard_normal(60_000)
    np.testing.assert_allclose(optad.hvp(f, x, v), rosen_hess_prod(x, v), rtol=1e-11, atol=1e-8)
    np.testing.assert_allclose(optad.grad(f)(x), rosen_der(x), rtol=1e-12, atol=1e-9)
