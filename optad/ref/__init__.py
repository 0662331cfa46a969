"""The reference engine: reverse and forward mode as a textbook writes them.

Each is one short loop over named steps, with no speed tricks, so that it can be read
(and trusted) whole. It is what :func:`optad.trace` and :func:`optad.explain` watch,
what ``optad.reference()`` (or ``OPTAD_REFERENCE=1``) runs every transform on, and
what the property tests compare the fast engine (:mod:`optad.fast`) against.

>>> import numpy as np, optad
>>> with optad.reference():
...     round(float(optad.grad(lambda x: x * np.sin(x))(1.0)), 6)
1.381773
"""

from . import zeros
from .forward import ForwardTrace
from .reverse import Entry, ReverseTrace

__all__ = ["ReverseTrace", "ForwardTrace", "Entry"]
