"""A recorded call as a straight-line Python function: source generation and guards.

:class:`Program` turns the steps of a :class:`~optad.jit.trace.JitTrace` into the source
of one function, one line per step, calling each step's function on local variables
(constants and functions are globals of that function), and ``exec``s it once. Before
that it drops *dead* steps (whose results nothing reads: no output, no guard, no live
step). Arithmetic operators run as Python operators, so scalars cost what they cost in
plain Python. Large intermediate arrays are deleted after their last use, as plain
NumPy code frees its temporaries.

A guard line raises :class:`GuardFailed` when a value read during tracing (a branch's
condition, an ``int()``, a shape that depends on the data) comes out different, or when
a call that raised while tracing (and was caught by the function) no longer raises: the
caller then traces again. A replay that raises where tracing did not is traced again
too, so that the function's own exception handling decides. Equality is exact: NaN equals NaN, and ``-0.0`` is not
``0.0`` (a sign can decide a branch, e.g. ``1 / x``).

>>> import numpy as np
>>> from optad.jit.trace import JitTrace
>>> with JitTrace() as tr:
...     x = tr.new_input(np.array([1.0, 2.0]))
...     y = np.sum(x * 3.0) if x[0] > 0 else np.sum(x)
...     out = tr._scan(y)[1]
>>> program = Program(tr, 1, out, "f")
>>> float(program(np.array([1.0, 1.0])))
6.0
>>> program(np.array([-1.0, 1.0]))
Traceback (most recent call last):
...
optad.jit.program.GuardFailed
"""

import math
import operator
import threading

import numpy as np

from .optimize import INPLACE, SCATTER, collect_refs, optimize, plan_buffers, reads
from .trace import CALL, CONST, GUARD, ITEM, RAISES, Const, Dict, Ref, Seq, Slice

__all__ = ["Program", "GuardFailed", "same"]

#: Intermediate arrays at least this large are deleted after their last use (a ``del``
#: costs more than keeping a small array alive until the call returns).
FREE_MIN_SIZE = 4096

_OPERATORS = {operator.add: "{0} + {1}", operator.sub: "{0} - {1}", operator.mul: "{0} * {1}",
              operator.truediv: "{0} / {1}", operator.pow: "{0} ** {1}",
              operator.mod: "{0} % {1}", operator.matmul: "{0} @ {1}",
              operator.neg: "-{0}", operator.pos: "+{0}"}


class GuardFailed(Exception):
    """A replay met a value different from the traced one: trace again (internal)."""


def same(a, b):
    """Whether ``a`` (a value computed on replay) is exactly the traced ``b``: NaN equals
    NaN, a zero's sign counts, types and shapes must agree.

    >>> same(float("nan"), float("nan")), same(0.0, -0.0), same(np.ones(2), np.ones(2))
    (True, False, True)
    """
    if type(a) is not type(b):
        return False
    if type(a) is np.ndarray:
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            nan_a, nan_b = np.isnan(a), np.isnan(b)
            return bool(np.array_equal(nan_a, nan_b) and np.array_equal(a[~nan_a], b[~nan_b])
                        and np.array_equal(np.signbit(a.real[~nan_a]), np.signbit(b.real[~nan_b])))
        return bool(np.array_equal(a, b))
    if isinstance(a, (float, np.floating)):
        if a != a:
            return b != b
        return bool(a == b) and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, (complex, np.complexfloating)):
        return same(float(a.real), float(b.real)) and same(float(a.imag), float(b.imag))
    try:
        return bool(a == b)
    except Exception:       # an object whose == is not a truth value: not provably the same
        return False


def _own(a):
    """An output array the caller may write into: read-only ones (views of the program's
    constants, broadcasts) are copied."""
    return a if a.flags.writeable else a.copy()


class Program:
    """The straight-line replay of one traced call (see the module docstring).

    ``Program(trace, n_inputs, out_template, name)``: the function's source is generated
    and compiled on the first call (a function called once is never compiled). ``source``
    shows it.
    """

    def __init__(self, trace, n_inputs, out_template, name):
        self.steps = trace.steps
        self.kinds = trace.kinds
        self.shapes = trace.shapes
        self.dtypes = trace.dtypes
        self.owned = trace.owned
        self.n_inputs = n_inputs
        self.out = out_template
        self.name = name
        self.fn = None
        self.source = None
        self.guard_key = _guard_key(self.steps)

    def __call__(self, *inputs):
        fn = self.fn
        if fn is None:
            fn = self.compile()
        return fn(*inputs)

    # --- source generation -----------------------------------------------------------------
    def compile(self):
        """Generate, ``exec`` and keep the replay function."""
        names = {}
        env = {"GuardFailed": GuardFailed, "_same": same, "_own": _own, "slice": slice,
               "_scatter": _scatter_into()}

        def bind_global(obj, prefix):
            key = (prefix, id(obj))
            name = names.get(key)
            if name is None:
                name = names[key] = f"{prefix}{len(names)}"
                env[name] = obj
            return name

        def expr(t):
            kind = type(t)
            if kind is Ref:
                return f"v{t.var}"
            if kind is Const:
                return bind_global(t.value, "c")
            if kind is Seq:
                inner = ", ".join(expr(i) for i in t.items)
                if t.kind is tuple:
                    return f"({inner},)" if len(t.items) == 1 else f"({inner})"
                return f"[{inner}]"
            if kind is Dict:
                return "{" + ", ".join(f"{k!r}: {expr(i)}" for k, i in zip(t.keys, t.items)) + "}"
            if kind is Slice:
                return f"slice({expr(t.start)}, {expr(t.stop)}, {expr(t.step)})"
            return repr(t)      # None, bool, int, str

        keep = self._live()
        outputs = set()
        collect_refs(self.out, outputs)
        steps = [step for step, k in zip(self.steps, keep) if k]
        steps = optimize(steps, {"kinds": self.kinds, "shapes": self.shapes,
                                 "dtypes": self.dtypes, "owned": self.owned,
                                 "outputs": outputs})
        last_use = self._last_uses(steps, outputs)
        buffers, self.slots = plan_buffers(steps, {
            "kinds": self.kinds, "shapes": self.shapes, "dtypes": self.dtypes,
            "owned": self.owned, "outputs": outputs})
        env["_take"] = _buffer_source(self.slots)
        lines = []
        indexing = _getitem_impl()
        for pos, step in enumerate(steps):
            kind = step[0]
            if kind is CALL and step[4] in buffers:
                _, fn, args, _, out, _ = step
                slot, ufunc = buffers[out]
                parts = ", ".join(expr(a) for a in args)
                lines.append(f"v{out} = {bind_global(ufunc, 'f')}({parts}, out=_b[{slot}])")
            elif kind is CALL:
                _, fn, args, kwargs, out, shape_guard = step
                parts = [expr(a) for a in args]
                form = _OPERATORS.get(fn) if not kwargs else None
                if form is None and fn is indexing and not kwargs:
                    form = "{0}[{1}]"
                if form is not None and form.count("{") == len(parts):
                    line = f"v{out} = " + form.format(*parts)
                else:
                    if kwargs:
                        parts += [f"{k}={expr(v)}" for k, v in kwargs.items()]
                    line = f"v{out} = {bind_global(fn, 'f')}({', '.join(parts)})"
                lines.append(line)
                if shape_guard:
                    lines.append(f"if v{out}.shape != {self.shapes[out]!r}: raise GuardFailed")
            elif kind is INPLACE:
                _, fn, args, out, target = step
                parts = ", ".join(expr(a) for a in args)
                lines.append(f"v{out} = {bind_global(fn, 'f')}({parts}, out=v{target})")
            elif kind is SCATTER:
                _, x, g, key, out, _ = step
                lines.append(f"_scatter(v{x}, {expr(g)}, {expr(key)})")
                lines.append(f"v{out} = v{x}")
            elif kind is CONST:
                _, tmpl, out = step
                lines.append(f"v{out} = {expr(tmpl)}")
            elif kind is ITEM:
                _, var, index, out, shape_guard = step
                lines.append(f"v{out} = v{var}[{index}]")
                if shape_guard:
                    lines.append(f"if v{out}.shape != {self.shapes[out]!r}: raise GuardFailed")
            elif kind is RAISES:
                _, fn, args, kwargs = step
                parts = [expr(a) for a in args] + [f"{k}={expr(v)}" for k, v in (kwargs or {}).items()]
                lines += ["try:", f"    {bind_global(fn, 'f')}({', '.join(parts)})",
                          "except Exception:", "    pass", "else:", "    raise GuardFailed"]
            else:
                lines.append(self._guard_line(step, bind_global))
            for var in last_use.get(pos, ()):
                lines.append(f"del v{var}")
        lines.append(f"return {self._output_expr(self.out, expr)}")
        if self.slots:
            # this thread's buffers, released however the replay ends (a guard fails...)
            lines = (["_b = _take()", "try:"] + [f"    {ln}" for ln in lines]
                     + ["finally:", "    _b.busy = False"])
        args = ", ".join(f"v{k}" for k in range(self.n_inputs))
        self.source = f"def replay({args}):\n" + "".join(f"    {ln}\n" for ln in lines)
        code = compile(self.source, f"<optad.jit of {self.name}>", "exec")
        exec(code, env)
        self.fn = env["replay"]
        return self.fn

    def _guard_line(self, step, bind_global):
        _, var, convert, expected = step
        if convert is bool or (convert is None and type(expected) in (bool, np.bool_)):
            return f"if {'not ' if expected else ''}v{var}: raise GuardFailed"
        if convert is int or convert is operator.index:
            return f"if {bind_global(convert, 'f')}(v{var}) != {int(expected)!r}: raise GuardFailed"
        value = f"v{var}" if convert is None else f"{bind_global(convert, 'f')}(v{var})"
        return f"if not _same({value}, {bind_global(expected, 'c')}): raise GuardFailed"

    def _output_expr(self, t, expr):
        kind = type(t)
        if kind is Ref:
            return f"_own(v{t.var})" if self.kinds[t.var] is np.ndarray else f"v{t.var}"
        if kind is Const:
            return f"{expr(t)}.copy()" if type(t.value) is np.ndarray else expr(t)
        if kind is Seq:
            inner = ", ".join(self._output_expr(i, expr) for i in t.items)
            if t.kind is tuple:
                return f"({inner},)" if len(t.items) == 1 else f"({inner})"
            return f"[{inner}]"
        if kind is Dict:
            return "{" + ", ".join(f"{k!r}: {self._output_expr(i, expr)}"
                                   for k, i in zip(t.keys, t.items)) + "}"
        return expr(t)

    # --- liveness ---------------------------------------------------------------------------
    def _live(self):
        """Which steps to keep: those whose results reach an output or a guard (dead-step
        elimination); guards and shape guards are always kept."""
        needed = set()
        collect_refs(self.out, needed)
        keep = [False] * len(self.steps)
        for pos in range(len(self.steps) - 1, -1, -1):
            step = self.steps[pos]
            kind = step[0]
            if kind is GUARD:
                keep[pos] = True
                needed.add(step[1])
            elif kind is RAISES:
                keep[pos] = True
                for a in step[2]:
                    collect_refs(a, needed)
                for a in (step[3] or {}).values():
                    collect_refs(a, needed)
            elif kind is CALL:
                if step[4] in needed or step[5]:
                    keep[pos] = True
                    for a in step[2]:
                        collect_refs(a, needed)
                    if step[3]:
                        for a in step[3].values():
                            collect_refs(a, needed)
            elif kind is ITEM:
                if step[3] in needed or step[4]:
                    keep[pos] = True
                    needed.add(step[1])
            elif step[2] in needed:     # CONST
                keep[pos] = True
        return keep

    def _last_uses(self, steps, outputs):
        """{position: large array values last read there} (to ``del`` them)."""
        last = {}
        for pos, step in enumerate(steps):
            for var in reads(step):
                last[var] = pos
        for pos, step in enumerate(steps):
            # (a value written into in place lives on under its new name)
            if step[0] is INPLACE and last.get(step[4]) == pos:
                del last[step[4]]
            elif step[0] is SCATTER and last.get(step[1]) == pos:
                del last[step[1]]
        by_pos = {}
        for var, pos in last.items():
            shape = self.shapes[var]
            if (var >= self.n_inputs and var not in outputs and shape is not None
                    and math.prod(shape) >= FREE_MIN_SIZE):
                by_pos.setdefault(pos, []).append(var)
        return by_pos


def _guard_key(steps):
    """What the guards of a program check, hashable: two programs with equal keys took
    the same branches (and are the same program)."""
    key = [len(steps)]
    for pos, step in enumerate(steps):
        if step[0] is GUARD:
            expected = step[3]
            if type(expected) is np.ndarray:
                expected = (expected.shape, expected.dtype.str, expected.tobytes())
            else:
                expected = (type(expected).__name__, repr(expected))
            key.append((pos, step[1], expected))
        elif step[0] is RAISES:
            key.append((pos, "raises"))
    return tuple(key)


class _Buffers(list):
    """One thread's preallocated intermediates of one program (see ``plan_buffers``)."""

    __slots__ = ("busy",)


def _buffer_source(slots):
    """``take()``: this thread's buffers for a program with these slots, allocated at a
    thread's first replay. A replay that starts while the thread's buffers are in use
    (the program re-entered from inside itself) gets a set of its own."""
    local = threading.local()

    def take():
        b = local.__dict__.get("b")
        if b is None or b.busy:
            fresh = _Buffers(np.empty(shape, dtype) for shape, dtype in slots)
            if b is None:
                local.b = fresh
            b = fresh
        b.busy = True
        return b
    return take


def _scatter_into():
    from ..prims.indexing import _scatter_into
    return _scatter_into


def _getitem_impl():
    from ..prims.indexing import getitem_prim
    return getitem_prim.impl
