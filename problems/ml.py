"""Machine-learning objectives on seeded synthetic data: small enough for comparison runs.

The data are drawn from ``numpy.random.default_rng(seed)`` when the problem is built, so
the same parameters always give the same objective.

>>> import problems
>>> p = problems.get("least_squares")
>>> p.n, round(p.f_star, 6)
(20, 0.004277)
"""

from functools import lru_cache

import numpy as np

from .problem import Minimum, Problem
from .registry import register

__all__ = []


def _softplus(z):
    """log(1 + exp(z)) without overflow, from supported primitives only."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


@register("least_squares", tags=("ml", "smooth", "convex", "least-squares"), default_n=20,
          params={"m": 200, "noise": 0.1, "seed": 0})
def _least_squares(n, m, noise, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, n))
    b = a @ rng.standard_normal(n) + noise * rng.standard_normal(m)
    scale = 1.0 / np.sqrt(2.0 * m)

    def residuals(x):
        return (a @ x - b) * scale

    def fun(x):
        r = a @ x - b
        return 0.5 * np.mean(r * r)
    xs = np.linalg.lstsq(a, b, rcond=None)[0]
    fs = float(fun(xs))
    return Problem("least_squares", fun, np.zeros(n), f_star=fs, x_star=xs,
                   residuals=residuals, minima=[Minimum(fs, xs, "global (unique)")],
                   description=f"Linear least squares 0.5 mean((A x - b)^2), A: {m}x{n} "
                               f"standard normal, b = A x_true + {noise:g} noise; start 0.",
                   reference="Synthetic data (numpy default_rng(seed)); f*, x* from "
                             "numpy.linalg.lstsq.")


@lru_cache(maxsize=32)
def _logistic_data(m, n, lam, seed):
    rng = np.random.default_rng(seed)
    x = np.concatenate([np.ones((m, 1)), rng.standard_normal((m, n - 1))], axis=1)
    w_true = rng.standard_normal(n)
    prob = 1.0 / (1.0 + np.exp(-(x @ w_true)))
    s = np.where(rng.random(m) < prob, 1.0, -1.0)
    return x, s


@lru_cache(maxsize=32)
def _logistic_solution(m, n, lam, seed):
    """Minimize by a tight L-BFGS run (SciPy, hand-written gradient); cached per data set."""
    from scipy.optimize import minimize
    x, s = _logistic_data(m, n, lam, seed)

    def f_and_g(w):
        z = s * (x @ w)
        f = np.mean(np.logaddexp(0.0, -z)) + 0.5 * lam * (w @ w)
        sig = 0.5 * (1.0 - np.tanh(0.5 * z))            # 1 / (1 + exp(z)), stable
        return f, -(x.T @ (s * sig)) / m + lam * w
    res = minimize(f_and_g, np.zeros(n), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-13, "ftol": 1e-16, "maxiter": 10000, "maxcor": 30})
    return res.x, float(res.fun)


@register("logistic_regression", tags=("ml", "smooth", "convex"), default_n=10,
          params={"m": 500, "lam": 1e-2, "seed": 0})
def _logistic_regression(n, m, lam, seed):
    if n < 2:
        from .registry import DimensionError
        raise DimensionError("logistic_regression needs n >= 2 (an intercept and a feature).")
    x, s = _logistic_data(m, n, float(lam), seed)

    def fun(w):
        return np.mean(_softplus(-s * (x @ w))) + 0.5 * lam * np.sum(w * w)

    def solve():
        ws, fs = _logistic_solution(m, n, float(lam), seed)
        return ws.copy(), fs
    return Problem("logistic_regression", fun, np.zeros(n), solve=solve,
                   description=f"L2-regularized logistic regression, mean log-loss + "
                               f"{lam:g}/2 |w|^2 on {m} seeded samples, {n} weights "
                               f"(intercept first); start 0.",
                   reference="Synthetic data (numpy default_rng(seed), labels drawn from a "
                             "logistic model). f*, x* are NOT closed-form: they come from a "
                             "tight L-BFGS solve (scipy L-BFGS-B, gtol 1e-13), computed on "
                             "first use and cached.")


def _mlp(params, x):
    hidden = np.tanh(x @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


@register("mlp_regression", tags=("ml", "smooth", "nonconvex", "pytree"), default_n=None,
          n_rule=lambda n: "n follows from d and hidden", n_rule_text="give d= and hidden=",
          params={"m": 128, "d": 2, "hidden": 8, "seed": 0})
def _mlp_regression(n, m, d, hidden, seed):
    rng = np.random.default_rng(seed)
    teacher = {"W1": rng.standard_normal((d, hidden)) * 1.5 / np.sqrt(d),
               "b1": 0.5 * rng.standard_normal(hidden),
               "W2": rng.standard_normal(hidden) / np.sqrt(hidden),
               "b2": 0.1 * rng.standard_normal(1)}
    x = rng.uniform(-1.0, 1.0, (m, d))
    y = _mlp(teacher, x)
    student = np.random.default_rng(seed + 1)
    x0 = {"W1": student.standard_normal((d, hidden)) / np.sqrt(d),
          "b1": np.zeros(hidden),
          "W2": student.standard_normal(hidden) / np.sqrt(hidden),
          "b2": np.zeros(1)}

    def fun(params):
        r = _mlp(params, x) - y
        return 0.5 * np.mean(r * r)
    return Problem("mlp_regression", fun, x0, f_star=0.0, x_star=teacher,
                   minima=[Minimum(0.0, teacher, "global: the teacher (and its symmetries)")],
                   description=f"Teacher-student regression: a {d}-{hidden}-1 tanh MLP fits "
                               f"{m} noise-free outputs of a seeded teacher of the same shape; "
                               f"parameters are a dict of arrays (W1, b1, W2, b2); start: a "
                               f"seeded small random initialization.",
                   reference="Synthetic data (numpy default_rng(seed)). f* = 0, attained at "
                             "the teacher's parameters (and at their hidden-unit permutations "
                             "and sign flips).")
