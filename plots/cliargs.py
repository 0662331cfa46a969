"""Parsing the command line's list arguments: ``gd,adam(lr=0.01),BFGS`` and ``x1=2,x2=3``.

Option values are read with :func:`ast.literal_eval` (numbers, booleans, strings,
tuples: data only, never code); anything it cannot read stays a string.

>>> split_items("gd, adam(lr=0.01, amsgrad=True), BFGS")
['gd', 'adam(lr=0.01, amsgrad=True)', 'BFGS']
>>> parse_spec("adam(lr=0.01, amsgrad=True)")
('adam', {'lr': 0.01, 'amsgrad': True})
"""

import ast
import re

__all__ = ["UsageError", "split_items", "parse_spec", "parse_assignments", "parse_seeds",
           "literal"]

_NAME = r"[A-Za-z_][A-Za-z0-9_\-\.]*"


class UsageError(ValueError):
    """A mistake on the command line: ``optad`` prints ``optad COMMAND: error: ...`` and
    exits with status 2. Any other exception is a fault of optad's, not the user's.

    >>> issubclass(UsageError, ValueError)
    True
    """


def split_items(text):
    """Split on commas that are not inside brackets; strip blanks; drop empty items.

    >>> split_items("x=[1, 2],y=3")
    ['x=[1, 2]', 'y=3']
    """
    items, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur).strip())
    return [i for i in items if i]


def literal(text):
    """A Python literal (number, bool, None, string, tuple, list) or the text itself.

    >>> literal("0.5"), literal("True"), literal("armijo")
    (0.5, True, 'armijo')
    """
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text.strip()


def parse_spec(text):
    """``name`` or ``name(key=value, ...)`` -> ``(name, {key: value})``.

    >>> parse_spec("L-BFGS-B"), parse_spec("rosenbrock(n=10)")
    (('L-BFGS-B', {}), ('rosenbrock', {'n': 10}))
    """
    m = re.fullmatch(rf"\s*({_NAME})\s*(?:\((.*)\))?\s*", text, flags=re.S)
    if not m:
        raise UsageError(f"cannot read {text!r}; write name or name(key=value, ...).")
    name, inner = m.group(1), m.group(2)
    options = {}
    for item in split_items(inner or ""):
        key, eq, value = item.partition("=")
        if not eq or not re.fullmatch(r"\s*[A-Za-z_]\w*\s*", key):
            raise UsageError(f"cannot read option {item!r} of {name}; write key=value.")
        options[key.strip()] = literal(value)
    return name, options


def parse_assignments(text, flag="--at"):
    """``"x1=2,x2=3"`` -> ``{"x1": 2.0, "x2": 3.0}`` (order kept; lists become float arrays).

    >>> parse_assignments("x1=2, x2=-0.5")
    {'x1': 2.0, 'x2': -0.5}
    """
    import numpy as np

    out = {}
    for item in split_items(text or ""):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not re.fullmatch(r"[A-Za-z]\w*", key):
            raise UsageError(f"{flag}: cannot read {item!r}; write name=value, e.g. x1=2.")
        v = literal(value)
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise UsageError(f"{flag}: {key} = {value.strip()!r} is not a number.") from None
        if isinstance(v, (bool, str)) or arr.dtype.kind != "f":
            raise UsageError(f"{flag}: {key} = {value.strip()!r} is not a number.")
        out[key] = float(arr) if arr.ndim == 0 else arr
    return out


def parse_seeds(text):
    """``"3"`` -> seeds 0, 1, 2 (a count); ``"0,5"`` -> exactly seeds 0 and 5.

    >>> parse_seeds("3"), parse_seeds("0,5")
    ((0, 1, 2), (0, 5))
    """
    items = split_items(str(text))
    try:
        values = [int(i) for i in items]
    except ValueError:
        raise UsageError(f"--seeds: {text!r} is not a count or a list of integers.") from None
    if not values or any(v < 0 for v in values):
        raise UsageError(f"--seeds: {text!r}: give a positive count or non-negative seeds.")
    if len(values) == 1:
        if values[0] == 0:
            raise UsageError("--seeds: the count must be at least 1.")
        return tuple(range(values[0]))
    return tuple(values)
