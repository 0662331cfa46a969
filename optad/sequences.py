"""Lists and tuples of traced values where NumPy expects an array.

``np.dot([x[0], x[1]], y)`` hands NumPy's dispatch a list holding traced values. NumPy
would turn it into a plain array, dropping their gradients; optad stacks it instead,
with the traced ``np.stack`` (nested lists level by level), exactly the array
``np.array`` would have built. This runs in :mod:`optad.dispatch` for every NumPy
function and ufunc call that reaches optad, before its handler.

What NumPy's protocols cannot show optad: a call whose *only* traced values sit inside
a list (``np.mean([a, b])``, ``np.array([a, b])``) never reaches ``__array_function__``
(NumPy looks for overrides in the arguments, not inside lists, and ``np.array`` has no
override protocol at all). Such calls are refused when NumPy converts the traced values,
with the rewrite: ``np.mean(np.stack([a, b]))``, or ``import optad.numpy as np``, whose
functions run :func:`stack_sequences` before calling NumPy's (:mod:`optad.numpy`).

>>> import numpy as np, optad
>>> optad.grad(lambda x: np.dot([x[0], 2.0 * x[1]], x))(np.array([1.0, 2.0]))
array([2., 8.])
"""

import numpy as np

from .traced import Traced, value_of

__all__ = ["stack_sequences", "as_array", "holds_traced", "plain_values"]

_SEQUENCE = (list, tuple)


def _functions(*names):
    return frozenset(getattr(np, n) for n in names if hasattr(np, n))


#: Functions with an argument that is a sequence *of arrays* (``np.concatenate([x, y])``):
#: its elements are stacked, not the sequence itself.
OF_ARRAYS = _functions("concatenate", "stack", "hstack", "vstack", "dstack", "column_stack",
                       "row_stack", "choose", "select", "piecewise", "lexsort") | {
    np.linalg.multi_dot}
#: Functions whose nested lists mean something else (``np.block``'s rows of blocks): left
#: to their own handlers.
UNTOUCHED = _functions("block")


def holds_traced(seq):
    """Whether a (nested) list or tuple holds a traced value.

    >>> holds_traced([1.0, (2.0, [3.0])])
    False
    """
    for item in seq:
        if isinstance(item, Traced) or (type(item) in _SEQUENCE and holds_traced(item)):
            return True
    return False


def as_array(seq):
    """A (nested) list or tuple holding traced values as one traced array, as ``np.array``
    would build it (same shape and dtype; plain entries become constants). Ragged input
    raises NumPy's own error.

    >>> as_array([1.0, 2.0])
    array([1., 2.])
    """
    parts = [as_array(item) if type(item) in _SEQUENCE else item for item in seq]
    if not any(isinstance(p, Traced) for p in parts):
        return np.asarray(parts)
    try:
        return np.stack(parts)
    except ValueError:
        # np.stack says "all input arrays must have the same shape"; NumPy's np.array
        # error for the same values ("inhomogeneous shape after 1 dimensions") is the
        # one the user's np.array([...]) would have met
        np.array(plain_values(seq))
        raise


def plain_values(obj):
    """``obj`` with every traced value inside (nested) lists and tuples replaced by its
    plain value.

    >>> plain_values([1.0, (2.0,)])
    [1.0, (2.0,)]
    """
    if type(obj) in _SEQUENCE:
        return type(obj)(plain_values(item) for item in obj)
    return value_of(obj)


def _stacked(value):
    return as_array(value) if type(value) in _SEQUENCE and holds_traced(value) else value


def _elements_stacked(value):
    if type(value) in _SEQUENCE:
        return type(value)(_stacked(item) for item in value)
    return value


def stack_sequences(func, args, kwargs):
    """``(args, kwargs)`` of a NumPy call with every list or tuple holding traced values
    stacked into a traced array (the elements of a sequence of arrays, for
    ``np.concatenate`` and its kind). The common call, with no list or tuple argument,
    costs one pass over the arguments.

    >>> stack_sequences(np.sum, ([1.0, 2.0],), {})
    (([1.0, 2.0],), {})
    """
    for a in args:
        if type(a) is list or type(a) is tuple:
            break
    else:
        if not kwargs or not any(type(v) in _SEQUENCE for v in kwargs.values()):
            return args, kwargs
    if func in UNTOUCHED:
        return args, kwargs
    convert = _elements_stacked if func in OF_ARRAYS else _stacked
    return (tuple(convert(a) for a in args),
            {k: convert(v) for k, v in kwargs.items()})
