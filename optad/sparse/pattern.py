"""The structural sparsity pattern of a Jacobian, found by tracing ``f`` once.

``f`` is recorded on the reference engine (:class:`optad.ref.ReverseTrace`), whose tape
keeps every primitive with its raw arguments. Walking the tape in order, each entry gets
its *dependency matrix* ``D``: a boolean ``scipy.sparse`` CSR matrix with one row per
element of the entry's value (C order) and one column per input element, ``D[r, j]``
True when element ``r`` may depend on input element ``j`` (None: on none). The input's
``D`` is the identity; the output's is the pattern. Each family of primitives has a rule:

* **elementwise** (``prim.partials`` set): an output element depends on the broadcast
  argument elements at its position, except where a partial is a *structural* zero, a
  zero for every input: ``x * [1, 0, 1]`` does not depend on ``x[1]`` (the partial is
  the constant factor). Only partials the primitive declares structural
  (``Primitive.structural_zeros``) and that read constants count; a comparison mask
  (``np.where``'s branch not taken, ``np.maximum``'s loser) is *not* structural here: it
  changes with the point, so ``where(c, x, y)`` depends on both branches.
* **moves** (getitem, setitem, reshape, transpose, broadcast_to, copy, concatenate): the
  primitive itself is applied to arrays of element ids, so each output element names the
  argument element it came from (-1: a constant); **untake** (``np.add.at``) sums the
  ids scattered into each position.
* **reductions** (sum, mean, prod, max, min, std over ``axis``): the union over the
  reduced axes; **cumsum**: the union of the prefix; **fft** family: the whole line along
  the transformed axis.
* **matmul** (1-D and 2-D operands) and **einsum**: an output element depends on an
  operand element when the other operands' elements it meets may be nonzero; the exact
  zeros of a constant (a banded matrix) are structural, so ``A @ x`` with a banded ``A``
  has a banded pattern.
* **anything else**: dense (every output element depends on every input element that
  reaches any argument). Conservative and correct: never a missing dependency.

Constants are judged at three points. The tape is recorded at the given point ``x0``
and again at two others (``-x0`` plus a little noise, which flips every comparison
with 0 and reverses a sort, and ``x0`` plus noise of its own size); a plain argument (a
constant factor, an index, a condition) that differs between them was computed from
the input's values (``x * (x > 0)``, ``np.sort``'s permutation), so its zeros and
indices are not structural: that entry is treated conservatively (no structural zeros,
dense for moves). Boolean constants (comparison results) never give structural zeros.
When the recordings differ in their operations (Python control flow on values: ``if
x[0] > 0``), a :class:`SparsityWarning` says so and the pattern is the union of all of
them, every constant taken as nonzero. This is a check, not a proof: a branch none of
the three points took, or a value-dependent constant equal at all three, goes unseen
(the Jacobian's own check at every call catches some of these, see
:mod:`optad.sparse.jacobian`). When in doubt, pass ``sparsity=``.

>>> import numpy as np
>>> P = sparsity_pattern(lambda x: x[1:] * x[:-1], np.ones(4))
>>> P.toarray().astype(int)
array([[1, 1, 0, 0],
       [0, 1, 1, 0],
       [0, 0, 1, 1]])
"""

import warnings

import numpy as np

from ..engine import Traced, value_of
from ..traced import peek
from ..errors import ComplexValueError, OptadError, ShapeError
from ..prims import fft as _fft
from ..prims import indexing as _indexing
from ..prims import linalg as _linalg
from ..prims import reductions as _reductions
from ..prims import select as _select
from ..prims import shape as _shape
from ..prims import elementwise as _elementwise_prims
from ..prims import complex as _complex
from ..ref import ReverseTrace

__all__ = ["sparsity_pattern", "SparsityWarning", "DensePatternError", "MAX_PATTERN_NNZ",
           "GRID_LIMIT"]

#: The most nonzeros a dependency matrix may hold (about 5 bytes each) before the
#: pattern is declared dense: a Jacobian that full is better computed densely.
MAX_PATTERN_NNZ = 20_000_000
#: The largest iteration space (product of every letter's length) for which einsum's
#: pattern is computed exactly; a larger one is taken as dense (conservative).
GRID_LIMIT = 4_000_000


class SparsityWarning(UserWarning):
    """The sparsity pattern may not hold at every point (control flow on values).

    >>> issubclass(SparsityWarning, UserWarning)
    True
    """


class DensePatternError(OptadError, ValueError):
    """The Jacobian's pattern is (nearly) dense: a sparse Jacobian would not pay.

    >>> issubclass(DensePatternError, ValueError)
    True
    """


def _sp():
    import scipy.sparse          # loaded only when a sparse Jacobian is asked for
    return scipy.sparse


# --- recording -----------------------------------------------------------------------------
def record(f, x):
    """``f`` recorded at ``x`` on the reference engine: ``(tape, output)``; the input is
    tape entry 0. The output must be a 1-D array.

    >>> tape, out = record(lambda x: x * 2.0, np.ones(2))
    >>> [e.prim.name if e.prim else "input" for e in tape], out._aux
    (['input', 'multiply'], 1)
    """
    trace = ReverseTrace()
    with trace:
        box = trace.new_input(x)
        out = f(box)
    check_output(out)
    return trace.tape, out


def check_output(out):
    """Refuse outputs other than one 1-D real array."""
    if isinstance(out, (tuple, list, dict)):
        raise ShapeError(
            f"A sparse Jacobian needs a function returning one 1-D array; this one returned "
            f"a {type(out).__name__}. Concatenate the outputs (np.concatenate([...])).")
    v = peek(out)       # (shape and dtype only: under optad.jit, not a guard)
    if np.ndim(v) != 1:
        raise ShapeError(
            f"A sparse Jacobian needs a function returning a 1-D array; this one returned "
            f"shape {np.shape(v)}. Return np.ravel(y) (or np.atleast_1d(y) for a scalar), "
            f"or use optad.jacobian(f) without sparse=True.")
    if np.iscomplexobj(v):
        raise ComplexValueError(
            "A sparse Jacobian needs a real output; this one is complex. Return its real "
            "and imaginary parts (np.concatenate([y.real, y.imag])).")


# --- small sparse helpers ------------------------------------------------------------------
def _csr(indices, indptr, shape):
    sp = _sp()
    if len(indices) > MAX_PATTERN_NNZ:
        _too_dense(shape)
    return sp.csr_matrix((np.ones(len(indices), dtype=bool), indices, indptr), shape=shape)


def _too_dense(shape):
    raise DensePatternError(
        f"The Jacobian's sparsity pattern grew past {MAX_PATTERN_NNZ} nonzeros (an "
        f"intermediate with {shape[0]} elements depends on nearly all {shape[1]} inputs): "
        f"a sparse Jacobian would not pay. Use optad.jacobian(f) without sparse=True, or "
        f"pass a known pattern with sparsity=.")


def _from_pairs(rows, cols, shape):
    """A boolean CSR matrix with True at (rows, cols) (repeats merge)."""
    if len(rows) > MAX_PATTERN_NNZ:
        _too_dense(shape)
    sp = _sp()
    m = sp.coo_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=shape).tocsr()
    m.sum_duplicates()
    return m


def _gather(D, ids):
    """The rows of ``D`` at ``ids`` (an integer array; -1 gives an empty row)."""
    ids = np.asarray(ids, dtype=np.int64).ravel()
    valid = ids >= 0
    safe = np.where(valid, ids, 0)
    starts = D.indptr[safe].astype(np.int64)
    lens = np.where(valid, D.indptr[safe + 1] - starts, 0)
    indptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    total = int(indptr[-1])
    if total > MAX_PATTERN_NNZ:
        _too_dense((len(ids), D.shape[1]))
    pos = np.repeat(starts - indptr[:-1], lens) + np.arange(total)
    return _csr(D.indices[pos], indptr, (len(ids), D.shape[1]))


def _union(mats):
    mats = [m for m in mats if m is not None]
    if not mats:
        return None
    out = mats[0]
    for m in mats[1:]:
        out = out + m                   # boolean: an OR
    return out if out.nnz else None


def _ids(shape, offset=0):
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape) + offset


def _identity(n):
    return _csr(np.arange(n), np.arange(n + 1), (n, n))


def _dense(size, parents, n):
    """Every element depends on every input element reaching any argument."""
    cols = np.unique(np.concatenate([D.indices for D in parents])) if parents else []
    if not len(cols) or not size:
        return None
    k = len(cols)
    if size * k > MAX_PATTERN_NNZ:
        _too_dense((size, n))
    return _csr(np.tile(cols, size), np.arange(0, size * k + 1, k), (size, n))


# --- comparing the two recordings ----------------------------------------------------------
def same(a, b):
    """Whether two plain arguments are equal (arrays by value, NaN equal to NaN).

    >>> same((slice(1, None), np.array([0, 2])), (slice(1, None), np.array([0, 2])))
    True
    >>> same(np.array([1.0, np.nan]), np.array([1.0, 0.0]))
    False
    """
    a, b = value_of(a), value_of(b)
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(same(a[k], b[k]) for k in a))
    if isinstance(a, slice) or isinstance(b, slice):
        return (isinstance(a, slice) and isinstance(b, slice)
                and same((a.start, a.stop, a.step), (b.start, b.stop, b.step)))
    if isinstance(a, (np.ndarray, np.generic)) or isinstance(b, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        try:
            return bool(np.array_equal(a, b))
        except Exception:
            return a is b
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return a is b


def _aligned(tape0, tape1):
    """Whether two tapes record the same operations on the same parents."""
    if len(tape0) != len(tape1):
        return False
    for e0, e1 in zip(tape0, tape1):
        if e0.prim is not e1.prim or e0.parents != e1.parents or len(e0.args) != len(e1.args):
            return False
        if np.shape(e0.value) != np.shape(e1.value):
            return False
    return True


# --- the walk -------------------------------------------------------------------------------
class _Walk:
    """Dependency matrices of one tape. ``others`` are the tapes recorded at the other
    points, aligned with this one; with none, every constant is taken as possibly
    computed from the input's values (no structural zeros, dense moves)."""

    def __init__(self, tape, n, others):
        self.tape, self.n, self.others = tape, n, others
        self.rng = np.random.default_rng(0x5EED)
        self.deps = [None] * len(tape)
        self.fixed = [False] * len(tape)   # a dependency-free entry equal at every point

    def run(self, upto):
        """The dependency matrix of tape entry ``upto`` (None: it depends on nothing)."""
        last_use = {}                       # entry -> the last entry reading it
        for i in range(upto + 1):
            for _, j in self.tape[i].parents:
                last_use[j] = i
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")     # rules run NumPy on arbitrary values
            for i in range(upto + 1):
                self._step(i)
                for _, j in self.tape[i].parents:
                    if last_use.get(j) == i and j != upto:
                        self.deps[j] = None     # read by nobody after this: free it
        return self.deps[upto]

    def _step(self, i):
        entry = self.tape[i]
        if i == 0:
            self.deps[0] = _identity(self.n)
            return
        parents = {k: self.deps[j] for k, j in entry.parents if self.deps[j] is not None}
        if entry.prim is None or not parents:
            # a traced constant (np.zeros_like(x)), or an operation on constants only
            self.fixed[i] = bool(self.others) and all(
                same(entry.value, other[i].value) for other in self.others)
            return
        step = _Step(self, i, entry, parents)
        try:
            D = _rule(step)
        except DensePatternError:
            raise
        except Exception:                   # a rule that cannot read these arguments
            D = _DENSE
        if D is _DENSE or (D is not None and D.shape != (step.size, self.n)):
            D = step.dense()                # (a wrong shape is never expected)
        self.deps[i] = D if D is None or D.nnz else None


_DENSE = object()       # what a rule returns to ask for the conservative answer


class _Step:
    """One tape entry being processed: its arguments, their dependency matrices
    (``parents``: argument position -> D, for arguments that depend on the input) and
    whether every constant it reads is equal at every point recorded (``stable``)."""

    def __init__(self, walk, i, entry, parents):
        self.walk, self.entry, self.parents = walk, entry, parents
        self.prim, self.args, self.kwargs = entry.prim, entry.args, entry.kwargs
        self.at_others = [other[i] for other in walk.others]
        self.size = int(np.size(value_of(entry.value)))
        self.shape = np.shape(value_of(entry.value))
        self.n = walk.n
        self.stable = self._stable()

    def _stable(self):
        if not self.at_others:
            return False
        traced_at = dict(self.entry.parents)
        for k, a in enumerate(self.args):
            if k in traced_at:
                if k not in self.parents and not self.walk.fixed[traced_at[k]]:
                    return False            # a traced constant that moved between points
            elif not all(same(a, e.args[k]) for e in self.at_others):
                return False
        return all(same(self.kwargs, e.kwargs) for e in self.at_others)

    def dense(self):
        return _dense(self.size, list(self.parents.values()), self.n)

    def maybe_nonzero(self, k):
        """Where argument ``k`` may be nonzero at some point (a boolean array of its
        shape): anywhere, unless it is a stable non-boolean constant (then: where it is
        nonzero at either point) or an element that depends on nothing."""
        v0 = np.asarray(value_of(self.args[k]))
        if not self.stable or v0.dtype == bool:
            return np.ones(v0.shape, dtype=bool)
        mask = v0 != 0
        for e in self.at_others:
            mask = mask | (np.asarray(value_of(e.args[k])) != 0)
        D = self.parents.get(k)
        if D is not None:
            mask = mask | (np.diff(D.indptr) > 0).reshape(v0.shape)
        return mask

    def structural_zero(self, k):
        """Where the partial of elementwise argument ``k`` is zero at every point (over
        the output's shape), or None. Only partials the primitive declares structural
        and that read constants (a constant factor's zeros); confirmed at every point and
        at random values of the varying arguments."""
        prim = self.prim
        sz = prim.structural_zeros
        if not self.stable or sz is None or k >= len(sz) or not sz[k]:
            return None
        for p in sz[k]:
            if p in self.parents or np.asarray(value_of(self.args[p])).dtype == bool:
                return None                 # a varying factor, or a comparison's mask
        partial = prim.partials[k]
        zero = np.asarray(value_of(partial(self.entry.value, *self.args))) == 0
        if not zero.any():
            return None
        for e in self.at_others:
            zero = zero & (np.asarray(value_of(partial(e.value, *e.args))) == 0)
        rng = self.walk.rng
        args = list(self.args)
        for q in self.parents:
            shape = np.shape(value_of(args[q]))
            args[q] = rng.uniform(0.5, 1.5, shape) if shape else float(rng.uniform(0.5, 1.5))
        ans = prim.impl(*args, **self.kwargs)
        zero = zero & (np.asarray(value_of(partial(ans, *args))) == 0)
        return np.broadcast_to(zero, self.shape) if zero.any() else None

    def ids(self, k, offset=0):
        """Element ids of argument ``k`` (from ``offset``), or -1 for a constant."""
        shape = np.shape(value_of(self.args[k]))
        if k in self.parents:
            return _ids(shape, offset)
        return np.full(shape, -1, dtype=np.int64)


# --- the rules ------------------------------------------------------------------------------
def _elementwise(step):
    mats = []
    for k, D in step.parents.items():
        ids = np.broadcast_to(step.ids(k), step.shape)
        if step.prim.partials is not None:
            zero = step.structural_zero(k)
            if zero is not None:
                ids = np.where(zero, -1, ids)
        mats.append(_gather(D, ids))
    return _union(mats)


def _moves(step):
    """Primitives that only move elements: applied to element ids."""
    if not step.stable:
        return _DENSE                       # an index computed from the values
    prim, args = step.prim, step.args
    ids, mats, offset = [], [], 0
    for k in range(len(args)):
        if prim is _indexing.getitem_prim and k == 1 or prim is _indexing.setitem_prim and k == 1:
            ids.append(args[k])             # the key
            continue
        ids.append(step.ids(k, offset))
        if k in step.parents:
            mats.append(step.parents[k])
            offset += step.parents[k].shape[0]
    if prim is _indexing.getitem_prim:
        out = ids[0][ids[1]]
    elif prim is _indexing.setitem_prim:
        out = np.array(ids[0], copy=True)
        out[ids[1]] = ids[2]
    else:
        out = prim.impl(*ids, **step.kwargs)
    out = np.asarray(out)
    if out.shape != step.shape or out.dtype.kind not in "iu":
        return _DENSE
    stacked = mats[0] if len(mats) == 1 else _sp().vstack(mats, format="csr")
    return _gather(stacked, out)


def _untake(step):
    """``np.add.at(zeros(shape), key, g)``: each position sums what is scattered into it."""
    if not step.stable or list(step.parents) != [0]:
        return _DENSE
    g, key, shape = step.args
    selected = _ids(shape)[key]
    scattered = np.broadcast_to(_ids(np.shape(value_of(g))), selected.shape)
    M = _from_pairs(selected.ravel(), scattered.ravel(), (step.size, int(np.size(value_of(g)))))
    return M @ step.parents[0]


def _reduction(step):
    """Each output element: the union over its reduced group."""
    if len(step.args) != 1:
        return _DENSE
    shape = np.shape(value_of(step.args[0]))
    ndim = len(shape)
    axis = step.kwargs.get("axis")
    axes = tuple(range(ndim)) if axis is None else tuple(
        sorted({int(a) % ndim for a in ((axis,) if np.ndim(axis) == 0 else axis)}))
    group = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    if group == 0:
        return None
    moved = np.moveaxis(_ids(shape), axes, tuple(range(ndim - len(axes), ndim)))
    moved = moved.reshape(-1, group)
    if moved.shape[0] != step.size:
        return _DENSE
    M = _csr(moved.ravel(), np.arange(0, step.size * group + 1, group), (step.size, moved.size))
    return M @ step.parents[0]


def _cumsum(step):
    """Element k of a cumulative sum depends on elements 0..k of its line."""
    shape = np.shape(value_of(step.args[0]))
    axis = step.kwargs.get("axis")
    ids = _ids(shape)
    lines = ids.reshape(1, -1) if axis is None else np.moveaxis(
        ids, int(axis) % len(shape), -1).reshape(-1, shape[int(axis) % len(shape)])
    length = lines.shape[1]
    if lines.shape[0] * length * (length + 1) // 2 > MAX_PATTERN_NNZ:
        return _DENSE
    r, c = np.tril_indices(length)
    M = _from_pairs(lines[:, r].ravel(), lines[:, c].ravel(), (step.size, ids.size))
    return M @ step.parents[0]


def _line(step):
    """The fft family: each output element depends on its whole line along ``axis``."""
    xshape = np.shape(value_of(step.args[0]))
    axis = int(step.kwargs["axis"]) % len(xshape)
    if len(step.shape) != len(xshape) or any(
            a != b for d, (a, b) in enumerate(zip(xshape, step.shape)) if d != axis):
        return _DENSE
    lx = np.moveaxis(_ids(xshape), axis, -1).reshape(-1, xshape[axis])
    lo = np.moveaxis(_ids(step.shape), axis, -1).reshape(-1, step.shape[axis])
    if lo.size * lx.shape[1] > MAX_PATTERN_NNZ:
        return _DENSE
    rows = np.repeat(lo, lx.shape[1], axis=1).ravel()
    cols = np.tile(lx, (1, lo.shape[1])).ravel()
    M = _from_pairs(rows, cols, (step.size, lx.size))
    return M @ step.parents[0]


def _matmul(step):
    """``a @ b`` for 1-D and 2-D operands: ``out[i, q] = sum_j a[i, j] b[j, q]`` depends on
    ``a[i, j]`` where ``b[j, q]`` may be nonzero, and on ``b[j, q]`` where ``a[i, j]`` may."""
    a_shape = np.shape(value_of(step.args[0]))
    b_shape = np.shape(value_of(step.args[1]))
    if not (1 <= len(a_shape) <= 2 and 1 <= len(b_shape) <= 2):
        return _DENSE
    A = step.maybe_nonzero(0).reshape(a_shape if len(a_shape) == 2 else (1, -1))
    B = step.maybe_nonzero(1).reshape(b_shape if len(b_shape) == 2 else (-1, 1))
    m, k = A.shape
    p = B.shape[1]
    mats = []
    if 1 in step.parents:
        ai, aj = np.nonzero(A)
        if len(ai) * p > MAX_PATTERN_NNZ:
            return _DENSE
        rows = (ai[:, None] * p + np.arange(p)).ravel()
        cols = (aj[:, None] * p + np.arange(p)).ravel()
        mats.append(_from_pairs(rows, cols, (m * p, k * p)) @ step.parents[1])
    if 0 in step.parents:
        bj, bq = np.nonzero(B)
        if len(bj) * m > MAX_PATTERN_NNZ:
            return _DENSE
        rows = (np.arange(m)[:, None] * p + bq).ravel()
        cols = (np.arange(m)[:, None] * k + bj).ravel()
        mats.append(_from_pairs(rows, cols, (m * p, m * k)) @ step.parents[0])
    return _union(mats)


def _einsum(step):
    """Over the iteration space (every letter's range): an output element depends on
    operand k's element where every other operand's element there may be nonzero."""
    inputs, out_term = step.kwargs["spec"]
    shapes = [np.shape(value_of(a)) for a in step.args]
    dims = {}
    for term, shape in zip(inputs, shapes):
        if len(term) != len(shape):
            return _DENSE
        for c, d in zip(term, shape):
            dims[c] = max(dims.get(c, 1), d)
    letters = sorted(dims)
    grid = tuple(dims[c] for c in letters)
    if int(np.prod(grid, dtype=np.int64)) > GRID_LIMIT:
        return _DENSE
    axis_of = {c: a for a, c in enumerate(letters)}

    def flat(term, shape):
        index, stride = np.zeros((1,) * len(grid), dtype=np.int64), 1
        for c, d in zip(reversed(term), reversed(shape)):
            if d == dims[c]:
                r = np.arange(d, dtype=np.int64).reshape(
                    [-1 if a == axis_of[c] else 1 for a in range(len(grid))])
                index = index + r * stride
            stride *= d
        return np.broadcast_to(index, grid)

    out_flat = flat(out_term, step.shape)
    flats = [flat(t, s) for t, s in zip(inputs, shapes)]
    nonzero = [step.maybe_nonzero(k).ravel()[flats[k]] for k in range(len(inputs))]
    mats = []
    for k, D in step.parents.items():
        valid = np.ones(grid, dtype=bool)
        for j in range(len(inputs)):
            if j != k:
                valid &= nonzero[j]
        M = _from_pairs(out_flat[valid], flats[k][valid], (step.size, D.shape[0]))
        mats.append(M @ D)
    return _union(mats)


_MOVES = {_indexing.getitem_prim, _indexing.setitem_prim, _shape.reshape, _shape.transpose,
          _shape.broadcast_to, _shape.copy, _shape.concatenate}
_SAME_POSITION = {_elementwise_prims.sign, _complex.conjugate, _select.clip}
_REDUCTIONS = {_reductions.sum_, _reductions.mean, _reductions.prod, _reductions.max_,
               _reductions.min_, _reductions.std}
_LINES = {_fft.fft, _fft.ifft, _fft.rfft, _fft.irfft, _fft.hfft, _fft.ihfft}


def _rule(step):
    prim = step.prim
    if prim.partials is not None or prim in _SAME_POSITION:
        return _elementwise(step)
    if prim in _MOVES:
        return _moves(step)
    if prim is _indexing.untake:
        return _untake(step)
    if prim in _REDUCTIONS:
        return _reduction(step)
    if prim is _reductions.cumsum:
        return _cumsum(step)
    if prim in _LINES:
        return _line(step)
    if prim is _linalg.matmul:
        return _matmul(step)
    if prim is _linalg.einsum:
        return _einsum(step)
    return _DENSE


# --- the entry point ------------------------------------------------------------------------
def sparsity_pattern(f, x, *, check=True):
    """The structural sparsity pattern of the Jacobian of ``f`` at ``x``: a boolean
    ``scipy.sparse.csr_matrix`` of shape ``(m, n)``, True where output ``i`` may depend on
    input ``j``. ``x`` is a 1-D float array and ``f(x)`` a 1-D array.

    ``check`` records ``f`` at two more points, to find constants computed from the
    input's values and control flow that depends on them (see the module docstring);
    without it, every constant is taken as possibly value-dependent.

    >>> import numpy as np
    >>> A = np.diag(np.ones(3)) + np.diag(np.ones(2), 1)        # upper bidiagonal
    >>> sparsity_pattern(lambda x: A @ x + x[0], np.ones(3)).toarray().astype(int)
    array([[1, 1, 0],
           [1, 1, 1],
           [1, 0, 1]])
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    tape0, out0 = record(f, x)
    m = int(np.size(value_of(out0)))
    others = _other_recordings(f, x) if check else []
    if all(_aligned(tape0, tape) and _same_output(out0, out) for tape, out in others):
        return _pattern_of(tape0, out0, n, m, [tape for tape, _ in others])
    warnings.warn(
        "optad.jacobian(sparse=True): f recorded different operations at different points "
        "(its control flow depends on the input's values), so the sparsity pattern found "
        "may miss dependencies at other points. It is the union of the patterns at the "
        "points tried; pass sparsity= with the known pattern to be sure.",
        SparsityWarning, stacklevel=3)
    # Each recording is walked with those that recorded the same operations.
    recordings = [(tape0, out0)] + others
    return _union_or_empty([_pattern_of(tape, out, n, m, [
        t for t, o in recordings if t is not tape and _aligned(tape, t) and _same_output(out, o)])
        for tape, out in recordings], m, n)


def _same_output(out0, out1):
    t0, t1 = isinstance(out0, Traced), isinstance(out1, Traced)
    if t0 != t1:
        return False
    if t0:
        return out0._aux == out1._aux
    return np.shape(out0) == np.shape(out1)


def _other_recordings(f, x):
    """``f`` recorded at two points chosen to move what depends on the values: ``-x`` with
    a little noise (every comparison with 0 flips, a sort permutation reverses) and ``x``
    plus noise of its own size. A point where ``f`` fails is replaced by one near ``x``."""
    rng = np.random.default_rng(0xC0FFEE)
    scale = 1.0 + np.abs(x)
    u = rng.uniform(0.5, 1.5, x.shape) * rng.choice([-1.0, 1.0], x.shape)
    v = rng.uniform(0.5, 1.5, x.shape) * rng.choice([-1.0, 1.0], x.shape)
    recordings = []
    for point in (-x + 0.1 * u * scale, x + v * scale):
        for candidate in (point, x + 1e-3 * u * scale):
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    recordings.append(record(f, candidate))
                break
            except Exception:
                continue
    return recordings


def _empty(m, n):
    return _csr(np.zeros(0, dtype=np.int64), np.zeros(m + 1, dtype=np.int64), (m, n))


def _union_or_empty(mats, m, n):
    u = _union(mats)
    return u if u is not None else _empty(m, n)


def _pattern_of(tape, out, n, m, others):
    if not isinstance(out, Traced):
        return _empty(m, n)         # the output does not depend on the input
    return _union_or_empty([_Walk(tape, n, others).run(out._aux)], m, n)
