"""``optad explain``: the step-by-step table of an expression typed on the command line.

The expression goes through the safe parser of :mod:`plots.expr` (never ``eval``); the
resulting NumPy function is traced by the real engine, ``optad.trace``.

>>> import io
>>> out = io.StringIO()
>>> explain_expression("x1*x2 + sin(x1)", "x1=2,x2=3", out=out)
0
>>> "6.909" in out.getvalue() and "2.584" in out.getvalue()
True
"""

import sys

import numpy as np

from .cliargs import UsageError, parse_assignments, split_items
from .expr import Expression, parse

__all__ = ["explain_expression", "CommandError", "forward_seed"]


class CommandError(UsageError):
    """A command-line mistake, reported as ``optad: error: ...`` with exit status 2.

    >>> str(CommandError("--at needs x2"))
    '--at needs x2'
    """


def forward_seed(spec, names, values):
    """The tangent seed for forward mode from ``--seed``: ``x1``, ``x1=1,x2=0.5`` or
    ``x=[0,1,0]``.

    A bare name gets tangent 1 (ones for an array: the directional derivative along
    ones), every other input 0; a list gives an array's tangent element by element
    (``x=[1,0,0]``: the Jacobian column of ``x[0]``).

    >>> forward_seed("x1", ["x1", "x2"], [2.0, 3.0])
    (1.0, 0.0)
    >>> forward_seed("x2=0.5", ["x1", "x2"], [2.0, 3.0])
    (0.0, 0.5)
    >>> forward_seed("x=[0,1]", ["x"], [np.array([2.0, 3.0])])
    (array([0., 1.]),)
    """
    if not split_items(spec):
        raise CommandError("--seed: name the variable to differentiate by, e.g. --seed x1.")
    given = {}
    for item in split_items(spec):
        key, eq, value = item.partition("=")
        key = key.strip()
        if key not in names:
            raise CommandError(f"--seed: {key!r} is not a variable of the expression "
                               f"(variables: {', '.join(names)}).")
        if eq:
            try:
                given[key] = parse_assignments(f"{key}={value}", "--seed")[key]
            except ValueError as err:
                raise CommandError(f"{err} Give a number, or a list for an array.") from None
        else:
            given[key] = 1.0
    seed = []
    for name, v in zip(names, values):
        t = given.get(name, 0.0)
        if np.ndim(t) == 0:
            seed.append(float(t) if np.ndim(v) == 0 else np.full(np.shape(v), float(t)))
        elif np.shape(t) != np.shape(v):
            raise CommandError(f"--seed: the tangent of {name} has shape {np.shape(t)}, but "
                               f"--at gives {name} shape {np.shape(v)}.")
        else:
            seed.append(t)
    return tuple(seed)


def explain_expression(text, at, mode=None, seed=None, dot=None, png=None, digits=4,
                       out=None):
    """Parse ``text``, trace it at ``at`` (``"x1=2,x2=3"``) and print the table; returns 0.

    ``mode`` is ``"reverse"`` (default) or ``"forward"`` (the default when ``seed`` is
    given). ``dot`` / ``png`` are paths for the graph in Graphviz DOT / as a picture.
    Raises :class:`CommandError` (or the parser's ``UnsafeExpressionError``) on bad input.

    >>> import io
    >>> out = io.StringIO()
    >>> _ = explain_expression("x1*x2 + sin(x1)", "x1=2,x2=3", seed="x1", out=out)
    >>> "ẇ5" in out.getvalue()
    True
    """
    import optad

    out = sys.stdout if out is None else out
    expr = parse(text)
    try:
        values = parse_assignments(at)
    except ValueError as err:
        raise CommandError(str(err)) from None
    missing = [v for v in expr.variables if v not in values]
    if missing:
        raise CommandError(f"--at needs a value for {', '.join(missing)} "
                           f"(e.g. --at {','.join(f'{v}=1' for v in expr.variables)}).")
    unused = [k for k in values if k not in expr.variables]
    if unused:
        raise CommandError(f"--at gives {', '.join(unused)}, which the expression does not use.")
    if not expr.variables:
        raise CommandError("the expression has no variables; nothing to differentiate.")
    if mode is None:
        mode = "forward" if seed else "reverse"
    if mode == "reverse" and seed:
        raise CommandError("--seed sets forward-mode tangents; use it with --mode forward.")
    names = list(values)                       # inputs in the order --at gives them
    fun = Expression(expr.text, expr.tree, names)
    args = [values[n] for n in names]
    tangents = forward_seed(seed, names, args) if (mode == "forward" and seed) else None
    try:
        with np.errstate(all="ignore"):
            trace = optad.trace(fun, *args, mode=mode, seed=tangents, digits=digits)
    except (ArithmeticError, TypeError, ValueError) as err:
        # optad's own errors subclass TypeError / ValueError and say what went wrong.
        raise CommandError(f"cannot evaluate the expression: {err}") from None
    print(f"f({', '.join(names)}) = {expr.text}\n", file=out)
    print(str(trace), file=out)
    if dot:
        with open(dot, "w", encoding="utf-8") as fh:
            fh.write(trace.to_dot())
        print(f"\nwrote {dot} (Graphviz DOT)", file=out)
    if png:
        from .graph import draw_trace
        from .style import save_figure

        save_figure(draw_trace(trace), png)
        print(f"{'' if dot else chr(10)}wrote {png}", file=out)
    return 0
