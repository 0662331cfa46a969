"""Operations that read by index and write into arrays (the families of writes live here).

``getitem`` draws basic, integer, fancy (with repeats), two-array, mask, data-mask,
``np.take`` and argmax-selected reads; ``write`` draws ``y[key] = v``, ``+=``, ``-=``,
``*=`` and whole-array ``op=`` into a fresh array (``np.zeros_like`` and friends) or an
existing one. Which family a write belongs to is read from what NumPy shares
(``np.shares_memory``), not from how the code looks: see ``_write_families``.

>>> sorted(name for name, _ in FRESH)[:3]
['copy', 'copy-method', 'empty_like']
"""

import numpy as np

from .draws import basic_key, index_array, mask, quantile, slice_text, smooth_unary

__all__ = ["getitem", "write", "stale_view", "overlap", "FRESH"]


# --- reading by index -------------------------------------------------------------------------
def getitem(b, a):
    shape = b.shape(a)
    if not shape or not b.ndarray(a):
        return None
    kind = b.choice(("basic", "fancy", "mask", "mask-data", "take", "fancy2", "int", "argmax"))
    kinks = ()
    nd = len(shape)
    if kind == "basic":
        code = f"{a}[{basic_key(b, shape)}]"
    elif kind == "int":
        code = f"{a}[{', '.join(str(b.integer(-n, n - 1)) for n in shape[:b.integer(1, nd)])}]"
    elif kind == "argmax":
        fn = b.choice(("argmax", "argmin"))
        code = f"{a}[np.unravel_index(np.{fn}({a}), {shape})]" if nd > 1 else f"{a}[np.{fn}({a})]"
        kinks = (f"np.{fn}({a})",)
    elif kind in ("fancy", "take"):
        axis = b.integer(0, nd - 1)
        n = shape[axis]
        idx = index_array(b, n, b.integer(1, min(2 * n, 300)), repeats=b.flag(60))
        if kind == "take":
            code = f"np.take({a}, {idx}, axis={axis})"
        else:
            parts = [":"] * axis + [idx]
            if axis + 1 < nd and b.flag(30):
                parts.append(slice_text(b, shape[axis + 1]))
            code = f"{a}[{', '.join(parts)}]"
    elif kind == "fancy2" and nd >= 2:
        m = b.integer(1, 20)
        code = f"{a}[{index_array(b, shape[0], m, True)}, {index_array(b, shape[1], m, True)}]"
    elif kind == "mask":
        lead = shape[:b.integer(1, nd)]
        code = f"{a}[{mask(b, lead)}]"
    elif kind == "mask-data":
        other = b.pick(lambda n: b.shape(n) == shape) or a
        cond = f"{other} > {quantile(b, other)}"
        code = f"{a}[{cond}]"
        kinks = (cond,)
    else:
        return None
    return b.accept(f"{b.fresh()} = {code}", "getitem-" + kind, kinks, defines=b.fresh())


# --- writing ----------------------------------------------------------------------------------
def _write_value(b, target_shape, target, key):
    """A right-hand side for ``target[key] = ...`` and whether it reads the target's memory."""
    kind = b.choice(("number", "var", "unary-self", "const", "unary-var", "overlap"))
    if kind == "number":
        return b.array(())
    if kind == "const":
        return b.array(target_shape)
    if kind == "unary-self":
        return smooth_unary(b, f"{target}[{key}]")
    if kind == "overlap":
        # a plain view of the target with the same shape: NumPy copies before writing
        return f"{target}[{key}]"
    fits = lambda n: (n != target and _broadcasts_to(b.shape(n), target_shape))  # noqa: E731
    name = b.pick(fits)
    if name is None:
        return b.array(target_shape)
    return name if kind == "var" else smooth_unary(b, name)


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _write_families(b, target, rhs, repeated):
    """Which families a write into ``target`` with right side ``rhs`` belongs to, from
    what NumPy shares (``np.shares_memory``), not from how the code looks."""
    fams = set()
    earlier, later = b.sharing(target)
    if earlier:
        fams.add("view_write")     # the target views another variable
    if later:
        fams.add("stale_view")     # another variable views the target
    try:
        rv = b.value(rhs)
        if isinstance(rv, np.ndarray) and np.shares_memory(rv, b.env[target]):
            fams.add("overlap_write")
    except Exception:
        pass
    if repeated:
        fams.add("repeated_write")
    if not earlier and b.made_by.get(target) in _COPIES_OPTAD_CALLS_VIEWS:
        fams.add("copy_as_view")
    if earlier and b.made_by.get(target, "").startswith("matmul:np.einsum"):
        fams.add("einsum_view")    # NumPy's einsum returns a view for a pure transpose
    return fams or {"core"}


FRESH = (("zeros_like", "np.zeros_like({a})"), ("ones_like", "np.ones_like({a})"),
         ("full_like", "np.full_like({a}, 0.5)"), ("copy-method", "{a}.copy()"),
         ("copy", "np.copy({a})"), ("times-one", "{a} * 1.0"),
         # empty_like is defined only once every element is written
         ("empty_like", "np.empty_like({a})\n{v}[...] = 0.0"))


# Shape functions optad records as views (it implements them with reshape, transpose or
# broadcast_to); where NumPy copied instead, a write into the result is refused (FOUND_BROKEN).
_COPIES_OPTAD_CALLS_VIEWS = {"flatten", "tile", "roll", "reshape", "ravel", "expand_dims",
                             "squeeze", "transpose", "T", "swapaxes", "moveaxis"}


def write(b, a):
    """``y = np.zeros_like(a); y[key] = value`` and friends: =, +=, -=, *=, whole-array op=."""
    shape = b.shape(a)
    if not shape:
        return None
    target = a
    if b.flag(60) or not (b.ndarray(a) and b.env[a].flags.writeable):
        name, fresh = b.choice(FRESH)
        if name == "copy-method" and not b.ndarray(a):
            name, fresh = FRESH[4]
        v = b.fresh()
        target = b.accept(f"{v} = " + fresh.format(a=a, v=v), name, defines=v)
        if target is None:
            return None
    nd = len(shape)
    kind = b.choice(("basic", "fancy", "mask", "mask-data", "int", "whole", "repeated",
                     "ellipsis"))
    kinks, repeated = (), False
    if kind == "basic":
        key = basic_key(b, shape)
    elif kind == "int":
        key = ", ".join(str(b.integer(-n, n - 1)) for n in shape[:b.integer(1, nd)])
    elif kind in ("fancy", "repeated"):
        axis = b.integer(0, nd - 1)
        n = shape[axis]
        repeated = kind == "repeated"
        key = ", ".join([":"] * axis + [index_array(b, n, b.integer(1, min(2 * n, 200)), repeated)])
    elif kind == "mask":
        key = mask(b, shape[:b.integer(1, nd)])
    elif kind == "mask-data":
        key = f"{target} > {quantile(b, target)}"
        kinks = (key,)
    elif kind == "ellipsis":
        key = "..."
    else:
        key = None
    op = b.choice(("=", "+=", "-=", "*=", "="))
    if key is None:
        if op == "=":
            op = "+="
        rhs = _write_value(b, shape, target, "...")
        code = f"{target} {op} {rhs}"
    else:
        try:
            tshape = np.shape(b.value(f"{target}[{key}]"))
        except Exception:
            return None
        if 0 in tshape:
            return None
        rhs = _write_value(b, tshape, target, key)
        code = f"{target}[{key}] {op} {rhs}"
    fams = _write_families(b, target, rhs, repeated)
    return b.accept(code, f"setitem-{kind}{op}", kinks, families=fams, writes=(target,))


def stale_view(b, a):
    """``w = y[key]`` (a view), then a write into ``y``: NumPy's ``w`` sees the write."""
    if "stale_view" not in b.enabled or not b.ndarray(a) or not b.shape(a):
        return None
    target = a
    if not b.env[a].flags.writeable or b.sharing(a)[0]:
        v = b.fresh()
        target = b.accept(f"{v} = np.copy({a})", "copy", defines=v)
        if target is None:
            return None
    w = b.fresh()
    if b.accept(f"{w} = {target}[{basic_key(b, b.shape(target), ints=False)}]", "getitem-basic",
                defines=w) is None:
        return None
    return write_into(b, target)


def write_into(b, target):
    """A write into an existing variable (its families found by ``_write_families``)."""
    shape = b.shape(target)
    key = basic_key(b, shape)
    try:
        tshape = np.shape(b.value(f"{target}[{key}]"))
    except Exception:
        return None
    rhs = _write_value(b, tshape, target, key)
    op = b.choice(("=", "+="))
    code = f"{target}[{key}] {op} {rhs}"
    return b.accept(code, f"setitem-basic{op}", (), families=_write_families(b, target, rhs, False),
                    writes=(target,))


def overlap(b, a):
    """``d[k1] = d[k2]`` with two overlapping slices of the same length."""
    if "overlap_write" not in b.enabled or not b.ndarray(a) or not b.shape(a):
        return None
    n = b.shape(a)[0]
    if n < 2:
        return None
    v = b.fresh()
    target = b.accept(f"{v} = np.copy({a})", "copy", defines=v)
    if target is None:
        return None
    m = b.integer(1, n - 1)
    s1, s2 = b.integer(0, n - m), b.integer(0, n - m)
    op = b.choice(("=", "+="))
    rhs = f"{target}[{s2}:{s2 + m}]"
    code = f"{target}[{s1}:{s1 + m}] {op} {rhs}"
    if b.flag() and n >= 4:
        code, rhs = f"{target}[::2] {op} {target}[:{(n + 1) // 2}]", f"{target}[:{(n + 1) // 2}]"
    return b.accept(code, f"setitem-overlap{op}", (),
                    families=_write_families(b, target, rhs, False), writes=(target,))
