"""``optad.numpy``: NumPy, plus the calls NumPy's dispatch cannot show optad.

optad differentiates plain ``import numpy as np`` code through NumPy's dispatch
protocols, which miss two kinds of call:

* traced values inside a list or tuple, when no top-level argument is traced
  (``np.mean([a, b])``, ``np.linalg.norm([x[0], x[1]])``, ``np.append([[a]], b)``):
  NumPy looks for overrides only in the top-level arguments;
* ``np.array``, ``np.asarray`` (and their kind), ``np.r_`` and ``np.c_``, which have no
  override protocol at all.

Plain NumPy refuses both with a :class:`~optad.errors.TracerConversionError` (NumPy would
convert the traced values to plain floats, silently dropping their gradients).
``import optad.numpy as np`` makes them work, so that code written for autograd
(``import autograd.numpy as np``) ports by changing one import line:

* :func:`array`, :func:`asarray`, :func:`asanyarray`, :func:`ascontiguousarray`,
  :func:`asfortranarray`, :func:`asarray_chkfinite`, :data:`r_` and :data:`c_` are this
  module's own: (nested) lists of traced values become traced arrays (stacked level by
  level with the traced ``np.stack``); plain input gives NumPy's own result;
* every other NumPy function, and those of ``np.linalg`` and ``np.fft``, is NumPy's
  wrapped to first turn list and tuple arguments holding traced values into traced arrays
  (:func:`optad.sequences.stack_sequences`, what optad does for calls that reach it);
  plain arguments pass through untouched, so values are NumPy's;
* ufuncs (which dispatch fine), classes, constants and the other submodules (``random``,
  ``polynomial``...) are NumPy's own objects;
* ``from optad.numpy import *`` imports what ``from numpy import *`` does.

Hence ``onp.sin is numpy.sin``, but ``onp.mean`` and ``onp.linalg`` are not NumPy's:

>>> import optad.numpy as onp, numpy, optad
>>> onp.sin is numpy.sin, onp.random is numpy.random, onp.linalg is numpy.linalg
(True, True, False)
>>> optad.grad(lambda x: onp.mean([x[0] * x[1], onp.sin(x[1])]))(numpy.array([1.0, 2.0]))
array([1.        , 0.29192658])

**dtype on traced input.** ``None``, float64 and complex128 are differentiated (a real
value asked for as complex128 becomes ``x + 0j``). An integer or bool dtype is NumPy's
cast of the plain values, a plain array: the cast is piecewise constant (as ``int(x)``
and ``x.astype(int)``), its derivative 0 wherever it has one, so nothing is lost. Other
dtypes (float32, ...) are refused: optad differentiates in float64 and complex128.
``order`` and ``subok`` only choose a memory layout or an ndarray subclass, which traced
values do not have: accepted, no effect on them.
"""

from .numpy_wrap import ALL as __all__, OWN, forwarding
from .numpy_wrap import (  # noqa: F401
    array, asarray, asanyarray, ascontiguousarray, asfortranarray, asarray_chkfinite, r_, c_,
    linalg, fft)

# Every other attribute is NumPy's, functions wrapped. Write no code here: the wrappers
# are stored in this module's globals, where np.sum, np.any, np.max... shadow builtins.
__getattr__, __dir__ = forwarding(globals(), OWN)
del forwarding, OWN
