"""Checking a gradient against central finite differences.

>>> import numpy as np, optad
>>> optad.check_grad(lambda x: np.sum(np.sin(x) * x), np.array([0.1, 0.2, 0.3])) < 1e-8
True
"""

import numpy as np

from . import tree
from .transforms import grad

__all__ = ["check_grad", "numerical_grad"]


#: Per order of accuracy: the central-difference stencil (offsets in steps, weights) and
#: the step rule h_i = base * max(floor, |x_i|). The base balances truncation, O(h^order),
#: against rounding, O(eps/h): eps^(1/3) for order 2, eps^(1/5) for order 4. The
#: fourth-order stencil keeps ~1e-10 relative even on badly scaled problems (values of
#: 1e12), where the second-order one loses five digits; its smaller floor (0.1) suits
#: coordinates near zero of such problems.
_STENCILS = {
    2: ((-1.0, 1.0), (-0.5, 0.5), np.finfo(float).eps ** (1 / 3), 1.0),
    4: ((-2.0, -1.0, 1.0, 2.0), (1 / 12, -8 / 12, 8 / 12, -1 / 12),
        np.finfo(float).eps ** 0.2, 0.1),
}


def numerical_grad(f, x, *, step=None, order=2):
    """Central-difference gradient of a scalar ``f`` at ``x`` (a float, array or pytree).

    ``order=2`` (three-point, the default) or ``order=4`` (five-point). The step for each
    coordinate is ``base * max(1, |x_i|)`` with ``base = eps**(1/3)`` for order 2
    (``eps**(1/5) * max(0.1, |x_i|)`` for order 4), which balances the truncation error
    against rounding; ``step`` replaces ``base``. This is optad's one finite-difference
    helper: ``check_grad``, ``optad.testing`` and ``problems`` all use it.

    >>> import numpy as np
    >>> numerical_grad(lambda x: x[0] ** 2 + 3 * x[1], np.array([1.0, 2.0])).round(6)
    array([2., 3.])
    >>> numerical_grad(lambda x: np.sum(x ** 3), np.array([1.0, -2.0]), order=4).round(8)
    array([ 3., 12.])
    """
    if order not in _STENCILS:
        raise ValueError(f"numerical_grad: order must be 2 or 4; got {order!r}.")
    offsets, weights, base, floor = _STENCILS[order]
    base = base if step is None else step
    vec, unravel = tree.ravel(x)
    vec = np.array(vec, dtype=float)
    g = np.zeros_like(vec)
    for i in range(vec.size):
        h = base * max(floor, abs(vec[i]))
        h = (vec[i] + h) - vec[i]       # a step that is exact in floating point
        total = 0.0
        for k, w in zip(offsets, weights):
            moved = vec.copy()
            moved[i] += k * h
            total += w * float(f(unravel(moved)))
        g[i] = total / h
    return unravel(g)


def check_grad(f, x, *, step=None):
    """Relative error ``‖g_ad − g_fd‖ / max(‖g_fd‖, 1)`` of optad's gradient against central differences.

    Expect about 1e-8 or less for smooth functions of moderate scale; a large value
    points at a wrong derivative rule (or a non-smooth point).

    >>> import numpy as np, optad
    >>> err = optad.check_grad(lambda x: np.sum(x ** 3), np.array([1.0, -2.0]))
    >>> err < 1e-7
    True
    """
    ad = tree.ravel(grad(f)(x))[0]
    fd = tree.ravel(numerical_grad(f, x, step=step))[0]
    return float(np.linalg.norm(ad - fd) / max(np.linalg.norm(fd), 1.0))
