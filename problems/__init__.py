"""problems: objectives with known optima for comparing optimizers.

Classic test functions, the Moré–Garbow–Hillstrom set (ACM TOMS 7(1), 1981) and
machine-learning objectives on seeded synthetic data, each a plain-NumPy function that
optad differentiates, with its standard start, known minimum and literature reference.

>>> import problems
>>> p = problems.get("rosenbrock")
>>> p.value(p.x0), p.f_star
(24.2..., 0.0)
>>> len(problems.names(tags="mgh"))
35
"""

from .problem import Minimum, Problem
from .registry import (DimensionError, UnknownProblemError, aliases, get, names, register,
                       suite, suites)
from . import classic, mgh_fixed, mgh_scalable, ml  # noqa: F401  (register the problems)

__all__ = ["Problem", "Minimum", "get", "names", "aliases", "suite", "suites", "register",
           "UnknownProblemError", "DimensionError"]
