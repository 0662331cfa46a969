"""Random straight-line programs over optad's primitives, as data.

A :class:`Program` is a list of :class:`Op` on named variables (inputs ``x0, x1, ...``,
intermediates ``v0, v1, ...``, constants ``c0, c1, ...``) ending in a scalar.
``str(program)`` prints it as the plain NumPy function a user would write, with its
constants, its inputs and the lines that run it through NumPy and optad: a failure
report is a runnable repro. The function the checker runs is compiled from that same
text, so the repro is exactly what failed.

``programs(profile, families)`` is the Hypothesis strategy. While drawing, the builder
runs the program so far in NumPy at the drawn inputs, so that each operation is chosen
where it is defined (``np.log`` of positive values, ``np.linalg.solve`` of a diagonally
dominant matrix) and values stay bounded (an intermediate beyond 10 in magnitude is
divided by a power of ten). Which variables share memory (views) is read from NumPy
itself (``np.shares_memory``), so writes are classified exactly as NumPy executes them.

Families: every op belongs to ``core`` or to one or more families that today's core
gets wrong (``KNOWN_BROKEN``) or may refuse (``view_write``); ``programs`` only draws
ops whose families are all enabled.

>>> p = Program(inputs=(Input("x0", (3,), seed=1),), constants=(),
...             ops=(Op("v0 = np.sin(x0)", "sin"),), result=(Term("sum", "v0"),))
>>> print(p.source())
def f(x0):
    v0 = np.sin(x0)
    return np.sum(v0)
>>> x0, = p.arguments()
>>> bool(p.function()(x0) == np.sum(np.sin(x0)))
True
"""

import re
import warnings
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from . import draws, ops as catalog

__all__ = ["Input", "Op", "Term", "Program", "programs", "PROFILES", "FAMILIES",
           "KNOWN_BROKEN", "FOUND_BROKEN", "SUITE_FAMILIES", "check_program", "compare_engines"]

# Families of operations. "core" must be exactly right today. The KNOWN_BROKEN ones are
# silently wrong on today's main and are being fixed in the core (DESIGN.md, "Gradients
# follow what NumPy computed"); the suite does not draw them until then:
#   repeated_write  y[[0, 0]] = x, y[[0, 0]] += x  (NumPy: the last write wins)
#   stale_view      v = y[:2]; y[0] = 5.0; use v   (NumPy: v sees the write)
#   overlap_write   d[::2] = d[:5]                  (the right side views the target)
#   complex         complex constants (x * (0.6 + 0.8j))
#   nan_grad        NaN where the derivative exists: x**0 at 0, hypot(0, 0), cbrt(0 * x),
#                   std at zero spread, where(x > 0, sqrt(x), 0) at x < 0, det of a singular matrix
# "view_write" (a write into a variable that is a view of another one, e.g. y = x[1:];
# y[0] = 5) is documented as refused with ViewWriteError: the checker accepts that refusal.
# Families that were silently wrong on main when the fuzzer was written, all fixed since
# (issue 12): repeated-index writes, stale views, overlapping writes (now refused),
# complex constants (refused), NaN derivatives where the derivative exists.
KNOWN_BROKEN = frozenset()
# Found by this fuzzer (each has a test in tests/test_fuzz_found.py); fixed since:
# average_axis, copy_as_view, clip_broadcast, einsum_view, roll_alias, index_0d (0-d arrays
# are traced arrays now: indexed, viewed and written into in place as in NumPy; a write
# through a reshape of a 0-d input reached NumPy's array but not optad's, a silently wrong
# value found on the fixed core). None is open.
FOUND_BROKEN = frozenset()
# Every family the generator can draw (an op outside "core" carries its families).
FAMILIES = frozenset({
    "core", "view_write",
    # the reliability issue's families
    "repeated_write", "stale_view", "overlap_write", "complex", "nan_grad",
    # found by this fuzzer
    "average_axis", "copy_as_view", "clip_broadcast", "einsum_view", "roll_alias", "index_0d",
}) | KNOWN_BROKEN | FOUND_BROKEN
SUITE_FAMILIES = FAMILIES - KNOWN_BROKEN - FOUND_BROKEN

BOUND = 10.0           # intermediates are rescaled to at most this magnitude
WRITE_BOUND = 1e3      # a write that produces more is redrawn (a rescale would rebind the name)
_NAME = re.compile(r"\b([xvc]\d+)\b")


# --- the program as data ------------------------------------------------------------------
@dataclass(frozen=True)
class Input:
    """An argument of the program: uniform values from a seeded generator."""
    name: str
    shape: tuple
    seed: int
    low: float = -2.0
    high: float = 2.0
    layout: str = "C"     # C, F (Fortran order), strided, reversed (negative strides), array (0-d)

    def code(self):
        rng = f"np.random.default_rng({self.seed})"
        if self.shape == ():
            value = f"{rng}.uniform({self.low}, {self.high})"
            return f"np.array({value})" if self.layout == "array" else f"float({value})"
        if self.layout == "strided":
            wide = self.shape[:-1] + (2 * self.shape[-1],)
            return f"{rng}.uniform({self.low}, {self.high}, size={wide})[..., ::2]"
        values = f"{rng}.uniform({self.low}, {self.high}, size={self.shape})"
        if self.layout == "F":
            return f"np.asfortranarray({values})"
        if self.layout == "reversed":
            return f"{values}[::-1]"
        return values


@dataclass(frozen=True)
class Op:
    """One step: NumPy statement(s), what it exercises, and where it is not smooth.

    ``kinks`` are expressions, evaluated just before the op, whose values are constant
    near a point where the op is smooth (the sign under ``abs``, the argmax of ``max``,
    a mask): finite differences are trusted only where none of them changes.
    """
    code: str
    name: str
    kinks: tuple = ()
    families: tuple = ("core",)


@dataclass(frozen=True)
class Term:
    """One summand of the scalar result: ``np.sum(v)``, ``np.mean(v)``, ``np.sum(c * v)``
    (``c`` a fixed random weight array, so the gradient is not uniform) or ``w * v``."""
    kind: str
    var: str
    weight: str = ""

    def code(self):
        return {"sum": f"np.sum({self.var})", "mean": f"np.mean({self.var})",
                "method": f"{self.var}.sum()",
                "weighted": f"np.sum({self.weight} * {self.var})",
                "scaled": f"{self.weight} * {self.var}"}[self.kind]

    def magnitude(self):
        """The sum of the absolute values of what this term adds up (for rounding bounds)."""
        inner = {"sum": self.var, "method": self.var, "mean": self.var,
                 "weighted": f"{self.weight} * {self.var}",
                 "scaled": f"{self.weight} * {self.var}"}[self.kind]
        return f"np.sum(np.abs({inner}))"


@dataclass(frozen=True)
class Program:
    """A straight-line NumPy program: inputs, constants, ops, and a scalar result."""
    inputs: tuple
    constants: tuple
    ops: tuple
    result: tuple

    @property
    def families(self):
        return frozenset(f for op in self.ops for f in op.families) or frozenset({"core"})

    @property
    def op_names(self):
        return tuple(op.name for op in self.ops)

    @property
    def writes_inputs(self):
        """Whether an op writes into an argument (``x0[1] = ...``, ``x0 += ...``)."""
        return any(re.match(r"\s*x\d+\s*(\[|[-+*/]?=[^=])", line)
                   for op in self.ops for line in op.code.splitlines())

    @property
    def has_kinks(self):
        return any(op.kinks for op in self.ops)

    @property
    def size(self):
        """The number of input elements."""
        return int(sum(np.prod(i.shape, dtype=int) for i in self.inputs))

    def source(self, mode="plain"):
        """The function as text. ``mode="kinks"`` returns the list of every op's kink values
        instead of the result; ``mode="magnitude"`` the sum of |summands| of the result."""
        args = ", ".join(i.name for i in self.inputs)
        lines = [f"def f({args}):"]
        if mode == "kinks":
            lines.append("    _kinks = []")
        for op in self.ops:
            if mode == "kinks":
                lines += [f"    _kinks.append({k})" for k in op.kinks]
            lines += ["    " + line for line in op.code.splitlines()]
        if mode == "kinks":
            lines.append("    return _kinks")
        elif mode == "magnitude":
            lines.append("    return " + " + ".join(t.magnitude() for t in self.result))
        else:
            lines.append("    return " + " + ".join(t.code() for t in self.result))
        return "\n".join(lines)

    def __str__(self):
        names = ", ".join(i.name for i in self.inputs)
        argnums = "0" if len(self.inputs) == 1 else repr(tuple(range(len(self.inputs))))
        parts = ["import numpy as np", "import optad", ""]
        parts += [f"{name} = {code}" for name, code in self.constants]
        parts += ["", "", self.source(), "", "",
                  "def inputs():   # fresh on every call: f may write into its arguments"]
        parts += [f"    {i.name} = {i.code()}" for i in self.inputs]
        parts += [f"    return {names}{',' if len(self.inputs) == 1 else ''}", "", "",
                  "print('numpy:', f(*inputs()))",
                  f"print('optad:', optad.value_and_grad(f, argnums={argnums})(*inputs()))"]
        return "\n".join(parts)

    def namespace(self):
        """``np`` and the constants, as the function's globals."""
        env = {"np": np}
        for name, code in self.constants:
            env[name] = eval(code, env)  # noqa: S307 - our own generated source
        return env

    def function(self, mode="plain"):
        """The plain NumPy function, compiled from :meth:`source`."""
        env = self.namespace()
        exec(compile(self.source(mode), f"<fuzz program {mode}>", "exec"), env)  # noqa: S102
        return env["f"]

    def arguments(self):
        """Fresh copies of the inputs (the program may write into its arguments)."""
        env = {"np": np}
        return tuple(eval(i.code(), env) for i in self.inputs)  # noqa: S307


# --- drawing programs ---------------------------------------------------------------------
@dataclass(frozen=True)
class Profile:
    """How big programs are: input sizes, number of inputs and ops, the size cap."""
    name: str
    max_inputs: int
    max_ops: int
    cap: int            # no intermediate larger than this many elements


PROFILES = {
    "small": Profile("small", max_inputs=3, max_ops=10, cap=2000),
    # Past every size threshold of the fast engine: 4096 elements (value dropping,
    # LinearForm tangents, dot-product sums) and 32768 (256 KiB: the array pool).
    "large": Profile("large", max_inputs=2, max_ops=8, cap=90000),
}


class Builder:
    """Draws one program, running it in NumPy as it grows (see the module docstring)."""

    def __init__(self, draw, profile, families):
        self.draw, self.profile, self.enabled = draw, profile, frozenset(families)
        self.inputs, self.constants, self.ops = [], [], []
        self.order = []            # variable names in order of creation
        self.made_by = {}          # variable name -> the name of the op that defined it
        self.env = {"np": np}
        self.rejected = 0

    # -- draws (small helpers so that the catalog reads well) --
    def integer(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def choice(self, options):
        options = list(options)
        return options[self.draw(st.integers(0, len(options) - 1))]

    def flag(self, percent=50):
        return self.draw(st.integers(0, 99)) < percent

    def seed(self):
        return self.draw(st.integers(0, 9999))

    # -- values --
    def value(self, expr):
        """The value of an expression over the variables so far (at the drawn inputs)."""
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return eval(expr, self.env)  # noqa: S307

    def shape(self, name):
        return np.shape(self.env[name])

    def fresh(self):
        return f"v{sum(1 for n in self.order if n.startswith('v'))}"

    def constant(self, code):
        """Register a constant (NumPy source) and return its name."""
        for name, c in self.constants:
            if c == code:
                return name
        name = f"c{len(self.constants)}"
        self.constants.append((name, code))
        self.env[name] = eval(code, {"np": np})  # noqa: S307
        return name

    def array(self, shape, low=-1.0, high=1.0):
        """A constant uniform array of ``shape`` (a float literal for shape ())."""
        shape = tuple(int(s) for s in shape)
        if shape == ():
            # negative literals in parentheses: "{a} ** 2" must not read as -(1.5 ** 2)
            value = self.choice((0.5, -1.5, 2.0, 0.25, -0.75, 1.25))
            return f"({value!r})" if value < 0 else repr(value)
        return self.constant(f"np.random.default_rng({self.seed()}).uniform({low}, {high}, size={shape})")

    def weights(self, shape):
        return self.constant(f"np.random.default_rng({self.seed()}).standard_normal({tuple(shape)})")

    # -- variables --
    def variables(self, pred=None):
        return [n for n in self.order if pred is None or pred(n)]

    def pick(self, pred=None):
        """A variable, the most recent first (what Hypothesis shrinks towards)."""
        names = self.variables(pred)[::-1]
        return self.choice(names) if names else None

    def ndarray(self, name):
        return isinstance(self.env.get(name), np.ndarray)

    def sharing(self, name):
        """(earlier, later): variables created before/after ``name`` that share its memory."""
        value = self.env[name]
        if not isinstance(value, np.ndarray):
            return [], []
        i = self.order.index(name)
        shares = lambda n: (isinstance(self.env[n], np.ndarray)  # noqa: E731
                            and np.shares_memory(self.env[n], value))
        return ([n for n in self.order[:i] if shares(n)],
                [n for n in self.order[i + 1:] if shares(n)])

    # -- running and accepting ops --
    def _run(self, ops):
        env = {"np": np}
        for name, code in self.constants:
            env[name] = self.env[name]
        env.update(zip((i.name for i in self.inputs), Program(
            tuple(self.inputs), (), (), ()).arguments()))
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for op in ops:
                exec(op.code, env)  # noqa: S102
        return env

    def accept(self, code, name, kinks=(), families=("core",), defines=None, writes=()):
        """Append an op if its families are enabled and NumPy runs it to bounded, finite
        float64 values; return the name it defines (or writes), else None."""
        families = tuple(sorted(set(families)))
        if not set(families) <= self.enabled:
            return None
        defines = [defines] if isinstance(defines, str) else list(defines or ())
        op = Op(code, name, tuple(kinks), families)
        try:
            env = self._run(self.ops + [op])
            for k in kinks:   # the kink expressions must evaluate before the op
                self.value(k)
        except Exception:     # a shape the generator did not foresee: draw another op
            self.rejected += 1
            return None
        for n in defines + list(writes):
            v = np.asarray(env.get(n))
            if (v.dtype != np.float64 or v.size == 0 or v.size > self.profile.cap
                    or not np.all(np.isfinite(v))):
                self.rejected += 1
                return None
            if n in writes and np.max(np.abs(v)) > WRITE_BOUND:
                self.rejected += 1
                return None
        rescale = []
        for n in defines:
            big = float(np.max(np.abs(env[n])))
            if big > BOUND and not (isinstance(env[n], np.ndarray) and env[n].base is not None):
                rescale.append(f"{n} = {n} / {10.0 ** np.ceil(np.log10(big / BOUND)):.0e}")
        if rescale:
            op = Op(code + "\n" + "\n".join(rescale), name, tuple(kinks), families)
            env = self._run(self.ops + [op])
        self.ops.append(op)
        self.env.update({k: v for k, v in env.items() if k not in ("np", "__builtins__")})
        self.order += [n for n in defines if n not in self.order]
        self.made_by.update((n, name) for n in defines)
        return defines[-1] if defines else (writes[-1] if writes else None)

    # -- inputs --
    def make_inputs(self):
        large = self.profile.name == "large"
        n = self.integer(1, self.profile.max_inputs)
        first = draws.large_shape(self) if large else draws.small_shape(self)
        shapes = [first]
        for _ in range(n - 1):
            shapes.append(draws.related_shape(self, first, large))
        for k, shape in enumerate(shapes):
            low, high = (0.5, 2.5) if self.flag(15) else (-2.0, 2.0)
            layout = self.choice(("C", "C", "C", "F", "strided", "reversed") if shape else
                                 ("float", "float", "array"))
            inp = Input(f"x{k}", tuple(shape), self.seed(), low, high,
                        "C" if layout == "float" else layout)
            self.inputs.append(inp)
            self.env[inp.name] = Program((inp,), (), (), ()).arguments()[0]
            self.order.append(inp.name)

    # -- the result --
    def is_leaf(self, name):
        """Whether no op reads ``name``'s final value (the last op mentioning it assigns to it)."""
        mentions = [op for op in self.ops if name in _NAME.findall(op.code)]
        if not mentions:
            return name.startswith("v")     # an unused input is not summed: its gradient is 0
        return _defines_or_writes(mentions[-1].code, name)

    def finish(self):
        """The program, its result a sum of terms over (up to 4 of) the leaves, newest first."""
        leaves = [n for n in self.order[::-1] if self.is_leaf(n)][:4] or [self.order[-1]]
        terms = []
        for k, name in enumerate(leaves):
            if k and not self.flag(70):
                continue
            shape = self.shape(name)
            kind = self.choice(("weighted", "sum", "mean", "method") if shape != () else
                               ("scaled", "sum"))
            if kind == "method" and not self.ndarray(name):
                kind = "sum"
            weight = ""
            if kind == "weighted":
                weight = self.weights(shape)
            elif kind == "scaled":
                weight = repr(self.choice((1.5, -0.7, 2.3, 0.4)))
            terms.append(Term(kind, name, weight))
        text = "\n".join([op.code for op in self.ops] + [k for op in self.ops for k in op.kinks]
                         + [t.code() for t in terms])
        used = set(_NAME.findall(text))
        constants = tuple((n, c) for n, c in self.constants if n in used)
        return Program(tuple(self.inputs), constants, tuple(self.ops), tuple(terms))


def _defines_or_writes(code, name):
    """Whether the last statement mentioning ``name`` in ``code`` assigns to it."""
    lines = [ln for ln in code.splitlines() if name in _NAME.findall(ln)]
    target = lines[-1].split("=")[0] if lines and "=" in lines[-1] else ""
    return re.match(rf"\s*{name}\b", target) is not None and "==" not in lines[-1].split("=", 1)[0]


@st.composite
def programs(draw, profile="small", families=SUITE_FAMILIES):
    """A Hypothesis strategy of :class:`Program` (``profile``: ``"small"`` or ``"large"``),
    drawing only ops whose families are all in ``families``.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None, derandomize=True, deadline=None)
    ... @given(programs("small"))
    ... def test(program):
    ...     assert str(program).startswith("import numpy as np")
    ...     assert program.families <= SUITE_FAMILIES
    >>> test()
    """
    b = Builder(draw, PROFILES[profile], families)
    b.make_inputs()
    n_ops = b.integer(2, b.profile.max_ops)
    attempts = 0
    while len(b.ops) < n_ops and attempts < 5 * n_ops:
        attempts += 1
        a = b.pick()
        gen = b.choice(catalog.generators(b, a))
        gen(b, a)
    return b.finish()


from .oracle import check_program, compare_engines  # noqa: E402  (re-exported: the fuzzer's API)
