"""Cases of the incomplete gamma/beta ufuncs (optad/prims/special.py) and of the
optad.scipy.stats distributions: every argument that has a derivative, inside its domain
and away from the support's edges (where densities and their slopes may be infinite).
The cdfs' shape parameters are plain (their derivatives are refused: test_stats_dropins.py).
Few cases, each summing many methods: one output checks them all, and the family's tests
stay fast."""

import numpy as np
import scipy.special as sp

from optad.registry import load_scipy_families
from optad.scipy import stats as ostats
from primitive_cases import POS, STD, U, case, fixed

load_scipy_families()


def ZERO(rng, shape):
    """Exactly 0 (Student's t cdf at its centre)."""
    return np.zeros(shape) if shape else 0.0


# --- the ufuncs: derivatives in x only, the shapes plain (a < 1 and a > 1: the integrand
# x^(a−1) falls or rises) ------------------------------------------------------------------
A = np.array([0.7, 2.5])
case("special_gammainc", lambda x: sp.gammainc(A, x) + 2.0 * sp.gammaincc(A, x),
     (sp.gammainc, sp.gammaincc), fixed(((3, 2), U(0.2, 4))))
HAS_BETAINCC = hasattr(sp, "betaincc")      # (new in SciPy 1.12)
case("special_betainc", lambda x: sp.betainc(A, np.array([[0.8], [3.0], [1.5]]), x)
     + (2.0 * sp.betaincc(A, 1.5, x) if HAS_BETAINCC else 0.0),
     (sp.betainc, sp.betaincc) if HAS_BETAINCC else (sp.betainc,), fixed(((3, 2), U(0.1, 0.9))))
# t = 0 exactly too: the density there, not betainc's inf·0
case("special_stdtr", lambda t, t0: sp.stdtr(np.array([0.7, 3.0, 40.0]), t) + sp.stdtr(2.5, t0),
     (sp.stdtr,), fixed(((2, 3), STD), ((3,), ZERO)))

# --- the distributions ------------------------------------------------------------------------
DENSITY = ("logpdf", "pdf")
CDFS = ("cdf", "logcdf", "sf", "logsf")


def _all(dist, x, shapes, plain_shapes, loc, scale):
    """Every method of ``dist`` at ``x``, summed: the densities with (traced) ``shapes``,
    the cdfs with ``plain_shapes``; shapes by position, loc and scale by name, positional,
    and frozen."""
    out = sum(getattr(dist, m)(x, *shapes, loc=loc, scale=scale) for m in DENSITY)
    out = out + sum(getattr(dist, m)(x, *plain_shapes, loc, scale) for m in CDFS)
    return out + dist(*shapes, loc=loc, scale=scale).logpdf(x) + dist(*plain_shapes, loc, scale).cdf(x)


# t: x, df, loc, scale; its normal limit (df = inf) and far tails of logcdf/logsf
case("stats_t", lambda x, df, loc, scale, far: _all(ostats.t, x, (df,), (2.5,), loc, scale)
     + ostats.t.logpdf(far, np.inf) + ostats.t.cdf(far, np.inf) + ostats.t.logcdf(-far, 4.0)
     + ostats.t.logsf(far, 4.0),
     (), fixed(((4,), STD), ((), U(1.0, 5.0)), ((), U(-0.3, 0.3)), ((4,), POS),
               ((4,), U(5.0, 30.0))))
# gamma and chi2: z = (x − loc)/scale > 0
case("stats_gamma_chi2", lambda x, a, df, loc, scale: _all(ostats.gamma, x, (a,), (1.7,), loc, scale)
     + _all(ostats.chi2, x, (df,), (3.0,), loc, scale),
     (), fixed(((4,), U(0.4, 3.0)), ((), U(0.8, 3.0)), ((), U(1.5, 5.0)), ((), U(-0.3, 0.0)),
               ((4,), POS)))
# beta: z inside (0, 1)
case("stats_beta", lambda x, a, b, loc, scale: _all(ostats.beta, x, (a, b), (1.5, 2.5), loc, scale),
     (), fixed(((4,), U(0.1, 0.8)), ((), U(0.8, 3.0)), ((4,), U(0.8, 3.0)), ((), U(-0.05, 0.0)),
               ((), U(1.1, 1.4))))
# the location-scale families: z inside uniform's (0, 1), expon's (0, ∞), off laplace's kink
case("stats_location_scale", lambda xe, xl, xs, xu, loc, scale: (
    _all(ostats.expon, xe, (), (), loc, scale) + _all(ostats.laplace, xl, (), (), loc, scale)
    + _all(ostats.logistic, xs, (), (), loc, scale) + _all(ostats.cauchy, 3.0 * xs, (), (), loc, scale)
    + _all(ostats.uniform, xu, (), (), loc, scale)),
    (), fixed(((3,), U(0.2, 3.0)), ((3,), U(0.6, 2.0, True)), ((3,), STD), ((3,), U(0.2, 0.8)),
              ((), U(-0.1, 0.0)), ((3,), U(1.1, 1.4))))

# poisson: the mean, at counts 0, 1, 3, 7 (and a shifted loc)
COUNTS = np.array([0.0, 1.0, 3.0, 7.0])
case("stats_poisson", lambda mu: sum(getattr(ostats.poisson, m)(COUNTS, mu) for m in (
    "pmf", "logpmf", "cdf", "logcdf", "sf", "logsf")) + ostats.poisson(mu, 1).logpmf(COUNTS),
    (), fixed(((4,), U(0.5, 6.0))))


def _simplex(k, n=None):
    """The first k − 1 components of points of the open simplex (the last is 1 − their
    sum, computed by dirichlet itself or by the case)."""
    def sample(rng, shape):
        p = rng.dirichlet(np.full(k, 4.0), size=n)
        return (p.T if n else p)[:-1]
    return sample


def _completed(x):
    last = 1.0 - np.sum(x, axis=0)
    return np.concatenate([x, np.reshape(last, (1,) + np.shape(last))], axis=0)


# dirichlet: one point and four (columns), with K − 1 and with K components
case("stats_dirichlet", lambda x, xs, alpha: (
    ostats.dirichlet.logpdf(x, alpha) + ostats.dirichlet.pdf(_completed(x), alpha)
    + np.sum(ostats.dirichlet(alpha).logpdf(xs))
    + np.sum(ostats.dirichlet.logpdf(_completed(xs), alpha))),
    (), fixed(((), _simplex(3)), ((), _simplex(3, 4)), ((3,), U(0.6, 3.0))))
