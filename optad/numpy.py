"""``optad.numpy``: the NumPy namespace, for code that prefers an explicit import.

optad differentiates plain ``import numpy as np`` code through NumPy's dispatch
protocols, so this module is NumPy itself plus nothing: ``import optad.numpy as onp``
and ``onp.sin`` *is* ``numpy.sin``. It exists so that code written for autograd
(``import autograd.numpy as np``) ports by changing one import line.

>>> import optad.numpy as onp, numpy
>>> onp.sin is numpy.sin and onp.linalg is numpy.linalg
True
"""

import numpy as _np


def __getattr__(name):
    return getattr(_np, name)


def __dir__():
    return dir(_np)
