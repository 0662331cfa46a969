"""Figures without windows, one colour per method label, and saving.

Every figure in ``plots`` is a bare :class:`matplotlib.figure.Figure` with an Agg
canvas attached: nothing goes through ``pyplot``, so no window can open and figures
are freed like any other object.

>>> fig = new_figure(4, 3)
>>> type(fig.canvas).__name__
'FigureCanvasAgg'
"""

import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["new_figure", "colors_for", "save_figure", "pixels"]

# Okabe–Ito-like qualitative palette first (colour-blind safe), then tab10 for more.
_PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
            "#000000", "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD"]
_LINESTYLES = ["-", "--", "-.", ":"]


def new_figure(width, height, **kwargs):
    """A Figure of ``width`` × ``height`` inches on an Agg canvas (never a window).

    >>> new_figure(2, 2).get_size_inches().tolist()
    [2.0, 2.0]
    """
    fig = Figure(figsize=(width, height), **kwargs)
    FigureCanvasAgg(fig)
    return fig


def colors_for(labels):
    """A stable ``{label: (colour, linestyle)}`` for method labels, in the order given.

    >>> colors_for(["gd", "adam"])["adam"]
    ('#D55E00', '-')
    """
    out = {}
    for k, label in enumerate(dict.fromkeys(labels)):
        out[label] = (_PALETTE[k % len(_PALETTE)],
                      _LINESTYLES[(k // len(_PALETTE)) % len(_LINESTYLES)])
    return out


def save_figure(fig, path, dpi=110):
    """Write ``fig`` to ``path`` (format from the extension: png, svg, pdf) and return the path.

    >>> import os, tempfile
    >>> p = save_figure(new_figure(1, 1), os.path.join(tempfile.mkdtemp(), "a.png"))
    >>> os.path.getsize(p) > 0
    True
    """
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def pixels(fig):
    """The rendered figure as an ``(H, W, 4)`` uint8 RGBA array (for tests and checks).

    >>> pixels(new_figure(1, 1, dpi=50)).shape
    (50, 50, 4)
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()
