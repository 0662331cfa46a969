"""Convergence figure: f − f* (or f, or ‖∇f‖) against iterations, evaluations or seconds.

Layout: one figure, one subplot per problem on a grid (``ncols`` columns, default 3),
one line per method label in every subplot, a single legend under the grid. Each line is
the median over seeds, with a shaded min–max band when there are several seeds. A run
that ended before the others keeps its last value (a finished run stays where it
stopped); failed runs are left out and counted in the subplot's corner.

>>> from plots.records import example_records
>>> fig = convergence(example_records())
>>> [ax.get_title() for ax in fig.axes]
['booth (n=2)', 'rosenbrock (n=2)']
>>> fig.axes[0].get_yscale(), fig.axes[0].get_ylabel(), fig.axes[0].get_xlabel()
('log', 'f − f*', 'iterations')
"""

import math
import warnings

import numpy as np

from .records import (AXES, _axis_name, history_of, label_of, problem_key, problem_title,
                      records_of, references)
from .style import colors_for, new_figure

__all__ = ["convergence", "median_band"]

_EPS = np.finfo(float).eps
_MAX_GRID = 2000


def median_band(xs_list, ys_list, integer=False):
    """Median, min and max over seeds of step series, on a common grid.

    Each series holds its value from one x to the next; past its end it keeps its last
    value; before its start it is missing. Returns ``(grid, median, low, high)``.

    >>> g, med, lo, hi = median_band([[0, 1, 2], [0, 1]], [[4.0, 2.0, 1.0], [8.0, 4.0]], integer=True)
    >>> g.tolist(), med.tolist(), lo.tolist(), hi.tolist()
    ([0.0, 1.0, 2.0], [6.0, 3.0, 2.5], [4.0, 2.0, 1.0], [8.0, 4.0, 4.0])
    """
    xs_list = [np.asarray(x, dtype=float) for x in xs_list]
    ys_list = [np.asarray(y, dtype=float) for y in ys_list]
    pairs = [(x, y) for x, y in zip(xs_list, ys_list) if x.size and x.size == y.size]
    if not pairs:
        empty = np.zeros(0)
        return empty, empty, empty, empty
    if integer:
        grid = np.arange(0, max(x.max() for x, _ in pairs) + 1, dtype=float)
    else:
        grid = np.unique(np.concatenate([x for x, _ in pairs]))
    if grid.size > _MAX_GRID:
        grid = grid[np.unique(np.linspace(0, grid.size - 1, _MAX_GRID).astype(int))]
    table = np.full((len(pairs), grid.size), np.nan)
    for k, (x, y) in enumerate(pairs):
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        idx = np.searchsorted(x, grid, side="right") - 1
        ok = idx >= 0
        table[k, ok] = y[idx[ok]]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # nanmedian warns on all-NaN columns (before a series starts); those stay NaN.
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(table, axis=0)
        lo = np.nanmin(table, axis=0)
        hi = np.nanmax(table, axis=0)
    return grid, med, lo, hi


def _metric_for(y, f_ref, known, fvalues):
    """(kind, y label) for one problem. kind is 'gap', 'f' or 'grad_norm'."""
    if y == "grad_norm":
        return "grad_norm", "‖∇f‖"
    if y == "f":
        return "f", "f"
    if y == "gap" or known:
        return "gap", "f − f*" if known else "f − f_best"
    # auto with f* unknown: f itself when it stays positive, else the gap to the best found.
    finite = fvalues[np.isfinite(fvalues)]
    if finite.size and finite.min() > 0:
        return "f", "f"
    return "gap", "f − f_best"


def convergence(records, x="iterations", y="auto", problems=None, methods=None, ncols=3,
                title=None, xscale="linear", width=4.2, height=3.2):
    """Convergence of every method on every problem, one subplot per problem.

    ``records``: ``compare``'s records (or :func:`~plots.load_records` of its file), or
    your own ``minimize`` results: one, a list, or ``{"BFGS": r1, "adam": r2}`` (labels
    from the keys).

    ``x``: ``"iterations"``, ``"nfev"`` (function evaluations) or ``"time"`` (seconds).
    ``y``: ``"auto"`` (f − f* where f* is known; else f when it stays positive, else
    f − f_best, the best value any run found), ``"gap"``, ``"f"`` or ``"grad_norm"``.
    The y axis is logarithmic; a gap at or below rounding level (ε·max(1, |f*|)) is drawn
    at that floor. A problem is a name and a size (``rosenbrock`` with n = 2 and n = 10 get
    a subplot each). ``xscale="log"`` makes the x axis logarithmic too (symmetric-log, so the
    start at 0 stays visible): useful when fast and slow methods share a plot.
    ``problems`` (names, or ``(name, n)`` pairs) and ``methods`` (labels) select and
    order the subplots and lines.

    >>> from plots.records import example_records
    >>> fig = convergence(example_records(problems=("booth",)), x="nfev", y="grad_norm")
    >>> ax = fig.axes[0]
    >>> len(ax.get_lines()), ax.get_xlabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    (3, 'function evaluations', ['gd', 'adam(lr=0.01)', 'BFGS'])
    """
    x = _axis_name(x)
    if y not in ("auto", "gap", "f", "grad_norm"):
        raise ValueError(f"unknown y {y!r}; choose 'auto', 'gap', 'f' or 'grad_norm'.")
    records = records_of(records)
    if not records:
        raise ValueError("convergence: no records to plot.")
    by_problem = {}
    for r in records:
        by_problem.setdefault(problem_key(r), []).append(r)
    if problems is None:
        keys = list(by_problem)
    else:   # names select every size of that problem; (name, n) pairs one size
        keys = []
        for p in problems:
            found = [k for k in by_problem if k == p or k[0] == p]
            if not found:
                raise ValueError(f"convergence: no records for problem {p!r}; have "
                                 f"{sorted({k[0] for k in by_problem})}.")
            keys.extend(k for k in found if k not in keys)
    labels = list(dict.fromkeys(label_of(r) for r in records)) if methods is None else list(methods)
    style = colors_for(labels)
    refs = references(records)
    column, xlabel = AXES[x]
    nseeds = max(len({r.get("seed") for r in by_problem[k]}) for k in keys)

    ncols = max(1, min(ncols, len(keys)))
    nrows = math.ceil(len(keys) / ncols)
    fig = new_figure(width * ncols, height * nrows + (0.5 if len(keys) > 1 else 0.2),
                     layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    handles = {}
    for ax, key in zip(axes, keys):
        recs = by_problem[key]
        f_ref, known = refs.get(key, (0.0, False))
        fvals = np.concatenate([history_of(r, "f") for r in recs] or [np.zeros(0)])
        kind, ylabel = _metric_for(y, f_ref, known, fvals)
        failed = {}
        for label in labels:
            mine = [r for r in recs if label_of(r) == label]
            ok = [r for r in mine if r.get("status", "ok") == "ok" and history_of(r, "f").size]
            if len(ok) < len(mine):
                failed[label] = len(mine) - len(ok)
            if not ok:
                continue
            xs, ys = [], []
            for r in ok:
                xv = history_of(r, column)
                if kind == "grad_norm":
                    yv = history_of(r, "grad_norm")
                    floor = _EPS * max(1.0, np.nanmax(yv) if np.isfinite(yv).any() else 1.0)
                elif kind == "f":
                    yv = history_of(r, "f")
                    floor = None
                else:
                    yv = history_of(r, "f") - f_ref
                    floor = _EPS * max(1.0, abs(f_ref))
                if floor is not None:
                    yv = np.where(np.isfinite(yv), np.maximum(yv, floor), np.nan)
                if xv.size != yv.size:   # a history without this column: fall back to the index
                    xv = np.arange(yv.size, dtype=float)
                xs.append(xv)
                ys.append(yv)
            grid, med, lo, hi = median_band(xs, ys, integer=(x == "iterations"))
            color, ls = style.get(label, ("#333333", "-"))
            (line,) = ax.plot(grid, med, color=color, linestyle=ls, linewidth=1.6, label=label)
            if len(ok) > 1:
                ax.fill_between(grid, lo, hi, color=color, alpha=0.18, linewidth=0)
            handles.setdefault(label, line)
        _set_yscale(ax, kind, fvals)
        if xscale == "log":
            ax.set_xscale("symlog", linthresh=1.0 if x != "time" else 1e-3)
            ax.set_xlim(left=0)
        elif xscale != "linear":
            raise ValueError(f"xscale must be 'linear' or 'log'; got {xscale!r}.")
        ax.set_title(problem_title(key))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="major", alpha=0.3)
        if failed:
            text = "failed: " + ", ".join(f"{k} ×{v}" for k, v in failed.items())
            ax.text(0.98, 0.98, text, transform=ax.transAxes, ha="right", va="top",
                    fontsize=7, color="#aa0000")
    for ax in axes[len(keys):]:
        ax.set_axis_off()
    ordered = [lab for lab in labels if lab in handles]
    if len(keys) == 1:
        axes[0].legend([handles[k] for k in ordered], ordered, fontsize=8)
    else:
        fig.legend([handles[k] for k in ordered], ordered, loc="outside lower center",
                   ncol=min(len(ordered), 5), fontsize=9, frameon=False)
    band = f"median over {nseeds} seeds, band = min–max" if nseeds > 1 else "one seed"
    fig.suptitle(title or f"Convergence ({band})", fontsize=11)
    return fig


def _set_yscale(ax, kind, fvals):
    if kind == "f" and not (np.isfinite(fvals).any() and np.nanmin(fvals) > 0):
        ax.set_yscale("symlog", linthresh=1e-8)
    else:
        ax.set_yscale("log")
