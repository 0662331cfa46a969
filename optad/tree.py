"""Pytrees: nested tuples, lists and dicts of arrays, flattened to leaves and back.

Transforms accept pytree arguments and return gradients of the same structure; SciPy
wants one flat vector, which :func:`ravel` makes (and undoes).

>>> leaves, treedef = flatten({"w": [1.0, 2.0], "b": 3.0})
>>> leaves
[3.0, 1.0, 2.0]
>>> unflatten(treedef, [30.0, 10.0, 20.0])
{'b': 30.0, 'w': [10.0, 20.0]}
"""

import numpy as np

__all__ = ["flatten", "unflatten", "ravel", "raveler", "tree_map", "TreeDef"]


class TreeDef:
    """The structure of a pytree without its leaves; ``unflatten`` fills it again.

    A node is ``None`` for a leaf, or ``(kind, keys, children)`` where ``kind`` is
    ``tuple``, ``list`` or ``dict``.

    >>> _, td = flatten((1.0, [2.0, 3.0]))
    >>> td.num_leaves
    3
    """

    __slots__ = ("node", "num_leaves")

    def __init__(self, node, num_leaves):
        self.node = node
        self.num_leaves = num_leaves

    def __eq__(self, other):
        return isinstance(other, TreeDef) and self.node == other.node

    def __hash__(self):
        return hash(repr(self.node))

    def __repr__(self):
        return f"TreeDef({_describe(self.node)})"


LEAF = TreeDef(None, 1)


def _describe(node):
    if node is None:
        return "*"
    kind, keys, children = node
    if kind is dict:
        inner = ", ".join(f"{k!r}: {_describe(c)}" for k, c in zip(keys, children))
        return "{" + inner + "}"
    inner = ", ".join(_describe(c) for c in children)
    return f"({inner},)" if kind is tuple else f"[{inner}]"


def flatten(tree):
    """Split a pytree into a list of leaves (dict keys in sorted order) and its structure.

    >>> flatten([1.0, (2.0, 3.0)])[0]
    [1.0, 2.0, 3.0]
    """
    kind = type(tree)
    if kind is not tuple and kind is not list and kind is not dict:
        return [tree], LEAF  # the common case: one array or float
    leaves = []
    node = _flatten(tree, leaves)
    return leaves, TreeDef(node, len(leaves))


def _flatten(tree, leaves):
    kind = type(tree)
    if kind is tuple or kind is list:
        return (kind, None, tuple(_flatten(t, leaves) for t in tree))
    if kind is dict:
        keys = tuple(sorted(tree))
        return (dict, keys, tuple(_flatten(tree[k], leaves) for k in keys))
    leaves.append(tree)
    return None


def unflatten(treedef, leaves):
    """Rebuild the pytree described by ``treedef`` from ``leaves`` (in ``flatten``'s order).

    >>> _, td = flatten({"a": 1.0, "b": (2.0,)})
    >>> unflatten(td, [5.0, 6.0])
    {'a': 5.0, 'b': (6.0,)}
    """
    if treedef is LEAF and len(leaves) == 1:
        return leaves[0]
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"unflatten got {len(leaves)} leaves for a structure with {treedef.num_leaves}."
        )
    it = iter(leaves)
    return _unflatten(treedef.node, it)


def _unflatten(node, it):
    if node is None:
        return next(it)
    kind, keys, children = node
    values = [_unflatten(c, it) for c in children]
    if kind is dict:
        return dict(zip(keys, values))
    return kind(values)


def tree_map(fn, tree, *rest):
    """Apply ``fn`` leaf by leaf to one or more pytrees of the same structure.

    >>> tree_map(lambda a, b: a + b, {"x": 1.0}, {"x": 2.0})
    {'x': 3.0}
    """
    leaves, td = flatten(tree)
    others = [flatten(r) for r in rest]
    for o_leaves, o_td in others:
        if o_td != td:
            raise ValueError(f"tree_map needs pytrees of one structure: {td} and {o_td}.")
    return unflatten(td, [fn(*args) for args in zip(leaves, *(o for o, _ in others))])


def _as_vector(leaf):
    # float64, or complex128 for complex leaves (never a silent cast that drops Im)
    if isinstance(leaf, (int, float, complex, np.number)):
        return np.array([leaf], dtype=np.result_type(leaf, float))
    if isinstance(leaf, np.ndarray):
        return leaf.astype(np.result_type(leaf, float), copy=False).ravel()
    # Traced values (inside a transform) ravel through NumPy's dispatch, staying traced.
    return np.reshape(leaf, (-1,))


def ravel(tree):
    """Flatten a pytree of floats/arrays into one float64 vector (complex128 if a leaf is
    complex), with the function undoing it.

    >>> vec, unravel = ravel({"w": np.ones((2, 2)), "b": 0.5})
    >>> vec
    array([0.5, 1. , 1. , 1. , 1. ])
    >>> unravel(vec * 2)["w"]
    array([[2., 2.],
           [2., 2.]])
    """
    leaves, td = flatten(tree)
    shapes = [np.shape(leaf) for leaf in leaves]
    scalar_float = [isinstance(leaf, (float, int)) for leaf in leaves]
    sizes = [int(np.prod(shape)) for shape in shapes]
    offsets = np.cumsum([0] + sizes)
    parts = [_as_vector(leaf) for leaf in leaves]
    vec = np.concatenate(parts) if parts else np.zeros(0)

    def unravel(v):
        if isinstance(v, (list, tuple, np.ndarray)):
            v = np.asarray(v)
            v = v if v.dtype.kind in "fc" else v.astype(float)
        if np.shape(v) != (offsets[-1],):
            raise ValueError(f"unravel expects a vector of shape ({offsets[-1]},); got {v.shape}.")
        parts = []
        for start, stop, shape, is_float in zip(offsets[:-1], offsets[1:], shapes, scalar_float):
            part = v[start:stop].reshape(shape)
            parts.append(part[()] if is_float and isinstance(part, np.ndarray) else part)
        return unflatten(td, parts)

    return vec, unravel


def _same(v):
    return v


def raveler(tree):
    """``(vector, unravel, ravel_like)``: :func:`ravel` of ``tree`` plus a function that
    flattens any pytree of the same structure (a gradient) the same way.

    The vector is always real (SciPy optimizes over real vectors): complex leaves enter
    as their real parts followed, at the end, by their imaginary parts; a gradient
    ``∂f/∂Re z + i·∂f/∂Im z`` (optad's convention) flattens to the real gradient.

    The optimizers call these at every step, so the common cases take shortcuts: for a
    1-D array ``unravel`` and ``ravel_like`` return their argument as it is (give them
    vectors of the right length), for other arrays they reshape, and a number comes back
    as ``np.float64``. Anything else goes through :func:`ravel`.

    >>> vec, unravel, ravel_like = raveler({"w": np.ones(2), "b": 0.0})
    >>> vec, unravel(vec + 1)["w"], ravel_like({"w": np.zeros(2), "b": 5.0})
    (array([0., 1., 1.]), array([2., 2.]), array([5., 0., 0.]))
    >>> raveler(np.ones((2, 2)))[1](np.arange(4.0))
    array([[0., 1.],
           [2., 3.]])
    """
    leaves = flatten(tree)[0]
    if any(np.iscomplexobj(leaf) for leaf in leaves):
        return _complex_raveler(tree)
    if isinstance(tree, np.ndarray) and tree.dtype.kind in "iuf":
        vec = np.array(tree, dtype=np.float64).ravel()
        if tree.ndim == 1:
            return vec, _same, _same
        shape = tree.shape
        return vec, lambda v: np.reshape(v, shape), np.ravel
    if isinstance(tree, (int, float, np.number)) and not isinstance(tree, bool):
        return (np.array([float(tree)]), lambda v: np.float64(v[0]),
                lambda g: np.reshape(np.asarray(g, dtype=float), (1,)))
    vec, unravel = ravel(tree)
    return np.array(vec, dtype=np.float64), unravel, lambda g: ravel(g)[0]


def _complex_raveler(tree):
    """:func:`raveler` for a pytree with complex leaves: ``[Re of all, Im of the complex]``.

    >>> vec, unravel, ravel_like = raveler({"z": np.array([1 + 2j]), "x": 3.0})
    >>> back = unravel(vec)
    >>> vec, float(back["x"]), type(back["x"]).__name__, back["z"]
    (array([3., 1., 2.]), 3.0, 'float64', array([1.+2.j]))
    """
    vec, unravel_flat = ravel(tree)
    leaves = flatten(tree)[0]
    is_complex = np.concatenate([np.full(int(np.size(leaf)), np.iscomplexobj(leaf))
                                 for leaf in leaves])
    n = vec.size

    def unravel(v):
        z = np.array(v[:n], dtype=complex)
        z[is_complex] += 1j * np.asarray(v[n:])
        parts = unflatten_leaves(unravel_flat(z))
        return unflatten(flatten(tree)[1], [p if np.iscomplexobj(leaf) else np.real(p)
                                            for p, leaf in zip(parts, leaves)])

    def ravel_like(g):
        flat = ravel(g)[0]
        return np.concatenate([np.real(flat), np.imag(flat)[is_complex]]).astype(np.float64)

    return ravel_like(tree), unravel, ravel_like


def unflatten_leaves(tree):
    """The leaves of ``tree`` (:func:`flatten` without the structure)."""
    return flatten(tree)[0]
