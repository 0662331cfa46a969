"""Every error optad raises, in one voice: what happened, then what to do instead.

All of them subclass :class:`OptadError`, and also the built-in exception a user would
expect (``TypeError`` for a wrong kind of value, ``ValueError`` for a wrong value), so
``except TypeError`` keeps working.

>>> import optad, numpy as np
>>> try:
...     optad.grad(lambda x: x * 2)(np.ones(3))
... except optad.errors.NonScalarOutputError as e:
...     print(str(e).splitlines()[0])
grad needs a function with a scalar output; this one returned shape (3,).
"""


class OptadError(Exception):
    """Base class of every error raised by optad.

    >>> issubclass(TracerConversionError, OptadError)
    True
    """


class TracerConversionError(OptadError, TypeError):
    """A traced value was forced into a plain float or ndarray, which would drop its gradient.

    >>> import optad, numpy as np
    >>> def f(x):
    ...     a = np.zeros(2)
    ...     a[0] = x[0]          # writes a traced value into a plain array
    ...     return a.sum()
    >>> try:
    ...     optad.grad(f)(np.ones(2))
    ... except TracerConversionError:
    ...     print("caught")
    caught
    """


class UnsupportedFunctionError(OptadError, TypeError):
    """A NumPy/SciPy function or ufunc with no differentiation rule received a traced value.

    >>> import optad, numpy as np
    >>> try:
    ...     optad.grad(lambda x: np.sum(np.unwrap(x)))(np.ones(2))
    ... except UnsupportedFunctionError as e:
    ...     print(str(e).splitlines()[0])
    numpy.unwrap has no differentiation rule in optad.
    """


class NotDifferentiableError(OptadError, TypeError):
    """A traced value reached an argument that a primitive cannot differentiate (an index, say).

    >>> import optad, numpy as np
    >>> f = optad.primitive(lambda x: x * 2.0, name="twice")
    >>> try:
    ...     optad.grad(f)(1.0)
    ... except NotDifferentiableError as e:
    ...     print("defvjp" in str(e))
    True
    """


class NonScalarOutputError(OptadError, TypeError):
    """``grad`` was given a function whose output is not a scalar.

    >>> import optad
    >>> try:
    ...     optad.grad(lambda x: (x, x))(1.0)
    ... except NonScalarOutputError:
    ...     print("caught")
    caught
    """


class InputTypeError(OptadError, TypeError):
    """A transform received an input it cannot differentiate with respect to (integers, strings).

    >>> import optad, numpy as np
    >>> try:
    ...     optad.grad(lambda x: x.sum())(np.arange(3))
    ... except InputTypeError as e:
    ...     print("float" in str(e))
    True
    """


class ArgnumsError(OptadError, ValueError):
    """``argnums`` names an argument that the call does not have, or is not an int/tuple of ints.

    >>> import optad
    >>> try:
    ...     optad.grad(lambda x: x, argnums=2)(1.0)
    ... except ArgnumsError as e:
    ...     print(str(e).splitlines()[0])
    argnums=2 is out of range: the function was called with 1 positional argument(s).
    """


class ShapeError(OptadError, ValueError):
    """A seed, tangent or cotangent does not have the shape of the value it belongs to.

    >>> import optad, numpy as np
    >>> y, pullback = optad.vjp(lambda x: x * 2, np.ones(3))
    >>> try:
    ...     pullback(np.ones(2))
    ... except ShapeError:
    ...     print("caught")
    caught
    """


class ViewWriteError(OptadError, TypeError):
    """A write whose right side is a view overlapping the region it writes.

    ``d[::2] = d[:5]``: NumPy may read elements it has already overwritten, so its
    result depends on memory order; optad refuses instead of computing something else.
    Copy the right side first (``d[::2] = d[:5].copy()``). Writes into views, and views
    taken before a write, follow NumPy (:mod:`optad.views`).

    >>> import optad, numpy as np
    >>> def f(x):
    ...     d = x * 1.0
    ...     d[::2] = d[:2]
    ...     return np.sum(d)
    >>> try:
    ...     optad.grad(f)(np.ones(4))
    ... except ViewWriteError:
    ...     print("caught")
    caught
    """


class ComplexValueError(OptadError, TypeError):
    """A complex value where optad cannot differentiate it: a function with no complex
    rule (``np.sign`` of complex values), ``grad`` of a complex output, a Jacobian
    with respect to a complex input.

    >>> import optad, numpy as np
    >>> try:
    ...     optad.grad(lambda x: np.abs(np.sign(x * 1j)))(2.0)
    ... except ComplexValueError as e:
    ...     print(str(e).splitlines()[0])
    sign got a complex value inside a traced computation, and optad has no complex derivative rule for it (its rules hold for real values only).
    """


class LeakedTracerError(OptadError, RuntimeError):
    """A traced value escaped the transform that created it and was used after it ended.

    >>> import optad
    >>> kept = []
    >>> _ = optad.grad(lambda x: kept.append(x) or x)(1.0)
    >>> try:
    ...     kept[0] * 2
    ... except LeakedTracerError:
    ...     print("caught")
    caught
    """


class UnsupportedMethodError(UnsupportedFunctionError, AttributeError):
    """An ndarray method or attribute that traced arrays do not have (yet).

    Also an ``AttributeError``, so ``hasattr(x, "flags")`` and ``getattr(x, name, default)``
    keep working on traced values.

    >>> import optad, numpy as np
    >>> try:
    ...     optad.grad(lambda x: x.partition(1).sum())(np.ones(2))
    ... except UnsupportedMethodError as e:
    ...     print(str(e).splitlines()[0])
    x.partition() is not supported on traced arrays: numpy.partition has no differentiation rule in optad.
    """
