"""The teaching view: the Wengert list of a function, with its forward values and adjoints.

``trace(f, *args)`` runs the reference engine (:mod:`optad.ref`, the one every fast
path is tested against) on ``f`` and watches it (a hook in the backward loop, a hook in
forward mode), so what it prints is what optad computed, never a second implementation
that could disagree.

>>> import numpy as np, optad
>>> t = optad.trace(lambda x1, x2: x1 * x2 + np.sin(x1), 2.0, 3.0)
>>> [(r.name, r.expr, round(float(r.value), 3)) for r in t.rows]
[('w1', 'x1', 2.0), ('w2', 'x2', 3.0), ('w3', 'w1*w2', 6.0), ('w4', 'sin(w1)', 0.909), ('w5', 'w3 + w4', 6.909)]
>>> t.rows[0].adjoint_expr, round(float(t.rows[0].adjoint), 4)
('w̄3·w2 + w̄4·cos(w1)', 2.5839)
"""

import inspect
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from . import tree
from .engine import Traced, value_of
from .ref import ForwardTrace, ReverseTrace
from .errors import ShapeError
from .transforms import as_input

__all__ = ["trace", "explain", "Trace", "TraceRow"]

BAR = "\u0304"    # combining macron: w̄
DOT = "\u0307"    # combining dot above: ẇ


@dataclass
class TraceRow:
    """One intermediate ``w_k`` of the Wengert list.

    ``adjoint`` is w̄ after the (first) backward pass in reverse mode, or the tangent ẇ in
    forward mode; ``adjoints`` holds one value per pass (one per output seed); ``terms``
    are the numeric contributions summed into ``adjoint`` (one per use of ``w_k``).

    >>> TraceRow("w1", "x1", 2.0, ()).name
    'w1'
    """

    name: str
    expr: str
    value: object
    parents: tuple
    adjoint: object = None
    adjoint_expr: str = ""
    adjoints: tuple = ()
    terms: tuple = ()
    pass_terms: tuple = ()
    is_input: bool = False
    is_output: bool = False
    index: int = field(default=-1, repr=False)


class Trace:
    """A recorded evaluation: rows ``w1..wN``, inputs, outputs and the adjoint (or tangent) passes.

    ``str(trace)`` (or ``trace.table()``) prints the forward and backward tables;
    ``trace.to_dot()`` gives the graph in Graphviz DOT.

    >>> import numpy as np, optad
    >>> print(optad.trace(lambda x: np.exp(x) * x, 1.0).table())   # doctest: +ELLIPSIS
    f(x) at x = 1
    ...
    """

    def __init__(self, mode, rows, input_names, input_values, output_names, passes, gradients,
                 digits=4):
        self.mode = mode
        self.rows = rows
        self.input_names = input_names
        self.input_values = input_values
        self.output_names = output_names
        self.passes = passes          # description of each pass's seeds
        self.gradients = gradients    # per pass: list of (label, value)
        self.digits = digits

    # -- printing ----------------------------------------------------------------------
    def fmt(self, v):
        """A value as the tables print it (4 significant digits; arrays abbreviated)."""
        return format_value(v, self.digits)

    def table(self):
        """The step-by-step forward and backward (or tangent) tables as text."""
        lines = [f"f({', '.join(self.input_names)}) at "
                 + ", ".join(f"{n} = {self.fmt(v)}" for n, v in zip(self.input_names, self.input_values)),
                 ""]
        width = max(len(f"{r.name} = {r.expr}") for r in self.rows) + 2
        if self.mode == "forward":
            lines.append(f"Forward mode: tangents seeded {self.passes[0]}; each ẇ is the sum over "
                         f"the node's inputs of ẇ(input) times the local partial derivative")
            twidth = max(len(f"{_dot(r.name)} = {r.adjoint_expr}") for r in self.rows) + 2
            for r in self.rows:
                left = f"{r.name} = {r.expr}".ljust(width)
                right = f"{_dot(r.name)} = {r.adjoint_expr}".ljust(twidth)
                nums = _sum_text(r.terms, self.fmt) if len(r.terms) > 1 else ""
                total = f"{nums} = {self.fmt(r.adjoint)}" if nums else self.fmt(r.adjoint)
                out = f"   ({self.output_names[self._out_pos(r)]})" if r.is_output else ""
                lines.append(f"  {left}= {self.fmt(r.value):<10}  {right}= {total}{out}")
            lines.append("")
            column = all(label.startswith("∂") for label, _ in self.gradients[0])
            lines.append(("Result (one column of the Jacobian): " if column else
                          "Result (the Jacobian times the seed, a directional derivative): ")
                         + ", ".join(f"{label} = {self.fmt(v)}" for label, v in self.gradients[0]))
            return "\n".join(lines)
        lines.append("Forward pass: evaluate each intermediate in order")
        for r in self.rows:
            out = f"   (output {self.output_names[self._out_pos(r)]})" if r.is_output else ""
            lines.append(f"  {f'{r.name} = {r.expr}'.ljust(width)}= {self.fmt(r.value)}{out}")
        for p, seed_text in enumerate(self.passes):
            lines.append("")
            lines.append(f"Backward pass{f' {p + 1}' if len(self.passes) > 1 else ''}: seed "
                         f"{seed_text}, then adjoints in reverse order, each summed over every "
                         f"use of the node")
            awidth = max(len(f"{_bar(r.name)} = {r.adjoint_expr}") for r in self.rows) + 2
            for r in reversed(self.rows):
                value = r.adjoints[p] if p < len(r.adjoints) else None
                if value is None:
                    value = 0.0
                terms = r.pass_terms[p] if p < len(r.pass_terms) else ()
                nums = _sum_text(terms, self.fmt) if len(terms) > 1 else ""
                total = f"{nums} = {self.fmt(value)}" if nums else self.fmt(value)
                lines.append(f"  {f'{_bar(r.name)} = {r.adjoint_expr}'.ljust(awidth)}= {total}")
            label = "Gradient" if len(self.passes) == 1 else f"Row {p + 1} of the Jacobian"
            lines.append("")
            lines.append(f"{label}: " + ", ".join(
                f"{lab} = {self.fmt(v)}" for lab, v in self.gradients[p]))
        return "\n".join(lines)

    __str__ = table

    def __repr__(self):
        return f"<Trace {self.mode}: {len(self.rows)} nodes>"

    def _out_pos(self, row):
        return [r.name for r in self.rows if r.is_output].index(row.name)

    def to_dot(self):
        """The computational graph in Graphviz DOT: nodes with expression, value and adjoint.

        >>> import numpy as np, optad
        >>> dot = optad.trace(lambda x1, x2: x1 * x2 + np.sin(x1), 2.0, 3.0).to_dot()
        >>> dot.splitlines()[0], "w1 -> w3" in dot
        ('digraph wengert {', True)
        """
        sym = _dot if self.mode == "forward" else _bar
        lines = ["digraph wengert {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
        for r in self.rows:
            label = (f"{r.name} = {r.expr}\\n= {self.fmt(r.value)}\\n"
                     f"{sym(r.name)} = {self.fmt(r.adjoint if r.adjoint is not None else 0.0)}")
            style = ", style=filled, fillcolor=lightblue" if r.is_input else (
                ", style=filled, fillcolor=lightyellow" if r.is_output else "")
            lines.append(f'  {r.name} [label="{_escape(label)}"{style}];')
        for r in self.rows:
            for p in r.parents:
                lines.append(f"  {p} -> {r.name};")
        lines.append("}")
        return "\n".join(lines) + "\n"


def _escape(s):
    return s.replace('"', '\\"')


def _bar(name):
    return unicodedata.normalize("NFC", name[0] + BAR + name[1:])


def _dot(name):
    # NFC: the precomposed ẇ/ẋ where Unicode has one, so the text compares as typed.
    return unicodedata.normalize("NFC", name[0] + DOT + name[1:])


def format_value(v, digits=4):
    """Numbers with ``digits`` significant digits; arrays compactly, with their shape.

    >>> format_value(6.909297), format_value(np.array([1.0, 2.5]))
    ('6.909', '[1 2.5]')
    """
    v = value_of(v)
    if v is None:
        return "0"
    arr = np.asarray(v)
    if arr.ndim == 0:
        x = float(arr)
        return "0" if x == 0 else format(x, f".{digits}g")
    if arr.size > 6:
        flat = arr.ravel()
        body = " ".join(format_value(x, digits) for x in flat[:3])
        return f"[{body} …] shape {arr.shape}"
    return np.array2string(arr, formatter={"float_kind": lambda x: format_value(x, digits)},
                           separator=" ").replace("\n", "")


def _sum_text(terms, fmt):
    if not terms:
        return "0"
    text = " + ".join(fmt(t) for t in terms)
    return text.replace("+ -", "- ")


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


def _format_expr(prim, arg_texts, kwargs):
    template = prim.explain[0] if prim.explain else None
    if template and "{" in template:
        try:
            return template.format(*arg_texts)
        except (IndexError, KeyError):
            pass
    inner = ", ".join(arg_texts + [f"{k}={v}" for k, v in kwargs.items() if v is not None])
    return f"{template or prim.name}({inner})"


# Marks a partial's text as a slice taken of the symbol ("slice:[0]" -> ẇ1[0]); a bare
# "[...]" is an indicator (Iverson bracket) such as [w1 > 0], multiplied as usual.
SLICE = "slice:"


def _partial_text(prim, argnum, arg_texts, raw=(), kwargs=None, forward=False):
    """The local partial's text (``SLICE`` + "[...]" for a slice of the tangent or adjoint).

    ``prim.explain[1]`` holds one text per argument, or a (forward, reverse) pair where
    the modes read differently (x[k]: the tangent's slice forward, the adjoint placed back
    whole in reverse), or a callable giving a placement (concatenate's "slice:[2:4]").
    """
    partials = prim.explain[1] if prim.explain else None
    if callable(partials):
        return partials(argnum, *raw, **(kwargs or {}))
    if not partials or argnum >= len(partials) or partials[argnum] is None:
        return None
    text = partials[argnum]
    if isinstance(text, tuple):
        text = text[0] if forward else text[1]
    try:
        return text.format(*arg_texts)
    except (IndexError, KeyError):
        return text


def _term(sym_name, partial, forward):
    """``w̄3·w2`` (reverse) or ``ẇ1·w2`` (forward) from the symbol and the local partial."""
    if partial is None:
        return f"J({sym_name})"
    if partial == "1":
        return sym_name
    if partial == "-1":
        return f"-{sym_name}"
    if partial.startswith(SLICE):   # a slice of the tangent or adjoint: ẇ1[0], w̄9[0:2]
        return sym_name + partial[len(SLICE):]
    if partial.startswith("·"):
        return f"{sym_name}{partial}"
    if partial.endswith("·"):
        return f"{partial}{sym_name}"
    return f"{sym_name}·{partial}"


def _slice_text(k):
    """A slice as written in code: 1:, :-1, ::2."""
    parts = ["" if p is None else str(p) for p in (k.start, k.stop)]
    return ":".join(parts) + (f":{k.step}" if k.step is not None else "")


def _const_text(v):
    v = value_of(v)
    if isinstance(v, slice):
        return _slice_text(v)
    if isinstance(v, tuple) and all(isinstance(k, (slice, int, np.integer)) or k is None
                                    or k is Ellipsis for k in v):
        return ", ".join("..." if k is Ellipsis else "None" if k is None else _const_text(k)
                         for k in v)
    if isinstance(v, (tuple, list)) or v is None:
        return repr(v)
    arr = np.asarray(v)
    if arr.ndim == 0 and arr.dtype.kind in "fiu":
        return format_value(arr)
    return f"c{arr.shape}" if arr.ndim else repr(v)


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
                             tuple(n for n in arg_names if n), adjoint=out_box._aux,
                             adjoint_expr=tangent_text, adjoints=(out_box._aux,),
                             terms=tuple(c for _, c in contribs)))
        name_it(out_box, name)

    tr.watch = observe
    with tr:
        boxes = [tr.new_input(x, s) for x, s in zip(inputs, seed)]
        for k, b in enumerate(boxes):
            rows.append(TraceRow(f"w{k + 1}", names[k], b._value, (), adjoint=b._aux,
                                 adjoint_expr=_dot(names[k]) + " (seed)", adjoints=(b._aux,),
                                 terms=(b._aux,), is_input=True))
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
               o._aux if o._aux is not None else 0.0) for k, o in enumerate(outs)]
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
