"""Rewrites of a recorded program before its source is generated (:mod:`optad.jit.program`).

Each pass keeps the values the program computes (bitwise, except where noted):

* **common subexpressions**: a step that repeats an earlier one (same function, same
  arguments: ``x[:-1]`` read twice) reuses its result;
* **folded negations**: ``-(a * c)`` with ``c`` a constant number becomes ``a * (-c)``
  (IEEE negation is exact, so the values are the same bits);
* **scatter-adds**: ``x + untake(g, key)`` (a reverse rule of indexing adding into an
  adjoint) becomes an add of ``g`` into ``x[key]`` when ``x`` is a temporary nothing
  else reads: no zeros array, no full-size add (as the eager engine's scatter; a ``-0.0``
  of ``x`` outside ``key`` stays ``-0.0``, where ``x + 0.0`` would give ``+0.0``);
* **in-place arithmetic**: an elementwise step whose array operand is a temporary that
  nothing reads afterwards (nor any view of it) writes its result into that operand
  (``out=``), as NumPy's own temporary elision does: fewer allocations and page faults.

Temporaries are arrays a step made (``JitTrace.owned``: not views, not arguments) by
operators, ufuncs or the scatter of indexing, which always allocate. Inputs, constants
and outputs are never written into, and each call makes its own temporaries, so replays
in several threads share nothing.

>>> import numpy as np
>>> from optad.jit.trace import JitTrace
>>> from optad.jit.program import Program
>>> with JitTrace() as tr:
...     x = tr.new_input(np.ones(5000))
...     y = np.sum(-(x[1:] * 2.0) + x[1:] ** 2)
...     out = tr._scan(y)[1]
>>> p = Program(tr, 1, out, "f")
>>> _ = p.compile()
>>> print(p.source)     # doctest: +NORMALIZE_WHITESPACE
def replay(v0):
    _b = _take()
    try:
        v1 = v0[slice(1, None, None)]
        v3 = f1(v1, c0, out=_b[0])
        v5 = f2(v1, 2, out=_b[1])
        del v1
        v6 = f3(v3, v5, out=v3)
        del v5
        v7 = f4(v6, axis=None, keepdims=False)
        del v6
        return v7
    finally:
        _b.busy = False
<BLANKLINE>
"""

import math
import operator

import numpy as np

from .trace import CALL, CONST, GUARD, ITEM, RAISES, Const, Dict, Ref, Seq, Slice

__all__ = ["optimize", "reads", "writes", "INPLACE", "SCATTER"]

#: Rewritten step kinds: ``(INPLACE, fn, args, out, target)`` computes ``fn(*args,
#: out=target)``; ``(SCATTER, x, g, key, out, src)`` adds ``g`` into ``x[key]`` and names
#: the result ``out`` (``src``: where the untake it replaces was).
INPLACE, SCATTER = "inplace", "scatter"

_BINARY = {operator.add: np.add, operator.sub: np.subtract, operator.mul: np.multiply,
           operator.truediv: np.true_divide}


def _scatter_impls():
    from ..prims import indexing
    return {indexing.untake.impl}


def _square(x, two, out=None):
    """``x ** 2`` into ``out``: NumPy's ``ndarray ** 2`` runs ``np.square``."""
    return np.square(x, out=out)


def optimize(steps, meta):
    """The steps, rewritten (see the module docstring). ``meta``: the trace (kinds,
    shapes, dtypes, owned), the number of inputs and the output values."""
    steps = _common_subexpressions(steps, meta)
    steps = _fold_negations(steps, meta)
    return _in_place(steps, meta)


# --- helpers -------------------------------------------------------------------------------
def _rename(t, names):
    kind = type(t)
    if kind is Ref:
        new = names.get(t.var)
        return t if new is None else Ref(new)
    if kind is Seq:
        return Seq(t.kind, [_rename(i, names) for i in t.items])
    if kind is Dict:
        return Dict(t.keys, [_rename(i, names) for i in t.items])
    if kind is Slice:
        return Slice(_rename(t.start, names), _rename(t.stop, names), _rename(t.step, names))
    return t


def _key(t):
    """A hashable description of an argument template (None: not comparable)."""
    kind = type(t)
    if kind is Ref:
        return ("v", t.var)
    if kind is Const:
        return ("c", id(t.value))
    if kind is Seq:
        items = tuple(_key(i) for i in t.items)
        return None if None in items else (t.kind.__name__, items)
    if kind is Slice:
        parts = (_key(t.start), _key(t.stop), _key(t.step))
        return None if None in parts else ("slice", parts)
    if kind is Dict:
        return None
    try:
        hash(t)
    except TypeError:
        return None
    return ("lit", type(t).__name__, t)


def _reads(step):
    """The values a step reads."""
    out = set()
    kind = step[0]
    if kind is CALL or kind is RAISES or kind is INPLACE:
        for a in step[2]:
            collect_refs(a, out)
        if (kind is CALL or kind is RAISES) and step[3]:
            for a in step[3].values():
                collect_refs(a, out)
        if kind is INPLACE:
            out.add(step[4])
    elif kind is ITEM or kind is GUARD:
        out.add(step[1])
    elif kind is SCATTER:
        out.add(step[1])
        collect_refs(step[2], out)
        collect_refs(step[3], out)
    elif kind is CONST:
        collect_refs(step[1], out)
    return out


def collect_refs(t, into):
    """Add the variables ``t`` (a step's argument template) refers to into the set ``into``."""
    kind = type(t)
    if kind is Ref:
        into.add(t.var)
    elif kind is Seq or kind is Dict:
        for i in t.items:
            collect_refs(i, into)
    elif kind is Slice:
        collect_refs(t.start, into)
        collect_refs(t.stop, into)
        collect_refs(t.step, into)


def writes(step):
    """The value a step defines (None for guards)."""
    kind = step[0]
    if kind is CALL:
        return step[4]
    if kind is CONST:
        return step[2]
    if kind is ITEM or kind is INPLACE:
        return step[3]
    if kind is SCATTER:
        return step[4]
    return None


reads = _reads


# --- the passes ------------------------------------------------------------------------------
def _common_subexpressions(steps, meta):
    outputs = meta["outputs"]
    seen = {}
    names = {}
    result = []
    for step in steps:
        if names and step[0] in (CALL, ITEM, GUARD, RAISES, CONST):
            step = _renamed(step, names)
        if step[0] is CALL and not step[5]:
            _, fn, args, kwargs, out, _ = step
            parts = [_key(a) for a in args]
            kw = None if not kwargs else tuple(sorted((k, _key(v)) for k, v in kwargs.items()))
            if None not in parts and (kw is None or None not in (v for _, v in kw)):
                key = (id(fn), tuple(parts), kw)
                earlier = seen.get(key)
                if earlier is not None and out not in outputs:
                    names[out] = earlier
                    continue
                seen[key] = out
        result.append(step)
    return result


def _renamed(step, names):
    kind = step[0]
    if kind is CALL:
        _, fn, args, kwargs, out, guard = step
        return (CALL, fn, [_rename(a, names) for a in args],
                None if not kwargs else {k: _rename(v, names) for k, v in kwargs.items()},
                out, guard)
    if kind is RAISES:
        _, fn, args, kwargs = step
        return (RAISES, fn, [_rename(a, names) for a in args],
                None if not kwargs else {k: _rename(v, names) for k, v in kwargs.items()})
    if kind is ITEM or kind is GUARD:
        return (kind, names.get(step[1], step[1])) + step[2:]
    return step


def _uses(steps, outputs):
    """{value: positions of the steps that read it}, outputs read at the end."""
    uses = {}
    for pos, step in enumerate(steps):
        for var in _reads(step):
            uses.setdefault(var, []).append(pos)
    end = len(steps)
    for var in outputs:
        uses.setdefault(var, []).append(end)
    return uses


def _scalar_const(t):
    return type(t) is Const and type(t.value) in (float, np.float64, int)


def _fold_negations(steps, meta):
    uses = _uses(steps, meta["outputs"])
    made_by = {}
    for pos, step in enumerate(steps):
        if step[0] is CALL:
            made_by[step[4]] = pos
    result = list(steps)
    for pos, step in enumerate(steps):
        if step[0] is not CALL or step[1] is not operator.neg or step[3] or step[5]:
            continue
        arg = step[2][0]
        if type(arg) is not Ref or len(uses.get(arg.var, ())) != 1:
            continue
        src = made_by.get(arg.var)
        if src is None or steps[src][1] is not operator.mul or steps[src][3]:
            continue
        a, b = steps[src][2]
        if _scalar_const(b):
            args = [a, Const(-b.value)]
        elif _scalar_const(a):
            args = [Const(-a.value), b]
        else:
            continue
        result[src] = None
        result[pos] = (CALL, operator.mul, args, None, step[4], False)
    return [s for s in result if s is not None]


def _in_place(steps, meta):
    kinds, shapes, dtypes, owned = meta["kinds"], meta["shapes"], meta["dtypes"], meta["owned"]
    outputs = meta["outputs"]
    scatters = _scatter_impls()
    uses = _uses(steps, outputs)
    last = {var: max(p) for var, p in uses.items()}
    made_by = {}
    # roots[v]: the temporaries whose memory v may share (itself, for a temporary).
    roots = {}
    sharing = {}        # temporary -> the values that may share its memory
    temporary = set()
    clobbered = {}      # temporary -> the step that wrote into it
    result = list(steps)

    def free_at(var, pos):
        """Whether the temporary ``var`` may be overwritten by step ``pos``."""
        if var not in temporary or var in outputs:
            return False
        return all(last.get(w, -1) <= pos and w not in outputs for w in sharing[var])

    for pos, step in enumerate(steps):
        kind = step[0]
        out = writes(step)
        if kind is CALL:
            made_by[out] = pos
        if out is None:
            continue
        fn = step[1] if kind is CALL else None
        new_step = None
        if kind is CALL and not step[3] and not step[5] and kinds[out] is np.ndarray:
            new_step = _rewrite(step, pos, steps, result, made_by, uses, free_at, shapes,
                                dtypes, scatters)
        if new_step is not None and new_step[0] is SCATTER:
            # The scatter's reads move from the untake's step to this one: refuse if one
            # of them was written into in between, else keep them alive until here.
            src = new_step[5]
            moved = reads(steps[src])
            if any(src < clobbered.get(r, -1) < pos for var in moved for r in roots.get(var, ())):
                result[src] = steps[src]
                new_step = None
            else:
                for var in moved:
                    last[var] = max(last.get(var, -1), pos)
        if new_step is not None:
            result[pos] = new_step
            clobbered[new_step[4] if new_step[0] is INPLACE else new_step[1]] = pos
            # the result owns the memory it was written into (everything else that shared
            # it is dead), so it is a temporary again
            temporary.add(out)
            roots[out] = {out}
            sharing[out] = {out}
            continue
        fresh = (kind is CALL and out in owned and (fn in _BINARY or fn in scatters
                 or fn is operator.neg or fn is operator.pow or isinstance(fn, np.ufunc)))
        if fresh:
            temporary.add(out)
            roots[out] = {out}
            sharing[out] = {out}
        else:
            r = set()
            for var in _reads(step):
                r |= roots.get(var, set())
            roots[out] = r
            for t in r:
                sharing[t].add(out)
    return [s for s in result if s is not None]


def _rewrite(step, pos, steps, result, made_by, uses, free_at, shapes, dtypes, scatters):
    """An in-place form of the CALL ``step`` (or None)."""
    _, fn, args, _, out, _ = step
    shape, dtype = shapes[out], dtypes[out]

    def target(t):
        return (type(t) is Ref and shapes[t.var] == shape and dtypes[t.var] == dtype
                and free_at(t.var, pos))

    if fn is operator.add and dtype == np.float64:
        # x + untake(g, key): add g into x[key]
        for i in (0, 1):
            u, x = args[i], args[1 - i]
            if type(u) is not Ref or len(uses.get(u.var, ())) != 1:
                continue
            src = made_by.get(u.var)
            if src is None or result[src] is None or steps[src][1] not in scatters:
                continue
            g, key, _ = steps[src][2]
            if target(x):
                result[src] = None
                return (SCATTER, x.var, g, key, out, src)
    if fn in _BINARY and len(args) == 2:
        for t in args:
            if target(t):
                return (INPLACE, _BINARY[fn], list(args), out, t.var)
    elif fn is operator.neg and target(args[0]):
        return (INPLACE, np.negative, list(args), out, args[0].var)
    elif (fn is operator.pow and len(args) == 2 and type(args[1]) in (int, Const)
          and (args[1] if type(args[1]) is int else args[1].value) == 2
          and type(args[1] if type(args[1]) is int else args[1].value) in (int, float)
          and target(args[0])):
        return (INPLACE, _square, list(args), out, args[0].var)
    elif isinstance(fn, np.ufunc) and fn.nout == 1 and len(args) == fn.nin:
        for t in args:
            if target(t):
                return (INPLACE, fn, list(args), out, t.var)
    return None


# --- the buffer plan ---------------------------------------------------------------------------
def _out_form(step):
    """The ufunc that computes the CALL ``step`` with ``out=`` (same values, bitwise), or
    None: NumPy's operators are these ufuncs; ``x ** 2`` is ``np.square``; other powers
    are left alone (``x ** 0.5`` runs ``np.sqrt``, not ``np.power``)."""
    _, fn, args, kwargs, _, shape_guard = step
    if kwargs or shape_guard:
        return None
    if fn in _BINARY and len(args) == 2:
        return _BINARY[fn]
    if fn is operator.neg and len(args) == 1:
        return np.negative
    if fn is operator.pow and len(args) == 2:
        e = args[1].value if type(args[1]) is Const else args[1]
        if type(e) in (int, float) and e == 2:
            return _square
        return None
    if isinstance(fn, np.ufunc) and fn.nout == 1 and len(args) == fn.nin:
        return fn
    return None


#: Arrays at least this large get buffers: a small array costs NumPy less to allocate
#: (from its cache of small blocks) than ``out=`` costs a call to parse.
BUFFER_MIN_SIZE = 4096

_NUMBERS = (float, np.float64, int, bool, np.bool_, complex, np.complex128, np.int64)


def plan_buffers(steps, meta):
    """Preallocated buffers for the arrays the replay would allocate: ``({var: (slot,
    ufunc)}, [(shape, dtype) per slot])``.

    A *fresh* value (a new array from an elementwise step, see :func:`_out_form`) is
    computed with ``out=`` into a slot of its shape and dtype; a slot is reused once
    every value that may share its memory (views of it, results written into it in
    place) has been read for the last time: a liveness plan, as a compiler allocates
    registers. Values whose memory may reach an output are never put in a slot (the
    caller keeps outputs; the next call would overwrite them). Arrays smaller than
    :data:`BUFFER_MIN_SIZE` are left alone (and so are 0-d ones: NumPy returns scalars
    from ufuncs on them). The replay keeps one set of
    slots per thread (:mod:`optad.jit.program`), so a steady-state replay allocates none
    of these arrays.
    """
    shapes, dtypes, kinds, owned = meta["shapes"], meta["dtypes"], meta["kinds"], meta["owned"]
    outputs = meta["outputs"]
    uses = _uses(steps, outputs)
    last = {var: max(p) for var, p in uses.items()}
    roots = {}              # value -> the fresh values whose memory it may share
    forms = {}              # fresh value -> the ufunc computing it with out=
    made_at = {}
    for pos, step in enumerate(steps):
        kind = step[0]
        out = writes(step)
        if out is None:
            continue
        if kind is CALL:
            form = None
            if (kinds[out] is np.ndarray and out in owned and shapes[out]
                    and math.prod(shapes[out]) >= BUFFER_MIN_SIZE):
                form = _out_form(step)
            if form is not None:
                roots[out] = {out}
                forms[out] = form
                made_at[out] = pos
                continue
        if kind is INPLACE:
            roots[out] = set(roots.get(step[4], ()))
        elif kind is SCATTER:
            roots[out] = set(roots.get(step[1], ()))
        elif kind is CALL and (out in owned or kinds[out] in _NUMBERS):
            roots[out] = set()      # new memory (a new array, a number): shares none
        else:
            # anything else may return (a view of) any of its arguments
            r = set()
            for var in _reads(step):
                r |= roots.get(var, set())
            roots[out] = r
    reaching_outputs = set()
    for var in outputs:
        reaching_outputs |= roots.get(var, set())
    dead_after = {}
    for var, r in roots.items():
        end = last.get(var, -1)
        for root in r:
            if end > dead_after.get(root, -1):
                dead_after[root] = end
    plan, slots, free_from = {}, [], []
    for var in sorted(made_at, key=made_at.get):
        if var in reaching_outputs:
            continue
        pos = made_at[var]
        spec = (shapes[var], dtypes[var])
        for k, s in enumerate(slots):
            if s == spec and free_from[k] < pos:
                break
        else:
            k = len(slots)
            slots.append(spec)
            free_from.append(-1)
        free_from[k] = dead_after.get(var, pos)
        plan[var] = (k, forms[var])
    return plan, slots
