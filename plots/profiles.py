"""Dolan–Moré performance profiles and Moré–Wild data profiles over a set of problems.

A *problem instance* is one (problem, seed) pair: each seed is its own starting point.
A method has solved an instance at the first recorded point that passes the solved test
of :mod:`plots.records` (``f − f_ref ≤ tol·(f0 − f_ref)``, f_ref = f* where known, else the
best value any run found). A failed or missing run never solves.

- Performance profile (Dolan and Moré, Math. Program. 91, 2002): for each method, the
  fraction of instances it solved within a factor τ of the cheapest method on that
  instance, against τ on a log₂ axis.
- Data profile (Moré and Wild, SIAM J. Optim. 20(1), 2009): the fraction of instances
  solved within a budget of κ·(n+1) function evaluations (κ "simplex gradients"), or of
  κ evaluations with ``per_dimension=False``.

>>> from plots.records import example_records
>>> fig = performance_profile(example_records())
>>> ax = fig.axes[0]
>>> ax.get_xscale(), len(ax.get_lines())
('log', 3)
"""

import math

import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter

from .records import (AXES, DEFAULT_TOL, _axis_name, label_of, problem_key, records_of,
                      references, solved_cost, start_values)
from .style import colors_for, new_figure

__all__ = ["cost_table", "performance_profile", "data_profile", "solved_text"]

_PLAIN = FuncFormatter(lambda v, _: f"{v:g}")
_UNIT = {"iterations": 1.0, "nfev": 1.0, "time": 1e-6}


def solved_text(tol):
    """The solved test in words, as the profile titles print it.

    >>> solved_text(1e-6)
    'solved: f − f* ≤ 1e-06·(f0 − f*)'
    """
    return f"solved: f − f* ≤ {tol:g}·(f0 − f*)"


def cost_table(records, measure="nfev", tol=DEFAULT_TOL):
    """``(labels, instances, costs)``: the cost to solve each (problem, seed) per method label.

    ``costs[i, s]`` is the ``measure`` (iterations, nfev or time) spent by method ``s``
    until it solved instance ``i``, ``inf`` if it never did; ``instances`` are
    ``(problem, seed, n)`` triples.

    >>> from plots.records import example_records
    >>> labels, inst, c = cost_table(example_records(problems=("booth",), seeds=(0,)), tol=0.1)
    >>> labels, inst, c.tolist()
    (['gd', 'adam(lr=0.01)', 'BFGS'], [('booth', 2, 0)], [[5.0, 12.0, 3.0]])
    """
    measure = _axis_name(measure)
    records = records_of(records)
    refs = references(records)
    labels = list(dict.fromkeys(label_of(r) for r in records))
    instances = list(dict.fromkeys(problem_key(r) + (r.get("seed"),) for r in records))
    index = {inst: k for k, inst in enumerate(instances)}
    # The start value of an instance: the same x0 for every method, so take any run's.
    f0 = start_values(records)
    costs = np.full((len(instances), len(labels)), math.inf)
    col = {lab: k for k, lab in enumerate(labels)}
    for r in records:
        key = problem_key(r) + (r.get("seed"),)
        f_ref = refs.get(key[:2], (None, False))[0]
        if f_ref is None or key not in f0:
            continue
        c = solved_cost(r, f_ref, tol=tol, measure=measure, f0=f0[key])
        i, s = index[key], col[label_of(r)]
        costs[i, s] = min(costs[i, s], c)
    return labels, instances, costs


def _profile_axes(title, xlabel):
    fig = new_figure(7.6, 4.2, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of problems solved")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(title, fontsize=10)
    return fig, ax


def _draw_steps(ax, labels, values, xmax, xmin):
    style = colors_for(labels)
    for s, label in enumerate(labels):
        v = np.sort(values[:, s])
        finite = v[np.isfinite(v)]
        xs = np.concatenate([[xmin], finite, [xmax]])
        ys = np.concatenate([[0.0], np.arange(1, finite.size + 1) / v.size,
                             [finite.size / v.size]])
        # A point solved exactly at xmin counts from the start.
        ys[0] = np.count_nonzero(finite <= xmin) / v.size
        color, ls = style[label]
        ax.step(xs, ys, where="post", color=color, linestyle=ls, linewidth=1.6, label=label)
    # Beside the plot: profiles end at the right, where a legend inside would cover them.
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False)


def performance_profile(records, measure="nfev", tol=DEFAULT_TOL, title=None):
    """Dolan–Moré performance profile of every method label over the records' problems.

    ``measure``: the cost compared, ``"nfev"`` (default), ``"iterations"`` or ``"time"``.

    >>> from plots.records import example_records
    >>> ax = performance_profile(example_records(), measure="iterations").axes[0]
    >>> ax.get_ylabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('fraction of problems solved', ['gd', 'adam(lr=0.01)', 'BFGS'])
    """
    measure = _axis_name(measure)
    labels, instances, costs = cost_table(records, measure, tol)
    if not labels:
        raise ValueError("performance_profile: no records.")
    costs = np.maximum(costs, _UNIT[measure])
    best = costs.min(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.where(np.isfinite(best), costs / best, math.inf)
    finite = ratios[np.isfinite(ratios)]
    xmax = max(2.0, float(finite.max()) * 1.25) if finite.size else 2.0
    what = AXES[measure][1]
    fig, ax = _profile_axes(
        title or f"Performance profile over {len(instances)} problem instances "
                 f"({what}; {solved_text(tol)})",
        f"performance ratio τ ({what} ÷ fewest {what} on the problem)")
    _draw_steps(ax, labels, ratios, xmax, 1.0)
    ax.set_xscale("log", base=2)
    ax.set_xlim(1.0, xmax)
    ax.xaxis.set_major_formatter(_PLAIN)
    return fig


def data_profile(records, tol=DEFAULT_TOL, per_dimension=True, title=None, xscale="log"):
    """Moré–Wild data profile: fraction of problems solved against the evaluation budget.

    The budget axis is κ = nfev / (n + 1) (simplex gradients) when ``per_dimension``,
    else raw function evaluations; logarithmic by default (``xscale="linear"`` as in
    the paper).

    >>> from plots.records import example_records
    >>> ax = data_profile(example_records(), per_dimension=False).axes[0]
    >>> ax.get_xlabel(), len(ax.get_lines())
    ('budget (function evaluations)', 3)
    """
    labels, instances, costs = cost_table(records, "nfev", tol)
    if not labels:
        raise ValueError("data_profile: no records.")
    if per_dimension:
        dims = np.array([(inst[1] or 1) + 1 for inst in instances], dtype=float)[:, None]
        budgets = costs / dims
        xlabel = "budget κ (function evaluations ÷ (n + 1))"
    else:
        budgets = costs
        xlabel = "budget (function evaluations)"
    finite = budgets[np.isfinite(budgets)]
    xmin = float(finite.min()) if finite.size else 1.0
    xmax = float(finite.max()) * 1.25 if finite.size else 2.0
    if xscale == "log":
        xmin = min(xmin, 1.0 if not per_dimension else xmin) * 0.8
    else:
        xmin = 0.0
    xmax = max(xmax, xmin * 2 if xmin > 0 else 1.0)
    fig, ax = _profile_axes(
        title or f"Data profile over {len(instances)} problem instances ({solved_text(tol)})",
        xlabel)
    _draw_steps(ax, labels, budgets, xmax, xmin)
    ax.set_xscale(xscale)
    ax.set_xlim(xmin, xmax)
    if xscale == "log":
        ax.xaxis.set_major_formatter(_PLAIN)
        ax.xaxis.set_minor_formatter(NullFormatter())
    return fig
