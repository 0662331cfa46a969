"""optimizers: gradient descent, Adam and SciPy's gradient methods on optad's exact gradients.

One entry point, :func:`minimize`, returning a ``scipy.optimize.OptimizeResult`` with a
per-iteration :class:`History`; the update rules :class:`GradientDescent` and
:class:`Adam` (``init``/``step``) for a loop of your own; :func:`compare` to run methods
over problems and seeds into a resumable JSON Lines file, whose run records
(:mod:`optimizers.records`: :func:`as_records`, :func:`method_label`, :func:`run_key`)
are the one format plots read. Least squares and equations the same way, SciPy's
solvers on optad's exact Jacobians: :func:`least_squares`, :func:`curve_fit`, :func:`root`.

>>> import numpy as np, optimizers
>>> res = optimizers.minimize(lambda x: np.sum((x - 3.0) ** 2), np.zeros(4))
>>> res.success, res.method, np.round(res.x, 6)
(True, 'L-BFGS-B', array([3., 3., 3., 3.]))
"""

from .adam import Adam, AdamState
from . import lsq_runs
from .compare import compare
from .curve_fit import curve_fit
from .errors import (ArgumentTypeError, ArgumentValueError, LineSearchError, UnknownMethodError,
                     UnknownOptionError)
from .gd import GDState, GradientDescent
from .history import History, LeastSquaresHistory
from .least_squares import least_squares
from .minimize import minimize
from .records import as_records, method_label, run_key
from .registry import methods
from .results_file import load_results
from .root import root
from .schedules import constant, cosine, exponential

__all__ = [
    "minimize", "least_squares", "curve_fit", "root", "methods", "compare", "load_results", "as_records", "method_label", "run_key",
    "History", "LeastSquaresHistory", "GradientDescent", "GDState", "Adam", "AdamState",
    "constant", "exponential", "cosine",
    "UnknownMethodError", "UnknownOptionError", "ArgumentTypeError", "ArgumentValueError",
    "LineSearchError",
]
