"""The teaching view: the Wengert list of a function, with its forward values and adjoints.

``trace(f, *args)`` runs the reference engine (:mod:`optad.ref`, the one every fast
path is tested against) on ``f`` and watches it (a hook in the backward loop, a hook in
forward mode), so what it prints is what optad computed, never a second implementation
that could disagree. The table itself is laid out by :mod:`optad.trace_view`.

>>> import numpy as np, optad
>>> t = optad.trace(lambda x1, x2: x1 * x2 + np.sin(x1), 2.0, 3.0)
>>> [(r.name, r.expr, round(float(r.value), 3)) for r in t.rows]
[('w1', 'x1', 2.0), ('w2', 'x2', 3.0), ('w3', 'w1*w2', 6.0), ('w4', 'sin(w1)', 0.909), ('w5', 'w3 + w4', 6.909)]
>>> t.rows[0].adjoint_expr, round(float(t.rows[0].adjoint), 4)
('w̄3·w2 + w̄4·cos(w1)', 2.5839)
"""

import inspect

import numpy as np

from . import tree
from .engine import Traced, value_of
from .errors import ShapeError
from .ref import ForwardTrace, ReverseTrace
from .trace_view import (Trace, TraceRow, _bar, _const_text, _dot, _format_expr,  # noqa: F401
                         _partial_text, _term, format_value)
from .transforms import as_input

__all__ = ["trace", "explain", "Trace", "TraceRow"]


def _arg_names(f, nargs):
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:nargs]]
    if len(names) < nargs or len(set(names)) < len(names):
        names = [f"x{i + 1}" for i in range(nargs)]
    return names


def _input(x):
    # The teaching view accepts integers (2, 3) as a convenience; grad does not.
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        x = float(x)
    if isinstance(x, np.ndarray) and x.dtype.kind in "iu":
        x = x.astype(float)
    return as_input(x, "trace")


def trace(f, *args, mode="reverse", seed=None, digits=4):
    """Record ``f(*args)`` and show its Wengert list with forward values and adjoints (or tangents).

    Reverse mode (default) runs the backward pass from the seed z̄ = 1 (for several outputs:
    one pass per output, i.e. the Jacobian row by row; ``seed`` gives one output cotangent
    instead). Forward mode pushes the tangents ``seed`` (one per argument, each of its
    argument's shape; default 1 for the first element of the first argument, 0 elsewhere):
    one column of the Jacobian.

    >>> import numpy as np, optad
    >>> t = optad.trace(lambda x1, x2: x1 * x2 + np.sin(x1), 2.0, 3.0, mode="forward", seed=(1.0, 0.0))
    >>> [(r.name, r.adjoint_expr, round(float(r.adjoint), 4)) for r in t.rows][2]
    ('w3', 'ẇ1·w2 + ẇ2·w1', 3.0)
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"trace: mode must be 'reverse' or 'forward'; got {mode!r}.")
    names = _arg_names(f, len(args))
    inputs = [_input(a) for a in args]
    if mode == "forward":
        return _trace_forward(f, names, inputs, seed, digits)
    return _trace_reverse(f, names, inputs, seed, digits)


def _trace_reverse(f, names, inputs, seed, digits):
    tr = ReverseTrace()
    with tr:
        boxes = [tr.new_input(x) for x in inputs]
        leaf_index = [b._aux for b in boxes]   # before f runs: it may write into its inputs
        out = f(*boxes)
    out_leaves, _ = tree.flatten(out)
    outs = [o for o in out_leaves if isinstance(o, Traced) and o._trace is tr]
    if not outs:
        raise ValueError("trace: the output does not depend on the inputs; nothing to show.")
    # Keep the nodes that reach an output (dead branches would only clutter the table).
    needed = set()
    stack = [o._aux for o in outs]
    while stack:
        i = stack.pop()
        if i in needed:
            continue
        needed.add(i)
        stack.extend(j for _, j in tr.tape[i].parents)
    needed.update(leaf_index)
    order = sorted(needed)
    name_of = {i: f"w{k + 1}" for k, i in enumerate(order)}
    input_pos = {i: k for k, i in enumerate(leaf_index)}
    out_pos = {o._aux: k for k, o in enumerate(outs)}
    out_names = ["z"] if len(outs) == 1 and np.size(value_of(outs[0])) == 1 else [
        f"y{k + 1}" for k in range(len(outs))]

    rows, texts = {}, {}
    for i in order:
        prim, raw, kwargs, ans, parents = tr.tape[i]
        if prim is None:
            expr = names[input_pos[i]] if i in input_pos else "const"
            rows[i] = TraceRow(name_of[i], expr, ans, (), is_input=i in input_pos, index=i)
            continue
        mine = dict(parents)
        arg_texts = [name_of.get(mine[k], "?") if k in mine else _const_text(a)
                     for k, a in enumerate(raw)]
        texts[i] = arg_texts
        rows[i] = TraceRow(name_of[i], _format_expr(prim, arg_texts, kwargs), ans,
                           tuple(name_of[j] for _, j in parents), index=i)
    for i in out_pos:
        rows[i].is_output = True

    # The adjoint formula of each node: one term per use (child, argument position).
    uses = {i: [] for i in order}
    for i in order:
        entry = tr.tape[i]
        if entry.prim is None:
            continue
        for argnum, j in entry.parents:
            uses[j].append((i, argnum))
    for j in order:
        if j in out_pos:
            rows[j].adjoint_expr = _bar(out_names[out_pos[j]]) + " (seed)"
            continue
        terms = [_term(_bar(name_of[i]), _partial_text(tr.tape[i].prim, a, texts[i],
                                                       tr.tape[i].args, tr.tape[i].kwargs),
                       False)
                 for i, a in uses[j]]
        rows[j].adjoint_expr = " + ".join(terms).replace("+ -", "- ") if terms else "0"

    # One backward pass per output element seed (or the one seed given), watched by a hook.
    seeds_list, pass_texts, pass_outs = _reverse_seeds(outs, out_names, seed)
    gradients, all_adjoints = [], {i: [] for i in order}
    all_terms = {i: [] for i in order}
    for p, seeds in enumerate(seeds_list):
        record = []
        adj = tr.backward([(o, s) for o, s in zip(outs, seeds) if s is not None],
                          watch=lambda i, a, j, c, record=record: record.append((i, a, j, c)))
        for i in order:
            all_adjoints[i].append(adj[i] if i < len(adj) else None)
        # Contributions in the order of the formula (uses in forward order).
        per_node = {i: [] for i in order}
        for i, a, j, c in sorted(record, key=lambda r: (r[0], r[1])):
            if j in per_node:
                per_node[j].append(c)
        for i in order:
            all_terms[i].append(tuple(per_node[i]))
        gradients.append([(f"∂{pass_outs[p]}/∂{names[k]}",
                           adj[i] if adj[i] is not None else 0.0)
                          for k, i in enumerate(leaf_index)])
    for i in order:
        rows[i].adjoints = tuple(all_adjoints[i])
        rows[i].adjoint = all_adjoints[i][0]
        rows[i].terms = all_terms[i][0]
        rows[i].pass_terms = tuple(all_terms[i])
    return Trace("reverse", [rows[i] for i in order], names, inputs, out_names, pass_texts,
                 gradients, digits)


def _reverse_seeds(outs, out_names, seed):
    if seed is not None:
        leaves, _ = tree.flatten(seed)
        if len(leaves) != len(outs):
            raise ValueError(f"trace: seed needs one cotangent per output ({len(outs)}).")
        text = ", ".join(f"{_bar(n)} = {format_value(s)}" for n, s in zip(out_names, leaves))
        return [list(leaves)], [text], ["(ȳ·y)"]
    if len(outs) == 1 and np.size(value_of(outs[0])) == 1:
        return [[np.float64(1.0)]], ["z̄ = 1"], ["z"]
    seeds_list, texts, labels = [], [], []
    for k, o in enumerate(outs):
        shape = np.shape(value_of(o))
        for e in range(int(np.prod(shape)) if shape else 1):
            seeds = []
            for m, o2 in enumerate(outs):
                s2 = np.shape(value_of(o2))
                s = np.zeros(s2)
                if m == k:
                    s.flat[e] = 1.0
                seeds.append(s if s2 else np.float64(s))
            seeds_list.append(seeds)
            label = out_names[k] + (f"[{e}]" if shape else "")
            texts.append(f"{_bar(label)} = 1, the other outputs 0")
            labels.append(label)
    return seeds_list, texts, labels


def _trace_forward(f, names, inputs, seed, digits):
    if seed is None:
        # 1 for the first element of the first argument, 0 elsewhere: the first column.
        seed = [np.zeros(np.shape(x)) for x in inputs]
        seed[0].flat[0] = 1.0
    if len(seed) != len(inputs):
        raise ValueError(f"trace: forward mode needs one tangent seed per argument "
                         f"({len(inputs)}); got {len(seed)}.")
    seed = [_input(s) for s in seed]
    for name, x, s in zip(names, inputs, seed):
        if np.shape(s) != np.shape(x):
            raise ShapeError(
                f"trace: the seed for {name} has shape {np.shape(s)}, but {name} has shape "
                f"{np.shape(x)}. Give a tangent of {name}'s shape, e.g. np.eye({np.size(x)})[0]"
                f"{'.reshape(' + str(np.shape(x)) + ')' if np.ndim(x) > 1 else ''} for the "
                f"column of its first element.")
    tr = ForwardTrace()
    rows = []
    named = {}      # id(traced object) -> (its name, the value it had when named)
    by_value = {}   # id(value) -> name; the rows keep every value alive, so ids stay unique

    def name_for(a):
        if not (isinstance(a, Traced) and a._trace is tr):
            return None
        entry = named.get(id(a))
        if entry is not None and entry[1] is a._value:
            return entry[0]
        # `y[k] = v` and `y += v` rebind the object y to a new node's value and tangent.
        return by_value.get(id(a._value))

    def name_it(box, name):
        named[id(box)] = (name, box._value)
        by_value[id(box._value)] = name

    def observe(prim, args, kwargs, out_box, contribs):
        # Rows are written as each node is made: later in-place updates rebind objects.
        name = f"w{len(rows) + 1}"
        arg_names = [name_for(a) for a in args]
        arg_texts = [n if n is not None else "?" if isinstance(a, Traced) and a._trace is tr
                     else _const_text(a) for a, n in zip(args, arg_names)]
        if prim.explain and callable(prim.explain[1]):
            # A placement (concatenate): the tangent is the same map applied to the tangents.
            tangent_text = _format_expr(prim, [_dot(n) if n else "0" for n in arg_names], kwargs)
        else:
            tangent_text = " + ".join(
                _term(_dot(n), _partial_text(prim, k, arg_texts, forward=True), True)
                for k, n in enumerate(arg_names) if n).replace("+ -", "- ") or "0"
        rows.append(TraceRow(name, _format_expr(prim, arg_texts, kwargs), out_box._value,
                             tuple(n for n in arg_names if n), adjoint=tr.tangent(out_box),
                             adjoint_expr=tangent_text, adjoints=(tr.tangent(out_box),),
                             terms=tuple(c for _, c in contribs)))
        name_it(out_box, name)

    tr.watch = observe
    with tr:
        boxes = [tr.new_input(x, s) for x, s in zip(inputs, seed)]
        for k, b in enumerate(boxes):
            rows.append(TraceRow(f"w{k + 1}", names[k], b._value, (), adjoint=tr.tangent(b),
                                 adjoint_expr=_dot(names[k]) + " (seed)",
                                 adjoints=(tr.tangent(b),), terms=(tr.tangent(b),),
                                 is_input=True))
            name_it(b, f"w{k + 1}")
        out = f(*boxes)
    tr.watch = None
    out_leaves, _ = tree.flatten(out)
    outs = [o for o in out_leaves if isinstance(o, Traced) and o._trace is tr]
    out_names = ["z"] if len(outs) == 1 and np.size(value_of(outs[0])) == 1 else [
        f"y{k + 1}" for k in range(len(outs))]
    for k, o in enumerate(outs):
        for r in rows:
            if r.name == name_for(o):
                r.is_output = True
    seed_text = ", ".join(f"{_dot(n)} = {format_value(s)}" for n, s in zip(names, seed))
    direction = _one_hot_name(names, seed)
    result = [(f"∂{out_names[k]}/∂{direction}" if direction else f"J·ẋ ({out_names[k]})",
               tr.tangent(o) if tr.tangent(o) is not None else 0.0) for k, o in enumerate(outs)]
    return Trace("forward", rows, names, inputs, out_names, [seed_text], [result], digits)


def _one_hot_name(names, seed):
    """"x2" or "x[1]" when the seed is 1 at one place and 0 elsewhere (a Jacobian column)."""
    nonzero = [(name, s, np.flatnonzero(s)) for name, s in zip(names, seed) if np.any(s != 0)]
    if len(nonzero) != 1 or len(nonzero[0][2]) != 1:
        return None
    name, s, (flat,) = nonzero[0]
    if s.flat[flat] != 1.0:
        return None
    if np.ndim(s) == 0:
        return name
    return f"{name}[{', '.join(str(int(i)) for i in np.unravel_index(flat, np.shape(s)))}]"


def explain(f, *args, mode="reverse", seed=None, digits=4):
    """Print the step-by-step table of ``trace(f, *args, ...)`` and return the trace.

    >>> import numpy as np, optad
    >>> _ = optad.explain(lambda x1, x2: x1 * x2 + np.sin(x1), 2.0, 3.0)   # doctest: +ELLIPSIS
    f(x1, x2) at x1 = 2, x2 = 3
    ...
    """
    t = trace(f, *args, mode=mode, seed=seed, digits=digits)
    print(t.table())
    return t
