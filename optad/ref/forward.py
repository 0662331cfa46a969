"""Forward mode, plainly: each traced value carries its tangent beside it.

This is the executable specification of forward mode in optad; the fast engine
(:mod:`optad.fast.forward`) must agree with it, and the explain view watches it.

For ``z = x1*x2 + sin(x1)`` with the seed ``ẋ1 = 1, ẋ2 = 0``: ``ẇ3 = ẇ1·w2 + ẇ2·w1 = 3``,
``ẇ4 = ẇ1·cos(w1)``, ``ẇ5 = ẇ3 + ẇ4``: one pass gives one column of the Jacobian,
∂z/∂x1. A traced value's ``_aux`` is ``(tangent, zeros)``: its tangent (None: a zero
nobody computed) and the tangent's structural zeros (:mod:`optad.ref.zeros`).

>>> import numpy as np
>>> from optad.ref import ForwardTrace
>>> with ForwardTrace() as tr:
...     x1, x2 = tr.new_input(2.0, 1.0), tr.new_input(3.0, 0.0)
...     z = x1 * x2 + np.sin(x1)
>>> round(float(tr.tangent(z)), 4)
2.5839
"""

import numpy as np

from ..engine import Trace, bind, check_complex, is_complex, missing_rule, traced
from ..traced import Traced, broadcast, value_of, peek
from .zeros import both, elementwise_contribution, seed_mask

__all__ = ["ForwardTrace"]


class ForwardTrace(Trace):
    """Carries a tangent beside each value: one pass, one Jacobian column.

    ``watch(prim, args, kwargs, out, contributions)``, when set, sees each operation
    with its result and the per-argument tangent contributions (the explain view).
    """

    __slots__ = ("watch",)

    def __init__(self):
        super().__init__()
        self.watch = None

    def new_input(self, value, tangent):
        """An input with its seed tangent (its zero entries do not move: structural zeros)."""
        return traced(value, self, (tangent, seed_mask(tangent)))

    def constant(self, value):
        """A value with no tangent (``np.zeros_like(x)``)."""
        return traced(value, self, (None, None))

    @staticmethod
    def tangent(t):
        """The tangent of a traced value of this trace."""
        return t._aux[0]

    def plain_tangent(self, aux):
        """An output's tangent as a plain value, and whether it is a fresh array."""
        return aux[0], False

    def process(self, prim, args, kwargs):
        """Apply ``prim`` to the values and its JVP rules to the tangents."""
        self.check_active()
        raw, tangents, masks = list(args), [None] * len(args), [None] * len(args)
        for i, a in enumerate(args):
            if isinstance(a, Traced) and a._trace is self:
                raw[i] = a._value
                tangents[i], masks[i] = a._aux
        value = bind(prim, raw, kwargs)     # recorded by an outer transform too, if any
        check_complex(prim, raw, value)
        contributions = []
        zeros = True                        # no contribution yet: zero everywhere
        if prim.jvp_joint is not None:      # one rule for all arguments (concatenate)
            if any(t is not None for t in tangents):
                contributions.append((None, prim.jvp_joint(tangents, value, *raw, **kwargs)))
                zeros = None
        else:
            varying = {i for i, a in enumerate(raw) if tangents[i] is not None
                       or isinstance(a, Traced)}
            for i, t in enumerate(tangents):
                if t is None:
                    continue
                if prim.jvp(i) is None:
                    raise missing_rule(prim, i, "defjvp")
                if prim.partials is not None:       # elementwise: t times the partial
                    c, mask = elementwise_contribution(prim, i, t, masks[i], value, raw, varying)
                else:
                    c, mask = prim.jvp(i)(t, value, *raw, **kwargs), None
                contributions.append((i, c))
                zeros = mask if zeros is True else both(zeros, mask)
        tangent = None
        for _, c in contributions:
            tangent = c if tangent is None else tangent + c
        shape = np.shape(peek(value))
        if tangent is not None and np.shape(peek(tangent)) != shape:
            tangent = broadcast(tangent, shape)     # x + y, y a row
            zeros = None
        if tangent is not None and is_complex(peek(tangent)) and not is_complex(peek(value)):
            tangent = np.real(tangent)  # a real value's tangent is real (optad.complex_rules)
        out = traced(value, self, (tangent, None if zeros is True else zeros))
        if self.watch is not None:
            self.watch(prim, args, kwargs, out, contributions)
        return out
