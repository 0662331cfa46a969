"""Selection: ``np.where`` and ``np.clip``, whose derivatives are masks.

The condition of ``where`` and the comparisons inside ``clip`` are plain boolean
arrays: they pick which input the adjoint goes to, and carry no derivative themselves.
"""

import numpy as np

from ..engine import Traced, bind
from ..traced import data_of, peek, plain
from ..errors import NotDifferentiableError
from ..primitive import Primitive, Speed
from .declare import implements, no_out

# where(cond, x, y) is elementwise: its partials are the masks [cond] and [not cond],
# plain comparisons whose zeros hold near the point too (structural: the branch not taken
# contributes exactly 0, even through an infinite or NaN slope; optad.ref.zeros).
where = Primitive(
    "where", lambda cond, x, y: np.where(cond, x, y),
    partials=(None, lambda ans, cond, x, y: cond, lambda ans, cond, x, y: ~cond),
    structural_zeros=(None, (), ()),
    complex_safe=True, explain=("where({0}, {1}, {2})", (None, "[{0}]", "[not {0}]")), needs=((), (0,), (0,)),
    speed=Speed(vjps=(None,
                      lambda g, ans, cond, x, y: np.where(cond, g, 0.0),
                      lambda g, ans, cond, x, y: np.where(cond, 0.0, g)),
                jvps=(None,
                      lambda t, ans, cond, x, y: np.where(cond, t, 0.0),
                      lambda t, ans, cond, x, y: np.where(cond, 0.0, t))))


@implements(np.where)
def _where(condition, *xy):
    if not xy:
        return np.nonzero(condition)
    if isinstance(condition, Traced):
        # (the mask's data; under optad.jit a traced mask, recomputed on every replay)
        condition = data_of(condition)
        if np.result_type(peek(condition)) != bool:
            condition = condition != 0
    else:
        condition = np.asarray(condition, dtype=bool)   # (a list: the rules negate it)
    return bind(where, (condition, *xy), {})


def _inside_plain(x, lo, hi):
    mask = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        mask = mask & (x >= lo)
    if hi is not None:
        mask = mask & (x <= hi)
    return mask


def _inside(x, lo, hi):
    """[lo <= x <= hi], of the broadcast shape of x and the bounds (plain: no derivative;
    under optad.jit recomputed on every replay)."""
    return plain(_inside_plain, x, lo, hi)


def _below(a, b):
    return plain(np.less, a, b)


# clip(x, lo, hi): the adjoint goes to x where lo <= x <= hi, else to the active bound.
clip = Primitive(
    "clip", lambda x, lo, hi: np.clip(x, lo, hi),
    vjps=(lambda g, ans, x, lo, hi: g * _inside(x, lo, hi),
          lambda g, ans, x, lo, hi: g * _below(x, lo),
          lambda g, ans, x, lo, hi: g * _below(hi, x)),
    jvps=(lambda t, ans, x, lo, hi: t * _inside(x, lo, hi),
          lambda t, ans, x, lo, hi: t * _below(x, lo),
          lambda t, ans, x, lo, hi: t * _below(hi, x)),
    explain=("clip({0}, {1}, {2})", ("[{1}≤{0}≤{2}]", "[{0}<{1}]", "[{0}>{2}]")),
    needs=((0, 1, 2), (0, 1), (0, 2)))


@implements(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):
    no_out("np.clip", out)
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is None and hi is None:
        raise NotDifferentiableError("np.clip needs at least one of a_min, a_max.")
    return bind(clip, (a, lo, hi), {})
