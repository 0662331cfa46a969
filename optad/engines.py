"""Which engine the transforms run on: the fast one, or the reference (``optad.reference()``).

The reference engine (:mod:`optad.ref`) is the plain specification; the fast engine
(:mod:`optad.fast`) is a layer of tricks over it, tested against it. A user who suspects
an AD bug can run any computation on the reference and compare:

>>> import numpy as np, optad
>>> f = lambda x: np.sum(np.sin(x) * x)
>>> x = np.linspace(0, 1, 5)
>>> with optad.reference():
...     slow = optad.grad(f)(x)
>>> np.allclose(slow, optad.grad(f)(x), rtol=1e-14)
True

The environment variable ``OPTAD_REFERENCE=1`` (read at import) makes the reference
the default of every thread.
"""

import contextlib
import os
import threading

from . import fast, ref

__all__ = ["reference", "using_reference", "reverse_trace", "forward_trace"]

#: The default of every thread, from OPTAD_REFERENCE at import.
DEFAULT_REFERENCE = os.environ.get("OPTAD_REFERENCE", "").strip().lower() not in (
    "", "0", "false", "no", "off")


class _Choice(threading.local):
    reference = DEFAULT_REFERENCE     # each thread starts from the default (a class attribute:
                                      # read without the cost of a missing-attribute lookup)


_choice = _Choice()


def using_reference():
    """Whether transforms in this thread run on the reference engine.

    >>> using_reference() == DEFAULT_REFERENCE
    True
    """
    return _choice.reference


@contextlib.contextmanager
def reference(on=True):
    """Run every transform in this thread on the reference engine inside the block
    (``reference(False)``: on the fast one).

    >>> import optad
    >>> with optad.reference():
    ...     float(optad.grad(lambda x: x ** 3)(2.0))
    12.0
    """
    before = using_reference()
    _choice.reference = bool(on)
    try:
        yield
    finally:
        _choice.reference = before


def reverse_trace():
    """A new reverse trace of this thread's engine.

    >>> import optad
    >>> with optad.reference():
    ...     type(reverse_trace()).__module__
    'optad.ref.reverse'
    """
    return ref.ReverseTrace() if _choice.reference else fast.ReverseTrace()


def forward_trace(lazy=False):
    """A new forward trace of this thread's engine (``lazy``: deferred primal values,
    for ``hvp``; the reference computes every value).

    >>> import optad
    >>> with optad.reference(False):
    ...     type(forward_trace()).__module__
    'optad.fast.forward'
    """
    return ref.ForwardTrace() if using_reference() else fast.ForwardTrace(lazy=lazy)
