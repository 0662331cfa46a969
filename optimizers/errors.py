"""The errors ``optimizers`` raises itself; each says what was received and what is accepted.

>>> import optimizers
>>> try:
...     optimizers.minimize(lambda x: x @ x, [1.0, 2.0], method="newton")
... except optimizers.UnknownMethodError as e:
...     print(str(e).splitlines()[0])
Unknown method 'newton'.
"""

__all__ = ["UnknownMethodError", "UnknownOptionError", "LineSearchError"]


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
