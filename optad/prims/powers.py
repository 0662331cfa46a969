"""The partial derivatives of ``x ** y``, shared by its declaration and its fast rules.

>>> pow_dbase(None, 0.0, 1)      # d(x**1)/dx at 0: 1, not 1·0**0 computed as nan
1.0
"""

import numpy as np

from ..traced import data_of, value_of

__all__ = ["pow_dbase", "pow_dexp", "singular_power"]


def pow_dbase(ans, x, y):
    """∂(x**y)/∂x = y·x**(y-1), exact where x = 0 for whole exponents y >= 0: 0 for y = 0,
    1 for y = 1 (not 0·inf = nan), also when traced again for second derivatives."""
    if isinstance(y, (int, float)):
        if y == 2:
            return 2 * x        # by far the commonest exponent: no power call
        if y == 1:
            return 1.0
        if y == 0:
            return 0.0
        return y * x ** (y - 1)
    zero = data_of(y) == 0
    if not np.any(zero):
        return y * x ** (y - 1)
    # Exponent 1 where y = 0 (x**0, finite), then 0 there: the branch not taken must not
    # be infinite either, or its derivative (0·inf) would poison second derivatives.
    safe = np.where(zero, 1.0, y)
    return np.where(zero, 0.0, safe * x ** (safe - 1))


def pow_dexp(ans, x, y):
    """∂(x**y)/∂y = x**y·log x; where x = 0 the product is 0 (for y > 0), not nan."""
    safe = np.where(data_of(x) == 0, 1.0, x)
    return ans * np.log(safe)


def singular_power(x, y):
    """Whether x**y's partials can be infinite at a finite x (``Primitive.singular``): not
    for a plain whole exponent >= 0 (x**2: the commonest, so tested first, inline)."""
    kind = type(y)
    if kind is int or kind is float or kind is np.float64:
        return not (y >= 0 and float(y).is_integer())
    return True
