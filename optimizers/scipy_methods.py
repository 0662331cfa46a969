"""Running a SciPy method on optad's derivatives.

The objective goes to :func:`scipy.optimize.minimize` as ``jac=True`` (value and gradient
from one ``optad.value_and_grad`` pass, cached so SciPy's requests never recompute);
``hessp`` comes from ``optad.hvp`` and ``hess`` from ``optad.hessian`` for the methods that
use them; constraints given without a Jacobian get one from ``optad.jacobian``. SciPy's
callback feeds the :class:`~optimizers.driver.Run`, which keeps the history and stops
the run through :class:`~optimizers.messages.Halt`.

>>> import numpy as np
>>> from optimizers.objective import Objective
>>> from optimizers.driver import Run
>>> from optimizers.registry import lookup
>>> obj = Objective(lambda x: np.sum((x - 1.0) ** 2), np.zeros(3))
>>> res = run_scipy(lookup("BFGS"), obj, Run(obj), {})
>>> np.round(res.x, 6), len(Run(obj).history)
(array([1., 1., 1.]), 0)
"""

import numpy as np
import scipy.optimize as so

import optad

__all__ = ["run_scipy", "wrap_constraints"]

_FD = ("2-point", "3-point", "cs")


def run_scipy(method, objective, run, options, bounds=None, constraints=()):
    """Observe the start, then run SciPy's ``method`` until it ends or ``run`` halts it;
    returns SciPy's ``OptimizeResult`` (with flat ``x``)."""
    x0 = objective.x0.copy()
    run.record(objective.evaluate(x0))

    def callback(intermediate_result):
        x = intermediate_result
        if not isinstance(x, np.ndarray):       # TNC passes x itself
            x = intermediate_result["x"]        # (OptimizeResult.x costs 0.4 us, ["x"] 0.03)
        run.record(objective.evaluate(x))       # a cache hit: SciPy's iterates were evaluated

    extra = {}
    if method.second_order == "hessp":
        extra["hessp"] = objective.hessp
    elif method.second_order == "hess":
        extra["hess"] = objective.hess
    if method.bounds and bounds is not None:
        extra["bounds"] = bounds
    if method.constraints and constraints:
        extra["constraints"] = wrap_constraints(constraints, objective)
    return so.minimize(objective.value_and_grad, x0, method=method.name, jac=True,
                       callback=callback, options=options, **extra)


def wrap_constraints(constraints, objective):
    """SciPy constraints over the flat vector, with optad Jacobians where none was given.

    Dicts (``{"type", "fun", "args", "jac"}``) without ``"jac"`` and
    ``NonlinearConstraint``\\ s with a finite-difference ``jac`` get ``optad.jacobian``;
    functions receive ``x`` in the structure of ``x0``. Other constraint objects pass as is.

    >>> import numpy as np
    >>> from optimizers.objective import Objective
    >>> obj = Objective(lambda x: np.sum(x ** 2), np.ones(2))
    >>> (con,) = wrap_constraints({"type": "ineq", "fun": lambda x: x[0] * x[1] - 1}, obj)
    >>> con["jac"](np.array([2.0, 3.0]))
    array([3., 2.])
    """
    if isinstance(constraints, (dict, so.NonlinearConstraint, so.LinearConstraint)):
        constraints = [constraints]
    out = []
    for con in constraints:
        if isinstance(con, dict):
            con = dict(con)
            cargs = tuple(con.pop("args", ()))
            user_fun, user_jac = con["fun"], con.get("jac")
            con["fun"] = _flat_fun(user_fun, objective, cargs)
            con["jac"] = (_flat_fun(user_jac, objective, cargs) if callable(user_jac)
                          else _optad_jacobian(user_fun, objective, cargs))
            out.append(con)
        elif isinstance(con, so.NonlinearConstraint):
            jac = con.jac
            jac = (_optad_jacobian(con.fun, objective, ()) if isinstance(jac, str) and jac in _FD
                   else jac if isinstance(jac, str) else _flat_fun(jac, objective, ()))
            out.append(so.NonlinearConstraint(
                _flat_fun(con.fun, objective, ()), con.lb, con.ub, jac=jac, hess=con.hess,
                keep_feasible=con.keep_feasible))
        else:
            out.append(con)
    return out


def _flat_fun(fn, objective, cargs):
    unravel = objective.unravel
    return lambda x, *a: fn(unravel(x), *cargs, *a)


def _optad_jacobian(fn, objective, cargs):
    unravel = objective.unravel
    jac = optad.jacobian(lambda t: fn(t, *cargs))

    def flat_jacobian(x, *a):
        xt = unravel(np.asarray(x, dtype=np.float64))
        leaves, _ = optad.tree.flatten(jac(xt))
        first_input = optad.tree.flatten(xt)[0][0]
        out_shape = np.shape(leaves[0])[:np.ndim(leaves[0]) - np.ndim(first_input)]
        m = int(np.prod(out_shape))
        J = np.concatenate([np.reshape(leaf, (m, -1)) for leaf in leaves], axis=1)
        return J.ravel() if out_shape == () else J

    return flat_jacobian
