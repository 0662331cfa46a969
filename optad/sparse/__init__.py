"""Sparse Jacobians by colouring: ``optad.jacobian(f, sparse=True)``.

A Jacobian with few nonzeros per row (a banded least-squares residual, a discretized
differential equation) is computed in a handful of passes instead of one per column:

1. the structural sparsity pattern is found by tracing ``f`` once on the reference
   engine and propagating, per primitive, which input elements each element depends
   on (:mod:`optad.sparse.pattern`);
2. the columns are coloured so that no two columns of one colour share a row
   (Curtis–Powell–Reid, greedy: :mod:`optad.sparse.colouring`);
3. one forward pass per colour gives the compressed Jacobian ``J·S``, scattered into a
   ``scipy.sparse.csr_matrix`` by the pattern (:mod:`optad.sparse.jacobian`; reverse
   mode with row colours when that is cheaper).

SciPy is imported only when a sparse Jacobian is asked for.

>>> import numpy as np, optad
>>> def broyden_tridiagonal(x):
...     y = (3 - 2 * x) * x + 1
...     y[1:] -= x[:-1]
...     y[:-1] -= 2 * x[1:]
...     return y
>>> jac = optad.jacobian(broyden_tridiagonal, sparse=True)
>>> J = jac(-np.ones(1000))
>>> J.shape, J.nnz, jac.plan(-np.ones(1000)).ncolours
((1000, 1000), 2998, 3)
"""

from .colouring import colour_columns, colour_rows, is_colouring
from .jacobian import PatternError, SparsePlan, sparse_jacobian
from .pattern import DensePatternError, SparsityWarning, sparsity_pattern

__all__ = ["sparse_jacobian", "sparsity_pattern", "colour_columns", "colour_rows",
           "is_colouring", "SparsePlan", "SparsityWarning", "PatternError",
           "DensePatternError"]
