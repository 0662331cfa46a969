"""The Wengert list as a table: rows with values and adjoints (or tangents), printed
the way a textbook writes them, and exported to Graphviz DOT.

:func:`optad.trace` fills a :class:`Trace` from a watched run of the reference engine
(:mod:`optad.explain`); this module only lays it out, and writes the texts of
expressions and local partial derivatives from each primitive's ``explain`` templates.

>>> format_value(6.909297), _bar("w5"), _dot("w1")
('6.909', 'w̄5', 'ẇ1')
"""

import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .engine import value_of

__all__ = ["Trace", "TraceRow", "format_value"]

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

    >>> format_value(6.909297), format_value(np.array([1.0, 2.5])), format_value(1 - 2.5j)
    ('6.909', '[1 2.5]', '1-2.5i')
    """
    v = value_of(v)
    if v is None:
        return "0"
    arr = np.asarray(v)
    if arr.ndim == 0:
        if arr.dtype.kind == "c":
            z = complex(arr)
            if z.imag == 0:
                return format_value(z.real, digits)
            im = format(abs(z.imag), f".{digits}g") + "i"
            if z.real == 0:
                return im if z.imag > 0 else "-" + im
            sign = "+" if z.imag > 0 else "-"
            return f"{format_value(z.real, digits)}{sign}{im}"
        x = float(arr)
        return "0" if x == 0 else format(x, f".{digits}g")
    if arr.size > 6:
        flat = arr.ravel()
        body = " ".join(format_value(x, digits) for x in flat[:3])
        return f"[{body} …] shape {arr.shape}"
    return np.array2string(arr, formatter={"float_kind": lambda x: format_value(x, digits),
                                           "complex_kind": lambda x: format_value(x, digits)},
                           separator=" ").replace("\n", "")


def _sum_text(terms, fmt):
    if not terms:
        return "0"
    text = " + ".join(fmt(t) for t in terms)
    return text.replace("+ -", "- ")


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
