"""Checking a gradient against central finite differences.

>>> import numpy as np, optad
>>> optad.check_grad(lambda x: np.sum(np.sin(x) * x), np.array([0.1, 0.2, 0.3])) < 1e-8
True
"""

import numpy as np

from . import tree
from .transforms import grad

__all__ = ["check_grad", "numerical_grad"]


def numerical_grad(f, x, *, step=None):
    """Central-difference gradient of a scalar ``f`` at ``x`` (a float, array or pytree).

    The step for each coordinate is ``eps**(1/3) * max(1, |x_i|)``, which balances the
    O(h²) truncation error of central differences against rounding.

    >>> import numpy as np
    >>> numerical_grad(lambda x: x[0] ** 2 + 3 * x[1], np.array([1.0, 2.0])).round(6)
    array([2., 3.])
    """
    vec, unravel = tree.ravel(x)
    g = np.zeros_like(vec)
    base = np.finfo(float).eps ** (1 / 3) if step is None else step
    for i in range(vec.size):
        h = base * max(1.0, abs(vec[i]))
        up, down = vec.copy(), vec.copy()
        up[i] += h
        down[i] -= h
        g[i] = (float(f(unravel(up))) - float(f(unravel(down)))) / (up[i] - down[i])
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
