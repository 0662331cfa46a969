"""Forward mode, Jacobians in both modes, Hessians and nesting."""

import numpy as np
import pytest
from scipy.optimize import rosen_der, rosen_hess, rosen_hess_prod

import optad


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def f_3_to_5(x):
    return np.stack([x[0] * x[1], np.sin(x[2]), x[0] ** 2 + x[2], np.exp(x[1]) * x[2], np.sum(x ** 3)])


def f_5_to_3(x):
    return np.stack([np.sum(x * x), x[0] * x[4] - x[1], np.tanh(x[2] + x[3])])


def finite_difference_jacobian(f, x, h=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((f(x + e) - f(x - e)) / (2 * h))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("f, n", [(f_3_to_5, 3), (f_5_to_3, 5)])
def test_jacrev_and_jacfwd_agree_with_each_other_and_finite_differences(f, n):
    x = np.random.default_rng(n).uniform(-1, 1, n)
    jr = optad.jacrev(f)(x)
    jf = optad.jacfwd(f)(x)
    assert jr.shape == jf.shape == (f(x).size, n)
    np.testing.assert_allclose(jr, jf, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(jr, finite_difference_jacobian(f, x), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(optad.jacobian(f)(x), jr, rtol=1e-13, atol=1e-14)


def test_jacobian_picks_the_cheaper_mode(monkeypatch):
    import optad.jacobians as jac

    used, rows_of, jacfwd = [], jac._rows_of, jac.jacfwd
    # Reverse mode reads its rows off jacobian's own recording; forward mode calls jacfwd.
    monkeypatch.setattr(jac, "_rows_of", lambda *a: (used.append("jacrev"), rows_of(*a))[1])
    monkeypatch.setattr(jac, "jacfwd", lambda *a: (used.append("jacfwd"), jacfwd(*a))[1])
    x = np.array([0.5, 1.0, 2.0])
    twice = optad.jacobian(lambda x: np.concatenate([x, np.sin(x)]))(x)      # 6 outputs, 3 inputs
    more = optad.jacobian(lambda x: np.concatenate([x, np.sin(x), x[:1]]))(x)  # 7 outputs
    assert used == ["jacrev", "jacfwd"]   # a forward column costs about two reverse rows
    np.testing.assert_allclose(twice, np.vstack([np.eye(3), np.diag(np.cos(x))]), rtol=1e-15)
    np.testing.assert_allclose(more[:6], twice, rtol=1e-15)


def test_jacobian_records_f_once_in_reverse_mode():
    calls = []

    def f(x):
        calls.append(1)
        return x[:2] * x[1:]

    J = optad.jacobian(f)(np.array([1.0, 2.0, 3.0]))
    assert len(calls) == 1
    np.testing.assert_allclose(J, [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]], rtol=1e-15)


def test_jacobian_pytrees_nest_input_inside_output():
    def f(p):
        return {"u": p["a"] * 2.0, "v": p["a"].sum() * p["b"]}

    p = {"a": np.array([1.0, 2.0]), "b": 3.0}
    for jac in (optad.jacrev, optad.jacfwd):
        J = jac(f)(p)
        np.testing.assert_allclose(J["u"]["a"], 2 * np.eye(2))
        np.testing.assert_allclose(J["u"]["b"], np.zeros(2))
        np.testing.assert_allclose(J["v"]["a"], [3.0, 3.0])
        assert J["v"]["b"] == 3.0


def test_hessian_and_hvp_of_rosenbrock_match_scipy_at_n_100():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 100)
    v = rng.standard_normal(100)
    H = optad.hessian(rosenbrock)(x)
    ref = rosen_hess(x)
    np.testing.assert_allclose(H, ref, rtol=1e-10, atol=1e-10 * np.abs(ref).max())
    hv = optad.hvp(rosenbrock, x, v)
    ref_hv = rosen_hess_prod(x, v)
    np.testing.assert_allclose(hv, ref_hv, rtol=1e-10, atol=1e-10 * np.abs(ref_hv).max())


def test_hessian_matches_forward_over_reverse_on_pytrees_and_argnums():
    f = lambda d, b: d["w"] @ d["w"] * d["s"] + np.sum(np.sin(d["w"]) * b ** 3)  # noqa: E731
    d, b = {"w": np.array([1.0, 2.0]), "s": 3.0}, np.array([0.5, -1.5])
    for argnums in (0, 1, (0, 1)):
        got = optad.hessian(f, argnums)(d, b)
        want = optad.jacfwd(optad.grad(f, argnums), argnums)(d, b)
        got_leaves, got_def = optad.tree.flatten(got)
        want_leaves, want_def = optad.tree.flatten(want)
        assert got_def == want_def
        for g, w in zip(got_leaves, want_leaves):
            np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-13)


def test_hvp_does_not_form_the_hessian():
    calls = []

    def f(x):
        calls.append(1)
        return rosenbrock(x)

    optad.hvp(f, np.ones(1000), np.ones(1000))
    assert len(calls) == 1   # one traced evaluation, not n


def test_jvp_seeds_give_jacobian_columns():
    f = lambda x1, x2: x1 * x2 + np.sin(x1)  # noqa: E731
    _, d1 = optad.jvp(f, (2.0, 3.0), (1.0, 0.0))
    _, d2 = optad.jvp(f, (2.0, 3.0), (0.0, 1.0))
    assert d1 == pytest.approx(3 + np.cos(2.0)) and d2 == pytest.approx(2.0)


def test_nested_derivatives_keep_perturbations_apart():
    assert optad.grad(lambda x: x * optad.grad(lambda y: x + y)(1.0))(1.0) == 1.0
    # The same with forward mode inside reverse mode and the other way round.
    assert optad.grad(lambda x: x * optad.jvp(lambda y: x + y, (1.0,), (1.0,))[1])(1.0) == 1.0
    assert optad.jvp(lambda x: x * optad.grad(lambda y: x * y)(1.0), (2.0,), (1.0,))[1] == 4.0


def test_third_derivative_of_tanh_matches_closed_form():
    x = 0.7
    t = np.tanh(x)
    closed = -2 * (1 - t ** 2) ** 2 + 4 * t ** 2 * (1 - t ** 2)
    assert optad.grad(optad.grad(optad.grad(np.tanh)))(x) == pytest.approx(closed, rel=1e-13)


@pytest.mark.parametrize("outer, inner", [("rev", "rev"), ("fwd", "rev"), ("rev", "fwd"), ("fwd", "fwd")])
def test_second_derivatives_in_every_order(outer, inner):
    f = lambda x: np.sum(np.sin(x) * x ** 2)   # noqa: E731
    x = np.array([0.3, -1.1, 2.0])
    exact = np.diag((2 - x ** 2) * np.sin(x) + 4 * x * np.cos(x))
    first = optad.grad(f) if inner == "rev" else (lambda y: optad.jacfwd(f)(y))
    second = optad.jacrev(first) if outer == "rev" else optad.jacfwd(first)
    np.testing.assert_allclose(second(x), exact, rtol=1e-12, atol=1e-13)


def test_elementwise_grad():
    x = np.linspace(-2, 2, 7)
    np.testing.assert_allclose(optad.elementwise_grad(np.tanh)(x), 1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(optad.elementwise_grad(lambda x: x ** 3)(x), 3 * x ** 2)


def test_hvp_agrees_with_forward_over_reverse_on_pytrees():
    def f(p):
        return np.sum(np.tanh(p["w"]) ** 2) * p["b"] + p["b"] ** 3

    p = {"w": np.array([0.3, -0.7, 1.1]), "b": 0.5}
    v = {"w": np.array([1.0, 2.0, -1.0]), "b": -0.25}
    rev_over_fwd = optad.hvp(f, p, v)
    fwd_over_rev = optad.jvp(optad.grad(f), (p,), (v,))[1]
    np.testing.assert_allclose(rev_over_fwd["w"], fwd_over_rev["w"], rtol=1e-13)
    assert rev_over_fwd["b"] == pytest.approx(fwd_over_rev["b"], rel=1e-13)


def _big_quadratic_plus_coupling(n):
    w = np.arange(1.0, n + 1)

    def f(x):
        return np.sum(w * (x - 1.0) ** 2) + np.sum(np.sin(x[1:]) * x[:-1] ** 2)

    def exact_hvp(x, v):
        diag = 2 * w
        diag[1:] += -np.sin(x[1:]) * x[:-1] ** 2
        diag[:-1] += 2 * np.sin(x[1:])
        off = 2 * x[:-1] * np.cos(x[1:])
        hv = diag * v
        hv[:-1] += off * v[1:]
        hv[1:] += off * v[:-1]
        return hv

    return f, exact_hvp


@pytest.mark.parametrize("transform", ["hvp", "fwd_over_rev", "hessian", "jacrev_of_grad"])
def test_second_order_through_the_engines_fast_paths(transform):
    # Arrays this big trigger the in-place and value-dropping paths of the engine; in
    # nested transforms those must step aside, because the values belong to the outer one.
    n = 5000 if transform in ("hvp", "fwd_over_rev") else 4096
    f, exact_hvp = _big_quadratic_plus_coupling(n)
    x = np.linspace(-1, 1, n)
    v = np.cos(np.arange(n))
    if transform == "hvp":
        got = optad.hvp(f, x, v)
    elif transform == "fwd_over_rev":
        got = optad.jvp(optad.grad(f), (x,), (v,))[1]
    else:
        # A full Hessian of a 4096-vector is 4096 passes: check a slice of columns instead.
        cols = np.arange(0, n, 1024)
        basis = np.zeros((len(cols), n))
        basis[np.arange(len(cols)), cols] = 1.0
        if transform == "hessian":
            got_cols = [optad.jvp(optad.grad(f), (x,), (e,))[1] for e in basis]
        else:
            _, pullback = optad.vjp(optad.grad(f), x)
            got_cols = [pullback(e)[0] for e in basis]
        for c, e in zip(got_cols, basis):
            np.testing.assert_allclose(c, exact_hvp(x, e), rtol=1e-10, atol=1e-9)
        return
    np.testing.assert_allclose(got, exact_hvp(x, v), rtol=1e-10, atol=1e-9)


# Forward rules defer constant factors of array tangents (tangents.Scaled): -x, c*x and the
# 2 of d(x**2) are multiplied out only where tangents of different factors meet, at the
# outputs, or for the explain view. These functions reach each of those places.
def _deferred_factor_cases():
    w = np.linspace(0.5, 1.5, 6)
    return {
        "chain": lambda x: np.sum(-(3.0 * x[1:]) ** 2 + 100.0 * (x[1:] - x[:-1] ** 2) ** 2 - 7 * x[:1]),
        "rosenbrock": rosenbrock,
        "different factors meet": lambda x: np.sum((2.0 * x - x * np.float64(-0.25)) * w),
        "both factors traced": lambda x: np.sum((2.0 * x) * (-x) + np.sin(-x)),
        "broadcast": lambda x: np.sum(np.tanh(x[:, None] * 2.0 + np.ones((1, 3))) * x[:, None]),
        "concatenate": lambda x: np.sum(np.concatenate([2.0 * x, -x, np.ones(2)]) ** 2),
        "setitem": lambda x: np.sum(_write_into(3.0 * x, x) ** 3),
        "zero and division": lambda x: np.sum((0.0 * x + x) / (-x - 4.0) + 0.0 * x),
        # d(x**2) is put off whole (tangents.LinearForm): np.sum takes it as dots; every
        # other consumer gets it multiplied out.
        "sum of squares": lambda x: np.sum((x - 1.0) ** 2),
        "forms meet": lambda x: np.sum(x ** 2 - 3.0 * (2.0 * x) ** 2 + x - (x * w) ** 2),
        "more terms than a form keeps": lambda x: np.sum(
            x ** 2 + (x - 1) ** 2 + (2 * x) ** 2 - (x + 3) ** 2 + (x * w) ** 2 + x),
        "form read twice": lambda x: np.sum((x ** 2) * (x ** 2)) + np.sum(_twice(x ** 2 - x)),
        "form along an axis": lambda x: np.sum(np.sum(np.reshape(x, (2, 3)) ** 2, axis=0) * w[:3]),
        "form in 2-D": lambda x: np.sum(np.reshape(x - 0.5, (2, 3)) ** 2),
        "form broadcast": lambda x: np.sum(np.tanh(x ** 2 + np.ones((2, 1)))),
        "form sliced and scaled": lambda x: np.sum((x ** 2 - x)[1:] * 3.0),
        "form with huge factors": lambda x: np.sum((x ** 2) * 1e200 * 1e-300 * 1e100),
        "form times zero": lambda x: np.sum((x ** 2) * 0.0 + x ** 2),
        "mean of a form": lambda x: np.mean((x - 0.5) ** 2),
        # A form times a number stays a form; times an array it is multiplied out.
        "number times a form": lambda x: np.sum(100.0 * (x - 1.0) ** 2 + np.float64(-2.5) * x ** 2
                                                + (x ** 2) * 3),
        "scaled form, then not a sum": lambda x: np.sum(np.tanh(0.5 * (x ** 2 - x))),
        "form times an array": lambda x: np.sum((x ** 2) * w + w * (x - 2.0) ** 2),
        "scaled form to an array output": lambda x: np.sum(_twice(-4.0 * x ** 2) ** 3),
        # The square of a form is a form (2·b·ḃ with ḃ a form: each term times b).
        "square of a form": lambda x: np.sum((x ** 2 - 3.0 * x) ** 2),
        "square of a square": lambda x: np.sum(((x - 1.0) ** 2) ** 2),
        "square of a form, then not a sum": lambda x: np.sum(np.sin((x ** 2 - x) ** 2)),
        "square of a form near the factor limit": lambda x: np.sum((x ** 2 * 4e149) ** 2) * 1e-290,
    }


def _twice(y):
    return y + y      # the same form on both sides of +


def _write_into(y, x):
    y[0] = 5.0
    y[2] = -2.0 * x[1]
    return y


@pytest.fixture(params=["forms", "eager"])
def forms_at_every_size(request):
    """Run with LinearForm tangents for small arrays too (they start at 4096 elements)."""
    if request.param == "forms":
        with optad.config.override(form_min_size=1):
            yield request.param
    else:
        yield request.param


@pytest.mark.parametrize("name", list(_deferred_factor_cases()))
def test_deferred_tangent_factors_give_exact_directional_derivatives(name, forms_at_every_size):
    f = _deferred_factor_cases()[name]
    x = np.linspace(-0.9, 1.1, 6)
    v = np.cos(np.arange(6.0))
    y, dot = optad.jvp(f, (x,), (v,))
    assert y == pytest.approx(f(x), rel=1e-14)
    assert dot == pytest.approx(np.dot(optad.grad(f)(x), v), rel=1e-12, abs=1e-12)
    # Second order: reverse over forward (the tangents are recorded by the outer trace)
    # against forward over reverse (no deferred factors reach a recorded rule there).
    np.testing.assert_allclose(optad.hvp(f, x, v), optad.jvp(optad.grad(f), (x,), (v,))[1],
                               rtol=1e-11, atol=1e-11)


def test_deferred_tangent_factors_at_array_outputs():
    x = np.linspace(-1.0, 1.0, 5)
    v = np.arange(5.0)
    _, dot = optad.jvp(lambda x: -3.0 * x, (x,), (v,))
    np.testing.assert_array_equal(dot, -3.0 * v)
    _, dot = optad.jvp(lambda x: 2.0 * x + np.zeros((2, 5)), (x,), (v,))   # broadcast tangent
    np.testing.assert_array_equal(dot, np.broadcast_to(2.0 * v, (2, 5)))
    dot[0, 0] = 1.0   # a new array, not a read-only view
    # Factors whose product overflows are multiplied out one at a time, as in plain code.
    tiny = np.full(5, 1e-300)
    _, dot = optad.jvp(lambda x: (2.0 * x) * 1e200 * 1e200 * 1e-300, (tiny,), (tiny,))
    np.testing.assert_array_equal(dot, 2.0 * tiny * 1e200 * 1e200 * 1e-300)
    assert v[1] == 1.0   # the seed itself was never written into


def test_forms_at_array_outputs_and_dot_sums_at_scale():
    with optad.config.override(form_min_size=1):
        _forms_at_array_outputs_and_dot_sums_at_scale()


def _forms_at_array_outputs_and_dot_sums_at_scale():
    from optad.fast.tangents import LinearForm

    x = np.linspace(-1.0, 1.0, 7)
    v = np.cos(np.arange(7.0))
    _, dot = optad.jvp(lambda x: x ** 2 - 2.0 * x, (x,), (v,))
    assert type(dot) is np.ndarray
    np.testing.assert_allclose(dot, 2 * x * v - 2 * v, rtol=1e-15, atol=1e-15)
    seen = []
    with optad.fast.ForwardTrace() as tr:
        y = tr.new_input(x, v) ** 2
        seen.append(type(y._aux))
    assert seen == [LinearForm]     # the product was put off, not computed
    with optad.fast.ForwardTrace() as tr:
        xt = tr.new_input(x, v)
        y = 100.0 * (xt - 1.0) ** 2 * 0.5
    assert type(y._aux) is LinearForm and [c for _, _, c in y._aux.terms] == [100.0]
    np.testing.assert_allclose(y._aux.value(), 100.0 * (x - 1.0) * v, rtol=1e-15)
    with optad.fast.ForwardTrace() as tr:
        xt = tr.new_input(x, v)
        y = (xt ** 2 - 3.0 * xt) ** 2      # 2·b·(2·x·ẋ − 3·ẋ): two terms, no array made whole
    assert type(y._aux) is LinearForm and [c for _, _, c in y._aux.terms] == [4.0, -6.0]
    b = x ** 2 - 3.0 * x
    np.testing.assert_allclose(y._aux.value(), 2 * b * (2 * x * v - 3 * v), rtol=1e-14)
    # At scale the sum of a form is dots: against the gradient's inner product.
    rng = np.random.default_rng(7)
    x, v = rng.uniform(-2, 2, 100_000), rng.standard_normal(100_000)
    _, dot = optad.jvp(rosenbrock, (x,), (v,))
    assert dot == pytest.approx(float(np.dot(rosen_der(x), v)), rel=1e-11)


@pytest.mark.parametrize("rowwise", ["vecdot", "loop"])
def test_single_thread_dot_of_long_vectors(monkeypatch, rowwise):
    from optad.fast import tangents

    if rowwise == "loop":
        monkeypatch.setattr(tangents, "_vecdot", None)   # NumPy < 2 has no np.vecdot
    rng = np.random.default_rng(11)
    row = optad.config.dot_row
    for n in (3, 2 * row - 1, 2 * row, 5 * row + 17):
        u, w = rng.standard_normal(n), rng.standard_normal(n)
        scale = np.dot(np.abs(u), np.abs(w))
        assert abs(tangents._dot(u, w) - np.dot(u, w)) <= 1e-14 * scale
        assert abs(tangents._dot(u[::3], w[::3]) - np.dot(u[::3], w[::3])) <= 1e-14 * scale
        assert abs(tangents._dot(u[1:], w[:-1]) - np.dot(u[1:], w[:-1])) <= 1e-14 * scale


def test_large_tangents_in_pooled_buffers_stay_exact_across_calls():
    # Forward rules write large tangents into buffers recycled from earlier calls; an
    # output a caller keeps must never be reused, and results must not drift.
    n = 60_000
    w = np.linspace(0.5, 1.5, n)

    def f(x):
        y = x[1:] - x[:-1] ** 2              # deferred factor 2, combined with ẋ
        return (100.0 * y ** 2 + (1.0 - x[:-1]) ** 2) * w[1:] + np.sin(x[1:]) * y

    rng = np.random.default_rng(5)
    x, v = rng.uniform(-1, 1, n), rng.standard_normal(n)
    _, first = optad.jvp(f, (x,), (v,))
    kept = first.copy()
    for k in range(3):
        _, again = optad.jvp(f, (x + k, ), (v,))   # other values into the recycled buffers
        _, again = optad.jvp(f, (x,), (v,))
        np.testing.assert_array_equal(again, kept)
    np.testing.assert_array_equal(first, kept)   # the first output was not written into
    h = 1e-6
    fd = (f(x + h * v) - f(x - h * v)) / (2 * h)
    np.testing.assert_allclose(first, fd, rtol=1e-5, atol=1e-5)
    assert optad.jvp(rosenbrock, (x,), (v,))[1] == pytest.approx(
        np.dot(optad.grad(rosenbrock)(x), v), rel=1e-12)


def test_forward_mode_holds_no_dead_intermediates_of_a_long_pass():
    # Plain NumPy frees each step's temporaries; so must jvp (beyond its bounded pool of
    # buffers for reuse), or memory grows with the number of steps.
    import tracemalloc

    def f(x):
        for _ in range(80):
            x = np.sin(x) * 1.0001
        return np.sum(x)

    x = np.linspace(0.0, 1.0, 50_000)
    optad.release_memory()
    tracemalloc.start()
    try:
        _, dot = optad.jvp(f, (x,), (np.ones_like(x),))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    optad.release_memory()
    assert peak < 30 * x.nbytes     # 80 steps x 3 large arrays each would be 240
    h = 1e-6
    assert dot == pytest.approx((f(x + h) - f(x - h)) / (2 * h), rel=1e-7)


def test_explain_forward_view_shows_multiplied_out_tangents():
    t = optad.trace(lambda x: np.sum(-(2.0 * x) ** 2), np.array([1.0, 2.0]), mode="forward",
                    seed=(np.array([1.0, 0.0]),))
    for row in t.rows:
        assert not isinstance(row.adjoint, optad.fast.tangents.Scaled)
        assert not any(isinstance(c, optad.fast.tangents.Scaled) for c in row.terms)
    assert t.rows[-1].adjoint == pytest.approx(-8.0)


# hvp never reads the inner forward pass's primal output, so primal values that only lead
# there are not computed (optad.fast.lazy); any other read computes them on the spot.
def _lazy_primal_cases():
    def control_flow(x):
        y = 3.0 * x ** 2 - x
        if np.sum(y) > 0:                 # user code reads a deferred value
            y = y * 2.0
        return np.sum(y * y.shape[0])

    def in_place(x):
        y = x * x + 1.0
        y += x                            # in-place operator on a deferred value
        z = -x * 0.5
        z[0] = 7.0                        # a write into a deferred value
        return np.sum(y * z)

    def rebound_after_use(x):
        y = x * 2.0
        z = y + 1.0                       # deferred: computed from y as it is now
        y += x                            # rebinds y: z must not see it
        w = -y
        w[0] = 3.0
        return np.sum(z * z) + np.sum(w * x)

    def not_deferrable(x):
        y = (x - 1.0) ** 2
        return np.sum(np.sin(y)) + np.sum(np.concatenate([y, y[:2]])) + np.sum(np.sum(y[None, :] ** x, axis=0))

    def long_chain(x):
        y = x
        for _ in range(3000):             # forced at the end through 3000 deferred values
            y = y + 0.001 * x
        return np.sum(y * y) + np.max(y)  # max is not deferrable: it forces the chain

    return {"rosenbrock": rosenbrock, "control flow": control_flow, "in place": in_place,
            "rebound after use": rebound_after_use, "not deferrable": not_deferrable, "long chain": long_chain,
            "output never read": lambda x: np.sum(np.exp(x) * x ** 2 - (x - x ** 2) ** 2)}


@pytest.mark.parametrize("name", list(_lazy_primal_cases()))
def test_hvp_with_deferred_primal_values_matches_forward_over_reverse(name):
    f = _lazy_primal_cases()[name]
    x = np.linspace(0.1, 1.3, 7)
    v = np.sin(np.arange(7.0)) + 0.5
    expected = optad.jvp(optad.grad(f), (x,), (v,))[1]
    np.testing.assert_allclose(optad.hvp(f, x, v), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.fast_engine
def test_hvp_skips_primal_values_that_lead_only_to_the_output():
    seen = []
    sq = optad.primitive(lambda y: y * y, name="square_seen")
    optad.defvjp(sq, lambda g, ans, y: 2 * g * y)
    optad.defjvp(sq, lambda t, ans, y: 2 * t * y)

    def f(x):
        u = 100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2
        seen.append(u.shape)              # .shape reads the value: u is computed
        return np.sum(sq(x)) + np.sum(u)

    x, v = np.linspace(-1, 1, 100), np.cos(np.arange(100.0))
    np.testing.assert_allclose(optad.hvp(f, x, v), rosen_hess_prod(x, v) + 2 * v, rtol=1e-10)
    assert seen == [(99,)]
    from optad.fast import ReverseTrace
    recorded = []
    process = ReverseTrace.process

    def counting(self, prim, args, kwargs):
        recorded.append(prim.name)
        return process(self, prim, args, kwargs)

    ReverseTrace.process = counting
    try:
        optad.hvp(rosenbrock, x, v)
    finally:
        ReverseTrace.process = process
    # 100*q, w, u and the primal sum are never recorded: 3 of rosenbrock's 8 primal values
    # (x[:-1]**2, the difference, 1 - x[:-1]) feed tangent rules; the rest only the output.
    assert recorded.count("sum") == 1 and recorded.count("power") == 1


def test_hvp_keeps_numpy_shape_errors():
    with pytest.raises(ValueError):
        optad.hvp(lambda x: np.sum(x[1:] * 2.0 + x), np.ones(4), np.ones(4))
