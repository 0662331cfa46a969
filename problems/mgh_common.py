"""Shared pieces of the Moré–Garbow–Hillstrom problems: the reference strings and the builder.

Every MGH problem is F(x) = sum_i f_i(x)^2 (no factor 1/2), as in the paper.

>>> import problems
>>> problems.get("mgh01").reference[:38]
'Moré, J. J., Garbow, B. S. & Hillstrom'
"""

import numpy as np

from .problem import Minimum, Problem
from .registry import register

__all__ = []

MGH = ("Moré, J. J., Garbow, B. S. & Hillstrom, K. E. (1981), Testing unconstrained "
       "optimization software, ACM Trans. Math. Softw. 7(1), 17-41")
REFINED = ("The stored f_star/x_star refine that minimum to double precision "
           "(Levenberg-Marquardt from the standard start, checked to agree with every "
           "printed digit of the published value).")


def register_mgh(number, alias, *, tags=(), n=None, default_n=None, n_rule=None,
                 n_rule_text="n >= 1", params=None):
    """Register MGH problem ``number`` as ``mghNN`` with a descriptive ``alias``.

    >>> import problems
    >>> problems.aliases()["helical_valley"]
    'mgh07'
    """
    return register(f"mgh{number:02d}", tags=("mgh", "smooth", "least-squares") + tuple(tags),
                    n=n, default_n=default_n, n_rule=n_rule, n_rule_text=n_rule_text,
                    aliases=(alias,), params=params)


def sum_of_squares(residuals):
    """The objective F(x) = sum_i f_i(x)^2 of a residual function.

    >>> import numpy as np
    >>> float(sum_of_squares(lambda x: x - 1.0)(np.array([3.0, 1.0])))
    4.0
    """
    def fun(x):
        r = residuals(x)
        return np.sum(r * r)
    return fun


def mgh_problem(number, title, residuals, x0, *, f_star, x_star=None, minima=(), m,
                source, description="", tags=(), params=None):
    """Build the :class:`Problem` of MGH problem ``number`` from its residuals.

    ``source`` says where ``f_star`` comes from; it is appended to the paper reference.

    >>> import numpy as np
    >>> p = mgh_problem(99, "Doc", lambda x: x - 1.0, np.zeros(2), f_star=0.0,
    ...                 x_star=np.ones(2), m=2, source="exact.")
    >>> p.value(p.x0), p.description
    (2.0, 'Doc (MGH 99), n=2, m=2.')
    """
    x0 = np.asarray(x0, dtype=float)
    if not minima and f_star is not None:
        minima = [Minimum(f_star, x_star, "global")]
    text = f"{title} (MGH {number}), n={x0.size}, m={m}." + (f" {description}" if description
                                                              else "")
    return Problem(f"mgh{number:02d}", sum_of_squares(residuals), x0, f_star=f_star,
                   x_star=None if x_star is None else np.asarray(x_star, dtype=float),
                   minima=minima, residuals=residuals, tags=tags,
                   params=dict(params or {}, m=m), description=text,
                   reference=f"{MGH}, problem {number}. {source}")
