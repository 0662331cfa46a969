"""Small helpers that declare primitives and register them with NumPy's dispatch.

``elementwise`` declares an elementwise function from its partial derivatives, so a
reader sees everything about ``sin`` in one line::

    elementwise(np.sin, lambda ans, x: np.cos(x), expr="sin({0})", texts=("cos({0})",))

It works for ufuncs and for plain NumPy functions alike (``np.sinc``).
"""

import numpy as np

from ..engine import bind
from ..fast import inplace
from ..primitive import FUNCTION_HANDLERS, UFUNC_PRIMITIVES, Primitive, Speed

__all__ = ["elementwise", "register", "implements", "handler_for", "no_out"]


def elementwise(function, *partials, impl=None, name=None, expr=None, texts=None, reads=None,
                singular=False, structural=None, complex_safe=False):
    """Declare an elementwise primitive from ``partial_i(ans, *args)`` = ∂ans/∂arg_i and
    register it for ``function`` (a ufunc or any NumPy function), so that
    ``function(traced)`` dispatches to it.

    ``reads`` names what the partials read, as in ``Primitive.needs`` but shared by all
    arguments: a tuple of argument positions, -1 for the output (None: everything).
    ``singular``: a partial can be infinite or NaN at finite inputs (see ``Primitive``);
    ``structural``: ``Primitive.structural_zeros``; ``complex_safe``: the partials hold for
    complex values too (``Primitive.complex_safe``).

    >>> import numpy as np, optad
    >>> p = elementwise(np.sinh, lambda ans, x: np.cosh(x), expr="sinh({0})", reads=(0,))
    >>> float(optad.grad(np.sinh)(0.0))
    1.0
    """
    needs = None if reads is None else (tuple(reads),) * len(partials)
    computes_into = isinstance(function, np.ufunc) and function.nout == 1 and (
        function.signature is None) and impl is None
    prim = Primitive(
        name or function.__name__, impl or function, partials=tuple(partials), needs=needs,
        explain=(expr, texts), singular=singular, structural_zeros=structural,
        complex_safe=complex_safe,
        speed=Speed(ufunc=function if computes_into else None,
                    vjps=tuple(inplace.vjp_of(p) for p in partials),
                    vjps_inplace=tuple(inplace.vjp_inplace_of(p) for p in partials),
                    jvps=tuple(inplace.jvp_of(p) for p in partials), uniform=True))
    return register(function, prim)


def register(function, prim):
    """Route ``function`` (a ufunc or a NumPy function) on traced values to ``prim``."""
    if isinstance(function, np.ufunc):
        UFUNC_PRIMITIVES[function] = prim
    else:
        FUNCTION_HANDLERS[function] = handler_for(prim)
    return prim


def implements(*numpy_functions):
    """Register the decorated handler for NumPy functions called on traced values."""
    def decorate(handler):
        for f in numpy_functions:
            FUNCTION_HANDLERS[f] = handler
        return handler
    return decorate


def handler_for(prim):
    """A handler that binds ``prim`` with the call's arguments unchanged."""
    def handler(*args, **kwargs):
        return bind(prim, args, kwargs)
    handler.primitive = prim
    return handler


def no_out(name, out):
    """Reject ``out=`` on traced calls: writing into a given array cannot be recorded."""
    if out is not None:
        from ..errors import TracerConversionError

        raise TracerConversionError(
            f"{name}(..., out=...) writes into an existing plain array, which optad cannot "
            f"record. Write y = {name}(...) instead."
        )
