"""``optad compare``: run a study (methods × problems × seeds), then table, results file, figures.

The study itself is ``optimizers.compare``; this module picks the defaults, resolves the
command line's names, and turns the records into the summary table and the figures.

Files written into the output folder:

- ``results.jsonl``: one record per run (``optimizers.compare``'s format);
- ``summary.txt``: the table printed on screen;
- ``convergence.<fmt>``: f − f* against iterations, one subplot per problem (both axes
  logarithmic, so methods that take 10 and 1000 iterations both show);
- ``convergence-nfev.<fmt>``: the same against function evaluations;
- ``performance-profile.<fmt>``, ``data-profile.<fmt>``: over all problem instances;
- ``trajectories-<problem>.<fmt>``: iterates on the contour map, for up to two 2-D problems.

>>> resolve_methods(None)[:2]
[('gd', {'line_search': True}), ('adam', {'lr': 0.01})]
"""

import os
import re
import sys
import warnings

import numpy as np

from .cliargs import UsageError, parse_spec, split_items
from .records import DEFAULT_TOL, records_of

__all__ = ["DEFAULT_METHODS", "SUITES", "resolve_problems", "resolve_methods", "run_study",
           "write_figures", "study_budget", "FIGURE_FORMATS"]

#: The methods of the built-in default study. Gradient descent takes its Armijo line search
#: (with the fixed default step it diverges on Rosenbrock) and Adam a step of 0.01 (with
#: 0.001 it barely moves in 1000 iterations), so that each method shows what it can do.
DEFAULT_METHODS = ("gd(line_search=True)", "adam(lr=0.01)", "BFGS", "L-BFGS-B", "Newton-CG")
#: Named problem sets ``--problems`` accepts besides single problem names.
SUITES = ("default", "classic", "mgh", "ml", "all")
FIGURE_FORMATS = ("png", "svg", "pdf")
MAX_TRAJECTORY_FIGURES = 2


def resolve_problems(spec=None):
    """Problems for a study from ``--problems`` text: names, ``name(n=10)``, or suite names.

    ``None`` means ``problems.suite("default")``. Names stay names and ``name(n=10)``
    becomes ``("name", {"n": 10})``, which ``optimizers.compare`` resolves with
    ``problems.get`` (in each worker process); a suite gives its ``Problem`` objects.

    >>> resolve_problems("rosenbrock(n=10), beale")
    [('rosenbrock', {'n': 10}), 'beale']
    """
    import problems

    if spec is None:
        return list(problems.suite("default"))
    out = []
    for item in split_items(spec):
        name, params = parse_spec(item)
        if name in SUITES and not params:
            out.extend(problems.suite(name))
        elif params:
            out.append((name, params))
        else:
            out.append(name)
    if not out:
        raise UsageError("--problems: no problem named.")
    return out


def resolve_methods(spec=None):
    """Methods for a study from ``--methods`` text: ``gd,adam(lr=0.01),BFGS``.

    >>> resolve_methods("gd, adam(lr=0.01)")
    ['gd', ('adam', {'lr': 0.01})]
    """
    out = []
    for item in split_items(spec) if spec is not None else DEFAULT_METHODS:
        name, options = parse_spec(item)
        out.append((name, options) if options else name)
    if not out:
        raise UsageError("--methods: no method named.")
    return out


def _check_methods(methods):
    """Names and options checked once, by the optimizers' registry (any case: ``bfgs``),
    exactly as ``compare`` will; a mistake is a usage error."""
    from optimizers.compare import check_methods

    try:
        check_methods(methods)
    except (ValueError, TypeError) as err:       # UnknownMethodError, UnknownOptionError, ...
        raise UsageError(f"--methods: {err}") from None


def _check_problems(items):
    """Every named problem built once (``problems.get``): unknown names and bad sizes are
    usage errors here, not failures in the workers."""
    import problems

    for p in items:
        if isinstance(p, (str, tuple)):
            name, params = (p, {}) if isinstance(p, str) else p
            try:
                problems.get(name, **params)
            except LookupError as err:
                text = err.args[0] if isinstance(err, KeyError) and err.args else err
                raise UsageError(f"--problems: {text} (`optad list` shows them; or a suite: "
                                 f"{', '.join(SUITES)})") from None
            except (ValueError, TypeError) as err:          # a bad size or parameter
                raise UsageError(f"--problems: {err}") from None


def _safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "problem"


def write_figures(records, out, formats=("png",), tol=DEFAULT_TOL, trajectories=True):
    """Draw the study's figures from ``records`` into folder ``out``; return the paths.

    >>> import tempfile
    >>> from plots.records import example_records
    >>> paths = write_figures(example_records(), tempfile.mkdtemp(), trajectories=False)
    >>> sorted(os.path.basename(p) for p in paths)[:2]
    ['convergence-nfev.png', 'convergence.png']
    """
    from .convergence import convergence
    from .profiles import data_profile, performance_profile
    from .style import save_figure

    records = records_of(records)
    figures = []
    if any(r.get("status", "ok") == "ok" for r in records):
        figures.append(("convergence", lambda: convergence(records, x="iterations",
                                                                 xscale="log")))
        figures.append(("convergence-nfev", lambda: convergence(records, x="nfev",
                                                                       xscale="log")))
        figures.append(("performance-profile", lambda: performance_profile(records, tol=tol)))
        figures.append(("data-profile", lambda: data_profile(records, tol=tol)))
    if trajectories:
        figures.extend(_trajectory_figures(records))
    paths = []
    for name, make in figures:
        fig = make()
        for fmt in formats:
            paths.append(save_figure(fig, os.path.join(out, f"{name}.{fmt}")))
    return paths


def _trajectory_figures(records):
    """Contour maps of up to two 2-D problems, drawn from the iterates in the records."""
    from .trajectories import trajectories

    # 2-D problems in study order (records come in study order) with iterates recorded.
    seen = []
    for r in records:
        name = r.get("problem")
        if (r.get("n") == 2 and name not in seen and r.get("status", "ok") == "ok"
                and (r.get("history") or {}).get("x")):
            seen.append(name)
    figs = []
    for name in seen[:MAX_TRAJECTORY_FIGURES]:
        def make(name=name):
            import problems
            p = problems.get(name)
            if p.n != 2:
                p = problems.get(name, n=2)
            mine = [r for r in records if r.get("problem") == name and r.get("n") == 2]
            return trajectories(p, records=mine)
        figs.append((f"trajectories-{_safe_name(name)}", make))
    return figs


def study_budget(max_iter=None):
    """The stopping budget of every run: ``optimizers.compare``'s default, ``maxiter`` replaced.

    >>> study_budget(50)["maxiter"]
    50
    """
    from optimizers.compare import DEFAULT_BUDGET

    budget = dict(DEFAULT_BUDGET)
    if max_iter is not None:
        budget["maxiter"] = int(max_iter)
    return budget


def run_study(problems=None, methods=None, seeds=(0,), max_iter=None, out="optad-out",
              workers=None, resume=False, formats=("png",), tol=DEFAULT_TOL, progress=True,
              trajectories=True, figures=True, stdout=None, jit=False):
    """Run the study, print the summary table, write results and figures; return the records.

    ``problems`` / ``methods`` are ``--problems`` / ``--methods`` text (``None``: the
    default study). ``max_iter`` replaces the iteration budget (default: compare's).
    ``workers``: ``None`` lets ``optimizers.compare`` size its process pool, 1 runs in
    this process. ``jit``: every run uses ``optad.jit`` (``--jit``). Without ``resume`` an old results file in ``out`` is replaced; with it,
    runs already there are kept and only the missing ones run.

    >>> run_study.__name__
    'run_study'
    """
    import optimizers
    import problems as _problems

    from .summary import summary_table

    stdout = sys.stdout if stdout is None else stdout
    problem_list = resolve_problems(problems)
    method_list = resolve_methods(methods)
    _check_methods(method_list)
    _check_problems(problem_list)
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad:
        raise UsageError(f"--format: {', '.join(bad)} not one of {', '.join(FIGURE_FORMATS)}.")
    if workers is not None and workers < 1:
        raise UsageError("--workers must be at least 1.")
    budget = study_budget(max_iter)
    os.makedirs(out, exist_ok=True)
    results = os.path.join(out, "results.jsonl")
    # A diverging run is recorded as failed by compare; NumPy's overflow warnings on the
    # way there (also in worker processes, which inherit these settings) are only noise.
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore",
                                                divide="ignore", under="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        records = optimizers.compare(method_list, problem_list, seeds=tuple(seeds),
                                     budget=budget, results=results, resume=resume,
                                     progress=progress, resolve=_problems.get, workers=workers,
                                     jit=jit)
    table = summary_table(records, tol=tol)
    print(table, file=stdout)
    with open(os.path.join(out, "summary.txt"), "w", encoding="utf-8") as fh:
        fh.write(table + "\n")
    paths = write_figures(records, out, formats, tol=tol, trajectories=trajectories
                          ) if figures else []
    spent = ", ".join(f"{k}={v:g}" for k, v in budget.items())
    print(f"\nsolved: f − f* ≤ {tol:g}·(f0 − f*) at some iteration (f* unknown: the best "
          f"value found). Budget per run: {spent}.", file=stdout)
    print(f"wrote {results}, {os.path.join(out, 'summary.txt')}", file=stdout)
    for p in paths:
        print(f"wrote {p}", file=stdout)
    return records
