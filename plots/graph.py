"""The computational graph of an ``optad.trace``, drawn with Matplotlib (no Graphviz needed).

Layered layout by depth: inputs in the left column, every other node one column to the
right of its deepest parent; within a column nodes are ordered by the mean height of
their parents (fewer crossing edges). Each node shows ``w_k = expression``, its value
and its adjoint w̄ (reverse mode) or tangent ẇ (forward mode); inputs are blue, the
output yellow.

The seed example: five node boxes and five edges (arrows are annotations too).

>>> import numpy as np, optad
>>> fig = draw_trace(optad.trace(lambda x1, x2: x1 * x2 + np.sin(x1), 2.0, 3.0))
>>> len(fig.axes[0].texts), layers(optad.trace(lambda x1, x2: x1 * x2 + np.sin(x1), 2.0, 3.0))
(10, {'w1': 0, 'w2': 0, 'w3': 1, 'w4': 1, 'w5': 2})
"""

import re

from .style import new_figure

__all__ = ["draw_trace", "layers"]

_INPUT, _OUTPUT, _OTHER = "#cfe3f7", "#fff2b3", "#ffffff"


def layers(trace):
    """Depth of each node: 0 for inputs (and constants), else 1 + the deepest parent.

    >>> import numpy as np, optad
    >>> layers(optad.trace(lambda x: np.exp(np.sin(x)), 1.0))
    {'w1': 0, 'w2': 1, 'w3': 2}
    """
    depth = {}
    for r in trace.rows:   # rows are in evaluation order: parents come first
        depth[r.name] = 1 + max((depth.get(p, 0) for p in r.parents), default=-1)
    return depth


def _math_name(name, mark):
    m = re.fullmatch(r"([A-Za-z]+)(\d*)", name)
    if not m:
        return name
    sub = f"_{{{m.group(2)}}}" if m.group(2) else ""
    return f"$\\{mark}{{{m.group(1)}}}{sub}$"


def _positions(trace, depth):
    columns = {}
    for r in trace.rows:
        columns.setdefault(depth[r.name], []).append(r)
    pos = {}
    for d in sorted(columns):
        col = columns[d]
        if d > 0:   # barycentre of the parents' heights, stable for ties
            col = sorted(col, key=lambda r: -sum(pos[p][1] for p in r.parents if p in pos)
                         / max(1, sum(p in pos for p in r.parents)))
        for k, r in enumerate(col):
            pos[r.name] = (float(d), (len(col) - 1) / 2.0 - k)
    return pos, max(len(c) for c in columns.values()), max(columns)


def draw_trace(trace, title=None, fontsize=9):
    """Draw ``trace`` (an ``optad.Trace``) as a layered graph and return the Figure.

    >>> import numpy as np, optad
    >>> t = optad.trace(lambda x1, x2: x1 * x2 + np.sin(x1), 2.0, 3.0, mode="forward")
    >>> fig = draw_trace(t)
    >>> fig.axes[0].get_title()
    'f(x1, x2): forward mode, ẇ = tangent (seed ẋ1 = 1, ẋ2 = 0)'
    """
    depth = layers(trace)
    pos, height, width = _positions(trace, depth)
    forward = trace.mode == "forward"
    mark = "dot" if forward else "bar"
    fig = new_figure(max(3.5, 2.3 * (width + 1)), max(2.2, 1.05 * height + 0.8))
    ax = fig.add_subplot()
    ax.set_axis_off()
    boxes = {}
    for r in trace.rows:
        adj = r.adjoint if r.adjoint is not None else 0.0
        label = (f"{r.name} = {r.expr}\n= {trace.fmt(r.value)}\n"
                 f"{_math_name(r.name, mark)} = {trace.fmt(adj)}")
        color = _INPUT if r.is_input else _OUTPUT if r.is_output else _OTHER
        x, y = pos[r.name]
        boxes[r.name] = ax.text(x, y, label, ha="center", va="center", fontsize=fontsize,
                                family="DejaVu Sans", linespacing=1.35, zorder=3,
                                bbox=dict(boxstyle="round,pad=0.45", fc=color, ec="#444444"))
    for r in trace.rows:
        for p in r.parents:
            if p in boxes:
                # An edge that skips layers bends, so it passes beside the boxes in between.
                span = depth[r.name] - depth.get(p, 0)
                bend = 0.0 if span <= 1 else -0.12 if pos[p][1] >= pos[r.name][1] else 0.12
                ax.annotate("", xy=(0.0, 0.5), xycoords=boxes[r.name], xytext=(1.0, 0.5),
                            textcoords=boxes[p], zorder=2,
                            arrowprops=dict(arrowstyle="-|>", color="#555555", lw=1.0,
                                            shrinkA=6, shrinkB=6,
                                            connectionstyle=f"arc3,rad={bend}"))
    ax.set_xlim(-0.5, width + 0.5)
    ax.set_ylim(-(height - 1) / 2.0 - 0.5, (height - 1) / 2.0 + 0.5)
    inputs = ", ".join(trace.input_names)
    if title is None:
        if forward:
            title = f"f({inputs}): forward mode, ẇ = tangent (seed {trace.passes[0]})"
        else:
            title = f"f({inputs}): reverse mode, w̄ = adjoint (seed {trace.passes[0]})"
    ax.set_title(title, fontsize=fontsize + 1)
    return fig
