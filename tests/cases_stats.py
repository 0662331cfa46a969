"""Cases of the incomplete gamma/beta ufuncs (optad/prims/special.py) and of the
optad.scipy.stats distributions: every argument that has a derivative, inside its domain
and away from the support's edges (where densities and their slopes may be infinite).
Shape parameters of cdfs are plain (their derivatives are refused: test_stats_dropins.py)."""

import numpy as np
import scipy.special as sp

from optad.registry import load_scipy_families
from primitive_cases import POS, STD, U, case, fixed

load_scipy_families()


def ZERO(rng, shape):
    """Exactly 0 (Student's t cdf at its centre)."""
    return np.zeros(shape) if shape else 0.0


# --- the ufuncs: derivatives in x only, the shapes fixed ------------------------------------
for a in (0.7, 2.5):
    case(f"special_gammainc_a{a}", lambda x, a=a: sp.gammainc(a, x) + 2.0 * sp.gammaincc(a, x),
         (sp.gammainc, sp.gammaincc), fixed(((3, 2), U(0.2, 4))))
    case(f"special_betainc_a{a}", lambda x, a=a: sp.betainc(a, np.array([0.8, 3.0]), x)
         + 2.0 * sp.betaincc(a, 1.5, x), (sp.betainc, sp.betaincc), fixed(((3, 2), U(0.1, 0.9))))
case("special_stdtr", lambda t: sp.stdtr(np.array([0.7, 3.0, 40.0]), t), (sp.stdtr,),
     fixed(((2, 3), STD)))
# t = 0 exactly: the density, not betainc's inf·0
case("special_stdtr_at_zero", lambda t: sp.stdtr(2.5, t), (), fixed(((3,), ZERO)))
