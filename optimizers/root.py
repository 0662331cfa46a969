"""``root``: SciPy's ``scipy.optimize.root`` with optad's exact Jacobian.

The two methods that use a Jacobian get optad's, by the form that costs least
(measured on Broyden tridiagonal, MGH 30, n = 10 and 100):

* ``"lm"`` (MINPACK ``lmder``) wants the Jacobian at nearly every point it evaluates, so
  it gets SciPy's ``jac=True`` form: one optad recording returns the residuals and the
  Jacobian together (6 recordings against 8 plain evaluations + 6 recordings).
* ``"hybr"`` (MINPACK ``hybrj``) updates its Jacobian by Broyden rank-one updates and
  asks for a fresh one rarely (2 Jacobians in 13 evaluations), so it gets a plain
  residual function and a separate Jacobian: with ``jac=True`` every one of its
  evaluations would record a full Jacobian (11 recordings, 2–6× slower here).

The other methods (``broyden1``, ``broyden2``, ``anderson``, ``linearmixing``,
``diagbroyden``, ``excitingmixing``, ``krylov``, ``df-sane``) use no Jacobian: they get
the residual function alone and behave exactly as SciPy's.

>>> import numpy as np, optimizers
>>> sol = optimizers.root(lambda x: np.stack([x[0] + 0.5 * (x[0] - x[1]) ** 3 - 1.0,
...                                           0.5 * (x[1] - x[0]) ** 3 + x[1]]), [0.0, 0.0])
>>> sol.success, np.round(sol.x, 6)
(True, array([0.841164, 0.158836]))
"""

import numpy as np
import scipy.optimize as so

import optad

from . import validate
from .errors import UnknownMethodError, UnknownOptionError
from .objective import flattener
from .residuals import _vector, replayed_value_and_jacobian

__all__ = ["root", "ROOT_OPTIONS"]

_QUASI_NEWTON = ("nit", "disp", "maxiter", "ftol", "fatol", "xtol", "xatol", "tol_norm",
                 "line_search", "jac_options")

#: method -> the options SciPy documents for it (``scipy.optimize.show_options("root")``),
#: less those that only shape finite differences, which optad replaces.
ROOT_OPTIONS = {
    "hybr": ("xtol", "maxfev", "factor", "diag"),
    "lm": ("xtol", "ftol", "gtol", "maxiter", "factor", "diag"),
    "broyden1": _QUASI_NEWTON, "broyden2": _QUASI_NEWTON, "anderson": _QUASI_NEWTON,
    "linearmixing": _QUASI_NEWTON, "diagbroyden": _QUASI_NEWTON,
    "excitingmixing": _QUASI_NEWTON, "krylov": _QUASI_NEWTON,
    "df-sane": ("ftol", "fatol", "fnorm", "maxfev", "disp", "eta_strategy", "sigma_eps",
                "sigma_0", "M", "line_search"),
}

_HABITS = {
    "jac": "optad computes the Jacobian (exactly, from your NumPy code) for hybr and lm.",
    "col_deriv": "optad's Jacobian comes by rows, as SciPy's default.",
    "eps": "there are no finite differences: optad computes the Jacobian.",
    "band": "there are no finite differences: optad computes the Jacobian.",
    "options": "pass the method's options as keywords, e.g. root(f, x0, 'hybr', xtol=1e-12).",
}


def root(fun, x0, method="hybr", *, args=(), tol=None, callback=None, jit=False, **options):
    """Find x with ``fun(x, *args) = 0`` by SciPy's ``root``, with optad's exact Jacobian.

    ``method``: any of SciPy's (``hybr``, ``lm``, ``broyden1``, ``broyden2``,
    ``anderson``, ``linearmixing``, ``diagbroyden``, ``excitingmixing``, ``krylov``,
    ``df-sane``); only ``hybr`` and ``lm`` use a Jacobian, and get optad's (the others
    run exactly as in SciPy). ``x0`` may be a pytree; ``fun`` receives that structure and
    ``sol.x`` has it; ``fun`` may return any shape (raveled). ``tol`` and ``callback`` as
    in SciPy (a callback gets the flat vector). ``**options``: the method's own options
    (``xtol``, ``maxfev``, ...; :data:`ROOT_OPTIONS`), passed as keywords; anything else
    is refused with the list of valid ones. ``jit=True`` (hybr and lm) replays the
    function and its Jacobian with ``optad.jit`` (``args`` are arguments of the replay,
    never frozen; closures and globals are).

    Returns SciPy's ``OptimizeResult`` (``x, success, status, message, fun``, and for
    hybr and lm ``nfev, njev``, ...).

    >>> import numpy as np
    >>> sol = root(lambda p: p["u"] ** 2 - 4.0, {"u": np.array([1.0, 3.0])}, method="lm")
    >>> np.round(sol.x["u"], 12)
    array([2., 2.])
    """
    if not (isinstance(method, str) and method.lower() in ROOT_OPTIONS):
        raise UnknownMethodError(f"Unknown root method {method!r}.\nValid methods: "
                                 f"{', '.join(ROOT_OPTIONS)}.")
    method = method.lower()
    valid = ROOT_OPTIONS[method]
    for k in options:
        if k not in valid:
            hint = _HABITS.get(k, f"its options are {', '.join(valid)}; and args, tol, "
                                  "callback for every method.")
            raise UnknownOptionError(f"root method {method!r} takes no {k!r}: {hint}")
    validate.check_arguments(fun, x0, callback, owner="root")
    if not isinstance(args, tuple):
        args = (args,)
    x0_flat, unravel, _ = flattener(x0)

    def flat_fun(x):
        return _vector(fun(unravel(x), *args), "root")

    jacobian = optad.jacobian(lambda v: np.reshape(fun(unravel(v), *args), (-1,)))
    extra = {}
    if jit and method in ("hybr", "lm"):
        flat = lambda v, *a: np.reshape(fun(unravel(v), *a), (-1,))      # noqa: E731
        replay_fun = optad.jit(flat)
        replay_both = replayed_value_and_jacobian(flat)

        def jitted_fun(x):
            return _vector(replay_fun(np.asarray(x, dtype=np.float64), *args), "root")

        def jitted_both(x):
            value, J = replay_both(np.asarray(x, dtype=np.float64), *args)
            return _vector(value, "root"), np.asarray(J, dtype=np.float64)

        if method == "lm":
            target, extra["jac"] = jitted_both, True
        else:
            target, extra["jac"] = jitted_fun, lambda x: jitted_both(x)[1]
    elif method == "lm":
        def fun_and_jac(x):
            seen = []

            def watched(v):
                out = fun(unravel(v), *args)
                seen.append(optad.stop_gradient(out))
                return np.reshape(out, (-1,))
            J = optad.jacobian(watched)(np.asarray(x, dtype=np.float64))
            return _vector(optad.value_of(seen[0]), "root"), np.asarray(J, dtype=np.float64)
        target, extra["jac"] = fun_and_jac, True
    elif method == "hybr":
        target = flat_fun
        extra["jac"] = lambda x: np.asarray(jacobian(np.asarray(x, dtype=np.float64)),
                                            dtype=np.float64)
    else:
        target = flat_fun
    sol = so.root(target, x0_flat.copy(), method=method, tol=tol, callback=callback,
                  options=options, **extra)
    sol.x = unravel(np.asarray(sol.x, dtype=np.float64))
    return sol
