"""Safe arithmetic expressions for ``optad explain``: parsed with :mod:`ast`, never run as Python.

The text is parsed into a syntax tree, every node is checked against a whitelist, and
the result is a small interpreter over that tree that calls NumPy functions. Nothing
of the user's text is ever given to ``eval``, ``exec`` or ``compile`` for running.

Allowed: numbers; variables (plain names, not starting with ``_``); the constants
``pi`` and ``e``; ``+ - * / ** @`` and unary ``+ -``; calls of the whitelisted NumPy
functions by plain name with positional arguments. Everything else (attribute access,
subscripts, keywords, lambdas, comprehensions, comparisons, strings, ``__import__`` ...)
is rejected with an :class:`UnsafeExpressionError` that says what was found.

>>> ex = parse("x1*x2 + sin(x1)")
>>> ex.variables
('x1', 'x2')
>>> round(float(ex(2.0, 3.0)), 3)
6.909
"""

import ast
import inspect
import operator

import numpy as np

__all__ = ["parse", "Expression", "UnsafeExpressionError", "FUNCTIONS", "CONSTANTS"]

MAX_LENGTH = 2000

#: The functions an expression may call, by the name it uses -> the NumPy function.
FUNCTIONS = {name: getattr(np, name) for name in (
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh",
    "exp", "log", "log1p", "expm1", "sqrt", "abs", "sign", "square", "reciprocal", "hypot",
    "maximum", "minimum", "power", "sum", "mean", "prod", "max", "min")}
FUNCTIONS.update({"asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
                  "atan2": np.arctan2, "ln": np.log})

#: Named constants.
CONSTANTS = {"pi": float(np.pi), "e": float(np.e)}

_BINARY = {ast.Add: (operator.add, "+"), ast.Sub: (operator.sub, "-"),
           ast.Mult: (operator.mul, "*"), ast.Div: (operator.truediv, "/"),
           ast.Pow: (operator.pow, "**"), ast.MatMult: (operator.matmul, "@")}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}

_WHAT = {ast.Attribute: "attribute access ('.')", ast.Subscript: "subscripts ('[...]')",
         ast.Lambda: "lambda", ast.Compare: "comparisons",
         ast.BoolOp: "'and'/'or'", ast.IfExp: "'if ... else'", ast.Tuple: "tuples",
         ast.List: "lists", ast.Dict: "dicts", ast.Set: "sets",
         ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions",
         ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
         ast.NamedExpr: "assignment (':=')", ast.Starred: "'*' unpacking",
         ast.JoinedStr: "strings", ast.Await: "await", ast.Yield: "yield",
         ast.Slice: "slices"}


class UnsafeExpressionError(ValueError):
    """An expression used something outside the whitelist (or is not a valid expression).

    >>> try:
    ...     parse("__import__('os')")
    ... except UnsafeExpressionError as err:
    ...     print(str(err).splitlines()[0])
    names starting with '_' are not allowed: '__import__'.
    """


def _allowed_text():
    return ("Allowed: numbers, variables, pi, e, + - * / ** @, unary -, and the functions "
            + ", ".join(sorted(FUNCTIONS)) + ".")


def _reject(message):
    raise UnsafeExpressionError(f"{message}\n{_allowed_text()}")


class Expression:
    """A checked expression: call it with one value per variable (in ``variables`` order).

    Works on floats, arrays and optad's traced values alike, since it only applies
    operators and NumPy functions. Its signature names the variables, so
    ``optad.trace`` labels the inputs with them.

    >>> ex = parse("a**2 + b")
    >>> ex(3.0, 1.0), str(inspect.signature(ex))
    (10.0, '(a, b)')
    """

    def __init__(self, text, tree, variables):
        self.text = text
        self.tree = tree
        self.variables = tuple(variables)
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(v, inspect.Parameter.POSITIONAL_OR_KEYWORD)
             for v in self.variables])
        self.__name__ = "f"

    def __call__(self, *values):
        if len(values) != len(self.variables):
            raise TypeError(f"expression needs {len(self.variables)} values "
                            f"({', '.join(self.variables)}); got {len(values)}.")
        return _evaluate(self.tree.body, dict(zip(self.variables, values)))

    def __repr__(self):
        return f"Expression({self.text!r})"


def _evaluate(node, env):
    # Only the node kinds that _check accepted can reach this point.
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)][0](_evaluate(node.left, env), _evaluate(node.right, env))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, env))
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*[_evaluate(a, env) for a in node.args])
    raise UnsafeExpressionError(f"unexpected node {type(node).__name__}")  # pragma: no cover


def _check(node, names):
    """Walk the tree; accept only whitelisted nodes; collect variable names in order."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            _reject(f"only real numbers are allowed as constants; found {node.value!r}.")
        return
    if isinstance(node, ast.Name):
        _check_name(node.id, as_function=False)
        if node.id not in CONSTANTS and node.id not in names:
            names.append(node.id)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            _reject(f"operator {type(node.op).__name__} is not allowed.")
        _check(node.left, names)
        _check(node.right, names)
        return
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            _reject(f"unary operator {type(node.op).__name__} is not allowed.")
        _check(node.operand, names)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            what = _WHAT.get(type(node.func), type(node.func).__name__)
            _reject(f"only whitelisted functions called by plain name are allowed; "
                    f"found a call through {what}.")
        _check_name(node.func.id, as_function=True)
        if node.keywords:
            _reject(f"keyword arguments are not allowed (in {node.func.id}(...)).")
        if not node.args:
            _reject(f"{node.func.id}() needs an argument.")
        for a in node.args:
            if isinstance(a, ast.Starred):
                _reject("'*' unpacking is not allowed.")
            _check(a, names)
        return
    what = _WHAT.get(type(node), f"'{type(node).__name__}' expressions")
    _reject(f"{what} not allowed.")


def _check_name(name, as_function):
    if name.startswith("_"):
        _reject(f"names starting with '_' are not allowed: {name!r}.")
    if as_function:
        if name not in FUNCTIONS:
            _reject(f"unknown function {name!r}.")
    elif name in FUNCTIONS:
        _reject(f"{name!r} is a function; call it, e.g. {name}(x).")


def parse(text):
    """Parse ``text`` into a checked :class:`Expression`, or raise :class:`UnsafeExpressionError`.

    Variables are ordered by first appearance.

    >>> parse("exp(-t) * cos(2*pi*t)").variables
    ('t',)
    >>> try:
    ...     parse("x.__class__")
    ... except UnsafeExpressionError as err:
    ...     print(str(err).splitlines()[0])
    attribute access ('.') not allowed.
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a string; got {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        _reject(f"expression too long ({len(text)} characters; at most {MAX_LENGTH}).")
    if not text.strip():
        _reject("empty expression.")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        _reject(f"not a valid expression: {err.msg} (at column {err.offset}).")
    except (RecursionError, MemoryError, ValueError):
        _reject("expression cannot be parsed (too deeply nested or invalid characters).")
    names = []
    try:
        _check(tree.body, names)
    except RecursionError:
        _reject("expression too deeply nested.")
    return Expression(text.strip(), tree, names)
