"""Colouring the columns of a sparsity pattern (Curtis, Powell and Reid, 1974).

Two columns that share no row can be computed by one forward pass: seeding both with 1
gives their sum, and each row of the sum belongs to at most one of them. A *colouring*
gives every column a colour such that no two columns of one colour share a row; the
compressed Jacobian ``J·S`` (``S[j, colour(j)] = 1``) then costs one pass per colour,
and each nonzero ``J[i, j]`` is read back from ``(J·S)[i, colour(j)]``.

It is a colouring of the *column intersection graph* (columns adjacent when they share
a row: the pattern of ``PᵀP``). Finding the fewest colours is NP-hard; the greedy
algorithm gives each column, in turn, the smallest colour none of its neighbours has.
Two orders are tried, and the one with fewer colours is kept (natural order on a tie;
the second is skipped when the first reaches the lower bound, the longest row):

* **natural** (columns 0, 1, 2, ...): optimal for banded patterns (a band of
  width w gets w colours: the tridiagonal pattern gets 3) and what SciPy's
  ``least_squares`` uses for finite differences (``group_columns``);
* **largest first** (by decreasing degree in the graph, Welsh and Powell 1967): often
  fewer colours on irregular patterns.

The rows are coloured the same way (the columns of ``Pᵀ``) for reverse mode, where
one backward pass per row colour gives ``Sᵀ·J``.

>>> import numpy as np, scipy.sparse as sp
>>> tridiagonal = sp.diags([1, 1, 1], [-1, 0, 1], shape=(6, 6), dtype=bool)
>>> colour_columns(tridiagonal)
array([0, 1, 2, 0, 1, 2])
"""

import numpy as np

__all__ = ["colour_columns", "colour_rows", "is_colouring"]

#: The most pairs (row length squared, summed over rows) the intersection graph may
#: take before the colouring gives up and gives every column its own colour (a pattern
#: that full needs about as many colours as columns anyway).
GRAPH_LIMIT = 50_000_000


def _as_csr(pattern):
    import scipy.sparse as sp
    P = sp.csr_matrix(pattern, dtype=bool) if not sp.issparse(pattern) else pattern.tocsr()
    P = P.astype(bool)
    P.eliminate_zeros()
    return P


def colour_columns(pattern, order="best"):
    """A greedy colouring of the columns of ``pattern`` (a ``scipy.sparse`` matrix or a
    dense array; its nonzeros are the pattern) such that no two columns of one colour
    share a row: an integer array, one colour (0, 1, ...) per column.

    ``order`` is ``"natural"``, ``"largest_first"`` or ``"best"`` (both, keeping the one
    with fewer colours; see the module docstring).

    >>> import numpy as np
    >>> colour_columns(np.array([[1, 1, 0], [0, 1, 1]]))
    array([0, 1, 0])
    """
    if order not in ("natural", "largest_first", "best"):
        raise ValueError(f"colour_columns: order must be 'natural', 'largest_first' or "
                         f"'best'; got {order!r}.")
    P = _as_csr(pattern)
    n = P.shape[1]
    row_lengths = np.diff(P.indptr).astype(np.int64)
    if int(np.sum(row_lengths ** 2)) > GRAPH_LIMIT:
        return np.arange(n)
    G = (P.T @ P).tocsr()           # the column intersection graph (with its diagonal)
    indptr, indices = G.indptr.tolist(), G.indices.tolist()
    if order != "largest_first":
        natural = _greedy(range(n), indptr, indices, n)
        # a row's columns all differ: no colouring has fewer colours than the longest row
        if order == "natural" or _count(natural) <= row_lengths.max(initial=0):
            return natural
    degree = np.diff(G.indptr)
    largest = _greedy(np.argsort(-degree, kind="stable").tolist(), indptr, indices, n)
    if order == "largest_first":
        return largest
    return largest if _count(largest) < _count(natural) else natural


def colour_rows(pattern, order="best"):
    """A greedy colouring of the rows of ``pattern`` such that no two rows of one colour
    share a column (for reverse mode: one backward pass per row colour).

    >>> import numpy as np
    >>> colour_rows(np.array([[1, 0], [1, 1], [0, 1]]))
    array([0, 1, 0])
    """
    return colour_columns(_as_csr(pattern).T.tocsr(), order)


def _count(colours):
    return int(colours.max()) + 1 if len(colours) else 0


def _greedy(order, indptr, indices, n):
    colour = [-1] * n
    for j in order:
        taken = {colour[k] for k in indices[indptr[j]:indptr[j + 1]]}
        c = 0
        while c in taken:
            c += 1
        colour[j] = c
    return np.array(colour, dtype=np.int64)


def is_colouring(pattern, colours):
    """Whether no two columns of one colour share a row of ``pattern``.

    >>> import numpy as np
    >>> P = np.array([[1, 1, 0], [0, 1, 1]])
    >>> is_colouring(P, [0, 1, 0]), is_colouring(P, [0, 0, 1])
    (True, False)
    """
    P = _as_csr(pattern)
    colours = np.asarray(colours, dtype=np.int64)
    if colours.shape != (P.shape[1],):
        return False
    rows = np.repeat(np.arange(P.shape[0], dtype=np.int64), np.diff(P.indptr))
    k = int(colours.max()) + 1 if colours.size else 1
    keys = rows * k + colours[P.indices]
    return len(np.unique(keys)) == len(keys)
