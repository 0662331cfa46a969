"""A curve fit, shown: data, the fitted model and the residuals (the README's example).

A damped oscillation y = a e^(−k t) cos(ω t + φ) is fitted with
:func:`optimizers.curve_fit` (SciPy's ``curve_fit`` on optad's exact Jacobian) to
seeded noisy data with known standard deviations σ_i; the figure has the data with
±σ error bars, the true curve and the fit on top, and the normalized residuals
(y_i − model(t_i)) / σ_i below: for a good fit they scatter in [−2, 2] with no pattern.

>>> fig, popt, pcov = curve_fit_example()
>>> [ax.get_ylabel() for ax in fig.axes]
['y', 'residual / σ']
>>> np.round(popt, 1)
array([2.1, 0.3, 1.5, 0.5])
"""

import numpy as np

import optimizers

from .style import new_figure, save_figure

__all__ = ["damped_oscillation", "example_data", "curve_fit_figure", "curve_fit_example",
           "TRUE_PARAMS", "PARAM_NAMES"]

#: The parameters the example data are drawn from: a, k, ω, φ.
TRUE_PARAMS = (2.0, 0.3, 1.5, 0.5)
PARAM_NAMES = ("a", "k", "ω", "φ")


def damped_oscillation(t, a, k, w, phi):
    """a e^(−k t) cos(ω t + φ).

    >>> float(damped_oscillation(0.0, 2.0, 0.3, 1.5, 0.0))
    2.0
    """
    return a * np.exp(-k * t) * np.cos(w * t + phi)


def example_data(seed=0, n=80):
    """``(t, y, sigma)``: ``n`` points of the true curve on [0, 10] plus Gaussian noise of
    standard deviation σ_i = 0.05 + 0.01 t_i, from ``numpy.random.default_rng(seed)``.

    >>> t, y, sigma = example_data(n=5)
    >>> t.shape, bool(np.all(sigma > 0))
    ((5,), True)
    """
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 10.0, n)
    sigma = 0.05 + 0.01 * t
    y = damped_oscillation(t, *TRUE_PARAMS) + sigma * rng.standard_normal(n)
    return t, y, sigma


def curve_fit_figure(t, y, sigma, model, popt, pcov, truth=None, names=None):
    """Data (±σ error bars), the fit (and ``truth``, parameters of the true curve, if
    given) on top; residuals divided by σ below. Returns the Figure (Agg, no window).

    >>> t, y, s = example_data(n=20)
    >>> fig = curve_fit_figure(t, y, s, damped_oscillation, TRUE_PARAMS, np.eye(4) * 1e-4)
    >>> len(fig.axes), fig.axes[1].get_xlabel()
    (2, 't')
    """
    names = names or [f"p{i}" for i in range(len(popt))]
    fig = new_figure(7.0, 5.2)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    fine = np.linspace(np.min(t), np.max(t), 400)
    top.errorbar(t, y, yerr=sigma, fmt="o", ms=3.5, color="#7F7F7F", ecolor="#BBBBBB",
                 elinewidth=1, label="data (±σ)")
    err = np.sqrt(np.diag(pcov))
    fitted = ", ".join(f"{n} = {v:.3f} ± {e:.3f}" for n, v, e in zip(names, popt, err))
    top.plot(fine, model(fine, *popt), color="#0072B2", lw=2, label=f"fit: {fitted}")
    if truth is not None:       # drawn over the fit, dashed, so both stay visible
        top.plot(fine, model(fine, *truth), "--", color="#E69F00", lw=1.5,
                 label="true curve: " + ", ".join(f"{n} = {v:g}" for n, v in zip(names, truth)))
    top.set_ylabel("y")
    top.set_title("optimizers.curve_fit: exact Jacobian by optad", fontsize=11)
    top.legend(loc="upper right", fontsize=8)
    z = (y - model(t, *popt)) / sigma
    bottom.axhspan(-2.0, 2.0, color="#56B4E9", alpha=0.15, label="±2")
    bottom.axhline(0.0, color="black", lw=0.8)
    bottom.plot(t, z, "o", ms=3.5, color="#D55E00", label="residual / σ")
    # Room above the ±2 band for the legend.
    bottom.set_ylim(-max(3.0, 1.1 * np.max(np.abs(z))), max(4.5, 1.6 * np.max(np.abs(z))))
    bottom.set_xlabel("t")
    bottom.set_ylabel("residual / σ")
    bottom.legend(loc="upper right", fontsize=8, ncols=2)
    fig.align_ylabels([top, bottom])
    fig.tight_layout()
    return fig


def curve_fit_example(seed=0, path=None):
    """Fit the damped oscillation to :func:`example_data` with ``optimizers.curve_fit``
    (``sigma`` given, ``absolute_sigma=True``); returns ``(fig, popt, pcov)`` and saves
    the figure to ``path`` if given.

    >>> fig, popt, pcov = curve_fit_example(seed=1)
    >>> bool(np.all(np.abs(popt - TRUE_PARAMS) < 4 * np.sqrt(np.diag(pcov))))
    True
    """
    t, y, sigma = example_data(seed)
    popt, pcov = optimizers.curve_fit(damped_oscillation, t, y, p0=[1.0, 0.1, 1.4, 0.0],
                                      sigma=sigma, absolute_sigma=True)
    fig = curve_fit_figure(t, y, sigma, damped_oscillation, popt, pcov, truth=TRUE_PARAMS,
                           names=PARAM_NAMES)
    if path is not None:
        save_figure(fig, path)
    return fig, popt, pcov


if __name__ == "__main__":                          # python -m plots.curve_fit_example
    curve_fit_example(path="docs/curve-fit.png")
