"""The problem registry: look problems up by name, filter them by tag, iterate named sets.

Each family module registers a factory ``factory(n, **params) -> Problem`` with its name,
aliases, tags and dimension rule; nothing is built until asked for, so importing is cheap.

>>> import problems
>>> problems.get("helical_valley").name
'mgh07'
>>> "rosenbrock" in problems.names(tags="classic")
True
"""

from dataclasses import dataclass, field

import numpy as np

__all__ = ["get", "names", "aliases", "suite", "suites", "register",
           "UnknownProblemError", "DimensionError"]


class UnknownProblemError(LookupError):
    """A problem or suite name that the registry does not know; the message lists the known ones.

    >>> import problems
    >>> try:
    ...     problems.get("rosenbrok")
    ... except problems.UnknownProblemError as e:
    ...     print(str(e)[:40])
    unknown problem 'rosenbrok'; known probl
    """


class DimensionError(ValueError):
    """A dimension ``n`` (or ``m``) that the problem does not allow, with the rule it breaks.

    >>> import problems
    >>> try:
    ...     problems.get("beale", n=3)
    ... except problems.DimensionError as e:
    ...     print(e)
    beale has the fixed dimension n=2; got n=3.
    """


@dataclass
class _Entry:
    name: str
    factory: object
    tags: tuple
    aliases: tuple
    fixed_n: object            # int for fixed-dimension problems, else None
    default_n: object          # default for variable-dimension problems
    n_rule: object             # callable(n) -> error message or None, or None
    n_rule_text: str
    params: dict = field(default_factory=dict)


_REGISTRY = {}
_ALIASES = {}


def register(name, *, tags, n=None, default_n=None, n_rule=None, n_rule_text="n >= 1",
             aliases=(), params=None):
    """Register ``factory(n, **params) -> Problem`` under ``name`` (decorator).

    Give ``n`` for a fixed-dimension problem, or ``default_n`` (and optionally
    ``n_rule(n) -> message or None``) for a scalable one; ``params`` are the defaults of
    the other keyword parameters (``m``, a condition number, a data seed, ...).

    >>> import numpy as np
    >>> from problems.problem import Problem
    >>> @register("doc_bowl", tags=("doc",), default_n=2)
    ... def _bowl(n):
    ...     return Problem("doc_bowl", lambda x: np.sum(x ** 2), np.ones(n), f_star=0.0)
    >>> get("doc_bowl", n=4).n
    4
    >>> _unregister("doc_bowl")
    """
    def decorator(factory):
        key = _normal(name)
        if key in _REGISTRY or key in _ALIASES:
            raise ValueError(f"problem name {name!r} is already registered.")
        entry = _Entry(key, factory, tuple(tags), tuple(_normal(a) for a in aliases),
                       n, default_n, n_rule, n_rule_text, dict(params or {}))
        _REGISTRY[key] = entry
        for alias in entry.aliases:
            if alias in _REGISTRY or alias in _ALIASES:
                raise ValueError(f"alias {alias!r} of {name!r} is already taken.")
            _ALIASES[alias] = key
        return factory
    return decorator


def _unregister(name):
    entry = _REGISTRY.pop(_normal(name))
    for alias in entry.aliases:
        _ALIASES.pop(alias, None)


def _normal(name):
    return str(name).strip().lower().replace("-", "_").replace(" ", "_")


def _entry(name):
    key = _normal(name)
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise UnknownProblemError(
            f"unknown problem {name!r}; known problems: {', '.join(names())} "
            f"(aliases: {', '.join(sorted(_ALIASES))}).")
    return _REGISTRY[key]


def get(name, n=None, **params):
    """Build the problem registered as ``name`` (or one of its aliases).

    ``n`` sets the dimension of scalable problems (default: the problem's usual one); a
    fixed-dimension problem accepts only its own ``n``. Other keyword parameters
    (``m=``, ``cond=``, ``seed=``, ...) are problem-specific; unknown ones are refused.

    >>> import problems
    >>> p = problems.get("rosenbrock", n=10)
    >>> p.n, p.f_star, p.value(p.x_star)
    (10, 0.0, 0.0)
    >>> problems.get("mgh20", n=9).f_star
    1.39976...e-06
    """
    entry = _entry(name)
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise DimensionError(f"{entry.name}: n must be an integer; got {n!r}.")
        n = int(n)
    if entry.fixed_n is not None:
        if n is not None and n != entry.fixed_n:
            raise DimensionError(
                f"{entry.name} has the fixed dimension n={entry.fixed_n}; got n={n}.")
        use_n = entry.fixed_n
    elif entry.default_n is None:          # n follows from other parameters (e.g. an MLP)
        use_n = n
    else:
        use_n = entry.default_n if n is None else n
        msg = "n must be >= 1" if use_n < 1 else (entry.n_rule(use_n) if entry.n_rule else None)
        if msg:
            raise DimensionError(f"{entry.name}: {msg} ({entry.n_rule_text}); got n={use_n}.")
    unknown = sorted(set(params) - set(entry.params))
    if unknown:
        valid = ", ".join(sorted(entry.params)) or "none besides n"
        raise TypeError(
            f"{entry.name} got unknown parameter(s) {', '.join(unknown)}; valid: {valid}.")
    merged = {**entry.params, **params}
    problem = entry.factory(use_n, **merged)
    if n is not None and problem.n != n:
        raise DimensionError(
            f"{entry.name}: its size is set by its parameters ({entry.n_rule_text}) and is "
            f"n={problem.n} for {merged}; got n={n}.")
    problem.name = entry.name
    problem.tags = tuple(dict.fromkeys(entry.tags + problem.tags))
    problem.params = {**merged, **problem.params}
    problem._spec = (entry.name, n, dict(params))
    return problem


def names(tags=None, *, aliases=False):
    """Registered problem names, in registration order (MGH in the paper's order).

    ``tags`` (a string or several) keeps the problems that carry all of them; with
    ``aliases=True`` the descriptive aliases are listed after the names.

    >>> import problems
    >>> problems.names(tags=("mgh", "zero-residual"))[:3]
    ['mgh01', 'mgh02', 'mgh03']
    """
    want = (tags,) if isinstance(tags, str) else tuple(tags or ())
    out = [k for k, e in _REGISTRY.items() if all(t in e.tags for t in want)]
    if aliases:
        out += [a for a, k in _ALIASES.items() if k in out]
    return out


def aliases():
    """Map of every alias to its registered name.

    >>> import problems
    >>> problems.aliases()["wood"]
    'mgh14'
    """
    return dict(_ALIASES)


_DEFAULT_SUITE = (
    ("rosenbrock", {"n": 2}),
    ("rosenbrock", {"n": 10}),
    ("beale", {}),
    ("himmelblau", {}),
    ("mgh07", {}),          # helical valley
    ("mgh14", {}),          # Wood
    ("ill_conditioned_quadratic", {"n": 10, "cond": 1e3}),
)


def suites():
    """Names of the problem sets that :func:`suite` builds.

    >>> import problems
    >>> problems.suites()
    ['default', 'classic', 'mgh', 'ml', 'all']
    """
    return ["default", "classic", "mgh", "ml", "all"]


def suite(name="default"):
    """A named set of problems, each at its default parameters.

    ``"classic"``, ``"mgh"``, ``"ml"``: every problem of that family; ``"all"``: all of
    them; ``"default"``: a small, fast set (Rosenbrock n=2 and 10, Beale, Himmelblau,
    helical valley, Wood, an ill-conditioned quadratic) for quick comparisons.

    >>> import problems
    >>> [p.name for p in problems.suite("default")][:3]
    ['rosenbrock', 'rosenbrock', 'beale']
    >>> len(problems.suite("mgh"))
    35
    """
    key = _normal(name)
    if key == "default":
        return [get(n, **kw) for n, kw in _DEFAULT_SUITE]
    if key == "all":
        return [get(n) for n in names()]
    if key in ("classic", "mgh", "ml"):
        return [get(n) for n in names(tags=key)]
    raise UnknownProblemError(f"unknown suite {name!r}; known suites: {', '.join(suites())}.")
