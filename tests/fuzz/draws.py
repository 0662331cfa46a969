"""Small draws shared by the op catalogs: input shapes, thresholds, axes, keys, operands.

Each takes the builder ``b`` (``programs.Builder``) and returns a value or NumPy source
text; constants they need are registered with ``b.constant``.

>>> fmt(0.123456)
'0.123'
"""

import math

import numpy as np

__all__ = ["small_shape", "large_shape", "related_shape", "fmt", "quantile", "draw_axis",
           "axis_kw", "reduced_count", "slice_text", "basic_key", "index_array", "mask",
           "partner", "smooth_unary"]


# --- shapes of inputs ---------------------------------------------------------------------
def small_shape(b):
    ndim = b.integer(0, 3)
    return tuple(b.integer(1, 5) for _ in range(ndim))


def large_shape(b):
    """A shape of 4096..8191 or 32768..40000 elements (past each fast-path threshold)."""
    total = b.integer(4096, 8191) if b.flag() else b.integer(32768, 40000)
    ndim = b.integer(1, 3)
    if ndim == 1:
        return (total,)
    if ndim == 2:
        if b.flag(30):
            n = math.isqrt(total - 1) + 1
            return (n, n)
        m = b.choice((64, 100, 128, 200, 3, 7))
        return (m, -(-total // m))
    a, c = b.choice((2, 3, 8)), b.choice((16, 32, 5))
    return (a, -(-total // (a * c)), c)


def related_shape(b, first, large):
    """A second input's shape: the same, a broadcastable part of it, a scalar, or unrelated."""
    kind = b.choice(("same", "suffix", "ones", "scalar", "other"))
    if kind == "same" or (kind in ("suffix", "ones") and not first):
        return first
    if kind == "suffix":
        return first[b.integer(1, len(first)):] if len(first) > 1 else first
    if kind == "ones":
        return tuple(1 if b.flag() else s for s in first)
    if kind == "scalar":
        return ()
    return large_shape(b) if large and b.flag(30) else small_shape(b)


# --- small helpers --------------------------------------------------------------------------
def fmt(x):
    return repr(round(float(x), 3))


def quantile(b, a):
    """A threshold inside ``a``'s values (masks and clips select some of them)."""
    v = np.asarray(b.value(a))
    return fmt(np.quantile(v, b.choice((0.5, 0.25, 0.75, 0.1, 0.9))))


def draw_axis(b, ndim, allow_tuple=True, allow_none=True):
    """None, an int (possibly negative) or a tuple of axes, as (value, text)."""
    kinds = ["int"] + (["none"] if allow_none else []) + (["tuple"] if allow_tuple and ndim >= 2 else [])
    kind = b.choice(kinds)
    if kind == "none":
        return None
    if kind == "int":
        k = b.integer(0, ndim - 1)
        return k - ndim if b.flag(25) else k
    axes = sorted({b.integer(0, ndim - 1) for _ in range(b.integer(1, ndim))})
    return tuple(axes)


def axis_kw(axis):
    return "" if axis is None else f", axis={axis}"


def reduced_count(shape, axis):
    if axis is None:
        return int(np.prod(shape, dtype=int))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[k] for k in axes], dtype=int))


def slice_text(b, n):
    """A non-empty slice of an axis of length n, as text."""
    step = b.choice((1, 2, -1, 3, -2))
    start = None if b.flag() else b.integer(-n, n - 1)
    stop = None if b.flag() else b.integer(-n, n)
    if len(range(*slice(start, stop, step).indices(n))) == 0:
        return ":"
    text = f"{'' if start is None else start}:{'' if stop is None else stop}"
    return text + (f":{step}" if step != 1 else "")


def basic_key(b, shape, ints=True):
    """A basic index (slices with steps, ints, Ellipsis, None) as text."""
    parts = []
    for n in shape[:b.integer(1, len(shape))]:
        kind = b.choice(("slice", "all", "int") if ints else ("slice", "all"))
        parts.append(slice_text(b, n) if kind == "slice" else ":" if kind == "all"
                     else str(b.integer(-n, n - 1)))
    if b.flag(10):
        parts = ["..."] + parts[1:] if len(parts) < len(shape) else parts
    if b.flag(10):
        parts.insert(b.integer(0, len(parts)), "None")
    return ", ".join(parts)


def index_array(b, n, m, repeats):
    """Integer indices into an axis of length n (m of them), as text; with ``repeats``
    some element is selected twice (possibly once as i and once as i - n)."""
    seed = b.seed()
    if repeats:
        idx = list(np.random.default_rng(seed).integers(-n, n, size=max(m, 2)))
        j = idx[0] % n
        idx[-1] = j - n if b.flag() else j
        if len(idx) <= 12:
            return repr([int(i) for i in idx])
        return b.constant(f"np.array({[int(i) for i in idx]})")
    m = min(m, n)
    if m <= 12:
        idx = np.random.default_rng(seed).permutation(n)[:m]
        return repr([int(i) - (n if b.flag(20) else 0) for i in idx])
    return b.constant(f"np.random.default_rng({seed}).permutation({n})[:{m}]")


def mask(b, shape):
    """A constant boolean mask of ``shape`` with at least one True, as a constant name."""
    for _ in range(5):
        code = f"np.random.default_rng({b.seed()}).random({tuple(shape)}) < {b.choice((0.5, 0.2, 0.8))}"
        if np.any(eval(code, {"np": np})):  # noqa: S307
            return b.constant(code)
    return b.constant(f"np.ones({tuple(shape)}, dtype=bool)")


def partner(b, shape, exclude=()):
    """An operand that broadcasts with ``shape``: a variable, a constant array or a number."""
    kind = b.choice(("var", "const", "number", "var"))
    if kind == "var":
        def fits(n):
            if n in exclude:
                return False
            try:
                out = np.broadcast_shapes(shape, b.shape(n))
            except ValueError:
                return False
            return int(np.prod(out, dtype=int)) <= b.profile.cap
        name = b.pick(fits)
        if name is not None:
            return name
    if kind == "number" or not shape:
        return b.array(())
    variant = b.choice(("same", "suffix", "ones"))
    if variant == "suffix":
        shape = shape[b.integer(0, len(shape)):]
    elif variant == "ones":
        shape = tuple(1 if b.flag() else s for s in shape)
    return b.array(shape)


def smooth_unary(b, expr):
    """``expr`` through a smooth, everywhere-defined elementwise function (for write values)."""
    return b.choice(("np.sin({a})", "{a}", "2.0 * {a}", "np.tanh({a})", "{a} ** 2",
                     "np.exp(np.tanh({a}))")).format(a=expr)
