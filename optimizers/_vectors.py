"""Internal: let an update rule work on flat float vectors whatever the caller's params are.

>>> p, g, back = as_vectors({"a": 1.0, "b": np.ones(2)}, {"a": 0.5, "b": np.zeros(2)})
>>> p, g
(array([1., 1., 1.]), array([0.5, 0. , 0. ]))
>>> new = back(p * 2)                 # the caller's structure again
>>> sorted(new), float(new["a"]), new["b"]
(['a', 'b'], 2.0, array([2., 2.]))
"""

import numpy as np

import optad

__all__ = ["as_vectors"]


def _identity(v):
    return v


def as_vectors(params, grads):
    """``(p, g, back)``: float arrays for ``params`` and ``grads``, and the map from an
    updated ``p`` back to the caller's structure. Arrays keep their shape (updates are
    elementwise); pytrees are raveled."""
    if isinstance(params, np.ndarray):
        return (np.asarray(params, dtype=np.float64), np.asarray(grads, dtype=np.float64),
                _identity)
    if isinstance(params, (int, float, np.number)):
        return (np.float64(params), np.float64(grads), _identity)
    p, unravel = optad.tree.ravel(params)
    g, _ = optad.tree.ravel(grads)
    return np.asarray(p, dtype=np.float64), np.asarray(g, dtype=np.float64), unravel
