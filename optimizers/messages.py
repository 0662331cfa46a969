"""Every way a run can stop, in one table: status code, success flag and message.

A run stopped by ``optimizers`` itself (a tolerance, a budget, a fault, the callback) gets
its ``status``, ``success`` and ``message`` from :data:`STOPS`; a SciPy method that ends
on its own keeps SciPy's status and message. Codes 0–3 and 99 mean what they mean in
SciPy; 4–6 are faults.

>>> status, success, message = stop_message("maxiter", maxiter=50)
>>> status, success, message
(1, False, 'Stopped: reached maxiter = 50 iterations.')
"""

__all__ = ["STOPS", "stop_message", "Halt"]

#: reason -> (status, success, message template)
STOPS = {
    "gtol": (0, True,
             "Converged: the largest gradient component, {grad_norm:.3g}, is at most "
             "gtol = {gtol:g}."),
    "ftol": (0, True,
             "Converged: the relative reduction of f in the last iteration, {reduction:.3g}, "
             "is at most ftol = {ftol:g}."),
    "maxiter": (1, False, "Stopped: reached maxiter = {maxiter} iterations."),
    "maxfev": (2, False, "Stopped: reached maxfev = {maxfev} function evaluations."),
    "max_time": (3, False, "Stopped: reached max_time = {max_time:g} s."),
    "nonfinite": (4, False,
                  "Stopped during iteration {iteration}: the objective's {what} is {bad} at an "
                  "evaluated point. Returning the best finite point seen (f = {fun:.6g})."),
    "error": (5, False,
              "Stopped during iteration {iteration}: the objective raised {error}. "
              "Returning the best finite point seen (f = {fun:.6g})."),
    "line_search": (6, False,
                    "Stopped during iteration {iteration}: the Armijo line search found no "
                    "sufficient decrease in {tries} backtracks (last trial step {step:.3g}); "
                    "f cannot be reduced further along this direction (rounding, or a wrong "
                    "gradient)."),
    "callback": (99, False,
                 "Stopped by the callback after iteration {iteration}: it {how}."),
}


def stop_message(reason, **fields):
    """``(status, success, message)`` for a stop ``reason`` (a key of :data:`STOPS`).

    >>> stop_message("callback", iteration=3, how="raised StopIteration")[2]
    'Stopped by the callback after iteration 3: it raised StopIteration.'
    """
    status, success, template = STOPS[reason]
    return status, success, template.format(**fields)


class Halt(Exception):
    """Internal: unwinds a run (a SciPy loop or ours) to :func:`minimize` with a stop reason.

    >>> Halt("maxfev").reason
    'maxfev'
    """

    def __init__(self, reason, **fields):
        super().__init__(reason)
        self.reason = reason
        self.fields = fields
