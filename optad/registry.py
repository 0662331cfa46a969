"""What optad can differentiate: the registered ufuncs and NumPy functions.

>>> import optad
>>> "numpy.sin" in optad.supported() and "numpy.linalg.solve" in optad.supported()
True
"""

import numpy as np

from .primitive import FUNCTION_HANDLERS, UFUNC_PRIMITIVES

__all__ = ["supported", "builtin"]


def _name(f):
    name = getattr(f, "__name__", repr(f))
    if isinstance(f, np.ufunc):
        return f"numpy.{name}" if getattr(np, name, None) is f else name
    module = getattr(f, "__module__", "") or ""
    public = ".".join(p for p in module.split(".") if not p.startswith("_"))
    return f"{public}.{name}" if public else name


def supported():
    """Sorted names of the NumPy/SciPy functions and ufuncs that work on traced values.

    Operators (``+ - * / ** @``, unary minus, indexing and slice assignment) work too.

    >>> "numpy.einsum" in supported()
    True
    """
    return sorted({_name(f) for f in UFUNC_PRIMITIVES} | {_name(f) for f in FUNCTION_HANDLERS})


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
