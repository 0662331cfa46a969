"""MGH problems 20-35: the ones whose dimension n (and often m) the paper lets vary.

Residuals are vectorized: bands and tridiagonal couplings by shifted slices or a constant
band matrix, running sums by ``np.cumsum``, Chebyshev polynomials by their recurrence.

>>> import problems
>>> p = problems.get("extended_rosenbrock", n=20)
>>> p.value(p.x0), p.f_star
(242.0..., 0.0)
"""

import numpy as np

from .mgh_common import REFINED, mgh_problem, register_mgh
from .problem import Minimum
from .refined import XSTAR
from .registry import DimensionError

__all__ = []


def _m_param(m, n, least):
    m = n if m is None else int(m)
    if m < least:
        raise DimensionError(f"this MGH problem needs m >= {least}; got m={m}.")
    return m


def _pad(x):
    """x with a zero before and after (the boundary values of problems 28 and 30)."""
    z = np.zeros(1)
    return np.concatenate([z, x, z])


def _known(table, n, what):
    if n in table:
        return table[n], f"{what} (paper). " + REFINED
    return (None, None), f"f* published only for n in {sorted(table)}; unknown here."


@register_mgh(20, "watson", default_n=6, n_rule=lambda n: None if 2 <= n <= 31 else "bad n",
              n_rule_text="2 <= n <= 31")
def _p20(n):
    t = np.arange(1.0, 30.0) / 29.0
    powers = t[:, None] ** np.arange(n)            # t_i^(j-1), j = 1..n
    j = np.arange(1.0, n)

    def r(x):
        s1 = powers[:, :n - 1] @ (j * x[1:])
        s2 = powers @ x
        return np.concatenate([s1 - s2 ** 2 - 1.0, np.stack([x[0], x[1] - x[0] ** 2 - 1.0])])
    table = {k: XSTAR[f"mgh20_n{k}"] for k in (6, 9, 12)}
    (xs, fs), src = _known(table, n, "f* = 2.28767...e-3 (n = 6), 1.39976...e-6 (n = 9), "
                                     "4.72238...e-10 (n = 12)")
    return mgh_problem(20, "Watson", r, np.zeros(n), f_star=fs, x_star=xs, m=31, source=src)


@register_mgh(21, "extended_rosenbrock", default_n=10, tags=("zero-residual", "scalable"),
              n_rule=lambda n: None if n % 2 == 0 else "n must be even", n_rule_text="n even")
def _p21(n):
    def r(x):
        odd, even = x[0::2], x[1::2]
        return np.reshape(np.stack([10.0 * (even - odd ** 2), 1.0 - odd], axis=1), (-1,))
    x0 = np.tile([-1.2, 1.0], n // 2)
    return mgh_problem(21, "Extended Rosenbrock", r, x0, f_star=0.0, x_star=np.ones(n), m=n,
                       source="f* = 0 at (1, ..., 1) (paper).")


@register_mgh(22, "extended_powell_singular", default_n=8,
              tags=("zero-residual", "singular", "scalable"),
              n_rule=lambda n: None if n % 4 == 0 else "n must be a multiple of 4",
              n_rule_text="n a multiple of 4")
def _p22(n):
    def r(x):
        a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
        parts = [a + 10.0 * b, np.sqrt(5.0) * (c - d), (b - 2.0 * c) ** 2,
                 np.sqrt(10.0) * (a - d) ** 2]
        return np.reshape(np.stack(parts, axis=1), (-1,))
    x0 = np.tile([3.0, -1.0, 0.0, 1.0], n // 4)
    return mgh_problem(22, "Extended Powell singular", r, x0, f_star=0.0, x_star=np.zeros(n),
                       m=n, source="f* = 0 at the origin (paper); singular Hessian there.")


@register_mgh(23, "penalty1", default_n=4, tags=("scalable",))
def _p23(n):
    root_a = np.sqrt(1e-5)

    def r(x):
        return np.concatenate([root_a * (x - 1.0), np.stack([np.sum(x * x) - 0.25])])
    table = {k: XSTAR[f"mgh23_n{k}"] for k in (4, 10)}
    (xs, fs), src = _known(table, n, "f* = 2.24997...e-5 (n = 4), 7.08765...e-5 (n = 10)")
    return mgh_problem(23, "Penalty I", r, np.arange(1.0, n + 1), f_star=fs, x_star=xs,
                       m=n + 1, source=src)


@register_mgh(24, "penalty2", default_n=4, tags=("scalable",))
def _p24(n):
    root_a = np.sqrt(1e-5)
    i = np.arange(2.0, n + 1)
    y = np.exp(i / 10.0) + np.exp((i - 1.0) / 10.0)
    weight = np.arange(n, 0, -1.0)                 # n - j + 1

    def r(x):
        e = np.exp(x / 10.0)
        return np.concatenate([np.stack([x[0] - 0.2]),
                               root_a * (e[1:] + e[:-1] - y),
                               root_a * (e[1:] - np.exp(-0.1)),
                               np.stack([np.sum(weight * x * x) - 1.0])])
    table = {k: XSTAR[f"mgh24_n{k}"] for k in (4, 10)}
    (xs, fs), src = _known(table, n, "f* = 9.37629...e-6 (n = 4), 2.93660...e-4 (n = 10)")
    return mgh_problem(24, "Penalty II", r, np.full(n, 0.5), f_star=fs, x_star=xs,
                       m=2 * n, source=src)


@register_mgh(25, "variably_dimensioned", default_n=10, tags=("zero-residual", "scalable"))
def _p25(n):
    j = np.arange(1.0, n + 1)

    def r(x):
        s = np.sum(j * (x - 1.0))
        return np.concatenate([x - 1.0, np.stack([s, s * s])])
    return mgh_problem(25, "Variably dimensioned", r, 1.0 - j / n, f_star=0.0,
                       x_star=np.ones(n), m=n + 2, source="f* = 0 at (1, ..., 1) (paper).")


@register_mgh(26, "trigonometric", default_n=10, tags=("zero-residual", "scalable"))
def _p26(n):
    i = np.arange(1.0, n + 1)

    def r(x):
        c = np.cos(x)
        return n - np.sum(c) + i * (1.0 - c) - np.sin(x)
    xs = XSTAR["mgh26_n10"][0] if n == 10 else None
    minima = [Minimum(0.0, xs, "global")]
    if n == 10:
        xl, fl = XSTAR["mgh26_n10_local"]
        minima.append(Minimum(fl, xl, "local, the one descent methods reach from x0 "
                                      "(found here; MINPACK's hybrd stalls next to it)"))
    return mgh_problem(26, "Trigonometric", r, np.full(n, 1.0 / n), f_star=0.0, x_star=xs,
                       m=n, minima=minima,
                       source="f* = 0 (paper, no minimizer given); the stored x* "
                              "(n = 10 only) is a zero of the residuals found here by "
                              "Newton's method. For n = 10, a local minimum F = 2.79506e-5 "
                              "(refined here) attracts descent methods from x0.")


@register_mgh(27, "brown_almost_linear", default_n=10, tags=("zero-residual", "scalable"))
def _p27(n):
    def r(x):
        # The product as a chain of multiplications, not np.prod: optad refuses np.prod's
        # derivative at inputs with exact zeros, and the paper's local minimum
        # (0, ..., 0, n+1) has them.
        prod = x[0]
        for k in range(1, n):
            prod = prod * x[k]
        return np.concatenate([x[:-1] + np.sum(x) - (n + 1.0), np.stack([prod - 1.0])])
    local = np.zeros(n)
    local[-1] = n + 1.0
    return mgh_problem(27, "Brown almost-linear", r, np.full(n, 0.5), f_star=0.0,
                       x_star=np.ones(n), m=n,
                       minima=[Minimum(0.0, np.ones(n), "global (alpha = 1)"),
                               Minimum(1.0, local, "local: (0, ..., 0, n + 1) (paper)")],
                       source="f* = 0 at (a, ..., a, a^(1-n)) with n a^n - (n+1) a^(n-1) "
                              "+ 1 = 0, in particular a = 1; f = 1 at (0, ..., 0, n+1) "
                              "(paper).")


def _grid(n):
    h = 1.0 / (n + 1.0)
    return h, h * np.arange(1.0, n + 1)


@register_mgh(28, "discrete_boundary_value", default_n=10, tags=("zero-residual", "scalable"))
def _p28(n):
    h, t = _grid(n)

    def r(x):
        xp = _pad(x)
        return 2.0 * x - xp[:-2] - xp[2:] + h * h * (x + t + 1.0) ** 3 / 2.0
    xs = XSTAR["mgh28_n10"][0] if n == 10 else None
    return mgh_problem(28, "Discrete boundary value", r, t * (t - 1.0), f_star=0.0,
                       x_star=xs, m=n,
                       source="f* = 0 (paper); the stored x* (n = 10) is the zero of the "
                              "residuals, found here by Newton's method.")


@register_mgh(29, "discrete_integral_equation", default_n=10,
              tags=("zero-residual", "scalable"))
def _p29(n):
    h, t = _grid(n)

    def r(x):
        c = (x + t + 1.0) ** 3
        left = np.cumsum(t * c)                               # sum over j <= i
        right_incl = np.cumsum(((1.0 - t) * c)[::-1])[::-1]   # sum over j >= i
        right = right_incl - (1.0 - t) * c                    # sum over j > i
        return x + h * ((1.0 - t) * left + t * right) / 2.0
    xs = XSTAR["mgh29_n10"][0] if n == 10 else None
    return mgh_problem(29, "Discrete integral equation", r, t * (t - 1.0), f_star=0.0,
                       x_star=xs, m=n,
                       source="f* = 0 (paper); the stored x* (n = 10) is the zero of the "
                              "residuals, found here by Newton's method.")


@register_mgh(30, "broyden_tridiagonal", default_n=10, tags=("zero-residual", "scalable"))
def _p30(n):
    def r(x):
        xp = _pad(x)
        return (3.0 - 2.0 * x) * x - xp[:-2] - 2.0 * xp[2:] + 1.0
    xs = XSTAR["mgh30_n10"][0] if n == 10 else None
    return mgh_problem(30, "Broyden tridiagonal", r, np.full(n, -1.0), f_star=0.0,
                       x_star=xs, m=n,
                       source="f* = 0 (paper); the stored x* (n = 10) is the zero of the "
                              "residuals, found here by Newton's method.")


@register_mgh(31, "broyden_banded", default_n=10, tags=("zero-residual", "scalable"))
def _p31(n):
    # f_i = x_i (2 + 5 x_i²) + 1 - Σ_{j ∈ J_i} x_j (1 + x_j), J_i = {j ≠ i : i-5 <= j <= i+1}
    # (ml = 5, mu = 1). The band sum by shifted slices of y = x (1 + x) padded with 5 zeros
    # before and 1 after: O(n) memory (a dense band matrix took 800 MB at n = 10,000).
    def r(x):
        y = x * (1.0 + x)
        yp = np.concatenate([np.zeros(5), y, np.zeros(1)])      # yp[k + 5] = y_k
        band = yp[6:] + yp[4:-2] + yp[3:-3] + yp[2:-4] + yp[1:-5] + yp[:-6]
        return x * (2.0 + 5.0 * x * x) + 1.0 - band
    xs = XSTAR["mgh31_n10"][0] if n == 10 else None
    return mgh_problem(31, "Broyden banded", r, np.full(n, -1.0), f_star=0.0, x_star=xs,
                       m=n, source="f* = 0 (paper); the stored x* (n = 10) is the zero of "
                                   "the residuals, found here by Newton's method.")


@register_mgh(32, "linear_full_rank", default_n=5, tags=("scalable", "convex"),
              params={"m": 10})
def _p32(n, m):
    m = _m_param(m, n, n)

    def r(x):
        s = np.sum(x) * (2.0 / m) + 1.0
        return np.concatenate([x - s, -s * np.ones(m - n)])
    return mgh_problem(32, "Linear function - full rank", r, np.ones(n), f_star=float(m - n),
                       x_star=-np.ones(n), m=m, source="f* = m - n at (-1, ..., -1) (paper).")


@register_mgh(33, "linear_rank1", default_n=5, tags=("scalable", "convex"), params={"m": 10})
def _p33(n, m):
    m = _m_param(m, n, n)
    i = np.arange(1.0, m + 1)
    j = np.arange(1.0, n + 1)

    def r(x):
        return i * np.sum(j * x) - 1.0
    xs = np.zeros(n)
    xs[0] = 3.0 / (2.0 * m + 1.0)
    return mgh_problem(33, "Linear function - rank 1", r, np.ones(n),
                       f_star=m * (m - 1.0) / (2.0 * (2.0 * m + 1.0)), x_star=xs, m=m,
                       source="f* = m(m-1) / (2(2m+1)) wherever sum_j j x_j = 3/(2m+1) "
                              "(paper); x* is one such point.")


@register_mgh(34, "linear_rank1_zero", default_n=5, tags=("scalable", "convex"),
              params={"m": 10}, n_rule=lambda n: None if n >= 3 else "needs n >= 3",
              n_rule_text="n >= 3")
def _p34(n, m):
    m = _m_param(m, n, max(n, 3))
    coef = np.concatenate([[0.0], np.arange(1.0, m - 1), [0.0]])   # i - 1 inside, 0 at ends
    j = np.arange(2.0, n)

    def r(x):
        return coef * np.sum(j * x[1:-1]) - 1.0
    xs = np.zeros(n)
    xs[1] = 3.0 / (2.0 * (2.0 * m - 3.0))
    return mgh_problem(34, "Linear function - rank 1 with zero columns and rows", r,
                       np.ones(n), f_star=(m * m + 3.0 * m - 6.0) / (2.0 * (2.0 * m - 3.0)),
                       x_star=xs, m=m,
                       source="f* = (m^2 + 3m - 6) / (2(2m-3)) wherever sum_{j=2}^{n-1} j x_j "
                              "= 3/(2m-3) (paper); x* is one such point.")


_CHEBY = {**{k: 0.0 for k in (1, 2, 3, 4, 5, 6, 7, 9)}, 8: 3.51687e-3, 10: 6.50395e-3}


@register_mgh(35, "chebyquad", default_n=8, tags=("scalable",), params={"m": None})
def _p35(n, m):
    m = _m_param(m, n, n)
    k = np.arange(1.0, m + 1)
    integral = np.where(k % 2 == 0, -1.0 / (k * k - 1.0 + (k % 2)), 0.0)

    def r(x):
        y = 2.0 * x - 1.0
        prev, cur = np.ones(n), y
        means = [np.mean(cur)]
        for _ in range(m - 1):
            prev, cur = cur, 2.0 * y * cur - prev
            means.append(np.mean(cur))
        return np.stack(means) - integral
    key = f"mgh35_n{n}"
    if m == n and key in XSTAR:
        xs, fs = XSTAR[key]
        src = ("f* = 0 for n <= 7 and n = 9, 3.51687...e-3 for n = 8, 6.50395...e-3 for "
               "n = 10 (paper, m = n). " + REFINED)
    elif m == n and n in _CHEBY:
        xs, fs = None, _CHEBY[n]
        src = "f* for m = n from the paper; no minimizer stored for this n."
    else:
        xs, fs, src = None, None, "f* published only for m = n <= 10."
    return mgh_problem(35, "Chebyquad", r, k[:n] / (n + 1.0), f_star=fs, x_star=xs, m=m,
                       source=src, tags=("zero-residual",) if fs == 0.0 else ())
