"""Gradient descent and Adam: update rules against hand computations, and minimize's loop."""

import math

import numpy as np
import pytest

import optimizers
from optimizers import Adam, AdamState, GDState, GradientDescent, LineSearchError

A_DIAG = np.array([1.0, 4.0, 10.0])
B_VEC = np.array([1.0, -2.0, 3.0])
X_STAR = B_VEC / A_DIAG


def quadratic(x):
    """f = ½ xᵀAx − bᵀx, A = diag(1, 4, 10); minimum at x = b / diag(A)."""
    return 0.5 * np.sum(A_DIAG * x ** 2) - np.sum(B_VEC * x)


QUAD_F_STAR = -0.5 * float(np.sum(B_VEC ** 2 / A_DIAG))


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def ill_conditioned(x):
    """½ (x₀² + 100 x₁²): condition number 100."""
    return 0.5 * (x[0] ** 2 + 100.0 * x[1] ** 2)


# --- Adam --------------------------------------------------------------------------------
def test_adam_first_three_steps_match_a_hand_computation():
    # f(x) = x², g = 2x, from x = 1 with lr = 0.1 and the paper's β₁, β₂, ε.
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    x, m, v, hand = 1.0, 0.0, 0.0, []
    for t in (1, 2, 3):
        g = 2.0 * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        x = x - lr * m_hat / (math.sqrt(v_hat) + eps)
        hand.append(x)
    # The first step is lr·sign(g) (up to ε); the next two worked out on paper:
    # t=2: g=1.8, m=0.36, v=0.007236, m̂=1.894737, v̂=3.619810 → x = 0.8004122
    assert hand[0] == pytest.approx(0.9, abs=1e-9)
    assert hand[1] == pytest.approx(0.8004122, abs=1e-7)

    opt = Adam(lr=lr)
    xs, state = np.array([1.0]), opt.init(np.array([1.0]))
    for k in range(3):
        xs, state = opt.step(xs, 2.0 * xs, state)
        assert xs[0] == pytest.approx(hand[k], rel=1e-14)
    assert isinstance(state, AdamState) and state.count == 3

    res = optimizers.minimize(lambda z: z ** 2, 1.0, method="adam", lr=lr, maxiter=3)
    assert float(res.x) == pytest.approx(hand[2], rel=1e-14)
    assert res.history.column("f")[1:] == pytest.approx(np.square(hand), rel=1e-13)


def test_adamw_decay_is_decoupled_from_the_gradient():
    opt = Adam(lr=0.1, weight_decay=0.5)
    x, _ = opt.step(np.array([4.0]), np.array([0.0]), opt.init(np.array([4.0])))
    assert x[0] == pytest.approx(4.0 * (1 - 0.1 * 0.5))      # x ← x − η λ x, nothing else
    # Coupled L2 (λx added to the gradient) is normalised by Adam into a step of ≈ lr:
    plain = Adam(lr=0.1)
    x_l2, _ = plain.step(np.array([4.0]), np.array([0.5 * 4.0]), plain.init(np.array([4.0])))
    assert x_l2[0] == pytest.approx(3.9, abs=1e-8)
    assert x[0] == pytest.approx(3.8)


def test_amsgrad_uses_the_running_maximum_of_the_second_moment():
    opt = Adam(lr=0.1, amsgrad=True)
    x = np.array([0.0])
    state = opt.init(x)
    x, state = opt.step(x, np.array([10.0]), state)
    x, state = opt.step(x, np.array([0.1]), state)
    assert state.nu_max[0] == pytest.approx(0.001 * 100.0)         # (1 − β₂)·10², kept
    assert state.nu[0] < state.nu_max[0]
    m2 = 0.9 * 1.0 + 0.1 * 0.1
    x1 = -0.1 * 10.0 / (10.0 + 1e-8)
    expected = x1 - 0.1 * (m2 / (1 - 0.81)) / (math.sqrt(0.1 / (1 - 0.999 ** 2)) + 1e-8)
    assert x[0] == pytest.approx(expected, rel=1e-12)


def test_schedules_set_the_learning_rate_of_each_update():
    seen = []
    opt = Adam(lr=1.0, schedule=lambda k: seen.append(k) or 0.5 ** k)
    x, state = np.array([1.0]), opt.init(np.array([1.0]))
    for _ in range(3):
        x, state = opt.step(x, np.array([1.0]), state)
    assert seen == [0, 1, 2]
    assert x[0] == pytest.approx(1.0 - (1 + 0.5 + 0.25), abs=1e-7)   # Adam's step ≈ lr·sign(g)
    assert optimizers.exponential(0.1, 0.5)(2) == pytest.approx(0.025)
    assert optimizers.cosine(0.1, decay_steps=10)(10) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="constant, exponential, cosine"):
        Adam(schedule="linear")
    res = optimizers.minimize(quadratic, np.zeros(3), "adam", lr=0.1, schedule="cosine",
                              maxiter=2000)
    assert res.x == pytest.approx(X_STAR, abs=1e-4)


def test_adam_reaches_the_optimum_of_a_convex_quadratic():
    res = optimizers.minimize(quadratic, np.zeros(3), method="adam", lr=0.05, maxiter=3000,
                              gtol=1e-7)
    assert res.success and res.status == 0
    assert res.x == pytest.approx(X_STAR, abs=1e-6)
    assert res.fun == pytest.approx(QUAD_F_STAR, abs=1e-12)


def test_adam_reaches_the_optimum_of_2d_rosenbrock():
    res = optimizers.minimize(rosen, np.array([-1.2, 1.0]), method="adam", lr=0.1,
                              maxiter=3000)
    assert res.success and res.nit < 3000
    assert res.x == pytest.approx([1.0, 1.0], abs=1e-4)
    assert res.fun < 1e-8


def test_adam_in_a_users_own_loop_on_a_pytree():
    opt = Adam(lr=0.05)
    params = {"w": np.zeros(3), "b": 0.0}
    state = opt.init(params)
    for _ in range(2000):
        grads = {"w": A_DIAG * params["w"] - B_VEC, "b": 2 * (params["b"] - 1.0)}
        params, state = opt.step(params, grads, state)
    assert set(params) == {"w", "b"} and params["w"].shape == (3,)
    assert params["w"] == pytest.approx(X_STAR, abs=1e-4)
    assert float(params["b"]) == pytest.approx(1.0, abs=1e-4)


def test_adam_rejects_bad_hyperparameters():
    for bad in ({"lr": 0.0}, {"beta1": 1.0}, {"beta2": -0.1}, {"eps": -1.0}):
        with pytest.raises(ValueError, match="Adam"):
            Adam(**bad)


# --- gradient descent --------------------------------------------------------------------
def test_gd_fixed_step_matches_the_update_rule():
    opt = GradientDescent(lr=0.1, momentum=0.5, nesterov=True)
    x, state = np.array([1.0]), opt.init(np.array([1.0]))
    assert isinstance(state, GDState)
    x, state = opt.step(x, np.array([2.0]), state)       # b = 2, d = 2 + 0.5·2 = 3
    assert x[0] == pytest.approx(1.0 - 0.1 * 3.0)
    x, state = opt.step(x, np.array([1.0]), state)       # b = 0.5·2 + 1 = 2, d = 1 + 1 = 2
    assert x[0] == pytest.approx(0.7 - 0.1 * 2.0) and state.velocity[0] == pytest.approx(2.0)


def test_gd_with_line_search_reaches_the_optimum_of_a_convex_quadratic():
    res = optimizers.minimize(quadratic, np.zeros(3), method="gd", line_search=True,
                              maxiter=500, gtol=1e-7)
    assert res.success, res.message
    assert res.x == pytest.approx(X_STAR, abs=1e-7)
    assert res.nfev > res.njev          # trial steps cost values only
    f = res.history.column("f")
    assert np.all(np.diff(f) <= 0)      # Armijo: every step decreases f


@pytest.mark.slow
def test_gd_with_line_search_reaches_the_optimum_of_2d_rosenbrock():
    res = optimizers.minimize(rosen, np.array([-1.2, 1.0]), method="gd", line_search=True,
                              maxiter=12_000)
    assert res.success, res.message
    assert res.x == pytest.approx([1.0, 1.0], abs=1e-4)
    assert res.fun < 1e-8
    assert res.nfev < 4 * res.nit       # the first trial step adapts (N&W eq. 3.60)


def test_momentum_and_nesterov_beat_plain_gd_on_an_ill_conditioned_quadratic():
    x0 = np.array([1.0, 1.0])
    runs = {name: optimizers.minimize(ill_conditioned, x0, "gd", gtol=1e-6, maxiter=5000, **kw)
            for name, kw in {"plain": {"lr": 0.01},
                             "momentum": {"lr": 0.01, "momentum": 0.8},
                             "nesterov": {"lr": 0.01, "momentum": 0.8, "nesterov": True}}.items()}
    assert all(r.success for r in runs.values())
    assert runs["momentum"].nit * 3 < runs["plain"].nit
    assert runs["nesterov"].nit * 3 < runs["plain"].nit


def test_line_search_needs_the_objective_and_reports_failure():
    opt = GradientDescent(line_search=True)
    x = np.array([1.0])
    with pytest.raises(TypeError, match="fun="):
        opt.step(x, np.array([2.0]), opt.init(x))
    # A wrong gradient (pointing uphill) leaves no sufficient decrease: a clear error.
    with pytest.raises(LineSearchError, match="no sufficient decrease"):
        opt.step(x, np.array([-2.0]), opt.init(x), fun=lambda z: float(z[0] ** 2))


def test_line_search_at_a_stationary_point_stays_put():
    opt = GradientDescent(line_search=True)
    x, state = opt.step(np.array([0.0]), np.array([0.0]), opt.init(np.zeros(1)),
                        fun=lambda z: float(z[0] ** 2))
    assert x[0] == 0.0 and state.count == 1


def test_gd_rejects_bad_hyperparameters():
    with pytest.raises(ValueError, match="momentum"):
        GradientDescent(momentum=1.0)
    with pytest.raises(ValueError, match="nesterov"):
        GradientDescent(nesterov=True)
    with pytest.raises(ValueError, match="lr"):
        GradientDescent(lr=-1.0)
