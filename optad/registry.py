"""What optad can differentiate: the registered ufuncs, their methods, and NumPy functions.

>>> import optad
>>> "numpy.sin" in optad.supported() and "numpy.linalg.solve" in optad.supported()
True
"""

import sys

import numpy as np

from .primitive import FUNCTION_HANDLERS, UFUNC_PRIMITIVES
from .prims.elementwise import PIECEWISE_CONSTANT
from .prims.ufunc_methods import method_names

__all__ = ["supported", "builtin"]


def _name(f):
    name = getattr(f, "__name__", repr(f))
    if isinstance(f, np.ufunc):
        for module in ("numpy", "scipy.special"):
            if getattr(sys.modules.get(module), name, None) is f:
                return f"{module}.{name}"
        return name
    module = getattr(f, "__module__", "") or ""
    public = ".".join(p for p in module.split(".") if not p.startswith("_"))
    return f"{public}.{name}" if public else name


def table():
    """``{name: what}`` for everything :func:`supported` lists: a ufunc, a NumPy/SciPy
    function, or ``(ufunc, method)`` for a ufunc method such as ``numpy.add.reduce``.

    Ufuncs whose derivative is 0 wherever it exists (``np.floor``, ``np.heaviside``,
    comparisons) are listed too: on traced values they give plain results.

    >>> table()["numpy.maximum.accumulate"] == (np.maximum, "accumulate")
    True
    """
    ufuncs = set(UFUNC_PRIMITIVES) | set(PIECEWISE_CONSTANT)
    out = {_name(f): f for f in ufuncs}
    out.update((_name(f), f) for f in FUNCTION_HANDLERS)
    for u in ufuncs:
        out.update((f"{_name(u)}.{m}", (u, m)) for m in method_names(u))
    return out


def supported():
    """Sorted names of the NumPy/SciPy functions, ufuncs and ufunc methods
    (``numpy.add.reduce``) that work on traced values.

    Operators (``+ - * / ** @``, unary minus, indexing and slice assignment) work too.

    >>> names = supported()
    >>> "numpy.einsum" in names and "numpy.maximum.accumulate" in names
    True
    """
    return sorted(table())


_BUILTIN = None


def builtin():
    """``(ufuncs, functions)`` registered by optad itself (not by users' ``defvjp`` calls).

    >>> ufuncs, functions = builtin()
    >>> import numpy as np
    >>> np.sin in ufuncs and np.sum in functions
    True
    """
    return _BUILTIN


def freeze_builtin():
    """Remember the registrations made while optad was imported."""
    global _BUILTIN
    _BUILTIN = (frozenset(UFUNC_PRIMITIVES), frozenset(FUNCTION_HANDLERS))
