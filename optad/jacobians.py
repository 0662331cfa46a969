"""Jacobians and second derivatives, composed from ``vjp`` and ``jvp``.

* ``jacrev``: record ``f`` once, then one backward pass per output element (a Jacobian row);
* ``jacfwd``: one forward pass per input element (a Jacobian column);
* ``jacobian``: whichever costs less (a forward pass costs about two backward passes);
* ``hessian``: reverse over reverse, ``jacrev(grad(f))``;
* ``hvp``: reverse over forward, the gradient of one directional derivative: a few gradients' cost.

For an array input of shape ``(n...)`` and output of shape ``(m...)`` the Jacobian has
shape ``(m..., n...)``. With pytrees, the result nests the input structure inside the
output structure, as in JAX.
"""

import numpy as np

from . import tree
from .engine import is_complex, value_of
from .errors import ArgnumsError, ComplexValueError
from .traced import peek
from .settings import config
from .transforms import _grad, _jvp, _Recording, as_input, jvp, normalize_argnums

__all__ = ["jacobian", "jacrev", "jacfwd", "hessian", "hvp", "elementwise_grad"]


def _blocks(matrix_rows, out_leaves, out_def, in_leaves_per_arg, single):
    """Split a dense (m_total, n_total) matrix into the nested pytree of blocks."""
    out_shapes = [np.shape(peek(o)) for o in out_leaves]
    out_sizes = [int(np.prod(s)) for s in out_shapes]
    result_args = []
    col = 0
    for in_td, in_leaves in in_leaves_per_arg:
        in_shapes = [np.shape(peek(x)) for x in in_leaves]
        per_out = []
        row = 0
        for oshape, osize in zip(out_shapes, out_sizes):
            blocks = []
            c = col
            for ishape in in_shapes:
                isize = int(np.prod(ishape))
                block = matrix_rows[row:row + osize, c:c + isize]
                blocks.append(np.reshape(block, oshape + ishape))
                c += isize
            per_out.append(tree.unflatten(in_td, blocks))
            row += osize
        col = c
        result_args.append(tree.unflatten(out_def, per_out))
    if single:
        return result_args[0]
    # Tuple argnums: one Jacobian per argument, each nested as output-of-input.
    return tuple(result_args)


def _refuse_complex_inputs(args, nums, fname):
    """Jacobians and Hessians are taken with respect to real inputs (as JAX's jacfwd,
    jacrev and hessian without ``holomorphic=True``): for a complex input the matrix of
    a non-holomorphic function is not one complex matrix."""
    for i in nums:
        for leaf in tree.flatten(args[i])[0]:
            if is_complex(peek(leaf)):
                raise ComplexValueError(
                    f"{fname} takes derivatives with respect to real inputs; argument {i} is "
                    f"complex.\nPass its real and imaginary parts as separate real arguments "
                    f"(f(re, im) = g(re + 1j*im)), or use optad.jvp / optad.vjp / optad.hvp, "
                    f"which take complex inputs.")


def _stack_rows(rows, total_cols):
    return np.stack(rows) if rows else np.zeros((0, total_cols))


def _rows_of(rec, single):
    """The Jacobian from one recording: a backward pass per output element (seed 1 there)."""
    out_values = [peek(o) for o in rec.out_leaves]     # (their shapes and dtypes)
    in_leaves = [(td, values) for td, _, values in rec.inputs]
    n_total = sum(int(np.size(peek(x))) for _, leaves in in_leaves for x in leaves)
    rows = []
    for k, ov in enumerate(out_values):
        size = int(np.size(ov))
        for e in range(size):
            seeds = [None] * len(out_values)
            seed = np.zeros(size)
            seed[e] = 1.0
            seeds[k] = seed.reshape(np.shape(ov)) if np.shape(ov) else np.float64(1.0)
            cot = rec.pull(seeds, free=False)
            row = np.concatenate([tree.ravel(c)[0] for c in cot])
            if is_complex(ov):
                # A complex output of real inputs: a cotangent u gives Re(u·J) (JAX's
                # pairing), so the row J = pull(1) - i·pull(i).
                seeds[k] = seeds[k] * 1j
                row = row - 1j * np.concatenate(
                    [tree.ravel(c)[0] for c in rec.pull(seeds, free=False)])
            rows.append(row)
    matrix = _stack_rows(rows, n_total)
    return _blocks(matrix, rec.out_leaves, rec.out_def, in_leaves, single)


def jacrev(f, argnums=0):
    """The Jacobian by reverse mode: ``f`` recorded once, one backward pass per output element.

    >>> import numpy as np, optad
    >>> optad.jacrev(lambda x: np.stack([x[0] * x[1], np.sin(x[0])]))(np.array([2.0, 3.0]))
    array([[ 3.        ,  2.        ],
           [-0.41614684,  0.        ]])
    """
    def jacrev_f(*args):
        nums, single = normalize_argnums(argnums, len(args), "jacrev")
        _refuse_complex_inputs(args, nums, "jacrev")
        return _rows_of(_Recording(f, args, {}, nums, "jacrev"), single)

    return jacrev_f


def jacfwd(f, argnums=0):
    """The Jacobian by forward mode: one forward pass per input element (seed 1, others 0).

    >>> import numpy as np, optad
    >>> optad.jacfwd(lambda x: np.stack([x[0] * x[1], np.sin(x[0])]))(np.array([2.0, 3.0]))
    array([[ 3.        ,  2.        ],
           [-0.41614684,  0.        ]])
    """
    def jacfwd_f(*args):
        nums, single = normalize_argnums(argnums, len(args), "jacfwd")
        _refuse_complex_inputs(args, nums, "jacfwd")
        args = list(args)

        def restricted(*diff_args):
            full = list(args)
            for i, a in zip(nums, diff_args):
                full[i] = a
            return f(*full)

        primals = tuple(args[i] for i in nums)
        for p in primals:           # refuse ints and complex here, before ravel casts them
            for leaf in tree.flatten(p)[0]:
                as_input(leaf, "jacfwd")
        flat = [tree.ravel(p) for p in primals]
        cols = []
        out = None
        for k, (vec, _) in enumerate(flat):
            for e in range(vec.size):
                # Seed 1 on input element e of argument k, 0 everywhere else: one column.
                tangents = []
                for j, (v2, unravel) in enumerate(flat):
                    t = np.zeros(v2.size)
                    if j == k:
                        t[e] = 1.0
                    tangents.append(unravel(t))
                out, dot = jvp(restricted, primals, tuple(tangents))
                cols.append(tree.ravel(dot)[0])
        if out is None:
            out = restricted(*primals)
        out_leaves, out_def = tree.flatten(out)
        matrix = np.stack(cols, axis=1) if cols else np.zeros((0, 0))
        in_leaves = [(td, leaves) for leaves, td in (tree.flatten(p) for p in primals)]
        return _blocks(matrix, out_leaves, out_def, in_leaves, single)

    return jacfwd_f


# A Jacobian column by forward mode re-runs f; a row by reverse mode is one backward pass
# over a tape recorded once. Measured here on small functions (residuals, an MLP layer,
# 10 to 600 outputs): 64-105 us per column against 34-53 us per row
# (optad.config.forward_pass_cost).


def jacobian(f, argnums=0, *, sparse=False, sparsity=None, jit=False):
    """The full Jacobian, by the cheaper mode: reverse mode unless the outputs outnumber
    the inputs by more than a forward pass costs in backward passes (about 2).

    With ``sparse=True`` (or a known pattern ``sparsity=``, a ``scipy.sparse`` matrix or
    a dense boolean array), ``f`` must map a 1-D float array to a 1-D array, and the
    result is a ``scipy.sparse.csr_matrix`` computed by colouring: the pattern is traced
    and coloured at the first call, then each call costs one pass per colour
    (:func:`optad.sparse.sparse_jacobian`, which says what the traced pattern assumes).
    ``jit=True`` (sparse only) replays those passes with :func:`optad.jit`, under its
    contract (closures and globals frozen); a dense Jacobian is jitted as
    ``optad.jit(optad.jacobian(f))``.

    >>> import numpy as np, optad
    >>> J = optad.jacobian(lambda x: x[:2] * x[1:])(np.array([1.0, 2.0, 3.0]))
    >>> J
    array([[2., 1., 0.],
           [0., 3., 2.]])
    >>> J = optad.jacobian(lambda x: x[:2] * x[1:], sparse=True)(np.array([1.0, 2.0, 3.0]))
    >>> type(J).__name__, J.nnz, J.toarray()
    ('csr_matrix', 4, array([[2., 1., 0.],
           [0., 3., 2.]]))
    """
    if sparse or sparsity is not None:
        if argnums != 0:
            raise ArgnumsError(
                f"jacobian(sparse=True) differentiates a function of one 1-D array "
                f"(argnums=0); got argnums={argnums!r}. Close over the other arguments "
                f"(lambda x: f(a, x)).")
        from .sparse import sparse_jacobian     # (imports SciPy: only when asked for)
        return sparse_jacobian(f, sparsity=sparsity, jit=bool(jit))
    if jit:
        raise ValueError(
            "jacobian(jit=True) is for sparse Jacobians (sparse=True). Jit a dense "
            "Jacobian as optad.jit(optad.jacobian(f)).")

    def jacobian_f(*args):
        nums, single = normalize_argnums(argnums, len(args), "jacobian")
        _refuse_complex_inputs(args, nums, "jacobian")
        # Record once: the sizes decide the mode, and reverse mode reuses this tape.
        rec = _Recording(f, args, {}, nums, "jacobian")
        n_in = sum(int(np.size(v)) for _, _, values in rec.inputs for v in values)
        n_out = sum(int(np.size(peek(o))) for o in rec.out_leaves)
        if n_out <= config.forward_pass_cost * n_in:
            return _rows_of(rec, single)
        del rec
        return jacfwd(f, argnums)(*args)

    return jacobian_f


def hessian(f, argnums=0):
    """The Hessian of a scalar ``f``, reverse over reverse: ``jacrev(grad(f))``.

    The gradient's computation is recorded once and each row is one backward pass over
    that tape; forward over reverse (``jacfwd(grad(f))``, the same matrix to rounding)
    repeats the whole forward and backward pass per column and measured 4–5× slower
    here (Rosenbrock, n = 10 to 1000).

    >>> import numpy as np, optad
    >>> optad.hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    """
    gradient = _grad(f, argnums, "hessian")

    def hessian_f(*args):
        nums, single = normalize_argnums(argnums, len(args), "hessian")
        _refuse_complex_inputs(args, nums, "hessian")
        return _rows_of(_Recording(gradient, args, {}, nums, "hessian"), single)

    return hessian_f


def hvp(f, x, v):
    """The Hessian of a scalar ``f`` at ``x`` times ``v``, without forming the Hessian.

    Computed as the gradient of the directional derivative, ``∇ₓ ⟨∇f(x), v⟩`` with the
    inner product taken by one forward-mode pass (reverse over forward). It costs a small
    multiple of one gradient whatever the dimension, and agrees with forward over reverse
    (``jvp(grad(f), (x,), (v,))``) to rounding; it is the faster of the two here because
    the outer reverse pass runs on plain arrays, where the engine updates adjoints in
    place.

    >>> import numpy as np, optad
    >>> optad.hvp(lambda x: np.sum(x ** 3), np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    array([ 6., 12.])
    """
    def directional_derivative(y):
        # Only the tangent is used: primal values that lead nowhere else are not computed.
        # It has f's output structure, so the scalar check of _grad covers f.
        return _jvp(f, (y,), (v,), tangents_only=True)[1]

    return _grad(directional_derivative, 0, "hvp", output_is_derivative=True)(x)


def elementwise_grad(f):
    """The derivative of an elementwise ``f``: the vector–Jacobian product with ones.

    Correct when each output depends only on the input at the same position (``np.tanh``,
    ``lambda x: x ** 2 + 1``); for other functions it gives the column sums of the Jacobian.

    >>> import numpy as np, optad
    >>> optad.elementwise_grad(np.tanh)(np.array([0.0, 1.0]))
    array([1.        , 0.41997434])
    """
    def elementwise_grad_f(x):
        rec = _Recording(f, (x,), {}, (0,), "elementwise_grad")
        seeds = [np.ones(np.shape(peek(o))) if np.shape(peek(o)) else np.float64(1.0)
                 for o in rec.out_leaves]
        return rec.pull(seeds, free=True)[0]

    return elementwise_grad_f
