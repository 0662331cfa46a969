"""The curve-fit example figure: rendered with Agg to a PNG, its axes say what they claim."""

import numpy as np
from matplotlib.image import imread

from plots.curve_fit_example import (PARAM_NAMES, TRUE_PARAMS, curve_fit_example,
                                     damped_oscillation, example_data)


def test_the_example_figure_shows_data_fit_and_residuals(tmp_path):
    path = tmp_path / "curve-fit.png"
    fig, popt, pcov = curve_fit_example(seed=0, path=path)
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"
    top, bottom = fig.axes
    assert (top.get_ylabel(), bottom.get_ylabel(), bottom.get_xlabel()) == \
        ("y", "residual / σ", "t")
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert labels[0].startswith("fit: a = ") and labels[1].startswith("true curve: a = 2")
    assert labels[2] == "data (±σ)"
    assert [t.get_text() for t in bottom.get_legend().get_texts()] == ["±2", "residual / σ"]
    # The plotted fit is the model at popt; the residual points are (y - fit) / σ.
    t, y, sigma = example_data(0)
    (fit_line,) = [ln for ln in top.get_lines() if ln.get_label().startswith("fit: ")]
    np.testing.assert_allclose(fit_line.get_ydata(),
                               damped_oscillation(fit_line.get_xdata(), *popt))
    (points,) = [ln for ln in bottom.get_lines() if ln.get_label() == "residual / σ"]
    z = points.get_ydata()
    np.testing.assert_allclose(z, (y - damped_oscillation(t, *popt)) / sigma)
    assert np.all(np.abs(popt - TRUE_PARAMS) < 4 * np.sqrt(np.diag(pcov)))
    assert len(PARAM_NAMES) == len(popt)
    img = imread(path)
    assert img.ndim == 3 and img.shape[0] > 300 and img.shape[1] > 400
    assert img[..., :3].std() > 0.04                      # not blank
