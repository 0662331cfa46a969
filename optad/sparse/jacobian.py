"""The sparse Jacobian: the compressed Jacobian by forward (or reverse) mode, scattered
into a ``scipy.sparse.csr_matrix`` by the pattern.

With a column colouring (:mod:`optad.sparse.colouring`), one forward pass
(``optad.jvp``) per colour ``c``, seeded with 1 on the columns of that colour, gives
``(J·S)[:, c] = Σ_{colour(j) = c} J[:, j]``; since no two columns of one colour share a
row, ``J[i, j] = (J·S)[i, colour(j)]`` for every ``(i, j)`` of the pattern. With a row
colouring, ``f`` is recorded once and one backward pass per row colour gives ``Sᵀ·J``,
read back the same way. ``mode="auto"`` takes whichever costs fewer backward-pass
equivalents (a forward pass costs ``optad.config.forward_pass_cost`` of them; reverse
mode adds one recording).

Each pass costs about one evaluation of ``f`` (a forward pass is one evaluation carrying
tangents), so a Jacobian with ``k`` colours costs about ``k`` such passes, whatever ``n``.
All colours are not carried through one pass: the engine's tangents have the shape of
their values. With ``jit=True`` the passes are one :func:`optad.jit` program instead,
recorded at the first call: the forward pass of ``f`` is computed once for all colours
(repeated steps are merged), and a replay costs the NumPy calls alone (Broyden
tridiagonal at n = 1e4: 5-9 evaluations of ``f``, against 24-39 without jit;
``tests/bench/bench_sparse.py``).

Entries of the compressed Jacobian that no pattern column can explain are checked on
every call (a free test): a nonzero there means the pattern missed a dependency at this
point (control flow on values). A pattern that optad found is then traced again at
this point and merged, with a :class:`~optad.sparse.SparsityWarning`; a pattern given
with ``sparsity=`` raises :class:`PatternError`.
"""

import warnings

import numpy as np

from ..engine import Traced
from ..jit import jit as jit_program
from ..traced import carries_derivative, peek
from ..errors import ArgnumsError, ComplexValueError, NotDifferentiableError, OptadError, ShapeError
from ..settings import config
from ..transforms import _jvp, _Recording, as_input
from .colouring import colour_columns, colour_rows
from .pattern import SparsityWarning, check_output, sparsity_pattern

__all__ = ["sparse_jacobian", "SparsePlan", "PatternError"]


class PatternError(OptadError, ValueError):
    """The Jacobian has a nonzero outside the sparsity pattern given with ``sparsity=``.

    >>> issubclass(PatternError, ValueError)
    True
    """


class SparsePlan:
    """What a sparse Jacobian computes at every call for one input size: the pattern
    (boolean CSR, ``m × n``), the mode (``"forward"``: column colours, one ``jvp`` per
    colour; ``"reverse"``: row colours, one backward pass per colour), the colours, and
    the index that reads each nonzero out of the stacked compressed Jacobian.

    >>> import numpy as np, optad
    >>> jac = optad.jacobian(lambda x: x[1:] - x[:-1], sparse=True)
    >>> plan = jac.plan(np.zeros(5))
    >>> plan.mode, plan.ncolours, plan.pattern.nnz
    ('reverse', 2, 8)
    """

    def __init__(self, pattern, mode, given):
        self.requested = mode
        P = pattern.tocsr().astype(bool)
        P.eliminate_zeros()
        P.sort_indices()
        self.pattern, self.given = P, given
        self.shape = m, n = P.shape
        self.indptr, self.indices = P.indptr, P.indices
        rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(P.indptr))
        cols = P.indices.astype(np.int64)
        col_colours = row_colours = None
        if mode in ("forward", "auto"):
            col_colours = colour_columns(P)
        if mode in ("reverse", "auto"):
            row_colours = colour_rows(P)
        if mode == "auto":
            k_fwd = int(col_colours.max()) + 1 if n else 0
            k_rev = int(row_colours.max()) + 1 if m else 0
            mode = "forward" if k_fwd * config.forward_pass_cost <= 1 + k_rev else "reverse"
        self.mode = mode
        if mode == "forward":
            self.colours = col_colours
            self.ncolours = int(col_colours.max()) + 1 if n and P.nnz else 0
            length = m                      # each pass gives a column of J·S (m rows)
            self.take = col_colours[cols] * m + rows
        else:
            self.colours = row_colours
            self.ncolours = int(row_colours.max()) + 1 if m and P.nnz else 0
            length = n                      # each pass gives a row of Sᵀ·J (n columns)
            self.take = row_colours[rows] * n + cols
        self.seeds = [(self.colours == c).astype(np.float64) for c in range(self.ncolours)]
        # The entries of the stacked compressed Jacobian no nonzero of the pattern reads:
        # they must come out zero (else the pattern missed a dependency).
        covered = np.zeros(self.ncolours * length, dtype=bool)
        covered[self.take] = True
        self.uncovered = np.flatnonzero(~covered)
        self.length = length
        self.program = None     # the jitted passes (made at the first call)

    def __repr__(self):
        m, n = self.shape
        return (f"<SparsePlan {m}x{n}, {self.pattern.nnz} nonzeros, {self.mode} mode, "
                f"{self.ncolours} colours>")

    def compressed(self, f, x, use_jit=False):
        """``(value, stack, retraced)``: ``f(x)`` and the stacked compressed Jacobian,
        ``(ncolours, m)`` rows of ``(J·S)ᵀ`` in forward mode, ``(ncolours, n)`` rows of
        ``Sᵀ·J`` in reverse mode.

        With ``use_jit``, every colour's pass runs in one call of :func:`optad.jit`: the
        first call records the passes (and ``f`` once: the passes share its forward
        pass), later calls replay them as straight-line NumPy, without the engine's
        per-operation cost. ``retraced`` is then True when ``f``'s control flow went
        another way than at every earlier call (a guard of the program failed), so the
        pattern may no longer hold (see :func:`sparse_jacobian`)."""
        if not use_jit:
            value, stack = self._stacked(f)(x)
            return value, stack, False
        if self.program is None:
            self.program = jit_program(self._stacked(f), cache_size=1, variants=8)
            self.program.warn = False   # (what jit cannot record runs without it, silently)
        before = self.program.cache_info().traces
        value, stack = self.program(x)
        return value, stack, before > 0 and self.program.cache_info().traces > before

    def _stacked(self, f):
        """The function of ``x`` that :meth:`compressed` runs: ``(f(x), all passes
        stacked)``."""
        m, n = self.shape
        seeds = self.seeds
        empty = np.zeros((0, self.length))

        if self.mode == "forward":
            def stacked(x):
                if not seeds:
                    return _checked_1d(f(x), m), empty
                passes = [_jvp(f, (x,), (seed,)) for seed in seeds]
                return (_checked_1d(passes[0][0], m),
                        np.stack([_checked_1d(dot, m) for _, dot in passes]))
            return stacked

        def stacked(x):
            rec = _Recording(f, (x,), {}, (0,), "jacobian")
            check_output(rec.out)
            value = _checked_1d(rec.output(), m)
            if not seeds:
                return value, empty
            return value, np.stack([rec.pull([seed], free=False)[0] for seed in seeds])
        return stacked

    def assemble(self, stack):
        """The CSR Jacobian from the stacked compressed Jacobian."""
        import scipy.sparse as sp
        data = np.take(stack.ravel(), self.take) if self.take.size else np.zeros(0)
        return sp.csr_matrix((data, self.indices.copy(), self.indptr.copy()), shape=self.shape)

    def missed(self, stack):
        """Positions of the stacked compressed Jacobian that hold a finite nonzero no
        pattern entry explains (empty: the pattern held at this point)."""
        if not self.uncovered.size:
            return self.uncovered
        values = stack.ravel()[self.uncovered]
        return self.uncovered[(values != 0) & np.isfinite(values)]


def _checked_1d(dot, m):
    """``dot`` (a pass's result), checked: a real array of ``m`` values. Only its shape and
    dtype are read (under optad.jit they are fixed by the signature: no guard)."""
    if carries_derivative(dot):
        raise NotDifferentiableError(
            "A sparse Jacobian is a plain scipy.sparse matrix: it cannot be taken inside "
            "another transform. Use optad.jacobian(f) without sparse=True there.")
    value = peek(dot)
    if np.shape(value) != (m,):
        raise ShapeError(f"The sparsity pattern has {m} rows, but f returned shape "
                         f"{np.shape(value)}.")
    if np.iscomplexobj(value):
        raise ComplexValueError("A sparse Jacobian needs a real output; this one is complex.")
    return dot


def _check_input(x):
    if isinstance(x, Traced):
        raise NotDifferentiableError(
            "A sparse Jacobian is a plain scipy.sparse matrix: it cannot be taken inside "
            "another transform (its input is traced). Use optad.jacobian(f) without "
            "sparse=True there.")
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    x = as_input(x, "jacobian(sparse=True)")   # float64; refuses integers, with the fix
    if np.iscomplexobj(x):
        raise ComplexValueError(
            "jacobian(sparse=True) takes derivatives with respect to a real 1-D array; the "
            "input is complex. Pass its real and imaginary parts as one real vector.")
    if x.ndim != 1:
        raise ShapeError(
            f"jacobian(sparse=True) needs a 1-D input; it got shape {x.shape}. Flatten it "
            f"(f(x.reshape(shape)) of a flat x), or use optad.jacobian(f) without sparse=True.")
    return x


def _given_pattern(sparsity):
    import scipy.sparse as sp
    if sp.issparse(sparsity):
        P = sp.csr_matrix(sparsity).astype(bool)
    else:
        a = np.asarray(sparsity)
        if a.ndim != 2:
            raise ShapeError(f"sparsity= must be a 2-D matrix (m outputs x n inputs); got "
                             f"shape {a.shape}.")
        P = sp.csr_matrix(a != 0)
    P.eliminate_zeros()
    return P


def sparse_jacobian(f, sparsity=None, mode="auto", jit=False):
    """``jac(x)``: the Jacobian of ``f`` at a 1-D float ``x`` as a ``scipy.sparse.csr_matrix``,
    by colouring (Curtis–Powell–Reid): one pass per colour, not per column.

    ``f`` maps a 1-D float array to a 1-D array. At the first call for each input size
    the structural sparsity pattern is found by tracing ``f``
    (:func:`~optad.sparse.sparsity_pattern`, unless given as ``sparsity=``, a
    ``scipy.sparse`` matrix or a dense boolean array of shape ``(m, n)``) and coloured
    (:func:`~optad.sparse.colour_columns`); both are cached on ``jac`` (``jac.plan(x)``,
    ``jac.sparsity(x)``). ``mode``: ``"forward"`` (column colours, one ``jvp`` per
    colour), ``"reverse"`` (row colours, one backward pass per colour) or ``"auto"``.

    ``jit=True`` runs all passes through :func:`optad.jit` (recorded at the first call,
    replayed after): several times faster when ``f`` is cheap, with jit's contract —
    values ``f`` reads from outside ``x`` (closures, globals) are frozen at the first
    call; a branch on ``x``'s values that goes another way is a guard, and then the
    pattern is traced again at that point too (merged, with a warning, if it grew).
    ``jac.value_and_jacobian(x)`` gives ``(f(x), J)`` from the same passes.

    The matrix holds every entry of the pattern, including those that are zero at ``x``
    (the structure is the same at every call). **The pattern is traced at the first
    point**: where ``f``'s control flow depends on values (an ``if`` on a comparison, an
    index computed from the values), it may differ elsewhere. optad compares the
    operations recorded at a second point and warns (:class:`SparsityWarning`) if they
    differ, and checks at every call the entries of the compressed Jacobian no pattern
    entry explains (a missed dependency shows there, then the pattern is traced again
    and merged, with a warning); a dependency hidden behind another column of the same
    colour cannot be seen that way. When in doubt, pass ``sparsity=``.

    >>> import numpy as np, optad
    >>> f = lambda x: x[1:] ** 2 - x[:-1]
    >>> J = optad.jacobian(f, sparse=True)(np.array([1.0, 2.0, 3.0]))
    >>> J.toarray()
    array([[-1.,  4.,  0.],
           [ 0., -1.,  6.]])
    """
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"sparse Jacobian: mode must be 'auto', 'forward' or 'reverse'; got "
                         f"{mode!r}.")
    given = None if sparsity is None else _given_pattern(sparsity)
    plans = {}

    def plan_for(x):
        plan = plans.get(x.shape)
        if plan is None:
            if given is not None:
                if given.shape[1] != x.shape[0]:
                    raise ShapeError(f"sparsity= has {given.shape[1]} columns, but the input "
                                     f"has {x.shape[0]} elements.")
                pattern = given
            else:
                pattern = sparsity_pattern(f, x)
            plan = plans[x.shape] = SparsePlan(pattern, mode, given is not None)
        return plan

    def value_and_jacobian(*args):
        if len(args) != 1:
            raise ArgnumsError(
                f"jacobian(sparse=True) differentiates a function of one 1-D array; it was "
                f"called with {len(args)} arguments. Close over the others "
                f"(lambda x: f(x, a, b)).")
        x = _check_input(args[0])
        plan = plan_for(x)
        value, stack, retraced = plan.compressed(f, x, jit)
        missed = plan.missed(stack)
        if missed.size or (retraced and not plan.given):
            new = _repair(plan, missed, f, x, plans)
            if new is not plan:
                plan = new
                value, stack, _ = plan.compressed(f, x, jit)
        return value, plan.assemble(stack)

    def jac(*args):
        return value_and_jacobian(*args)[1]

    def plan(x):
        """The :class:`SparsePlan` for inputs of ``x``'s size (made at the first call)."""
        return plan_for(_check_input(x))

    def sparsity(x):
        """The sparsity pattern used for inputs of ``x``'s size (boolean CSR)."""
        return plan_for(_check_input(x)).pattern

    jac.plan, jac.sparsity, jac.value_and_jacobian = plan, sparsity, value_and_jacobian
    jac.__name__ = f"sparse_jacobian({getattr(f, '__name__', 'f')})"
    jac.__doc__ = sparse_jacobian.__doc__
    return jac


def _repair(plan, missed, f, x, plans):
    """The pattern may not hold at this point: the compressed Jacobian has a nonzero no
    pattern entry explains (``missed``), or ``f``'s control flow went another way than at
    the earlier calls (a guard of the jitted passes failed). Trace the pattern again here
    and merge it (or refuse a given pattern); the plan is unchanged when the new pattern
    adds nothing."""
    if missed.size:
        c, i = divmod(int(missed[0]), plan.length)
        group = np.flatnonzero(plan.colours == c)
        if plan.mode == "forward":
            where = (f"output {i} depends on one of the inputs {_few(group)}, "
                     f"outside the pattern")
        else:
            where = f"input {i} reaches one of the outputs {_few(group)}, outside the pattern"
        if plan.given:
            raise PatternError(
                f"The Jacobian at this point has a nonzero outside the sparsity pattern "
                f"given with sparsity=: {where}. Give the full pattern.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparsityWarning)
        here = sparsity_pattern(f, x)
    merged = (plan.pattern + here).astype(bool)
    if merged.nnz == plan.pattern.nnz and not missed.size:
        return plan         # the other branch has the same pattern
    if not missed.size:
        where = "f's control flow went another way, and its pattern has new entries"
    warnings.warn(
        f"optad.jacobian(sparse=True): the sparsity pattern traced at the first point "
        f"missed a dependency at this one ({where}): f's control flow depends on its "
        f"input's values. The pattern is traced again here and merged; pass sparsity= "
        f"with the full pattern to be sure.", SparsityWarning, stacklevel=3)
    new = plans[x.shape] = SparsePlan(merged, plan.requested, False)
    return new


def _few(indices):
    shown = ", ".join(str(int(j)) for j in indices[:5])
    return f"[{shown}{', ...' if len(indices) > 5 else ''}]"
