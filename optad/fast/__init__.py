"""The fast engine: the reference engine (:mod:`optad.ref`) with speed tricks.

Each trick lives in one named place (listed in :mod:`optad.fast.reverse` and
:mod:`optad.fast.forward`), every threshold in ``optad.config``; property tests compare
this engine with the reference at sizes past every threshold. It is what transforms
run on unless ``optad.reference()`` (or ``OPTAD_REFERENCE=1``) says otherwise.

>>> import numpy as np, optad
>>> from optad.fast import ReverseTrace
>>> isinstance(ReverseTrace(), optad.ref.ReverseTrace)
True
"""

from .forward import ForwardTrace
from .reverse import ReverseTrace

__all__ = ["ReverseTrace", "ForwardTrace"]
