"""In-place rules: a rule's product written into an array only this call holds.

The fast engine's elementwise rules are ``partial * g`` (reverse) and ``partial * t``
(forward). When the partial is a fresh array that nothing else references, the product
can overwrite it, saving one full-size allocation per rule; a reference count (the
local name and the call's argument) proves nothing else can see the write. Only where
``optad.config.refcounts`` says counts can be trusted.

>>> import numpy as np
>>> times_fresh(np.arange(3.0), 2.0)
array([0., 2., 4.])
"""

import sys

import numpy as np

from ..settings import config
from ..traced import Traced

__all__ = ["times_fresh", "vjp_of", "vjp_inplace_of", "jvp_of"]


def times_fresh(p, s):
    """``s * p``, written into ``p`` when ``p`` is a fresh array that only this call holds."""
    if (config.refcounts and type(p) is np.ndarray and p.base is None
            and sys.getrefcount(p) == 2 and not isinstance(s, Traced)):
        shape = getattr(s, "shape", ())
        if shape == () or shape == p.shape:
            return np.multiply(p, s, out=p)
    return s * p


def vjp_of(partial):
    """The fast reverse rule ``g * partial`` of an elementwise partial derivative."""
    if partial is None:
        return None
    return lambda g, ans, *args: times_fresh(partial(ans, *args), g)


def vjp_inplace_of(partial):
    """The same rule writing into ``g`` (which the backward pass owns)."""
    if partial is None:
        return None
    return lambda g, ans, *args: np.multiply(g, partial(ans, *args), out=g)


def jvp_of(partial):
    """The fast forward rule ``t * partial``."""
    if partial is None:
        return None
    return lambda t, ans, *args: times_fresh(partial(ans, *args), t)
