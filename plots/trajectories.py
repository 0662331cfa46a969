"""Trajectories of several methods on the contour map of a 2-D problem.

The iterates come from the run records: ``minimize`` keeps them in its history (the
``x`` column) for problems of up to ``optimizers.history.KEEP_X_MAX`` variables, and
``compare`` writes that history into its records, so a study's figures need no second
run. Without records, the methods are run once here (or ``paths`` gives the iterates).

>>> import numpy as np
>>> from types import SimpleNamespace
>>> bowl = SimpleNamespace(name="bowl", fun=lambda x: x[0] ** 2 + 4 * x[1] ** 2,
...                        x0=np.array([2.0, 1.0]), x_star=np.zeros(2))
>>> path = np.array([[2.0, 1.0], [1.0, 0.2], [0.1, 0.0], [0.0, 0.0]])
>>> ax = trajectories(bowl, paths={"gd": path}).axes[0]
>>> ax.get_xlabel(), ax.get_ylabel(), len(ax.get_lines())
('x₁', 'x₂', 1)
"""

import math

import numpy as np
from matplotlib.colors import Normalize

from .records import label_of, method_label, records_of
from .style import colors_for, new_figure

__all__ = ["trajectories", "collect_path", "paths_of", "DEFAULT_TRAJECTORY_METHODS"]

DEFAULT_TRAJECTORY_METHODS = ("gd", "adam", "BFGS", "Newton-CG")


def _spec(method):
    if isinstance(method, str):
        return method, {}
    name, options = method
    return name, dict(options or {})


def collect_path(problem, method, maxiter=200, **options):
    """Run ``method`` on ``problem`` via ``optimizers.minimize``; return its iterates.

    Returns ``(path, result)``: ``path`` is the ``(k, 2)`` history of iterates, from ``x0``.

    >>> import problems
    >>> path, res = collect_path(problems.get("booth"), "BFGS")
    >>> path[0].tolist(), path.shape[1], bool(res.success)
    ([0.0, 0.0], 2, True)
    """
    import optimizers

    name, opts = _spec(method)
    opts.update(options)
    x0 = np.asarray(problem.x0, dtype=float).ravel()
    # Unconstrained, as in a study: a problem's bounds describe its usual search domain.
    with np.errstate(all="ignore"):   # a diverging run stops itself; no overflow chatter
        result = optimizers.minimize(problem.fun, x0.copy(), method=name, maxiter=maxiter,
                                     **opts)
    return result.history.column("x"), result


def paths_of(records, problem=None):
    """``{label: (k, 2) iterates}`` from run records (or ``minimize`` results), one per
    label: the run of the lowest seed on ``problem`` (matched by name when both have one).

    >>> import numpy as np, optimizers
    >>> res = optimizers.minimize(lambda x: np.sum(x ** 2), np.ones(2), "BFGS")
    >>> paths_of({"BFGS": res})["BFGS"][0].tolist()
    [1.0, 1.0]
    """
    name = getattr(problem, "name", None)
    chosen = {}
    for r in records_of(records):
        xs = (r.get("history") or {}).get("x")
        if not xs or np.size(xs[0]) != 2:
            continue
        if name is not None and r.get("problem") not in (None, name):
            continue
        label = label_of(r)
        if label not in chosen or (r.get("seed") or 0) < (chosen[label].get("seed") or 0):
            chosen[label] = r
    return {label: np.array(r["history"]["x"], dtype=float) for label, r in chosen.items()}


def _grid_values(fun, X, Y):
    """f on the grid: one vectorised call when it provably agrees with pointwise calls."""
    def point(a, b):
        try:
            v = float(fun(np.array([a, b])))
        except (ArithmeticError, ValueError, TypeError):
            return math.nan
        return v if math.isfinite(v) else math.nan

    try:
        with np.errstate(all="ignore"):
            Z = np.asarray(fun(np.stack([X, Y])), dtype=float)
        if Z.shape == X.shape:
            rng = np.random.default_rng(0)
            idx = [tuple(rng.integers(0, s) for s in X.shape) for _ in range(6)]
            if all(np.isclose(Z[i], point(X[i], Y[i]), rtol=1e-9, atol=1e-12, equal_nan=True)
                   for i in idx):
                return np.where(np.isfinite(Z), Z, np.nan)
    except Exception:  # noqa: BLE001 - any failure just means: evaluate point by point
        pass
    with np.errstate(all="ignore"):
        return np.array([[point(a, b) for a, b in zip(xr, yr)] for xr, yr in zip(X, Y)])


def _extent(problem, paths):
    pts = [np.asarray(problem.x0, dtype=float).ravel()]
    x_star = getattr(problem, "x_star", None)
    if x_star is not None:
        pts.append(np.asarray(x_star, dtype=float).ravel())
    base = np.array(pts)
    lo, hi = base.min(axis=0), base.max(axis=0)
    size = np.maximum(hi - lo, 1.0)
    # Include the paths, but no further than 1.5 base sizes out (a diverging run leaves the
    # frame instead of shrinking the interesting part to a dot).
    for path in paths.values():
        p = np.asarray(path, dtype=float)
        p = p[np.all(np.isfinite(p), axis=1)]
        if p.size:
            lo = np.minimum(lo, np.maximum(p.min(axis=0), base.min(axis=0) - 1.5 * size))
            hi = np.maximum(hi, np.minimum(p.max(axis=0), base.max(axis=0) + 1.5 * size))
    pad = 0.15 * np.maximum(hi - lo, 1e-3)
    return lo - pad, hi + pad


def trajectories(problem, methods=DEFAULT_TRAJECTORY_METHODS, records=None, paths=None,
                 maxiter=200, grid=140, levels=24, title=None):
    """Iterates of several methods on the contour map of a 2-D problem.

    ``problem``: a ``problems.Problem`` (or its registered name), or any object with
    ``fun``, ``x0`` (and optionally ``x_star``, ``name``). The iterates come from
    ``records`` (``compare``'s records, or ``minimize`` results: one, a list or
    ``{label: result}``), one line per label (its lowest seed on this problem); else
    ``methods`` (names or ``(name, options)`` pairs) are run here, at most ``maxiter``
    iterations each; ``paths`` (``{label: (k, 2) array}``) gives them directly. Filled
    contours show log₁₀(f − f_min) over the frame; a dot marks the start, a star the
    known minimizer.

    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(fun=lambda x: (x[0] - 1) ** 2 + x[1] ** 2, x0=np.array([-1.0, 1.0]))
    >>> fig = trajectories(p, paths={"a": [[-1, 1], [1, 0]], "b": [[-1, 1], [0, 0], [1, 0]]})
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['a (1 steps)', 'b (2 steps)']
    """
    if isinstance(problem, str):
        import problems as _problems
        problem = _problems.get(problem)
    x0 = np.asarray(problem.x0, dtype=float)
    if x0.size != 2:
        raise ValueError(f"trajectories needs a 2-D problem; "
                         f"{getattr(problem, 'name', 'this one')} has n = {x0.size}.")
    if paths is None and records is not None:
        paths = paths_of(records, problem)
        if not paths:
            raise ValueError(
                f"trajectories: no 2-D run of {getattr(problem, 'name', 'this problem')} "
                "with iterates in these records (iterates are kept for problems of up to "
                "optimizers.history.KEEP_X_MAX variables).")
    if paths is None:
        paths = {}
        for m in methods:
            name, opts = _spec(m)
            path, _ = collect_path(problem, (name, opts), maxiter=maxiter)
            paths[method_label(name, opts)] = path
    paths = {k: np.asarray(v, dtype=float).reshape(-1, 2) for k, v in paths.items()}

    lo, hi = _extent(problem, paths)
    X, Y = np.meshgrid(np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid))
    Z = _grid_values(problem.fun, X, Y)
    fig = new_figure(6.4, 5.8, layout="constrained")
    ax = fig.add_subplot()
    if np.isfinite(Z).any():
        zmin = np.nanmin(Z)
        span = max(np.nanmax(Z) - zmin, 1e-12)
        L = np.log10(Z - zmin + 1e-6 * span)
        cs = ax.contourf(X, Y, L, levels=levels, cmap="Greys_r", alpha=0.55,
                         norm=Normalize(np.nanmin(L), np.nanmax(L)))
        ax.contour(X, Y, L, levels=levels, colors="k", linewidths=0.3, alpha=0.5)
        fig.colorbar(cs, ax=ax, label="log₁₀(f − f_min on this frame)", shrink=0.85)
    style = colors_for(list(paths))
    for label, path in paths.items():
        color, ls = style[label]
        ax.plot(path[:, 0], path[:, 1], color=color, linestyle=ls, marker="o", markersize=2.5,
                linewidth=1.4, alpha=0.9, label=f"{label} ({len(path) - 1} steps)")
    ax.scatter([x0.ravel()[0]], [x0.ravel()[1]], s=40, color="k", zorder=5, label="_start")
    x_star = getattr(problem, "x_star", None)
    if x_star is not None:
        xs = np.asarray(x_star, dtype=float).ravel()
        ax.scatter([xs[0]], [xs[1]], s=160, marker="*", color="gold", edgecolors="k",
                   zorder=6, label="_x*")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    # Below the map, so that no legend box hides a path or the minimizer.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=min(3, max(1, len(paths))),
              fontsize=8, frameon=False)
    name = getattr(problem, "name", None)
    ax.set_title(title or (f"{name}: " if name else "") + "iterates from x0 (●) toward x* (★)",
                 fontsize=10)
    return fig
