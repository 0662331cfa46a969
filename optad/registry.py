"""What optad can differentiate: the registered ufuncs and NumPy functions.

>>> import optad
>>> "numpy.sin" in optad.supported() and "numpy.linalg.solve" in optad.supported()
True
"""

import importlib
import sys

import numpy as np

from .primitive import FUNCTION_HANDLERS, UFUNC_PRIMITIVES

__all__ = ["supported", "builtin", "load_scipy_families"]


def _name(f):
    name = getattr(f, "__name__", repr(f))
    if isinstance(f, np.ufunc):
        if getattr(np, name, None) is f:
            return f"numpy.{name}"
        special = sys.modules.get("scipy.special")
        return f"scipy.special.{name}" if getattr(special, name, None) is f else name
    module = getattr(f, "__module__", "") or ""
    public = ".".join(p for p in module.split(".") if not p.startswith("_"))
    return f"{public}.{name}" if public else name


def supported():
    """Sorted names of the NumPy/SciPy functions and ufuncs that work on traced values.

    Operators (``+ - * / ** @``, unary minus, indexing and slice assignment) work too.

    >>> "numpy.einsum" in supported()
    True
    """
    load_scipy_families()
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


#: Families of rules for SciPy functions: (the SciPy module whose import makes them
#: reachable, optad's module that declares them). Importing optad must not import SciPy,
#: so these load late, the first time they can be needed.
SCIPY_FAMILIES = (("scipy.special", "optad.prims.special"),)


def load_scipy_families():
    """Load optad's rules for SciPy's ufuncs once SciPy itself is loaded (never importing
    SciPy): called when a ufunc without a rule meets a traced value, before a user
    registers a rule for a ufunc (so a user's rule replaces optad's, as for NumPy's), and
    by :func:`supported`. Returns whether any family was loaded now.

    >>> import scipy.special, optad
    >>> _ = load_scipy_families()
    >>> "scipy.special.erf" in optad.supported()
    True
    """
    loaded = False
    for trigger, family in SCIPY_FAMILIES:
        if trigger in sys.modules and family not in sys.modules:
            importlib.import_module(family)
            loaded = True
    return loaded


def extend_builtin(ufuncs=(), functions=()):
    """Count these registrations as optad's own (a family loaded after optad's import).

    >>> import numpy as np
    >>> extend_builtin(ufuncs=(np.sin,)); np.sin in builtin()[0]
    True
    """
    global _BUILTIN
    if _BUILTIN is not None:
        _BUILTIN = (_BUILTIN[0] | frozenset(ufuncs), _BUILTIN[1] | frozenset(functions))
