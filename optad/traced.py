"""Traced values: what a transform hands to the user's function in place of its inputs.

A :class:`Traced` holds a raw value (or a traced value of an outer transform), the trace
it belongs to, and that trace's bookkeeping. It knows nothing about derivatives; its
operators and NumPy protocols are attached in :mod:`optad.dispatch`.

>>> import optad, numpy as np
>>> seen = []
>>> _ = optad.grad(lambda x: seen.append(type(x).__name__) or np.sum(x))(np.ones(2))
>>> seen
['TracedArray']
"""

import numpy as np

__all__ = ["Traced", "TracedArray", "traced", "is_array", "value_of", "peek", "data_of", "plain",
           "decide", "read", "is_jit", "carries_derivative", "broadcast", "is_view"]


class Traced:
    """A value recorded by a transform; NumPy code runs on it unchanged.

    ``_value`` is the raw value (or a traced value of an outer transform), ``_trace`` the
    trace it belongs to, ``_aux`` the trace's bookkeeping: the tape index in reverse
    mode, the tangent in forward mode. Operators and the NumPy protocols are attached in
    :mod:`optad.dispatch`.

    >>> from optad.ref import ReverseTrace
    >>> with ReverseTrace() as tr:
    ...     t = tr.new_input(2.0)
    ...     print(isinstance(t * 3.0, Traced), value_of(t * 3.0))
    True 6.0
    """

    __slots__ = ("_value", "_trace", "_aux")

    def __init__(self, value, trace, aux):
        self._value = value
        self._trace = trace
        self._aux = aux


class TracedArray(Traced):
    """A traced array (0-d arrays included): it also indexes, is written into, views and
    iterates, as an ndarray does.

    Kept apart from scalar :class:`Traced` values on purpose: NumPy treats any object with
    ``__getitem__`` as a sequence and would turn our clear error for ``a[0] = traced_scalar``
    into "setting an array element with a sequence" (which a 0-d traced array does get).
    """

    # A traced array NumPy would have made a view of another has ``_base`` (that array)
    # and ``_how`` (how the view was taken) set; a write into either reaches the other,
    # as in NumPy (optad.views). Unset on other arrays: no cost where nothing is a view.
    # Its views link back to it weakly.
    __slots__ = ("_base", "_how", "__weakref__")


def traced(value, trace, aux):
    """A :class:`TracedArray` for an array value (0-d arrays included), else a :class:`Traced`."""
    return (TracedArray if is_array(value) else Traced)(value, trace, aux)


def is_array(value):
    """Whether a traced value of ``value`` is a :class:`TracedArray`: an array of any
    number of dimensions, 0 included. NumPy indexes a 0-d array, writes into it in place
    (``x += 1`` changes every name for it) and views it (``x.reshape(1)``), as any other
    array; a NumPy scalar (``np.float64``) is immutable and stays a :class:`Traced`.

    >>> is_array(np.array(1.5)), is_array(np.float64(1.5)), is_array(np.ones(2))
    (True, False, True)
    """
    return (bool(getattr(value, "shape", ())) or type(value) is np.ndarray
            or isinstance(value, TracedArray))


def is_view(x):
    """Whether ``x`` is a traced array that NumPy would have made a view of another.

    >>> import optad, numpy as np
    >>> seen = []
    >>> _ = optad.grad(lambda x: seen.append((is_view(x), is_view(x[1:]))) or np.sum(x))(np.ones(3))
    >>> seen
    [(False, True)]
    """
    return getattr(x, "_base", None) is not None


def value_of(x):
    """The plain value under any number of traces.

    This is a read of the *data*: under :func:`optad.jit` it is a guard (the program
    checks, on every replay, that the value read is still the same, and traces again if
    not). Read shapes and dtypes with :func:`peek`, and compute masks from traced values
    with :func:`plain`, so that the program recomputes them instead.

    >>> value_of(2.0)
    2.0
    """
    while isinstance(x, Traced):
        trace = x._trace
        if trace.guards_reads:
            return trace.read(x)
        x = x._value
    return x


def peek(x):
    """The plain value under any number of traces, for its *metadata* only (shape, ndim,
    size, dtype): never a guard under :func:`optad.jit`, whose signature fixes those. A
    decision that depends on the numbers must use :func:`value_of` (or :func:`decide`).

    >>> peek(2.0)
    2.0
    """
    while isinstance(x, Traced):
        x = x._value
    return x


def is_jit(x):
    """Whether ``x`` is a value of an :func:`optad.jit` trace (it holds its data itself).

    >>> is_jit(1.0)
    False
    """
    return isinstance(x, Traced) and x._trace.guards_reads


def carries_derivative(x):
    """Whether ``x`` is a traced value of a derivative transform (grad, jvp, ...): what
    rules mean by "traced again" (second derivatives). The values of :func:`optad.jit`'s
    own trace are plain data and carry none.

    >>> carries_derivative(1.0)
    False
    """
    return isinstance(x, Traced) and not x._trace.guards_reads


def data_of(x):
    """``x`` without the traces of derivative transforms: its plain value, or, under
    :func:`optad.jit`, the jit's traced value (so that what is computed from it is
    recorded in the program, not frozen).

    >>> data_of(3.0)
    3.0
    """
    while isinstance(x, Traced):
        if x._trace.guards_reads:
            return x
        x = x._value
    return x


def plain(fn, *args, **kwargs):
    """``fn`` applied to the data of ``args`` (:func:`data_of`): a result that carries no
    derivative (a mask, an index, a comparison). Under :func:`optad.jit` it is a step of
    the program, recomputed on every replay; elsewhere it is just ``fn(...)``.

    Arguments may be lists or tuples of traced values (one level).

    >>> plain(lambda a, b: a > b, 2.0, 1.0)
    True
    """
    jit = None
    vals = []
    for a in args:
        if isinstance(a, (list, tuple)):
            items = []
            for b in a:
                b = data_of(b)
                if isinstance(b, Traced):
                    jit = b._trace
                items.append(b)
            a = type(a)(items)
        else:
            a = data_of(a)
            if isinstance(a, Traced):
                jit = a._trace
        vals.append(a)
    if kwargs:
        kw = {}
        for k, v in kwargs.items():
            v = data_of(v)
            if isinstance(v, Traced):
                jit = v._trace
            kw[k] = v
        kwargs = kw
    if jit is None:
        return fn(*vals, **kwargs)
    return jit.record(fn, vals, kwargs)


def decide(fn, *args, **kwargs):
    """:func:`plain`, read as a plain value: a Python-side decision (``if``, a count).
    Under :func:`optad.jit` only its result is a guard (a bool, not the arrays it reads).

    >>> decide(lambda a: bool(a > 0), -1.0)
    False
    """
    return value_of(plain(fn, *args, **kwargs))


def read(x, convert):
    """``convert(value)`` of a traced value (``bool``, ``int``, ``operator.index``): a
    Python-side read of its data. Under :func:`optad.jit` the converted value is the guard.

    >>> read(2.5, int)
    2
    """
    x = data_of(x)
    if isinstance(x, Traced):
        return x._trace.read(x, convert)
    return convert(x)


def broadcast(value, shape):
    """``np.broadcast_to(value, shape)``, fast for plain scalars (a read-only stride-0 view).

    ``np.broadcast_to`` costs microseconds of Python per call; adjoints of sums are
    broadcast scalars on every backward pass, so this is on the hot path.

    >>> broadcast(2.0, (2, 3))
    array([[2., 2., 2.],
           [2., 2., 2.]])
    """
    kind = type(value)
    if kind is np.float64 or kind is float or (kind is np.ndarray and value.ndim == 0
                                               and value.dtype == np.float64):
        view = np.ndarray(shape, np.float64, np.array((value,)), 0, (0,) * len(shape))
        view.flags.writeable = False
        return view
    return np.broadcast_to(value, shape)
