"""What ``minimize`` and the update rules accept, checked once, before anything runs.

One table, :data:`RULES`, says for every numeric or yes/no option of every method what it
must be: an int or a number (a bool is neither), and its range. ``minimize`` checks the
stopping options and a SciPy method's options with it; :class:`~optimizers.GradientDescent`
and :class:`~optimizers.Adam` check their parameters with it (``minimize`` builds them
before the first evaluation). Options that are not numbers (arrays, names, callables) are
listed in :data:`NOT_NUMBERS` and left to their method. Every message names the argument,
what it must be, and what was received; a wrong type is an
:class:`~optimizers.ArgumentTypeError`, a value out of range an
:class:`~optimizers.ArgumentValueError`.

>>> check_options("minimize", None, {"maxiter": 10, "gtol": 1e-6})
{'maxiter': 10, 'gtol': 1e-06}
>>> try:
...     check_options("minimize", None, {"maxiter": "10"})
... except ArgumentTypeError as e:
...     print(e)
minimize: maxiter must be an int >= 0; got '10' (a str); pass the number itself, 10, ...
"""

import math
import numbers
from typing import NamedTuple

import numpy as np

import optad

from .errors import ArgumentTypeError, ArgumentValueError

__all__ = ["Rule", "RULES", "METHOD_RULES", "NOT_NUMBERS", "STOPPING", "rule_for",
           "check_options", "check_arguments", "real_value"]


class Rule(NamedTuple):
    """What one option must be: ``kind`` "int", "number" or "flag" (True/False), a range
    ``low``..``high`` (``open_low``/``open_high``: the bound itself excluded), and whether
    None (the default) is accepted.

    >>> Rule("number", 0, 1, open_high=True).describe()
    'a number in [0, 1)'
    >>> Rule("int", 1).describe(), Rule("flag").describe()
    ('an int >= 1', 'True or False')
    """

    kind: str
    low: float = None
    high: float = None
    open_low: bool = False
    open_high: bool = False
    none: bool = False

    def describe(self):
        if self.kind == "flag":
            return "True, False or None" if self.none else "True or False"
        what = "an int" if self.kind == "int" else "a number"
        low, high = self.low, self.high
        if low is not None and high is not None:
            return (f"{what} in {'(' if self.open_low else '['}{low:g}, {high:g}"
                    f"{')' if self.open_high else ']'}")
        if low is not None:
            return f"{what} {'>' if self.open_low else '>='} {low:g}"
        if high is not None:
            return f"{what} {'<' if self.open_high else '<='} {high:g}"
        return what


_UNIT_OPEN = Rule("number", 0, 1, open_low=True, open_high=True)     # (0, 1)
_FRACTION = Rule("number", 0, 1, open_high=True)                      # [0, 1)
_POSITIVE = Rule("number", 0, open_low=True)
_NON_NEGATIVE = Rule("number", 0)
_FLAG = Rule("flag")

#: The stopping options every method takes (None: the method's default).
STOPPING = {
    "gtol": Rule("number", 0, none=True),
    "ftol": Rule("number", 0, none=True),
    "maxiter": Rule("int", 0, none=True),
    "maxfev": Rule("int", 1, none=True),
    "max_time": Rule("number", 0, open_low=True, none=True),
}

#: option name -> its rule, for every method that takes an option of that name, unless
#: :data:`METHOD_RULES` says otherwise for one method.
RULES = {
    **STOPPING,
    # gd and adam
    "lr": _POSITIVE, "momentum": _FRACTION, "nesterov": _FLAG, "line_search": _FLAG,
    "c1": _UNIT_OPEN, "c2": _UNIT_OPEN, "shrink": _UNIT_OPEN, "max_backtracks": Rule("int", 1),
    "beta1": _FRACTION, "beta2": _FRACTION, "eps": _NON_NEGATIVE,
    "weight_decay": _NON_NEGATIVE, "amsgrad": _FLAG, "decay_rate": _POSITIVE,
    "decay_steps": Rule("int", 1, none=True),
    # SciPy's methods (their documented ranges; SciPy checks few of them itself)
    "maxcor": Rule("int", 1), "maxls": Rule("int", 1), "norm": Rule("number"),
    "xrtol": _NON_NEGATIVE, "xtol": _NON_NEGATIVE, "disp": _FLAG, "return_all": _FLAG,
    "initial_trust_radius": _POSITIVE, "max_trust_radius": _POSITIVE,
    "eta": Rule("number", 0, 0.25, open_high=True), "inexact": _FLAG,
    "subproblem_maxiter": Rule("int", 1, none=True),
    "maxCGit": Rule("int"), "stepmx": Rule("number"), "accuracy": Rule("number"),
    "minfev": Rule("number"), "rescale": Rule("number"), "iprint": Rule("int"),
    "barrier_tol": _NON_NEGATIVE, "initial_constr_penalty": _POSITIVE,
    "initial_tr_radius": _POSITIVE, "initial_barrier_parameter": _POSITIVE,
    "initial_barrier_tolerance": _POSITIVE, "verbose": Rule("int", 0, 3),
    "sparse_jacobian": Rule("flag", none=True),
}

#: Rules that differ for one method: gd's lr may be None (its default depends on
#: line_search); TNC reads a negative xtol or an eta outside [0, 1] as "the default".
METHOD_RULES = {
    "gd": {"lr": Rule("number", 0, open_low=True, none=True)},
    "TNC": {"xtol": Rule("number"), "eta": Rule("number")},
}

#: Options that are not numbers, checked by their method: arrays (TNC's scale and offset,
#: BFGS's hess_inv0), a schedule (name or callable), trust-constr's factorization name.
NOT_NUMBERS = frozenset({"hess_inv0", "scale", "offset", "schedule", "factorization_method"})

#: Pairs that must be ordered when both are given (SciPy's own check names neither value).
_ORDERED = (("c1", "c2"), ("initial_trust_radius", "max_trust_radius"))


def rule_for(method, name):
    """The :class:`Rule` of option ``name`` of ``method`` (a method name, or None for the
    stopping options alone), or None if it has none.

    >>> rule_for("TNC", "eta").describe(), rule_for("trust-ncg", "eta").describe()
    ('a number', 'a number in [0, 0.25)')
    """
    own = METHOD_RULES.get(method)
    if own is not None and name in own:
        return own[name]
    return RULES.get(name)


def check_options(owner, method, options, rules=None):
    """``options`` with each numeric one checked against its rule and made a plain ``int``,
    ``float`` or ``bool``; ``owner`` starts the messages ("minimize", "Adam", ...).
    ``rules``: a table of one's own (option name -> :class:`Rule`) instead of
    :data:`RULES` (``least_squares`` and ``root``, whose options are SciPy's others).

    >>> check_options("Adam", "adam", {"lr": np.float32(0.5), "amsgrad": np.True_})
    {'lr': 0.5, 'amsgrad': True}
    >>> try:
    ...     check_options("Method 'BFGS'", "BFGS", {"c1": 0.5, "c2": 0.4})
    ... except ArgumentValueError as e:
    ...     print(e)
    Method 'BFGS': c1 and c2 must satisfy c1 < c2; got c1=0.5, c2=0.4.
    """
    out = {}
    for name, value in options.items():
        rule = rule_for(method, name) if rules is None else rules.get(name)
        out[name] = value if rule is None else _check(owner, name, value, rule)
    for a, b in _ORDERED:
        if out.get(a) is not None and out.get(b) is not None and not out[a] < out[b]:
            raise ArgumentValueError(f"{owner}: {a} and {b} must satisfy {a} < {b}; got "
                                     f"{a}={_show(options[a])}, {b}={_show(options[b])}.")
    return out


def _check(owner, name, value, rule):
    if value is None and rule.none:
        return None
    is_bool = isinstance(value, (bool, np.bool_))
    if rule.kind == "flag":
        if is_bool:
            return bool(value)
        raise _wrong_type(owner, name, value, rule)
    if rule.kind == "int":
        if is_bool or not isinstance(value, numbers.Integral):
            raise _wrong_type(owner, name, value, rule)
        v = int(value)
    else:
        if is_bool or not isinstance(value, numbers.Real):
            raise _wrong_type(owner, name, value, rule)
        v = float(value)
        if math.isnan(v):
            raise ArgumentValueError(f"{owner}: {name} must be {rule.describe()}; got nan.")
    low, high = rule.low, rule.high
    if ((low is not None and (v <= low if rule.open_low else v < low))
            or (high is not None and (v >= high if rule.open_high else v > high))):
        raise ArgumentValueError(f"{owner}: {name} must be {rule.describe()}; got "
                                 f"{_show(value)}.")
    return v


def _wrong_type(owner, name, value, rule):
    hint = ""
    if isinstance(value, (bool, np.bool_)):
        hint = "; a bool is not a number here" if rule.kind != "flag" else ""
    elif isinstance(value, float) and rule.kind == "int" and value.is_integer():
        hint = f"; write {int(value)}"
    elif isinstance(value, str) and rule.kind != "flag":
        number = _parse(value, rule.kind)
        if number is not None:
            hint = f"; pass the number itself, {number}, not the text {value!r}"
    return ArgumentTypeError(f"{owner}: {name} must be {rule.describe()}; got "
                             f"{_received(value)}{hint}.")


def _parse(text, kind):
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        return None


def _show(value):
    """repr, with NumPy scalars shown as the plain Python number they hold."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _received(value):
    """``'fast' (a str)``, ``2.5 (a float)``, ``None``: what was given, with its type."""
    if value is None:
        return "None"
    name = type(value).__name__
    article = "an" if name[:1] in "aeiou" else "a"
    return f"{_show(value)} ({article} {name})"


# --- fun, x0, callback ------------------------------------------------------------------
_X0 = ("x0 must be a number, an array of numbers, or a pytree (nested dict, list or tuple) "
       "of them")


def check_arguments(fun, x0, callback=None, owner="minimize"):
    """Refuse a ``fun`` or ``callback`` that cannot be called and an ``x0`` that is not
    numbers (None, text, bools), before any evaluation. Complex numbers are welcome: the
    optimizers work over their real and imaginary parts (``optad.tree.raveler``).

    >>> try:
    ...     check_arguments(lambda x: x @ x, None)
    ... except ArgumentTypeError as e:
    ...     print(e)
    minimize: x0 must be a number, an array of numbers, or a pytree ... of them; got None.
    """
    if not callable(fun):
        what = ("a number" if owner == "minimize" else "an array of residuals"
                if owner == "least_squares" else "an array")
        raise ArgumentTypeError(f"{owner}: fun must be a callable f(x, *args) returning "
                                f"{what}; got {_received(fun)}.")
    if callback is not None and not callable(callback):
        raise ArgumentTypeError(f"{owner}: callback must be a callable or None; got "
                                f"{_received(callback)}.")
    if _real_leaf(x0):
        return
    if type(x0) in (dict, list, tuple):           # the containers optad.tree walks
        bad = [leaf for leaf in optad.tree.flatten(x0)[0] if not _real_leaf(leaf)]
        if not bad:
            return
        bad = bad[0]
        got = f"a pytree with the leaf {_describe_leaf(bad)}"
    else:
        bad = x0
        got = _describe_leaf(x0)
    raise ArgumentTypeError(f"{owner}: {_X0}; got {got}.")


def _real_leaf(v):
    """A leaf the optimizers take: real or complex numbers (not bools)."""
    if isinstance(v, np.ndarray):
        return v.dtype.kind in "iufc"
    return isinstance(v, numbers.Complex) and not isinstance(v, (bool, np.bool_))


def _describe_leaf(v):
    if isinstance(v, np.ndarray):
        return f"an array of dtype {v.dtype}"
    return _received(v)


def _is_complex(v):
    return (isinstance(v, complex) or isinstance(v, np.complexfloating)
            or (isinstance(v, np.ndarray) and v.dtype.kind == "c"))


# --- what fun returns ---------------------------------------------------------------------
def real_value(f):
    """``float(f)`` for a real number returned by the objective (a float, an int, a NumPy
    number or a 0-d float array); anything else is an :class:`ArgumentTypeError` naming
    what was returned.

    >>> real_value(np.array(2.5)), real_value(3)
    (2.5, 3.0)
    >>> try:
    ...     real_value("1.0")
    ... except ArgumentTypeError as e:
    ...     print(e)
    fun must return a real number (...); it returned '1.0' (a str). Return the number itself, ...
    """
    if isinstance(f, numbers.Real) and not isinstance(f, (bool, np.bool_)):
        return float(f)
    if isinstance(f, np.ndarray) and f.ndim == 0 and f.dtype.kind in "iuf":
        return float(f)
    if f is None:
        hint = " Does every path through fun end in a return statement?"
    elif isinstance(f, (str, bytes)):
        hint = " Return the number itself, not text."
    elif _is_complex(f):
        hint = " To minimize a complex quantity z, return a real one such as abs(z) ** 2."
    elif isinstance(f, (bool, np.bool_)) or getattr(f, "dtype", None) == np.bool_:
        hint = " A truth value is not an objective: return the number it tests."
    else:
        hint = ""
    got = (f"an array of dtype {f.dtype} and shape {f.shape}" if isinstance(f, np.ndarray)
           else _received(f))
    raise ArgumentTypeError("fun must return a real number (a float, or an array of shape () "
                            f"holding one); it returned {got}.{hint}")
