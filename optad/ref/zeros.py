"""Structural zeros: where a derivative contribution is 0 near the point, not just at it.

The chain rule multiplies an adjoint (or tangent) by a local partial derivative. Where
one factor is *structurally* zero — zero for every input near the point — the true
contribution is 0 even if the other factor is infinite or NaN there: the branch
``np.where`` did not take (``np.where(x > 0, np.sqrt(x), 0.0)`` at ``x < 0``), a
coefficient that is a constant 0 (``np.cbrt(x * [1, 0, 1])``), an input the seed does
not move. Computing ``0 · inf`` would say NaN; the reference engine says 0.

A zero that only happens at the point is not structural: in ``np.cbrt(x) ** 3`` at 0
the slope of ``h**3`` is 0 and that of ``cbrt`` infinite, and the true derivative is 1.
There the engine keeps NaN: honest, never a wrong number.

Masks of structural zeros start at seeds (their zero entries), at partials a primitive
declares structural (``Primitive.structural_zeros``: comparison masks, constants), and
pass through elementwise rules, which keep positions. Anything else drops them: a mask
does not survive a reduction, a reshape or indexing.

>>> import numpy as np
>>> from optad.prims.select import where
>>> cond = np.array([True, False])
>>> c, mask = elementwise_contribution(where, 1, np.ones(2), None, None, (cond, 1.0, 2.0), {1})
>>> c, mask
(array([1., 0.]), array([False,  True]))
"""

import numpy as np

from ..traced import Traced, data_of, is_jit, peek, value_of

__all__ = ["elementwise_contribution", "seed_mask", "both", "apply"]


def seed_mask(seed):
    """The structural zeros of a seed: the entries it does not move (None if there are none)."""
    s = value_of(seed)
    if isinstance(seed, Traced) or np.ndim(s) == 0:
        return None
    zero = s == 0
    return zero if zero.any() else None


def elementwise_contribution(prim, argnum, d, d_mask, value, args, varying):
    """``d · ∂value/∂args[argnum]`` for an elementwise primitive, 0 at its structural zeros,
    and the mask of those (over ``value``'s broadcast shape; None: none known).

    ``d`` is the adjoint (reverse) or the tangent of the argument (forward), ``d_mask``
    its structural zeros, ``varying`` the argument positions that depend on some
    transform's inputs (their values are not constants).
    """
    partial = prim.partials[argnum](value, *args)
    c = d * partial
    mask = d_mask
    reads = prim.structural_zeros[argnum] if prim.structural_zeros is not None else None
    if reads is not None and not any(k in varying for k in reads):
        zero = data_of(partial) == 0
        # (under optad.jit the mask is recomputed on every replay: combined whether or
        # not it has a zero, so that no replay depends on that)
        if is_jit(zero) or np.any(zero):
            mask = zero if mask is None else mask | zero
    return apply(c, mask), _shaped(mask, c)


def apply(c, mask):
    """``c`` with its structural zeros set to exactly 0."""
    if mask is None:
        return c
    if is_jit(mask) and np.shape(mask) == np.shape(c):
        return np.where(mask, 0.0, c)   # (the same values when mask has no zero)
    if not np.any(mask):
        return c
    return np.where(mask, 0.0, c)


def _shaped(mask, c):
    if mask is None:
        return None
    shape = np.shape(peek(c))
    return mask if np.shape(mask) == shape else np.broadcast_to(mask, shape)


def both(mask_a, mask_b):
    """The structural zeros of a sum: positions zero in both terms (None: unknown)."""
    if mask_a is None or mask_b is None:
        return None
    return mask_a & mask_b
