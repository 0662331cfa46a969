"""MGH problems 1-19: the fixed-dimension ones (some with a variable number m of residuals).

Residuals and data follow the paper; the Gulf problem (11) uses |y_i - x_2|, where some
printings and ports read the minus sign as "m i" (a product), which changes the problem.

>>> import problems
>>> p = problems.get("wood")
>>> p.value(p.x0)
19192.0
"""

import numpy as np

from .mgh_common import REFINED, mgh_problem, register_mgh
from .problem import Minimum
from .registry import DimensionError
from .refined import XSTAR

__all__ = []


def _m_at_least(n):
    def rule(m):
        if m < n:
            raise DimensionError(f"this MGH problem needs m >= n = {n}; got m={m}.")
    return rule


@register_mgh(1, "mgh_rosenbrock", n=2, tags=("zero-residual",))
def _p01(n):
    def r(x):
        return np.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])
    return mgh_problem(1, "Rosenbrock", r, [-1.2, 1.0], f_star=0.0, x_star=[1.0, 1.0], m=2,
                       source="f* = 0 at (1, 1) (paper).")


@register_mgh(2, "freudenstein_roth", n=2, tags=("zero-residual", "multimodal"))
def _p02(n):
    def r(x):
        return np.stack([-13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1],
                         -29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1]])
    local = XSTAR["mgh02_local"]
    return mgh_problem(2, "Freudenstein and Roth", r, [0.5, -2.0], f_star=0.0,
                       x_star=[5.0, 4.0], m=2,
                       minima=[Minimum(0.0, np.array([5.0, 4.0]), "global"),
                               Minimum(local[1], local[0],
                                       "local; paper: 48.9842... at (11.41..., -0.8968...)")],
                       source="f* = 0 at (5, 4); local minimum 48.9842... at "
                              "(11.41..., -0.8968...) (paper), refined here.")


@register_mgh(3, "powell_badly_scaled", n=2, tags=("zero-residual", "badly-scaled"))
def _p03(n):
    def r(x):
        return np.stack([1e4 * x[0] * x[1] - 1.0, np.exp(-x[0]) + np.exp(-x[1]) - 1.0001])
    xs = XSTAR["mgh03"]
    return mgh_problem(3, "Powell badly scaled", r, [0.0, 1.0], f_star=0.0, x_star=xs[0], m=2,
                       source="f* = 0 at (1.098...e-5, 9.106...) (paper); x* refined here "
                              "by Newton's method on the residuals.")


@register_mgh(4, "brown_badly_scaled", n=2, tags=("zero-residual", "badly-scaled"))
def _p04(n):
    def r(x):
        return np.stack([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2.0])
    return mgh_problem(4, "Brown badly scaled", r, [1.0, 1.0], f_star=0.0,
                       x_star=[1e6, 2e-6], m=3, source="f* = 0 at (1e6, 2e-6) (paper).")


@register_mgh(5, "mgh_beale", n=2, tags=("zero-residual",))
def _p05(n):
    y = np.array([1.5, 2.25, 2.625])
    k = np.arange(1.0, 4.0)

    def r(x):
        return y - x[0] * (1.0 - x[1] ** k)
    return mgh_problem(5, "Beale", r, [1.0, 1.0], f_star=0.0, x_star=[3.0, 0.5], m=3,
                       source="f* = 0 at (3, 0.5) (paper).")


@register_mgh(6, "jennrich_sampson", n=2, params={"m": 10})
def _p06(n, m):
    _m_at_least(2)(m)
    i = np.arange(1.0, m + 1)

    def r(x):
        return 2.0 + 2.0 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))
    known = m == 10
    xs = XSTAR["mgh06"] if known else (None, None)
    return mgh_problem(6, "Jennrich and Sampson", r, [0.3, 0.4], f_star=xs[1], x_star=xs[0],
                       m=m, source=("f* = 124.362... at x1 = x2 = 0.2578... for m = 10 "
                                    "(paper). " + REFINED) if known else
                       "f* published only for m = 10.")


@register_mgh(7, "helical_valley", n=3, tags=("zero-residual",))
def _p07(n):
    def r(x):
        shift = 0.5 if x[0] < 0 else 0.0
        theta = np.arctan(x[1] / x[0]) / (2.0 * np.pi) + shift
        return np.stack([10.0 * (x[2] - 10.0 * theta),
                         10.0 * (np.sqrt(x[0] ** 2 + x[1] ** 2) - 1.0), x[2]])
    return mgh_problem(7, "Helical valley", r, [-1.0, 0.0, 0.0], f_star=0.0,
                       x_star=[1.0, 0.0, 0.0], m=3, source="f* = 0 at (1, 0, 0) (paper).",
                       description="theta jumps by 1/2 across x1 = 0 (the paper's "
                                   "definition), so F is discontinuous there.")


_BARD_Y = np.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96,
                    1.34, 2.10, 4.39])


@register_mgh(8, "bard", n=3)
def _p08(n):
    u = np.arange(1.0, 16.0)
    v = 16.0 - u
    w = np.minimum(u, v)

    def r(x):
        return _BARD_Y - (x[0] + u / (v * x[1] + w * x[2]))
    xs = XSTAR["mgh08"]
    return mgh_problem(8, "Bard", r, [1.0, 1.0, 1.0], f_star=xs[1], x_star=xs[0], m=15,
                       minima=[Minimum(xs[1], xs[0], "global"),
                               Minimum(17.4286, None, "at (0.8406..., -inf, -inf) (paper)")],
                       source="f* = 8.21487...e-3; also 17.4286... at (0.8406..., -inf, "
                              "-inf) (paper). " + REFINED)


_GAUSS_Y = np.array([0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521,
                     0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009])


@register_mgh(9, "gaussian", n=3)
def _p09(n):
    t = (8.0 - np.arange(1.0, 16.0)) / 2.0

    def r(x):
        return x[0] * np.exp(-x[1] * (t - x[2]) ** 2 / 2.0) - _GAUSS_Y
    xs = XSTAR["mgh09"]
    return mgh_problem(9, "Gaussian", r, [0.4, 1.0, 0.0], f_star=xs[1], x_star=xs[0], m=15,
                       source="f* = 1.12793...e-8 (paper). " + REFINED)


_MEYER_Y = np.array([34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0,
                     8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0, 2872.0])


@register_mgh(10, "meyer", n=3, tags=("badly-scaled",))
def _p10(n):
    t = 45.0 + 5.0 * np.arange(1.0, 17.0)

    def r(x):
        return x[0] * np.exp(x[1] / (t + x[2])) - _MEYER_Y
    xs = XSTAR["mgh10"]
    return mgh_problem(10, "Meyer", r, [0.02, 4000.0, 250.0], f_star=xs[1], x_star=xs[0],
                       m=16, source="f* = 87.9458... (paper). " + REFINED)


@register_mgh(11, "gulf_research", n=3, tags=("zero-residual",), params={"m": 99})
def _p11(n, m):
    if not 3 <= m <= 100:
        raise DimensionError(f"mgh11 (Gulf research) needs 3 <= m <= 100; got m={m}.")
    t = np.arange(1.0, m + 1) / 100.0
    y = 25.0 + (-50.0 * np.log(t)) ** (2.0 / 3.0)

    def r(x):
        return np.exp(-np.abs(y - x[1]) ** x[2] / x[0]) - t
    return mgh_problem(11, "Gulf research and development", r, [5.0, 2.5, 0.15], f_star=0.0,
                       x_star=[50.0, 25.0, 1.5], m=m,
                       source="f* = 0 at (50, 25, 1.5) (paper). Residual "
                              "exp(-|y_i - x2|^x3 / x1) - t_i: the paper's typeset minus sign "
                              "is misread as 'm i' by several ports.",
                       description="m = 100 makes |y_100 - x2| vanish at x*, where F is "
                                   "not differentiable in x3; hence the default m = 99.")


@register_mgh(12, "box_3d", n=3, tags=("zero-residual",), params={"m": 10})
def _p12(n, m):
    _m_at_least(3)(m)
    t = 0.1 * np.arange(1.0, m + 1)
    c = np.exp(-t) - np.exp(-10.0 * t)

    def r(x):
        return np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * c
    return mgh_problem(12, "Box three-dimensional", r, [0.0, 10.0, 20.0], f_star=0.0,
                       x_star=[1.0, 10.0, 1.0], m=m,
                       minima=[Minimum(0.0, np.array([1.0, 10.0, 1.0]), "global"),
                               Minimum(0.0, np.array([10.0, 1.0, -1.0]), "global"),
                               Minimum(0.0, None, "global: every x with x1 = x2 and x3 = 0")],
                       source="f* = 0 at (1, 10, 1), (10, 1, -1) and wherever x1 = x2, "
                              "x3 = 0 (paper).")


@register_mgh(13, "powell_singular", n=4, tags=("zero-residual", "singular"))
def _p13(n):
    def r(x):
        return np.stack([x[0] + 10.0 * x[1], np.sqrt(5.0) * (x[2] - x[3]),
                         (x[1] - 2.0 * x[2]) ** 2, np.sqrt(10.0) * (x[0] - x[3]) ** 2])
    return mgh_problem(13, "Powell singular", r, [3.0, -1.0, 0.0, 1.0], f_star=0.0,
                       x_star=np.zeros(4), m=4,
                       source="f* = 0 at the origin (paper); the Hessian is singular there.")


@register_mgh(14, "wood", n=4, tags=("zero-residual",))
def _p14(n):
    def r(x):
        return np.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0],
                         np.sqrt(90.0) * (x[3] - x[2] ** 2), 1.0 - x[2],
                         np.sqrt(10.0) * (x[1] + x[3] - 2.0), (x[1] - x[3]) / np.sqrt(10.0)])
    return mgh_problem(14, "Wood", r, [-3.0, -1.0, -3.0, -1.0], f_star=0.0,
                       x_star=np.ones(4), m=6, source="f* = 0 at (1, 1, 1, 1) (paper).")


_KO_Y = np.array([0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323,
                  0.0235, 0.0246])
_KO_U = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])


@register_mgh(15, "kowalik_osborne", n=4)
def _p15(n):
    u, u2 = _KO_U, _KO_U ** 2

    def r(x):
        return _KO_Y - x[0] * (u2 + u * x[1]) / (u2 + u * x[2] + x[3])
    xs = XSTAR["mgh15"]
    return mgh_problem(15, "Kowalik and Osborne", r, [0.25, 0.39, 0.415, 0.39], f_star=xs[1],
                       x_star=xs[0], m=11,
                       minima=[Minimum(xs[1], xs[0], "global"),
                               Minimum(1.02734e-3, None,
                                       "at (+inf, -14.07..., -inf, -inf) (paper)")],
                       source="f* = 3.07505...e-4; also 1.02734...e-3 at (+inf, -14.07..., "
                              "-inf, -inf) (paper). " + REFINED)


@register_mgh(16, "brown_dennis", n=4, params={"m": 20})
def _p16(n, m):
    _m_at_least(4)(m)
    t = np.arange(1.0, m + 1) / 5.0
    et, st, ct = np.exp(t), np.sin(t), np.cos(t)

    def r(x):
        return (x[0] + t * x[1] - et) ** 2 + (x[2] + x[3] * st - ct) ** 2
    known = m == 20
    xs = XSTAR["mgh16"] if known else (None, None)
    return mgh_problem(16, "Brown and Dennis", r, [25.0, 5.0, -5.0, -1.0], f_star=xs[1],
                       x_star=xs[0], m=m,
                       source=("f* = 85822.2... for m = 20 (paper). " + REFINED) if known else
                       "f* published only for m = 20.")


_OSB1_Y = np.array([0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784,
                    0.751, 0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522,
                    0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420,
                    0.414, 0.411, 0.406])


@register_mgh(17, "osborne1", n=5)
def _p17(n):
    t = 10.0 * np.arange(33.0)

    def r(x):
        return _OSB1_Y - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))
    xs = XSTAR["mgh17"]
    return mgh_problem(17, "Osborne 1", r, [0.5, 1.5, -1.0, 0.01, 0.02], f_star=xs[1],
                       x_star=xs[0], m=33, source="f* = 5.46489...e-5 (paper). " + REFINED)


@register_mgh(18, "biggs_exp6", n=6, tags=("zero-residual",), params={"m": 13})
def _p18(n, m):
    _m_at_least(6)(m)
    t = 0.1 * np.arange(1.0, m + 1)
    y = np.exp(-t) - 5.0 * np.exp(-10.0 * t) + 3.0 * np.exp(-4.0 * t)

    def r(x):
        return (x[2] * np.exp(-t * x[0]) - x[3] * np.exp(-t * x[1])
                + x[5] * np.exp(-t * x[4]) - y)
    xs = np.array([1.0, 10.0, 1.0, 5.0, 4.0, 3.0])
    minima = [Minimum(0.0, xs, "global")]
    if m == 13:
        loc = XSTAR["mgh18_local"]
        minima.append(Minimum(loc[1], loc[0], "local; paper: 5.65565...e-3 for m = 13"))
    return mgh_problem(18, "Biggs EXP6", r, [1.0, 2.0, 1.0, 1.0, 1.0, 1.0], f_star=0.0,
                       x_star=xs, m=m, minima=minima,
                       source="f* = 0 at (1, 10, 1, 5, 4, 3); also 5.65565...e-3 for m = 13 "
                              "(paper), a local minimum, refined here.")


_OSB2_Y = np.array([1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725,
                    0.746, 0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724,
                    0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495,
                    0.500, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429,
                    0.523, 0.562, 0.607, 0.653, 0.672, 0.708, 0.633, 0.668, 0.645, 0.632,
                    0.591, 0.559, 0.597, 0.625, 0.739, 0.710, 0.729, 0.720, 0.636, 0.581,
                    0.428, 0.292, 0.162, 0.098, 0.054])


@register_mgh(19, "osborne2", n=11)
def _p19(n):
    t = np.arange(65.0) / 10.0

    def r(x):
        return _OSB2_Y - (x[0] * np.exp(-t * x[4])
                          + x[1] * np.exp(-(t - x[8]) ** 2 * x[5])
                          + x[2] * np.exp(-(t - x[9]) ** 2 * x[6])
                          + x[3] * np.exp(-(t - x[10]) ** 2 * x[7]))
    xs = XSTAR["mgh19"]
    return mgh_problem(19, "Osborne 2", r, [1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5,
                                            5.5], f_star=xs[1], x_star=xs[0], m=65,
                       source="f* = 4.01377...e-2 (paper). " + REFINED)
