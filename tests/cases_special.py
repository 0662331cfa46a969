"""Cases of SciPy's special functions (optad/prims/special.py) and of the optad.scipy
drop-ins: every ufunc inside its domain, away from poles and from the edges where a
partial is infinite (those are tested in test_scipy_dropins.py)."""

import numpy as np
import scipy.special as sp

from optad.registry import load_scipy_families
from optad.scipy import linalg as olinalg
from optad.scipy import special as ospecial
from optad.scipy import stats as ostats
from primitive_cases import POS, STD, U, binary, case, fixed, unary, well_conditioned

load_scipy_families()

for uf, dom in [
    (sp.expit, STD), (sp.logit, U(0.1, 0.9)), (sp.log_expit, U(-4, 4)), (sp.erf, STD),
    (sp.erfc, STD), (sp.erfinv, U(-0.8, 0.8)), (sp.erfcinv, U(0.2, 1.8)), (sp.ndtr, STD),
    (sp.ndtri, U(0.1, 0.9)), (sp.log_ndtr, U(-4, 4)), (sp.gammaln, U(0.3, 4)),
    (sp.gamma, U(0.5, 3)), (sp.loggamma, U(0.3, 4)), (sp.digamma, U(0.3, 4)),
    (sp.entr, POS), (sp.i0, STD), (sp.i0e, U(0.2, 2, True)), (sp.i1, STD),
    (sp.i1e, U(0.2, 2, True)),
]:
    case(f"special_{'digamma' if uf is sp.digamma else uf.__name__}", uf, (uf,), unary(dom))

for uf, d0, d1 in [
    (sp.beta, POS, POS), (sp.betaln, POS, POS), (sp.xlogy, STD, POS),
    (sp.xlog1py, STD, U(-0.5, 2)), (sp.rel_entr, POS, POS), (sp.kl_div, POS, POS),
]:
    case(f"special_{uf.__name__}", uf, (uf,), binary(d0, d1))

# Off the principal domains: negative non-integers (between the poles), far tails.
case("special_gamma_family_negative", lambda x: sp.gammaln(x) + sp.gamma(x) + sp.digamma(x),
     (), unary(U(-1.8, -1.2)))
case("special_log_ndtr_far_left", sp.log_ndtr, (), unary(U(-40, -10)))
case("special_log_expit_far", sp.log_expit, (), unary(U(20, 40, True)))
case("special_i1_near_zero", lambda x: sp.i1(x) + sp.i1e(x + 1.0), (), unary(U(0, 5e-3, True)))


def _zeros_in(domain, share=0.5):
    """A domain with about ``share`` of its entries exactly 0."""
    def sample(rng, shape):
        v = domain(rng, shape)
        return np.where(rng.uniform(size=shape) < share, 0.0, v) if shape else v
    return sample


# xlogy(0, y) = 0 for every y: ∂y = 0 there (not nan), ∂x = log y
case("special_xlogy_at_zero", lambda x, y: sp.xlogy(x, y) + sp.xlog1py(x, y),
     (), fixed(((6,), _zeros_in(STD)), ((6,), POS)))

# --- drop-ins ---------------------------------------------------------------------------------
M = fixed(((3, 4), STD))


def _joined(*outputs):
    """Several outputs of different shapes as one vector (one case checks them all)."""
    return np.concatenate([np.ravel(v) for v in outputs])


case("logsumexp_axes", lambda x: _joined(
    *[ospecial.logsumexp(x, axis=axis, keepdims=kd)
      for axis, kd in [(None, False), (0, False), (1, True), ((0, 1), False), (-1, False)]]), (), M)
case("logsumexp_b", lambda x, b: ospecial.logsumexp(x, axis=1, b=b), (),
     fixed(((3, 4), STD), ((4,), POS)))
case("logsumexp_b_signed", lambda x, b: ospecial.logsumexp(x, b=b, axis=0, return_sign=True)[0],
     (), fixed(((3, 2), STD), ((3, 2), U(0.5, 2, True))))
case("logsumexp_scalar", lambda x: ospecial.logsumexp(x), (), fixed(((), STD)))
case("softmax", lambda x: ospecial.softmax(x) + ospecial.softmax(x, axis=0), (), M)
case("log_softmax", lambda x: ospecial.log_softmax(x, axis=1) + ospecial.log_softmax(x), (), M)
case("polygamma", lambda x: ospecial.polygamma(0, x) + ospecial.polygamma(1, x)
     + ospecial.polygamma(np.array([1, 2, 3]), x), (), fixed(((3,), U(0.5, 3))))


def _triangular(lower):
    def sample(rng, shape):
        a = rng.standard_normal(shape) * 0.3 + np.eye(shape[0]) * 2.0
        return np.tril(a) if lower else np.triu(a)
    return sample


for lower in (True, False):
    case(f"solve_triangular_lower{lower}", lambda a, b, c, lower=lower: _joined(*[
        olinalg.solve_triangular(a, rhs, trans=trans, lower=lower, unit_diagonal=unit)
        for trans in (0, 1) for unit in (False, True) for rhs in (b, c)]),
        (), fixed(((3, 3), _triangular(lower)), ((3, 2), STD), ((3,), STD)))
# a full matrix: only the triangle SciPy reads has a derivative
case("solve_triangular_full_matrix", lambda a, b: olinalg.solve_triangular(a, b, lower=True),
     (), fixed(((3, 3), well_conditioned(3)), ((3,), STD)))


def _spd(n):
    def sample(rng, shape):
        m = rng.standard_normal((n, n)) * 0.5
        return m @ m.T + np.eye(n) * 2.0
    return sample


for lower in (True, False):
    case(f"cho_factor_solve_lower{lower}",
         lambda a, b, lower=lower: olinalg.cho_solve(olinalg.cho_factor(a, lower=lower), b)
         + np.sum(olinalg.cho_factor(a, lower=lower)[0], axis=0),
         (), fixed(((3, 3), _spd(3)), ((3,), STD)))
case("cholesky", olinalg.cholesky, (), fixed(((4, 4), _spd(4))))
case("norm_methods", lambda x, loc, scale: (
    ostats.norm.logpdf(x, loc, scale) + ostats.norm.pdf(x, loc=loc, scale=scale)
    + ostats.norm.cdf(x, loc, scale) + ostats.norm.logcdf(x, loc, scale)
    + ostats.norm.sf(x, loc, scale) + ostats.norm.logsf(x, loc, scale)
    + ostats.norm(loc, scale).logpdf(x)),
    (), fixed(((4,), STD), ((4,), U(-0.5, 0.5)), ((), POS)))
case("norm_ppf_isf", lambda q, loc, scale: ostats.norm.ppf(q, loc, scale)
     + ostats.norm.isf(q, loc=loc, scale=scale), (),
     fixed(((4,), U(0.1, 0.9)), ((), STD), ((4,), POS)))
case("multivariate_normal_logpdf",
     lambda x, mean, cov: ostats.multivariate_normal.logpdf(x, mean, cov),
     (), fixed(((5, 3), STD), ((3,), STD), ((3, 3), _spd(3))))
case("multivariate_normal_one_point_diag", lambda x, mean, var: (
    ostats.multivariate_normal.logpdf(x, mean, var) + ostats.multivariate_normal(mean, 2.0).pdf(x)),
    (), fixed(((3,), STD), ((3,), STD), ((3,), POS)))
