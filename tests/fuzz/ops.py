"""The catalog of operations a fuzz program is made of (reads and writes by index: ``indexing``).

Each generator takes the builder ``b`` (``programs.Builder``: draws, the values so far,
``b.accept``) and a variable name ``a`` to start from, and appends zero or more ops
through ``b.accept(code, name, kinks=..., families=..., defines=..., writes=...)``.
Generators only propose; ``accept`` runs the op in NumPy and refuses it if it fails or
leaves non-finite, empty or oversized values, so a generator may be optimistic about
shapes. Domains are kept by construction (``np.log(a * a + 1.0)``) or by the current
values (``np.log(a)`` only where every ``a`` > 0.05: the finite-difference steps are far
smaller than that margin).

>>> [g.__name__ for g in GENERATORS][:3]
['unary', 'binary', 'reduce']
"""

import math
from collections import namedtuple

import numpy as np
from hypothesis import strategies as st

from .draws import axis_kw, draw_axis, fmt, mask, partner, quantile, reduced_count
from .indexing import getitem, overlap, stale_view, write

__all__ = ["GENERATORS", "generators", "UNARY", "BINARY"]


# --- elementwise ------------------------------------------------------------------------------
def _pos(m):
    return lambda v: np.min(v) > m


def _away(m):
    return lambda v: np.min(np.abs(v)) > m


def _below(m):
    return lambda v: np.max(v) < m


U = namedtuple("U", "name template guard kink", defaults=(None, None))
UNARY = (
    U("sin", "np.sin({a})"), U("cos", "np.cos({a})"), U("tanh", "np.tanh({a})"),
    U("arctan", "np.arctan({a})"), U("neg", "-{a}"), U("negative", "np.negative({a})"),
    U("square", "np.square({a})"), U("pow2", "{a} ** 2"), U("pow3", "{a} ** 3"),
    U("exp", "np.exp({a})", _below(3.0)), U("expm1", "np.expm1({a})", _below(3.0)),
    U("exp-tanh", "np.exp(np.tanh({a}))"), U("log-sq", "np.log({a} * {a} + 1.0)"),
    U("log1p-sq", "np.log1p({a} ** 2)"), U("log", "np.log({a})", _pos(0.05)),
    U("log2", "np.log2({a})", _pos(0.05)), U("log10", "np.log10({a})", _pos(0.05)),
    U("softplus", "np.log(np.exp({a}) + 1.0)", _below(20.0)),
    U("sqrt-sq", "np.sqrt({a} * {a} + 0.5)"), U("sqrt", "np.sqrt({a})", _pos(0.05)),
    U("pow-half", "{a} ** 0.5", _pos(0.05)), U("pow-neg", "({a} ** 2 + 1.0) ** -1.5"),
    U("power", "np.power({a} * {a} + 0.5, 1.5)"), U("float_power", "np.float_power({a} * {a} + 0.5, 0.7)"),
    U("rdiv-sq", "1.0 / ({a} * {a} + 1.0)"), U("reciprocal", "np.reciprocal({a})", _away(0.2)),
    U("rdiv", "2.0 / {a}", _away(0.2)), U("cbrt", "np.cbrt({a})", _away(0.05)),
    U("sinh", "np.sinh({a})"), U("cosh", "np.cosh({a})"), U("exp2", "np.exp2({a})", _below(3.0)),
    U("arcsin", "np.arcsin(0.9 * np.tanh({a}))"), U("arccos", "np.arccos(0.9 * np.tanh({a}))"),
    U("arcsinh", "np.arcsinh({a})"), U("tan", "np.tan(0.5 * np.tanh({a}))"),
    U("hypot1", "np.hypot({a}, 1.0)"), U("logaddexp0", "np.logaddexp({a}, 0.0)"),
    U("rsub", "1.0 - {a}"), U("scale", "{a} * 3.0"), U("rscale", "0.5 * {a}"),
    U("add-const", "{a} + 2.0"), U("div-const", "{a} / 4.0"), U("positive", "+{a}"),
    U("copy", "np.copy({a})"), U("degrees", "np.deg2rad({a})"),
    U("abs", "np.abs({a})", None, "np.sign({a})"), U("abs-builtin", "abs({a})", None, "np.sign({a})"),
    U("fabs", "np.fabs({a})", None, "np.sign({a})"),
    U("sign-mul", "np.sign({a}) * {a}", None, "np.sign({a})"),
    U("relu", "np.maximum({a}, 0.0)", None, "{a} > 0.0"),
    U("min0", "np.minimum(0.0, {a})", None, "{a} < 0.0"),
    # piecewise constant (derivative 0) or with jumps: the kink is the integer part
    U("floor-plus", "np.floor(2.0 * {a}) + {a}", None, "np.floor(2.0 * {a})"),
    U("round-plus", "np.round({a}, 1) * {a}", None, "np.round({a}, 1)"),
    U("floordiv", "({a} // 0.5) * {a}", None, "{a} // 0.5"),
    U("sign", "np.sign({a}) * {a} ** 2", None, "np.sign({a})"),
    U("fmod", "np.fmod({a}, 0.7)", None, "np.trunc({a} / 0.7)"),
    U("remainder", "np.remainder({a}, 0.7)", None, "np.floor({a} / 0.7)"),
    U("mod-op", "{a} % 0.9", None, "np.floor({a} / 0.9)"),
    U("rpow", "1.5 ** {a}", _below(10.0)), U("rad2deg", "np.rad2deg({a})"),
    U("log1p", "np.log1p({a})", _pos(-0.9)),
)


def unary(b, a):
    v = np.asarray(b.value(a))
    options = [u for u in UNARY if u.guard is None or u.guard(v)]
    kind = b.choice(options[:3] + ["clip", "maximum-q", "power-p"] + options[3:])
    if kind == "clip":
        lo, hi = sorted((quantile(b, a), quantile(b, a)), key=float)
        if b.flag(25):
            lo = "None"
        elif b.flag(25):
            hi = "None"
        if lo == hi:
            return None
        kinks = tuple(k for k, t in ((f"{a} < {lo}", lo), (f"{a} > {hi}", hi)) if t != "None")
        form = "{a}.clip({lo}, {hi})" if b.ndarray(a) and b.flag(30) else "np.clip({a}, {lo}, {hi})"
        return b.accept(f"{b.fresh()} = " + form.format(a=a, lo=lo, hi=hi), "clip", kinks,
                        defines=b.fresh())
    if kind == "maximum-q":
        t, fn = quantile(b, a), b.choice(("maximum", "minimum", "fmax", "fmin"))
        return b.accept(f"{b.fresh()} = np.{fn}({a}, {t})", fn, (f"{a} > {t}",),
                        defines=b.fresh())
    if kind == "power-p":
        p = b.choice((-1.5, -0.5, 0.5, 2.5, 3.0, 2.0, 1.0))
        return b.accept(f"{b.fresh()} = np.power({a} * {a} + 0.5, {p})", "power-p",
                        defines=b.fresh())
    kinks = (kind.kink.format(a=a),) if kind.kink else ()
    return b.accept(f"{b.fresh()} = " + kind.template.format(a=a), kind.name, kinks,
                    defines=b.fresh())


B = namedtuple("B", "name template guard kink", defaults=(None, None))
BINARY = (
    B("add", "{a} + {b}"), B("sub", "{a} - {b}"), B("mul", "{a} * {b}"),
    B("div-safe", "{a} / ({b} * {b} + 1.0)"),
    B("div", "{a} / {b}", lambda va, vb: np.min(np.abs(vb)) > 0.2),
    B("np.add", "np.add({a}, {b})"), B("np.subtract", "np.subtract({a}, {b})"),
    B("np.multiply", "np.multiply({a}, {b})"),
    B("np.divide", "np.divide({a}, {b} ** 2 + 0.5)"),
    B("maximum", "np.maximum({a}, {b})", None, "{a} > {b}"),
    B("minimum", "np.minimum({a}, {b})", None, "{a} < {b}"),
    B("power", "np.power({a} * {a} + 0.5, {b})"), B("pow-op", "({a} ** 2 + 0.5) ** {b}"),
    B("hypot", "np.hypot({a}, {b})", lambda va, vb: np.min(va * va + vb * vb) > 0.01),
    B("arctan2", "np.arctan2({a}, {b})", lambda va, vb: np.min(va * va + vb * vb) > 0.01,
      "np.sign({a}) * ({b} < 0)"),
    B("logaddexp", "np.logaddexp({a}, {b})"), B("logaddexp2", "np.logaddexp2({a}, {b})"),
    B("mul-sub", "({a} - {b}) * {a}"), B("square-diff", "({a} - {b}) ** 2"),
    B("pow-traced", "({a} ** 2 + 0.5) ** ({b} / 2.0)"),
    B("fmax", "np.fmax({a}, {b})", None, "{a} > {b}"), B("fmin", "np.fmin({a}, {b})", None, "{a} < {b}"),
    B("clip-traced", "np.clip({a}, {b} - 0.5, {b} + 0.5)", None,
      "np.sign({a} - {b} + 0.5) + 3 * np.sign({a} - {b} - 0.5)"),
    B("fmod-traced", "np.fmod({a}, {b} ** 2 + 1.0)", None, "np.trunc({a} / ({b} ** 2 + 1.0))"),
)


def binary(b, a):
    other = partner(b, b.shape(a))
    if b.flag(30):
        a, other = other, a
    try:
        va, vo = np.asarray(b.value(a)), np.asarray(b.value(other))
    except Exception:
        return None
    options = [t for t in BINARY if t.guard is None or t.guard(va, vo)]
    t = b.choice(options)
    kinks = (t.kink.format(a=a, b=other),) if t.kink else ()
    families = ("core",)
    if t.name == "clip-traced" and va.shape != np.broadcast_shapes(va.shape, vo.shape):
        families = ("clip_broadcast",)
    return b.accept(f"{b.fresh()} = " + t.template.format(a=a, b=other), t.name, kinks,
                    families, defines=b.fresh())


# --- reductions, scans, sorting -------------------------------------------------------------
REDUCTIONS = ("sum", "mean", "max", "min", "std", "var", "prod", "norm", "amax", "average",
              "norm-ord1")


def reduce(b, a):
    shape = b.shape(a)
    nd = len(shape)
    fn = b.choice(REDUCTIONS)
    if nd == 0:
        axis = None
    elif fn in ("average", "norm-ord1"):
        axis = draw_axis(b, nd, allow_tuple=False, allow_none=fn == "average")
    else:
        axis = draw_axis(b, nd)
        if fn == "norm" and isinstance(axis, tuple) and len(axis) != 2:
            axis = None
    count = reduced_count(shape, axis)
    v = np.asarray(b.value(a))
    args = [] if axis is None else [f"axis={axis}"]
    kinks, families = (), ("core",)
    if fn in ("max", "min", "amax"):
        kinks = (f"{a} == np.{fn.replace('amax', 'max')}({a}{axis_kw(axis)}, keepdims=True)",)
    elif fn == "prod" and count > 8:
        return None
    elif fn in ("std", "var"):
        if count < 3 or np.min(np.std(v, axis=axis)) < 1e-2:
            return None
        if b.flag(30):
            args.append("ddof=1")
    elif fn == "norm" and np.min(np.linalg.norm(v, axis=axis)) < 1e-3:
        return None
    elif fn == "norm-ord1":
        args.insert(0, "ord=1")
        kinks = (f"np.sign({a})",)
    elif fn == "average":
        w = b.array((shape[axis],) if axis is not None else shape, 0.5, 2.0)
        args.append(f"weights={w}")
        if axis is not None and nd >= 2 and axis != -1:
            families = ("average_axis",)
    if fn != "average" and b.flag(35):
        args.append("keepdims=True")
    if fn in ("sum", "mean", "max", "min", "std", "var", "prod") and b.ndarray(a) and b.flag(25):
        code = f"{a}.{fn}({', '.join(args)})"
    else:
        func = {"norm": "linalg.norm", "norm-ord1": "linalg.norm"}.get(fn, fn)
        code = f"np.{func}({', '.join([a] + args)})"
    return b.accept(f"{b.fresh()} = {code}", fn, kinks, families, defines=b.fresh())


def cumsum(b, a):
    axis = draw_axis(b, len(b.shape(a)), allow_tuple=False)
    if b.flag(25) and b.ndarray(a):
        code = f"{a}.cumsum({'' if axis is None else f'axis={axis}'})"
    else:
        code = f"np.cumsum({a}{axis_kw(axis)})"
    return b.accept(f"{b.fresh()} = {code}", "cumsum", defines=b.fresh())


def sort(b, a):
    ndim = len(b.shape(a))
    axis = draw_axis(b, ndim, allow_tuple=False)
    kinks = (f"np.argsort({a}, axis={axis}, kind='stable')",)
    kind = b.choice(("sort", "take_along_axis", "fancy"))
    if kind == "take_along_axis" and axis is not None:
        code = f"np.take_along_axis({a}, np.argsort({a}, axis={axis}), axis={axis})"
    elif kind == "fancy" and ndim == 1:
        code = f"{a}[np.argsort({a})]"
        kinks = (f"np.argsort({a}, kind='stable')",)
    else:
        code = f"np.sort({a}{'' if axis == -1 else f', axis={axis}'})"
    return b.accept(f"{b.fresh()} = {code}", "sort-" + kind, kinks, defines=b.fresh())


# --- shapes -----------------------------------------------------------------------------------
def _divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0] if n <= 5000 else \
        sorted({d for k in range(1, math.isqrt(n) + 1) if n % k == 0 for d in (k, n // k)})


def reshape(b, a):
    shape = b.shape(a)
    size = int(np.prod(shape, dtype=int))
    kind = b.choice(("reshape", "transpose", "expand_dims", "ravel", "squeeze", "flip",
                     "swapaxes", "roll", "tile", "repeat", "broadcast_to", "diagonal",
                     "trace", "diag", "tril", "copy", "moveaxis", "T", "flatten", "astype"))
    arr = b.ndarray(a)
    nd = len(shape)
    families = ("core",)
    if kind == "reshape":
        dims, rest = [], size
        for _ in range(b.integer(1, 3) - 1):
            d = b.choice(_divisors(rest))
            dims.append(d)
            rest //= d
        dims.append(rest)
        if b.flag(30):
            dims[b.integer(0, len(dims) - 1)] = -1
        form = b.choice(("np.reshape({a}, {s})", "{a}.reshape({s})")) if arr else "np.reshape({a}, {s})"
        code = form.format(a=a, s=tuple(dims))
    elif kind == "transpose" and nd >= 2:
        perm = tuple(b.draw(st.permutations(range(nd))))
        code = f"np.transpose({a}, {perm})" if b.flag() or not arr else f"{a}.transpose({perm})"
    elif kind == "T" and nd >= 2 and arr:
        code = f"{a}.T"
    elif kind == "swapaxes" and nd >= 2:
        code = f"np.swapaxes({a}, {b.integer(0, nd - 1)}, {b.integer(-nd, nd - 1)})"
    elif kind == "moveaxis" and nd >= 2:
        code = f"np.moveaxis({a}, {b.integer(0, nd - 1)}, {b.integer(-nd, nd - 1)})"
    elif kind == "expand_dims":
        k = b.integer(-(nd + 1), nd)
        code = f"np.expand_dims({a}, {k})" if b.flag() or not arr else f"{a}[..., None]"
        if nd == 0 and "[" in code:
            families = ("index_0d",)
    elif kind == "ravel":
        code = f"np.ravel({a})" if b.flag() or not arr else f"{a}.ravel()"
    elif kind == "flatten" and arr:
        code = f"{a}.flatten()"
    elif kind == "astype" and arr:
        code = f"{a}.astype(np.float64)"
    elif kind == "squeeze" and 1 in shape:
        code = f"np.squeeze({a})" if b.flag() else f"np.squeeze({a}, axis={shape.index(1)})"
    elif kind == "flip" and nd >= 1:
        axis = draw_axis(b, nd, allow_tuple=True)
        code = f"np.flip({a}{axis_kw(axis)})"
    elif kind == "roll" and nd >= 1:
        axis = draw_axis(b, nd, allow_tuple=False)
        n = size if axis is None else shape[axis]
        shift = b.integer(-n, n)
        code = f"np.roll({a}, {shift}{axis_kw(axis)})"
        if axis is not None and shift % n == 0:
            families = ("roll_alias",)
    elif kind == "tile" and nd >= 1:
        reps = b.choice((2, (2, 1), (1, 3), 3))
        code = f"np.tile({a}, {reps})"
    elif kind == "repeat" and nd >= 1:
        axis = draw_axis(b, nd, allow_tuple=False)
        n = size if axis is None else shape[axis]
        reps = b.choice((2, 3, "list"))
        if reps == "list":
            reps = [int(r) for r in np.random.default_rng(b.seed()).integers(0, 3, size=n)]
            if n > 12:
                reps = b.constant(f"np.random.default_rng({b.seed()}).integers(0, 3, size={n})")
        code = f"np.repeat({a}, {reps}{axis_kw(axis)})"
    elif kind == "broadcast_to":
        new = (b.choice((2, 3)),) + tuple(b.choice((s, 3)) if s == 1 else s for s in shape)
        code = f"np.broadcast_to({a}, {new})"
    elif kind == "diagonal" and nd >= 2:
        off = b.integer(-1, 1)
        code = f"np.diagonal({a}, offset={off})" if off else f"np.diagonal({a})"
    elif kind == "trace" and nd >= 2:
        code = f"np.trace({a})"
    elif kind == "diag" and nd in (1, 2):
        code = f"np.diag({a})" if b.flag() else f"np.diag({a}, k={b.integer(-1, 1)})"
    elif kind in ("tril", "triu") and nd >= 2:
        code = f"np.{kind}({a}, k={b.integer(-1, 1)})" if b.flag() else f"np.{kind}({a})"
    elif kind == "copy":
        code = b.choice((f"np.copy({a})", f"+{a}", f"{a} * 1.0"))
    else:
        return None
    return b.accept(f"{b.fresh()} = {code}", kind, families=families, defines=b.fresh())


# --- selection and joining --------------------------------------------------------------------
def where(b, a):
    shape = b.shape(a)
    kind = b.choice(("data", "cmp", "const"))
    if kind == "const" and shape:
        cond, kinks = mask(b, shape), ()
    elif kind == "cmp":
        other = partner(b, shape)
        cond = f"{a} > {other}"
        kinks = (cond,)
    else:
        cond = f"{a} > {quantile(b, a)}"
        kinks = (cond,)
    x = b.choice((a, f"np.sin({a})", f"{a} ** 2"))
    y = partner(b, shape)
    if b.flag(30):
        x, y = y, x
    return b.accept(f"{b.fresh()} = np.where({cond}, {x}, {y})", "where-" + kind, kinks,
                    defines=b.fresh())


def join(b, a):
    shape = b.shape(a)
    nd = len(shape)
    kind = b.choice(("concatenate", "stack", "concatenate-none", "hstack", "vstack"))
    if kind == "stack" or (nd == 0 and kind != "concatenate-none"):
        others = [b.pick(lambda n: b.shape(n) == shape and n != a) or
                  b.choice((f"np.cos({a})", b.array(shape)))]
        if b.flag(30):
            others.append(a)
        axis = b.integer(-(nd + 1), nd)
        code = f"np.stack([{a}, {', '.join(others)}]{'' if axis == 0 else f', axis={axis}'})"
    elif kind == "concatenate-none":
        other = b.pick(lambda n: n != a) or a
        code = f"np.concatenate([{a}, {other}], axis=None)"
    else:
        axis = 0 if kind == "vstack" or nd < 2 else (1 if kind == "hstack" else b.integer(0, nd - 1))
        def fits(n):
            s = b.shape(n)
            return len(s) == nd and all(s[k] == shape[k] for k in range(nd) if k != axis)
        pieces = [b.pick(fits) or a]
        if b.flag(40):
            pieces.append(b.array(shape[:axis] + (b.integer(1, 3),) + shape[axis + 1:]))
        if kind in ("hstack", "vstack") and nd <= 2:
            code = f"np.{kind}([{a}, {', '.join(pieces)}])"
        else:
            code = f"np.concatenate([{a}, {', '.join(pieces)}]{'' if axis == 0 else f', axis={axis}'})"
    return b.accept(f"{b.fresh()} = {code}", kind, defines=b.fresh())


# --- linear algebra ---------------------------------------------------------------------------
def _matrix(b, rows, cols):
    """A variable of shape (rows, cols) if there is one, else a constant."""
    return b.pick(lambda n: b.shape(n) == (rows, cols)) or b.array((rows, cols))


def matmul(b, a):
    shape = b.shape(a)
    nd = len(shape)
    if nd == 0:
        return None
    k = b.integer(1, 4)
    if nd == 1:
        n = shape[0]
        vec = b.pick(lambda m: b.shape(m) == (n,) and m != a) or b.array((n,))
        code = b.choice((f"{a} @ {vec}", f"np.dot({a}, {vec})", f"np.inner({a}, {vec})",
                         f"np.vdot({a}, {vec})", f"np.einsum('i,i->', {a}, {vec})",
                         f"{a} @ {_matrix(b, n, k)}", f"{_matrix(b, k, n)} @ {a}",
                         f"np.outer({a}, {b.array((k,))})",
                         f"np.einsum('i,j->ij', {a}, {b.array((k,))})", f"np.matmul({a}, {vec})",
                         f"np.tensordot({a}, {vec}, axes=1)"))
    elif nd == 2:
        m, n = shape
        same = b.pick(lambda o: b.shape(o) == shape and o != a) or b.array(shape)
        options = [f"{a} @ {_matrix(b, n, k)}", f"{_matrix(b, k, m)} @ {a}",
                   f"np.einsum('ij,kj->ik', {a}, {_matrix(b, k, n)})",
                   f"np.einsum('i,ij->j', {b.array((m,))}, {a})", f"np.einsum('ij->ji', {a})",
                   f"np.dot({a}, {b.array((n,))})", f"np.einsum('ij,jk->ik', {a}, {_matrix(b, n, k)})",
                   f"np.einsum('ij->j', {a})", f"np.einsum('ij,ij->i', {a}, {same})",
                   f"np.tensordot({a}, {same}, axes=2)", f"np.matmul({_matrix(b, k, m)}, {a})",
                   f"np.einsum('ij,ij->', {a}, {same})"]
        if m * m <= b.profile.cap and m <= 400:
            options.append(f"{a} @ {a}.T")
        if n * n <= b.profile.cap and n <= 400:
            options.append(f"{a}.T @ {a}")
        if m * n * 4 <= b.profile.cap:   # (1-D kron is refused with a clear message: not drawn)
            options.append(f"np.kron({a}, {b.array((2, 2))})")
        if m == n:
            # (einsum 'ii->' is refused with a clear NotDifferentiableError: not drawn)
            options += [f"np.einsum('ij,jk->ik', {a}, {a})", f"{a} @ {a}"]
        code = b.choice(options)
    else:
        batch = b.array((1, shape[-1], k))
        code = b.choice((f"{a} @ {_matrix(b, shape[-1], k)}", f"np.matmul({a}, {batch})",
                         f"np.einsum('...i->...', {a})", f"np.einsum('aij->ji', {a})" if nd == 3 else f"{a} @ {batch}",
                         f"np.einsum('...ij,jk->...ik', {a}, {_matrix(b, shape[-1], k)})",
                         f"np.matmul({a}, np.swapaxes({a}, -1, -2))",
                         f"np.einsum('...ij,...ij->...', {a}, {a})"))
    return b.accept(f"{b.fresh()} = {code}", "matmul:" + code.split("(")[0].split(" ")[-1],
                    defines=b.fresh())


def linalg(b, a):
    """solve / inv / det / slogdet of a diagonally dominant matrix built from ``a``."""
    shape = b.shape(a)
    if not shape or not b.ndarray(a):
        return None
    if len(shape) >= 2 and shape[-1] == shape[-2] and shape[-1] <= 200:
        src = a
    elif len(shape) == 2 and shape[0] <= 200:
        src = f"({a} @ {a}.T)"
    elif len(shape) == 1 and shape[0] <= 200:
        src = f"np.outer({a}, {b.array(shape)})"
    else:
        return None
    S = np.asarray(b.value(src))
    n = S.shape[-1]
    shift = fmt(math.ceil(float(np.max(np.sum(np.abs(S), axis=-1)))) + 1.0)
    A = f"({src} + {shift} * np.eye({n}))"
    kind = b.choice(("solve", "inv", "det", "slogdet", "solve-mat"))
    batch = S.shape[:-2]
    if kind == "solve":
        rhs = b.pick(lambda m: b.shape(m) == batch + (n,) and m != a) if not batch else None
        code = f"np.linalg.solve({A}, {rhs or b.array(batch + (n, 1) if batch else (n,))})"
    elif kind == "solve-mat":
        code = f"np.linalg.solve({A}, {b.array(batch + (n, b.integer(1, 3)))})"
    elif kind == "inv":
        code = f"np.linalg.inv({A})"
    elif kind == "det":
        if n > 6:
            return None
        code = f"np.linalg.det({A})"
    else:
        code = f"np.linalg.slogdet({A})[1]"
    return b.accept(f"{b.fresh()} = {code}", "linalg-" + kind, defines=b.fresh())


# --- shapes of real objectives: several slices of one array, sums of squares -------------------
def stencil(b, a):
    """Rosenbrock- and Laplacian-like expressions: several slices of one parent, whose
    adjoints the engine adds into one buffer; squares whose tangents stay LinearForms."""
    shape = b.shape(a)
    if not shape or shape[-1] < 3 or not b.ndarray(a):
        return None
    lead = ":, " * (len(shape) - 1)
    hi, lo, mid = f"{a}[{lead}1:]", f"{a}[{lead}:-1]", f"{a}[{lead}1:-1]"
    hi2, lo2 = f"{a}[{lead}2:]", f"{a}[{lead}:-2]"
    name, code = b.choice((
        ("rosenbrock", f"100.0 * ({hi} - {lo} ** 2) ** 2 + (1.0 - {lo}) ** 2"),
        ("laplacian", f"{hi2} - 2.0 * {mid} + {lo2}"),
        ("diff-squared", f"({hi} - {lo}) ** 2"),
        ("product-neighbours", f"{hi} * {lo} - 0.5 * {mid if len(shape) == 1 else hi}.sum()"),
        ("scaled-square", f"-3.0 * ({a} - 0.5) ** 2 + 2.0 * {a} ** 2"),
    ))
    return b.accept(f"{b.fresh()} = {code}", "stencil-" + name, defines=b.fresh())


# --- the known-broken families (drawn only when enabled) ---------------------------------------
def complex_constant(b, a):
    if "complex" not in b.enabled:
        return None
    code, kinks = b.choice(((f"np.abs({a} * (0.6 + 0.8j))", (f"np.sign({a})",)),
                            (f"(({a} + 0.5j) * ({a} - 0.5j)).real", ()),
                            (f"np.abs(np.exp(1j * {a}) + 2.0)", ())))
    return b.accept(f"{b.fresh()} = {code}", "complex", kinks, families=("complex",),
                    defines=b.fresh())


def nan_grad(b, a):
    """Functions whose derivative exists where today's rules give NaN."""
    if "nan_grad" not in b.enabled:
        return None
    v = np.asarray(b.value(a))
    options = [("pow0", f"({a} - {a}) ** 0"), ("hypot00", f"np.hypot({a} - {a}, {a} - {a})"),
               ("cbrt0", f"np.cbrt({a} * 0.0)"), ("sqrt0", f"np.sqrt({a} * 0.0)"),
               ("std0", f"np.std({a} - {a})"), ("var0", f"np.var({a} * 0.0 + 1.0)"),
               ("norm0", f"np.linalg.norm({a} - {a})")]
    kinks = ()
    if np.min(v) < -0.05:
        options.append(("where-sqrt", f"np.where({a} > 0, np.sqrt({a}), 0.0)"))
    if v.ndim == 1 and 3 <= v.size <= 6:
        options.append(("det-singular", f"np.linalg.det(np.outer({a}, {a}))"))
    name, code = b.choice(options)
    if name == "where-sqrt":
        kinks = (f"{a} > 0",)
    return b.accept(f"{b.fresh()} = {code}", "nan:" + name, kinks, families=("nan_grad",),
                    defines=b.fresh())


GENERATORS = (unary, binary, reduce, reshape, getitem, write, where, join, matmul, linalg,
              cumsum, sort, stencil, stale_view, overlap, complex_constant, nan_grad)
_NEED_AXES = {getitem, write, matmul, linalg, cumsum, sort, stencil, stale_view, overlap}
_WEIGHT = {unary: 4, binary: 4, reduce: 2, reshape: 2, getitem: 3, write: 3}


def generators(b, a):
    """The generators worth trying from ``a`` (weighted by repetition: Hypothesis draws uniformly)."""
    out = []
    scalar = not b.shape(a)
    for g in GENERATORS:
        if scalar and g in _NEED_AXES:
            continue
        if g in (stale_view, overlap) and not {"stale_view", "overlap_write"} & b.enabled:
            continue
        if g is complex_constant and "complex" not in b.enabled:
            continue
        if g is nan_grad and "nan_grad" not in b.enabled:
            continue
        out += [g] * _WEIGHT.get(g, 1)
    return out
