"""``curve_fit``: SciPy's ``scipy.optimize.curve_fit`` with the exact Jacobian of the model.

SciPy's ``curve_fit`` takes ``jac(xdata, *params)``, the (M, N) Jacobian of
``model(xdata, *params)`` with respect to the N parameters, and itself applies the
``sigma`` weighting to it and builds ``pcov`` from it. We give it optad's Jacobian of
the model, so the fit and the covariance rest on exact derivatives instead of finite
differences; everything else (bounds, methods, ``nan_policy``, ``full_output``) is
SciPy's.

>>> import numpy as np, optimizers
>>> x = np.linspace(0.0, 4.0, 50)
>>> y = 3.0 * x / (0.5 + x)
>>> popt, pcov = optimizers.curve_fit(lambda s, vmax, km: vmax * s / (km + s), x, y,
...                                   p0=[1.0, 1.0])
>>> np.round(popt, 10)
array([3. , 0.5])
"""

import numpy as np
import scipy.optimize as so

import optad

from .errors import ArgumentTypeError, UnknownOptionError

__all__ = ["curve_fit", "model_jacobian"]


def model_jacobian(model, jit=False):
    """``jac(xdata, *params)``: the exact (M, N) Jacobian of ``model(xdata, *params)``
    (raveled to M values) with respect to the N parameters, in SciPy's ``curve_fit`` form.

    One optad recording of the model over the parameter vector; ``xdata`` is a constant.
    ``jit=True``: replayed by ``optad.jit`` (``xdata`` and the parameters are its inputs).

    >>> import numpy as np
    >>> jac = model_jacobian(lambda x, a, k: a * np.exp(k * x))
    >>> jac(np.array([0.0, 1.0]), 2.0, 0.0)
    array([[1., 0.],
           [1., 2.]])
    """
    def jacobian_at(xdata, p):
        n = np.shape(p)[0]

        def of_vector(q):
            return np.reshape(model(xdata, *[q[i] for i in range(n)]), (-1,))
        return optad.jacobian(of_vector)(p)

    replay = optad.jit(jacobian_at) if jit else jacobian_at

    def jac(xdata, *params):
        p = np.array(params, dtype=np.float64)
        return np.asarray(replay(xdata, p), dtype=np.float64).reshape(-1, p.size)

    return jac


def curve_fit(model, xdata, ydata, p0=None, sigma=None, absolute_sigma=False,
              check_finite=None, bounds=(-np.inf, np.inf), method=None, *,
              full_output=False, nan_policy=None, jit=False, **kwargs):
    """Fit ``model(xdata, *params)`` to ``ydata`` by SciPy's ``curve_fit`` with optad's exact
    Jacobian; returns ``(popt, pcov)`` exactly as SciPy does (with ``full_output=True``
    also ``infodict, mesg, ier``).

    Arguments mean what they mean in SciPy: ``p0`` (None: ones, one per parameter of
    ``model`` after ``xdata``), ``sigma`` (1-D: standard deviations of ``ydata``; 2-D: its
    covariance), ``absolute_sigma``, ``check_finite``, ``bounds``, ``method`` ("trf",
    "dogbox", "lm"; None: lm without bounds, trf with), ``nan_policy``, and ``**kwargs``
    for ``least_squares`` (trf, dogbox) or ``leastsq`` (lm). ``jac`` is refused: optad
    computes it. ``jit=True`` replays the Jacobian with ``optad.jit`` (for a model fitted
    many times or over many iterations; closures and globals of ``model`` are frozen).
    ``model`` must be written in NumPy on its parameters (optad traces it); it receives
    each parameter as a number.

    >>> import numpy as np
    >>> t = np.linspace(0.0, 2.0, 30)
    >>> y = 1.5 * np.exp(-0.7 * t) + 0.01 * np.cos(7.0 * t)      # a little structured noise
    >>> popt, pcov = curve_fit(lambda t, a, k: a * np.exp(-k * t), t, y, p0=[1.0, 1.0])
    >>> np.round(popt, 2), pcov.shape
    (array([1.5, 0.7]), (2, 2))
    """
    if "jac" in kwargs:
        raise UnknownOptionError("curve_fit takes no 'jac': optad computes the exact Jacobian "
                                 "of the model with respect to its parameters.")
    if not callable(model):
        raise ArgumentTypeError(f"curve_fit: model must be a callable model(xdata, *params); "
                                f"got {model!r}.")
    return so.curve_fit(model, xdata, ydata, p0=p0, sigma=sigma,
                        absolute_sigma=absolute_sigma, check_finite=check_finite,
                        bounds=bounds, method=method, jac=model_jacobian(model, jit=bool(jit)),
                        full_output=full_output, nan_policy=nan_policy, **kwargs)
