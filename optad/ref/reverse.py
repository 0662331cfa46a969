"""Reverse mode, plainly: a tape of primitive applications and one backward loop over it.

This is the executable specification of reverse mode in optad; the fast engine
(:mod:`optad.fast.reverse`) must agree with it, and the explain view watches it.

Recording: every primitive applied to a traced value appends an :class:`Entry` to the
tape. The tape is in execution order, which is a topological order of the graph.

The backward pass (:meth:`ReverseTrace.backward`), for the seed example
``z = x1*x2 + sin(x1)``: the tape is ``w1 = x1, w2 = x2, w3 = w1*w2, w4 = sin(w1),
w5 = w3 + w4``; seeding ``w̄5 = 1`` and walking back, ``w5`` sends ``w̄5·1`` to ``w3``
and to ``w4``; ``w4`` sends ``w̄4·cos(w1)`` to ``w1``; ``w3`` sends ``w̄3·w2`` to ``w1``
(added to what is there: an adjoint is summed over every use of its node) and
``w̄3·w1`` to ``w2``. What is left at the inputs is the gradient.

>>> import numpy as np
>>> from optad.ref import ReverseTrace
>>> with ReverseTrace() as tape:
...     x1, x2 = tape.new_input(2.0), tape.new_input(3.0)
...     z = x1 * x2 + np.sin(x1)
>>> adjoints = tape.backward([(z, 1.0)])
>>> round(float(adjoints[x1._aux]), 4), float(adjoints[x2._aux])
(2.5839, 2.0)
"""

from typing import NamedTuple

import numpy as np

from ..engine import Trace, bind, check_complex, is_complex, missing_rule, traced
from ..traced import Traced, decide, peek, plain, value_of
from .broadcasting import unbroadcast
from .zeros import apply, both, elementwise_contribution, seed_mask

__all__ = ["ReverseTrace", "Entry"]


class Entry(NamedTuple):
    """One step of the tape: ``value = prim.impl(*args, **kwargs)``."""

    prim: object        # the Primitive; None for an input (a leaf)
    args: tuple         # the raw arguments (plain values, or values of an outer transform)
    kwargs: dict
    value: object       # the raw result
    parents: tuple      # (argument position, tape index) of each argument of this trace


class ReverseTrace(Trace):
    """Records a tape (:class:`Entry` per operation) and runs the backward pass over it."""

    __slots__ = ("tape",)

    def __init__(self):
        super().__init__()
        self.tape = []

    def new_input(self, value):
        """A leaf of the tape: an input (or a constant) that adjoints flow into."""
        self.tape.append(Entry(None, (), {}, value, ()))
        return traced(value, self, len(self.tape) - 1)

    constant = new_input

    def process(self, prim, args, kwargs):
        """Record ``prim(*args, **kwargs)``; its traced arguments become the entry's parents."""
        self.check_active()
        raw, parents = list(args), []
        for i, a in enumerate(args):
            if isinstance(a, Traced) and a._trace is self:
                if prim.vjp(i) is None:
                    raise missing_rule(prim, i, "defvjp")
                raw[i] = a._value
                parents.append((i, a._aux))
        value = bind(prim, raw, kwargs)     # records it in an outer transform too, if any
        check_complex(prim, raw, value)
        self.tape.append(Entry(prim, tuple(raw), kwargs, value, tuple(parents)))
        return traced(value, self, len(self.tape) - 1)

    def backward(self, seeds, *, free=False, watch=None):
        """Adjoints of every tape entry from ``seeds``, ``(traced output, seed)`` pairs.

        Walks the tape once, last entry first. Each entry's adjoint is complete when it is
        reached (every use of it comes later on the tape), so it is handed to the entry's
        rules at once: one contribution per traced argument, summed back over the axes
        broadcasting added, then added into that argument's adjoint. Elementwise rules
        also keep each adjoint's structural zeros (:mod:`optad.ref.zeros`): where one is
        exactly 0 near the point, a contribution is 0 even through an infinite slope.
        ``watch(i, argnum, j, contribution)`` sees each contribution (the explain view).
        The tape is kept (``free`` is for the fast engine, which drops entries as it goes).
        """
        adjoints = [None] * len(self.tape)
        zeros = [None] * len(self.tape)         # the structural zeros of each adjoint
        for out, seed in seeds:
            i = out._aux
            zeros[i] = seed_mask(seed) if adjoints[i] is None else both(zeros[i], seed_mask(seed))
            adjoints[i] = _add(adjoints[i], seed)
        for i in range(len(self.tape) - 1, -1, -1):
            g = adjoints[i]
            entry = self.tape[i]
            if g is None or entry.prim is None:
                continue            # nothing flowed here, or a leaf: its adjoint is kept
            prim = entry.prim
            for argnum, j in entry.parents:
                if prim.partials is not None:     # elementwise: g times the partial
                    c, mask = elementwise_contribution(prim, argnum, g, zeros[i], entry.value,
                                                       entry.args, _varying(entry))
                else:
                    c, mask = prim.vjp(argnum)(g, entry.value, *entry.args, **entry.kwargs), None
                parent = self.tape[j].value
                if prim.entry_map and zeros[i] is not None:
                    c, mask = mapped_zeros(prim, argnum, c, zeros[i], entry, parent)
                elif np.shape(peek(c)) != np.shape(peek(parent)):
                    c, mask = unbroadcast(c, parent), None     # a mask does not survive a sum
                if is_complex(peek(c)) and not is_complex(peek(parent)):
                    c = np.real(c)      # a real argument's adjoint is real (optad.complex_rules)
                if watch is not None:
                    watch(i, argnum, j, c)
                zeros[j] = mask if adjoints[j] is None else both(zeros[j], mask)
                adjoints[j] = _add(adjoints[j], c)
        return adjoints


def mapped_zeros(prim, argnum, c, zeros, entry, parent):
    """``c`` (rule ``argnum`` of an ``entry_map`` primitive applied to an adjoint whose
    structural zeros are ``zeros``) summed to ``parent``'s shape, with the structural zeros
    it inherits: the rule applied to the indicator of the adjoint's nonzeros is 0 exactly
    where only structural zeros landed (its weights are positive: no cancellation)."""
    nonzero = plain(lambda z: (~np.asarray(z, dtype=bool)).astype(float), zeros)
    indicator = prim.vjp(argnum)(nonzero, entry.value, *entry.args, **entry.kwargs)
    if np.shape(peek(c)) != np.shape(peek(parent)):
        c, indicator = unbroadcast(c, parent), unbroadcast(indicator, parent)
    mask = plain(lambda ind: np.asarray(ind) == 0, indicator)
    if not decide(np.any, mask):
        return c, None
    return apply(c, mask), mask


def _add(total, c):
    return c if total is None else total + c


def _varying(entry):
    """Argument positions whose values depend on some transform's inputs."""
    return {k for k, _ in entry.parents} | {k for k, a in enumerate(entry.args)
                                             if isinstance(a, Traced)}
