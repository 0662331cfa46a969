"""Small helpers that declare primitives and register them with NumPy's dispatch.

``elementwise`` builds both rules of an elementwise function from its partial
derivatives, so a reader sees everything about ``sin`` in one line::

    elementwise(np.sin, lambda ans, x: np.cos(x), expr="sin({0})", partials=("cos({0})",))
"""

import sys

import numpy as np

from ..engine import Traced, bind
from ..settings import config
from ..primitive import FUNCTION_HANDLERS, UFUNC_PRIMITIVES, Primitive


def _times_fresh(p, s):
    """``s * p``, written into ``p`` when ``p`` is a fresh array that only this call holds.

    Saves one full-size allocation per rule; the refcount test (local name + argument)
    proves nothing else can see ``p`` being overwritten.
    """
    if (config.refcounts and type(p) is np.ndarray and p.base is None
            and sys.getrefcount(p) == 2 and not isinstance(s, Traced)):
        shape = getattr(s, "shape", ())
        if shape == () or shape == p.shape:
            return np.multiply(p, s, out=p)
    return s * p


def _vjp_of(partial):
    if partial is None:
        return None
    return lambda g, ans, *args: _times_fresh(partial(ans, *args), g)


def _vjp_inplace_of(partial):
    if partial is None:
        return None
    return lambda g, ans, *args: np.multiply(g, partial(ans, *args), out=g)


def _jvp_of(partial):
    if partial is None:
        return None
    return lambda t, ans, *args: _times_fresh(partial(ans, *args), t)


def elementwise(ufunc, *partials, impl=None, name=None, expr=None, texts=None, reads=None):
    """Declare an elementwise primitive from ``partial_i(ans, *args)`` = ∂ans/∂arg_i.

    ``reads`` names what the partials read, as in ``Primitive.needs`` but shared by all
    arguments: a tuple of argument positions, -1 for the output (None: everything).
    Registers the primitive for ``ufunc`` so ``np.<ufunc>(traced)`` dispatches to it.
    """
    needs = None if reads is None else (tuple(reads),) * len(partials)
    prim = Primitive(name or ufunc.__name__, impl or ufunc,
                     tuple(_vjp_of(p) for p in partials), tuple(_jvp_of(p) for p in partials),
                     explain=(expr, texts), needs=needs,
                     vjps_inplace=tuple(_vjp_inplace_of(p) for p in partials), elementwise=True)
    prim.ufunc = ufunc
    UFUNC_PRIMITIVES[ufunc] = prim
    return prim


def ufunc_primitive(ufunc, prim):
    """Route ``ufunc`` on traced values to ``prim`` (which may have hand-written rules)."""
    if prim.ufunc is None and isinstance(ufunc, np.ufunc) and ufunc.nout == 1 and (
            ufunc.signature is None):
        prim.ufunc = ufunc   # the first registration names the ufunc that computes it
    UFUNC_PRIMITIVES[ufunc] = prim
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
