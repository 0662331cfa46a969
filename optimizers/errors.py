"""The errors ``optimizers`` raises itself; each says what was received and what is accepted.

>>> import optimizers
>>> try:
...     optimizers.minimize(lambda x: x @ x, [1.0, 2.0], method="newton")
... except optimizers.UnknownMethodError as e:
...     print(str(e).splitlines()[0])
Unknown method 'newton'.
"""

__all__ = ["UnknownMethodError", "UnknownOptionError", "ArgumentTypeError", "ArgumentValueError",
           "LineSearchError"]


class UnknownMethodError(ValueError):
    """A method name that :func:`optimizers.methods` does not list.

    >>> issubclass(UnknownMethodError, ValueError)
    True
    """


class UnknownOptionError(TypeError):
    """An option the chosen method does not take (a ``TypeError``, like an unexpected keyword).

    >>> import optimizers
    >>> try:
    ...     optimizers.minimize(lambda x: x @ x, [1.0], method="adam", learning_rate=0.1)
    ... except optimizers.UnknownOptionError as e:
    ...     print("lr" in str(e))
    True
    """


class ArgumentTypeError(TypeError):
    """An argument or option of the wrong type (a string for a number, a float for a count,
    a bool for a number), or an objective that returns no real number. The message names
    the argument, what it must be, and what was received.

    >>> import optimizers
    >>> try:
    ...     optimizers.minimize(lambda x: x @ x, [1.0], method="gd", maxiter=2.5)
    ... except optimizers.ArgumentTypeError as e:
    ...     print(e)
    minimize: maxiter must be an int >= 0; got 2.5 (a float).
    """


class ArgumentValueError(ValueError):
    """An argument or option of the right type outside its range (a negative ``maxiter``,
    ``max_time=0``, ``beta1=1``, a NaN tolerance).

    >>> import optimizers
    >>> try:
    ...     optimizers.minimize(lambda x: x @ x, [1.0], max_time=-1)
    ... except optimizers.ArgumentValueError as e:
    ...     print(e)
    minimize: max_time must be a number > 0; got -1.
    """


class LineSearchError(RuntimeError):
    """The Armijo backtracking found no step with sufficient decrease.

    Raised by :meth:`GradientDescent.step` in a user's own loop; :func:`minimize` turns it
    into a stop with ``success=False`` and a message.

    >>> issubclass(LineSearchError, RuntimeError)
    True
    """

    def __init__(self, message, tries=0, step=0.0):
        super().__init__(message)
        self.tries = tries
        self.step = step
