"""Classic test functions with known minima, their usual starts and search domains.

Objectives are plain NumPy; domains (``bounds``) are the usual search boxes from the
literature (Jamil & Yang 2013; Surjanovic & Bingham's Virtual Library of Simulation
Experiments), and every optimum lies inside its box.

>>> import problems
>>> p = problems.get("himmelblau")
>>> [round(m.f, 12) for m in p.minima]
[0.0, 0.0, 0.0, 0.0]
"""

import numpy as np

from .problem import Minimum, Problem
from .registry import register

__all__ = []  # everything here is reached through the registry

_JY = ("Jamil, M. & Yang, X.-S. (2013), A literature survey of benchmark functions for global "
       "optimisation problems, Int. J. Math. Modelling & Num. Optimisation 4(2), 150-194")
_VLSE = ("Surjanovic, S. & Bingham, D., Virtual Library of Simulation Experiments: "
         "optimization test functions (Simon Fraser University)")


def _box(lo, hi, n):
    return [(lo, hi)] * n


def _at_least_two(n):
    return None if n >= 2 else "needs n >= 2"


# -- smooth valleys and polynomials -----------------------------------------------------

@register("rosenbrock", tags=("classic", "smooth", "nonconvex", "scalable"), default_n=2,
          n_rule=_at_least_two, n_rule_text="n >= 2")
def _rosenbrock(n):
    def fun(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    x0 = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    note = "" if n < 4 else (" For 4 <= n <= 7 a local minimum also lies near "
                             "(-1, 1, ..., 1) (Shang & Qiu 2006).")
    return Problem("rosenbrock", fun, x0, f_star=0.0, x_star=np.ones(n),
                   bounds=_box(-5.0, 10.0, n), minima=[Minimum(0.0, np.ones(n), "global")],
                   description="Rosenbrock's banana valley, chained in n dimensions; "
                               "start (-1.2, 1, -1.2, 1, ...)." + note,
                   reference="Rosenbrock, H. H. (1960), Comput. J. 3(3), 175-184; chained "
                             "form as in scipy.optimize.rosen. f* = 0 at (1, ..., 1).")


@register("beale", tags=("classic", "smooth", "nonconvex"), n=2)
def _beale(n):
    y = np.array([1.5, 2.25, 2.625])
    k = np.arange(1, 4)

    def fun(x):
        return np.sum((y - x[0] * (1.0 - x[1] ** k)) ** 2)
    xs = np.array([3.0, 0.5])
    return Problem("beale", fun, np.array([1.0, 1.0]), f_star=0.0, x_star=xs,
                   bounds=_box(-4.5, 4.5, 2), minima=[Minimum(0.0, xs, "global")],
                   description="Beale's function: a flat plateau with steep ridges; start (1, 1).",
                   reference="Beale, E. M. L. (1958), Tech. Rep. 25, Statistical Techniques "
                             "Research Group, Princeton; also MGH problem 5. f* = 0 at (3, 0.5).")


@register("booth", tags=("classic", "smooth", "convex", "quadratic"), n=2)
def _booth(n):
    def fun(x):
        return (x[0] + 2.0 * x[1] - 7.0) ** 2 + (2.0 * x[0] + x[1] - 5.0) ** 2
    xs = np.array([1.0, 3.0])
    return Problem("booth", fun, np.array([0.0, 0.0]), f_star=0.0, x_star=xs,
                   bounds=_box(-10.0, 10.0, 2), minima=[Minimum(0.0, xs, "global")],
                   description="Booth's convex quadratic; start (0, 0).",
                   reference=_JY + ". f* = 0 at (1, 3).")


_HIMMELBLAU = np.array([[3.0, 2.0],
                        [-2.805118086952745, 3.131312518250573],
                        [-3.779310253377747, -3.2831859912861696],
                        [3.5844283403304917, -1.8481265269644036]])


@register("himmelblau", tags=("classic", "smooth", "nonconvex", "multimodal"), n=2)
def _himmelblau(n):
    def fun(x):
        return (x[0] ** 2 + x[1] - 11.0) ** 2 + (x[0] + x[1] ** 2 - 7.0) ** 2
    minima = [Minimum(0.0, xm.copy(), "global") for xm in _HIMMELBLAU]
    return Problem("himmelblau", fun, np.array([0.0, 0.0]), f_star=0.0,
                   x_star=_HIMMELBLAU[0].copy(), bounds=_box(-5.0, 5.0, 2), minima=minima,
                   description="Himmelblau's function: four global minima (f = 0), a local "
                               "maximum near (-0.2708, -0.9230); start (0, 0).",
                   reference="Himmelblau, D. M. (1972), Applied Nonlinear Programming, "
                             "McGraw-Hill. f* = 0 at (3, 2) and three irrational points "
                             "(refined here by Newton's method to double precision).")


@register("matyas", tags=("classic", "smooth", "convex", "quadratic"), n=2)
def _matyas(n):
    def fun(x):
        return 0.26 * (x[0] ** 2 + x[1] ** 2) - 0.48 * x[0] * x[1]
    return Problem("matyas", fun, np.array([3.0, -2.0]), f_star=0.0, x_star=np.zeros(2),
                   bounds=_box(-10.0, 10.0, 2), minima=[Minimum(0.0, np.zeros(2), "global")],
                   description="Matyas: a convex quadratic with condition number 25; "
                               "start (3, -2).",
                   reference=_JY + ". f* = 0 at (0, 0).")


_CAMEL_LOCAL = np.array([1.747552345830289, -0.8737761729151445])


@register("three_hump_camel", tags=("classic", "smooth", "nonconvex", "multimodal"), n=2)
def _three_hump_camel(n):
    def fun(x):
        a, b = x[0], x[1]
        return 2.0 * a ** 2 - 1.05 * a ** 4 + a ** 6 / 6.0 + a * b + b ** 2
    f_loc = 0.29863844223686054
    return Problem("three_hump_camel", fun, np.array([-1.0, 1.5]), f_star=0.0,
                   x_star=np.zeros(2), bounds=_box(-5.0, 5.0, 2),
                   minima=[Minimum(0.0, np.zeros(2), "global"),
                           Minimum(f_loc, _CAMEL_LOCAL.copy(), "local"),
                           Minimum(f_loc, -_CAMEL_LOCAL, "local")],
                   description="Three-hump camel: a global minimum at the origin and two "
                               "local ones at (+-1.7476, -+0.8738); start (-1, 1.5).",
                   reference=_JY + "; " + _VLSE + ". f* = 0 at (0, 0); local minima "
                             "refined here by Newton's method.")


@register("goldstein_price", tags=("classic", "smooth", "nonconvex", "multimodal"), n=2)
def _goldstein_price(n):
    def fun(x):
        a, b = x[0], x[1]
        t1 = 1.0 + (a + b + 1.0) ** 2 * (19.0 - 14.0 * a + 3.0 * a ** 2 - 14.0 * b
                                          + 6.0 * a * b + 3.0 * b ** 2)
        t2 = 30.0 + (2.0 * a - 3.0 * b) ** 2 * (18.0 - 32.0 * a + 12.0 * a ** 2 + 48.0 * b
                                                 - 36.0 * a * b + 27.0 * b ** 2)
        return t1 * t2
    xs = np.array([0.0, -1.0])
    return Problem("goldstein_price", fun, np.array([-0.5, 0.25]), f_star=3.0, x_star=xs,
                   bounds=_box(-2.0, 2.0, 2),
                   minima=[Minimum(3.0, xs, "global"),
                           Minimum(30.0, np.array([-0.6, -0.4]), "local"),
                           Minimum(84.0, np.array([1.8, 0.2]), "local"),
                           Minimum(840.0, np.array([1.2, 0.8]), "local")],
                   description="Goldstein-Price: f* = 3 at (0, -1), local minima 30, 84, 840; "
                               "values span six orders of magnitude; start (-0.5, 0.25).",
                   reference="Goldstein, A. A. & Price, J. F. (1971), Math. Comp. 25, 569-574; "
                             + _VLSE + ".")


# -- separable and scalable ------------------------------------------------------------

_ST_X = -2.903534027771177  # root of 4x^3 - 32x + 5 = 0, the minimizer of x^4 - 16x^2 + 5x
_ST_F = -39.16616570377141  # (x^4 - 16x^2 + 5x) / 2 there


@register("styblinski_tang", tags=("classic", "smooth", "nonconvex", "multimodal", "scalable"),
          default_n=2)
def _styblinski_tang(n):
    def fun(x):
        return 0.5 * np.sum(x ** 4 - 16.0 * x ** 2 + 5.0 * x)
    xs = np.full(n, _ST_X)
    return Problem("styblinski_tang", fun, np.zeros(n), f_star=n * _ST_F, x_star=xs,
                   bounds=_box(-5.0, 5.0, n), minima=[Minimum(n * _ST_F, xs, "global")],
                   description="Styblinski-Tang: separable, 2^n local minima; global at "
                               "x_i = -2.9035 (f* = -39.166 n); start 0.",
                   reference="Styblinski, M. A. & Tang, T.-S. (1990), Neural Networks 3(4), "
                             "467-483; " + _VLSE + ". x_i* is the root of 4x^3 - 32x + 5.")


@register("rastrigin", tags=("classic", "smooth", "nonconvex", "multimodal", "scalable"),
          default_n=2)
def _rastrigin(n):
    def fun(x):
        return 10.0 * n + np.sum(x ** 2 - 10.0 * np.cos(2.0 * np.pi * x))
    return Problem("rastrigin", fun, np.full(n, 3.0), f_star=0.0, x_star=np.zeros(n),
                   bounds=_box(-5.12, 5.12, n), minima=[Minimum(0.0, np.zeros(n), "global")],
                   description="Rastrigin: a quadratic bowl under a lattice of local minima "
                               "(near the integers); start (3, ..., 3).",
                   reference="Rastrigin, L. A. (1974), Systems of Extremal Control, Nauka; "
                             + _VLSE + ". f* = 0 at 0.")


@register("ackley", tags=("classic", "nonconvex", "multimodal", "scalable",
                          "nonsmooth-at-minimum"), default_n=2)
def _ackley(n):
    def fun(x):
        r = np.sqrt(np.mean(x ** 2))
        return (-20.0 * np.exp(-0.2 * r) - np.exp(np.mean(np.cos(2.0 * np.pi * x)))
                + 20.0 + np.e)
    return Problem("ackley", fun, np.full(n, 2.5), f_star=0.0, x_star=np.zeros(n),
                   bounds=_box(-32.768, 32.768, n),
                   minima=[Minimum(0.0, np.zeros(n), "global")],
                   description="Ackley: nearly flat outer region, many local minima, a cusp "
                               "(not differentiable) at the global minimum 0; start 2.5.",
                   reference="Ackley, D. H. (1987), A Connectionist Machine for Genetic "
                             "Hillclimbing, Kluwer; " + _VLSE + ". f* = 0 at 0.")


@register("griewank", tags=("classic", "smooth", "nonconvex", "multimodal", "scalable"),
          default_n=2)
def _griewank(n):
    root = np.sqrt(np.arange(1.0, n + 1))

    def fun(x):
        return 1.0 + np.sum(x ** 2) / 4000.0 - np.prod(np.cos(x / root))
    return Problem("griewank", fun, np.full(n, 10.0), f_star=0.0, x_star=np.zeros(n),
                   bounds=_box(-600.0, 600.0, n), minima=[Minimum(0.0, np.zeros(n), "global")],
                   description="Griewank: a wide bowl with product-of-cosines ripples; "
                               "start (10, ..., 10).",
                   reference="Griewank, A. O. (1981), J. Optim. Theory Appl. 34, 11-39; "
                             + _VLSE + ". f* = 0 at 0.")


@register("levy", tags=("classic", "smooth", "nonconvex", "multimodal", "scalable"),
          default_n=2)
def _levy(n):
    def fun(x):
        w = 1.0 + (x - 1.0) / 4.0
        head = np.sin(np.pi * w[0]) ** 2
        mid = np.sum((w[:-1] - 1.0) ** 2 * (1.0 + 10.0 * np.sin(np.pi * w[:-1] + 1.0) ** 2))
        tail = (w[-1] - 1.0) ** 2 * (1.0 + np.sin(2.0 * np.pi * w[-1]) ** 2)
        return head + mid + tail
    return Problem("levy", fun, np.full(n, -4.0), f_star=0.0, x_star=np.ones(n),
                   bounds=_box(-10.0, 10.0, n), minima=[Minimum(0.0, np.ones(n), "global")],
                   description="Levy: sinusoidal valleys around a global minimum at "
                               "(1, ..., 1); start (-4, ..., -4).",
                   reference="Laguna, M. & Marti, R. (2005), J. Global Optim. 33, 235-255; "
                             + _VLSE + ". f* = 0 at (1, ..., 1).")


@register("sphere", tags=("classic", "smooth", "convex", "quadratic", "scalable"),
          default_n=10)
def _sphere(n):
    def fun(x):
        return np.sum(x ** 2)
    return Problem("sphere", fun, np.ones(n), f_star=0.0, x_star=np.zeros(n),
                   bounds=_box(-5.12, 5.12, n), minima=[Minimum(0.0, np.zeros(n), "global")],
                   description="Sphere: sum of squares, perfectly conditioned; start (1, ..., 1).",
                   reference="De Jong, K. A. (1975), PhD thesis, U. Michigan (F1); "
                             + _VLSE + ". f* = 0 at 0.")


@register("sum_of_different_powers", tags=("classic", "smooth", "convex", "scalable"),
          default_n=5)
def _sum_of_different_powers(n):
    p = np.arange(2.0, n + 2)

    def fun(x):
        return np.sum(np.abs(x) ** p)
    return Problem("sum_of_different_powers", fun, np.full(n, 0.5), f_star=0.0,
                   x_star=np.zeros(n), bounds=_box(-1.0, 1.0, n),
                   minima=[Minimum(0.0, np.zeros(n), "global")],
                   description="Sum of |x_i|^(i+1): convex, increasingly flat (degenerate "
                               "Hessian) in the later coordinates; start (0.5, ..., 0.5).",
                   reference=_VLSE + ". f* = 0 at 0.")


@register("zakharov", tags=("classic", "smooth", "convex", "scalable"), default_n=5)
def _zakharov(n):
    half_i = 0.5 * np.arange(1.0, n + 1)

    def fun(x):
        s = np.sum(half_i * x)
        return np.sum(x ** 2) + s ** 2 + s ** 4
    return Problem("zakharov", fun, np.ones(n), f_star=0.0, x_star=np.zeros(n),
                   bounds=_box(-5.0, 10.0, n), minima=[Minimum(0.0, np.zeros(n), "global")],
                   description="Zakharov: a convex plate with a quartic term along one "
                               "direction; start (1, ..., 1).",
                   reference=_JY + "; " + _VLSE + ". f* = 0 at 0.")


def _dixon_price_x(n):
    i = np.arange(1.0, n + 1)
    return 2.0 ** (-(2.0 ** i - 2.0) / 2.0 ** i)


@register("dixon_price", tags=("classic", "smooth", "nonconvex", "scalable"), default_n=5,
          n_rule=_at_least_two, n_rule_text="n >= 2")
def _dixon_price(n):
    i = np.arange(2.0, n + 1)

    def fun(x):
        return (x[0] - 1.0) ** 2 + np.sum(i * (2.0 * x[1:] ** 2 - x[:-1]) ** 2)
    xs = _dixon_price_x(n)
    return Problem("dixon_price", fun, np.ones(n), f_star=0.0, x_star=xs,
                   bounds=_box(-10.0, 10.0, n), minima=[Minimum(0.0, xs, "global")],
                   description="Dixon-Price: a curved valley; x_i* = 2^(-(2^i - 2)/2^i) (the "
                               "signs of x_2..x_n may flip too); start (1, ..., 1).",
                   reference="Dixon, L. C. W. & Price, R. C. (1989), J. Optim. Theory Appl. "
                             "60, 261-275; " + _VLSE + ". f* = 0.")


@register("trid", tags=("classic", "smooth", "convex", "quadratic", "scalable"), default_n=6,
          n_rule=_at_least_two, n_rule_text="n >= 2")
def _trid(n):
    def fun(x):
        return np.sum((x - 1.0) ** 2) - np.sum(x[1:] * x[:-1])
    i = np.arange(1.0, n + 1)
    xs = i * (n + 1.0 - i)
    fs = -n * (n + 4.0) * (n - 1.0) / 6.0
    return Problem("trid", fun, np.zeros(n), f_star=fs, x_star=xs,
                   bounds=_box(-float(n) ** 2, float(n) ** 2, n),
                   minima=[Minimum(fs, xs, "global")],
                   description="Trid: a convex tridiagonal quadratic; x_i* = i (n + 1 - i), "
                               "f* = -n (n + 4)(n - 1)/6; start 0.",
                   reference=_JY + "; " + _VLSE + ".")


@register("ill_conditioned_quadratic", tags=("classic", "smooth", "convex", "quadratic",
                                             "scalable", "ill-conditioned"),
          default_n=10, params={"cond": 1e3, "rotate": True, "seed": 0},
          aliases=("quadratic",))
def _ill_conditioned_quadratic(n, cond, rotate, seed):
    cond = float(cond)
    if not cond >= 1.0:
        raise ValueError(f"ill_conditioned_quadratic needs cond >= 1; got cond={cond}.")
    eig = np.logspace(0.0, np.log10(cond), n) if n > 1 else np.ones(1)
    if rotate and n > 1:
        q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
        q = q * np.sign(np.diag(r))
        a = (q * eig) @ q.T
        a = 0.5 * (a + a.T)
    else:
        a = np.diag(eig)
    xs = np.ones(n)

    def fun(x):
        d = x - xs
        return 0.5 * (d @ (a @ d))
    return Problem("ill_conditioned_quadratic", fun, np.zeros(n), f_star=0.0, x_star=xs.copy(),
                   minima=[Minimum(0.0, xs.copy(), "global")],
                   params={"cond": cond, "rotate": bool(rotate), "seed": seed},
                   description=f"0.5 (x - 1)' A (x - 1) with eigenvalues log-spaced in "
                               f"[1, {cond:g}] (condition number {cond:g})"
                               + (", rotated by a seeded random orthogonal matrix" if rotate
                                  else ", axis-aligned") + "; start 0.",
                   reference="Constructed; f* = 0 at (1, ..., 1) exactly. Gradient descent "
                             "converges at rate (cond - 1)/(cond + 1) (Nocedal & Wright 2006, "
                             "Thm 3.4).")
