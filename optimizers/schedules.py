"""Learning-rate schedules for :class:`optimizers.Adam`: a function of the update count.

A schedule maps ``k = 0, 1, 2, ...`` (the number of updates already made, as in optax) to
the learning rate of update ``k + 1``.

>>> s = cosine(0.1, decay_steps=100)
>>> [round(s(k), 4) for k in (0, 50, 100, 200)]
[0.1, 0.05, 0.0, 0.0]
"""

import math

__all__ = ["constant", "exponential", "cosine", "make_schedule", "SCHEDULES"]


def constant(lr):
    """η_k = lr.

    >>> constant(0.01)(7)
    0.01
    """
    return lambda k: lr


def exponential(lr, decay_rate=0.999):
    """η_k = lr · decay_rate^k.

    >>> round(exponential(1.0, decay_rate=0.5)(3), 4)
    0.125
    """
    return lambda k: lr * decay_rate ** k


def cosine(lr, decay_steps=1000, alpha=0.0):
    """Cosine annealing (Loshchilov & Hutter, SGDR, ICLR 2017, without restarts):
    η_k = lr · (α + (1 − α) · ½ (1 + cos(π · min(k, T) / T))) with T = ``decay_steps``.

    >>> cosine(1.0, decay_steps=10)(5)
    0.5
    """
    def schedule(k):
        t = min(k, decay_steps) / decay_steps
        return lr * (alpha + (1.0 - alpha) * 0.5 * (1.0 + math.cos(math.pi * t)))
    return schedule


SCHEDULES = {"constant": constant, "exponential": exponential, "cosine": cosine}


def make_schedule(schedule, lr, decay_rate=0.999, decay_steps=1000):
    """The schedule function for a name in :data:`SCHEDULES` or a callable ``k -> lr``.

    >>> make_schedule("exponential", 0.1, decay_rate=0.9)(1)
    0.09000000000000001
    >>> make_schedule(lambda k: 1 / (k + 1), 0.1)(1)
    0.5
    """
    if callable(schedule):
        return schedule
    if schedule is None or schedule == "constant":
        return constant(lr)
    if schedule == "exponential":
        return exponential(lr, decay_rate)
    if schedule == "cosine":
        return cosine(lr, decay_steps)
    raise ValueError(f"Unknown schedule {schedule!r}; use one of {', '.join(SCHEDULES)}, or "
                     "a callable k -> learning rate.")
