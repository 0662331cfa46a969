"""Forward mode, plainly: each traced value carries its tangent beside it.

This is the executable specification of forward mode in optad; the fast engine
(:mod:`optad.fast.forward`) must agree with it, and the explain view watches it.

For ``z = x1*x2 + sin(x1)`` with the seed ``ẋ1 = 1, ẋ2 = 0``: ``ẇ3 = ẇ1·w2 + ẇ2·w1 = 3``,
``ẇ4 = ẇ1·cos(w1)``, ``ẇ5 = ẇ3 + ẇ4``: one pass gives one column of the Jacobian,
∂z/∂x1. A tangent of ``None`` is a zero nobody computed.

>>> import numpy as np
>>> from optad.ref import ForwardTrace
>>> with ForwardTrace() as tr:
...     x1, x2 = tr.new_input(2.0, 1.0), tr.new_input(3.0, 0.0)
...     z = x1 * x2 + np.sin(x1)
>>> round(float(z._aux), 4)
2.5839
"""

import numpy as np

from ..engine import Trace, bind, check_real, missing_rule, traced
from ..traced import Traced, broadcast, value_of

__all__ = ["ForwardTrace"]


class ForwardTrace(Trace):
    """Carries a tangent beside each value (in ``_aux``): one pass, one Jacobian column.

    ``watch(prim, args, kwargs, out, contributions)``, when set, sees each operation
    with its result and the per-argument tangent contributions (the explain view).
    """

    __slots__ = ("watch",)

    def __init__(self):
        super().__init__()
        self.watch = None

    def new_input(self, value, tangent):
        """An input with its seed tangent."""
        return traced(value, self, tangent)

    def constant(self, value):
        """A value with no tangent (``np.zeros_like(x)``)."""
        return traced(value, self, None)

    def plain_tangent(self, t):
        """An output's tangent as a plain value, and whether it is a fresh array."""
        return t, False

    def process(self, prim, args, kwargs):
        """Apply ``prim`` to the values and its JVP rules to the tangents."""
        self.check_active()
        raw, tangents = list(args), [None] * len(args)
        for i, a in enumerate(args):
            if isinstance(a, Traced) and a._trace is self:
                raw[i], tangents[i] = a._value, a._aux
        value = bind(prim, raw, kwargs)     # recorded by an outer transform too, if any
        check_real(prim, value)
        contributions = []
        if prim.jvp_joint is not None:      # one rule for all arguments (concatenate)
            if any(t is not None for t in tangents):
                contributions.append((None, prim.jvp_joint(tangents, value, *raw, **kwargs)))
        else:
            for i, t in enumerate(tangents):
                if t is None:
                    continue
                rule = prim.jvp(i)
                if rule is None:
                    raise missing_rule(prim, i, "defjvp")
                contributions.append((i, rule(t, value, *raw, **kwargs)))
        tangent = None
        for _, c in contributions:
            tangent = c if tangent is None else tangent + c
        if tangent is not None and np.shape(value_of(tangent)) != np.shape(value_of(value)):
            tangent = broadcast(tangent, np.shape(value_of(value)))   # x + y, y a row
        out = traced(value, self, tangent)
        if self.watch is not None:
            self.watch(prim, args, kwargs, out, contributions)
        return out
