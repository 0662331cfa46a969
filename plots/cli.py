"""The ``optad`` command: ``compare``, ``list`` and ``explain``.

This is the one place that wires every layer together (``optad``, ``optimizers``,
``problems``, ``plots``). ``main(argv)`` returns the exit status instead of exiting, so
tests call it in-process: 0 success, 1 a failure while running, 2 a usage error.

>>> main(["explain", "x1*x2 + sin(x1)", "--at", "x1=2,x2=3"])   # doctest: +ELLIPSIS
f(x1, x2) = x1*x2 + sin(x1)
...
Gradient: ∂z/∂x1 = 2.584, ∂z/∂x2 = 2
0
"""

import argparse
import os
import sys
import textwrap

__all__ = ["main", "build_parser"]

_EPILOG_COMPARE = """\
examples:
  optad compare                                   the default study
  optad compare --problems rosenbrock,beale --methods "gd(momentum=0.9),BFGS" --seeds 3
  optad compare --problems mgh --max-iter 500 --out study/ --format png,svg
  optad compare --out study/ --resume             finish an interrupted study
"""

_EPILOG_EXPLAIN = """\
examples:
  optad explain "x1*x2 + sin(x1)" --at x1=2,x2=3
  optad explain "x1*x2 + sin(x1)" --at x1=2,x2=3 --mode forward --seed x1
  optad explain "exp(-x**2) * cos(pi*y)" --at x=0.5,y=1 --png graph.png --dot graph.dot

The expression is parsed, never run as Python: numbers, variables, pi, e,
+ - * / ** @, and the functions sin cos tan arcsin arccos arctan arctan2 sinh cosh
tanh exp log log1p expm1 sqrt abs sign square reciprocal hypot maximum minimum power
sum mean prod max min (asin acos atan atan2 ln as aliases).
"""


def _wrap(text):
    return textwrap.fill(text, width=78)


#: A float64 has at most 17 significant decimal digits; more would print noise.
MAX_DIGITS = 17


def _digits(text):
    """``--digits``: an integer from 1 to :data:`MAX_DIGITS` (argparse reports the error).

    >>> _digits("6")
    6
    """
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 1 <= value <= MAX_DIGITS:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 1 to {MAX_DIGITS}; got {text!r}")
    return value


def build_parser():
    """The argument parser of the ``optad`` command (one subparser per subcommand).

    >>> sorted(build_parser()._subparsers._group_actions[0].choices)
    ['compare', 'explain', 'list']
    """
    from .records import DEFAULT_TOL
    from .study import SUITES

    parser = argparse.ArgumentParser(
        prog="optad", description="Compare optimizers on test problems, plot their "
        "convergence, and show how reverse-mode AD computes a gradient, step by step.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    fmt = argparse.RawDescriptionHelpFormatter

    c = sub.add_parser("compare", help="run methods × problems × seeds; table, results, figures",
                       description=_wrap(
                           "Run every method on every problem for every seed, print a summary "
                           "table, and write results.jsonl and figures into the output folder. "
                           "With no options: the default study (problems.suite('default') × "
                           "gd with line search, adam(lr=0.01), BFGS, L-BFGS-B, Newton-CG)."),
                       epilog=_EPILOG_COMPARE, formatter_class=fmt)
    c.add_argument("--problems", metavar="LIST",
                   help="comma-separated problem names, name(n=10) for a size, or a suite: "
                        f"{', '.join(SUITES)} (default: the 'default' suite)")
    c.add_argument("--methods", metavar="LIST",
                   help="comma-separated methods, with options as name(key=value, ...), "
                        "e.g. \"gd(momentum=0.9),adam(lr=0.01),BFGS\" (default: "
                        "gd(line_search=True), adam(lr=0.01), BFGS, L-BFGS-B, Newton-CG)")
    c.add_argument("--seeds", metavar="N|LIST", default="1",
                   help="a count N (seeds 0..N-1) or a comma-separated list of seeds; seed 0 "
                        "is the standard start, others perturb it (default: 1)")
    c.add_argument("--max-iter", type=int, default=None, metavar="N",
                   help="iteration budget of every run (default: optimizers.compare's "
                        "DEFAULT_BUDGET: 1000, with gtol 1e-5)")
    c.add_argument("--out", default="optad-out", metavar="DIR",
                   help="output folder for results.jsonl, summary.txt and figures "
                        "(default: optad-out)")
    c.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes to run on; 1 runs in this process (default: a local "
                        "process pool)")
    c.add_argument("--resume", action="store_true",
                   help="keep the runs already in DIR/results.jsonl and run only the missing "
                        "ones (default: start afresh)")
    c.add_argument("--format", default="png", metavar="LIST",
                   help="figure formats, comma-separated from png, svg, pdf (default: png)")
    c.add_argument("--tol", type=float, default=DEFAULT_TOL,
                   help="solved test: f − f* ≤ TOL·(f0 − f*) (default: %(default)g)")
    c.add_argument("--no-trajectories", action="store_true",
                   help="skip the contour-map figures of 2-D problems")
    c.add_argument("--no-figures", action="store_true",
                   help="only the table and the results file")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.add_argument("--jit", action="store_true",
                   help="compute gradients with optad.jit (traced once per run, then replayed)")

    sub.add_parser("list", help="show the problems (n, f*, tags) and the methods",
                   description="Show the registered problems with their dimension, known "
                   "optimum and tags, the named suites, and every method name.")

    e = sub.add_parser("explain", help="the step-by-step forward and backward table of an "
                       "expression", description="Show the Wengert list of an expression "
                       "with its forward values and its adjoints (reverse mode) or tangents "
                       "(forward mode), as computed by optad's engine.",
                       epilog=_EPILOG_EXPLAIN, formatter_class=fmt)
    e.description = _wrap(e.description)
    e.add_argument("expression", help='e.g. "x1*x2 + sin(x1)"')
    e.add_argument("--at", required=True, metavar="NAME=VALUE,...",
                   help="the point, e.g. x1=2,x2=3 (a list such as x=[1,2] gives an array)")
    e.add_argument("--mode", choices=("reverse", "forward"), default=None,
                   help="reverse (adjoints; the default) or forward (tangents)")
    e.add_argument("--seed", metavar="NAME[=T],...",
                   help="forward mode: the tangent seed, e.g. x1 (1 for x1, 0 for the others)")
    e.add_argument("--dot", metavar="FILE", help="also write the graph in Graphviz DOT")
    e.add_argument("--png", metavar="FILE", help="also draw the graph to a picture (PNG, SVG "
                   "or PDF by the extension; no Graphviz needed)")
    e.add_argument("--digits", type=_digits, default=4, metavar="N",
                   help=f"significant digits, 1 to {MAX_DIGITS} (default: 4)")
    return parser


def _cmd_compare(args):
    from .cliargs import UsageError, parse_seeds, split_items
    from .study import run_study

    seeds = parse_seeds(args.seeds)
    if args.max_iter is not None and args.max_iter < 1:
        raise UsageError("--max-iter must be at least 1.")
    formats = [f.lower().lstrip(".") for f in split_items(args.format)]
    run_study(problems=args.problems, methods=args.methods, seeds=seeds,
              max_iter=args.max_iter, out=args.out, workers=args.workers,
              resume=args.resume, formats=formats, tol=args.tol, progress=not args.quiet,
              trajectories=not args.no_trajectories, figures=not args.no_figures,
              jit=args.jit)
    return 0


def _cmd_list(args):
    import optimizers
    import problems

    from .study import SUITES

    rows, default_n = [], {}
    for name in problems.names():
        p = problems.get(name)
        default_n[name] = p.n
        f_star = "?" if p.f_star is None else f"{p.f_star:.6g}"
        rows.append((name, str(p.n), f_star, ", ".join(p.tags or ())))
    head = ("problem", "n", "f*", "tags")
    widths = [max(len(r[k]) for r in rows + [head]) for k in range(3)]
    print(f"{head[0]:<{widths[0]}}  {head[1]:>{widths[1]}}  {head[2]:>{widths[2]}}  {head[3]}")
    for r in rows:
        print(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
    print(f"\n{len(rows)} problems. Suites (for --problems):")
    for s in SUITES:
        try:
            members = [p.name if default_n.get(p.name) == p.n else f"{p.name}(n={p.n})"
                       for p in problems.suite(s)]
        except (KeyError, ValueError):
            continue
        shown = ", ".join(members[:8]) + (", ..." if len(members) > 8 else "")
        print(f"  {s:<8} {len(members):>3}  {shown}")
    print("\nMethods (for --methods; options as name(key=value, ...)):")
    print("  " + ", ".join(optimizers.methods()))
    print("  least squares, on problems with residuals (the MGH set): "
          + ", ".join(optimizers.lsq_runs.LSQ_NAMES))
    return 0


def _cmd_explain(args):
    from .explain_cmd import explain_expression

    return explain_expression(args.expression, args.at, mode=args.mode, seed=args.seed,
                              dot=args.dot, png=args.png, digits=args.digits)


def main(argv=None):
    """Run the ``optad`` command with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Usage errors (and unsafe expressions) print ``optad COMMAND: error: ...`` on stderr
    and return 2; anything else that goes wrong is optad's fault, not the user's: it is
    reported as an internal error, with its traceback, and returns 1.

    >>> main(["explain", "__import__('os')", "--at", "x=1"])
    2
    """
    from optad.errors import OptadError

    from .cliargs import UsageError
    from .expr import UnsafeExpressionError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:       # --help or a usage error: argparse already printed
        return int(stop.code or 0) if not isinstance(stop.code, str) else 2
    handler = {"compare": _cmd_compare, "list": _cmd_list, "explain": _cmd_explain}
    try:
        status = handler[args.command](args)
        sys.stdout.flush()      # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        # The reader went away (`optad list | head`). As Python's documentation on SIGPIPE
        # recommends: point stdout at devnull so the flush at exit cannot fail again, and
        # end quietly with status 1.
        _silence_stdout()
        return 1
    except (UsageError, UnsafeExpressionError) as err:
        print(f"optad {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OptadError as err:
        print(f"optad {args.command}: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("optad: interrupted (a study resumes with --resume)", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - a bug of ours: say so, never blame the user
        import traceback

        traceback.print_exc(file=sys.stderr)
        print(f"optad {args.command}: internal error ({type(err).__name__}: {err}). This is "
              "a bug in optad, not a mistake in the command; please report it with the "
              "traceback above.", file=sys.stderr)
        return 1


def _silence_stdout():
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return              # not a real file (a test's capture): nothing will flush to a pipe
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
