"""Linear algebra: matmul and einsum (and dot, outer, inner, tensordot, vdot on them), and
``np.linalg`` inv, solve, det, slogdet, norm, matrix_power, multi_dot (the decompositions
are in :mod:`optad.prims.decompositions`).

The rules are the textbook matrix-calculus identities, e.g. for C = A @ B:
Ā = C̄ Bᵀ and B̄ = Aᵀ C̄; for Y = A⁻¹: Ā = -Yᵀ Ȳ Yᵀ; for log|det A|: Ā = A⁻ᵀ.
Batch dimensions broadcast as in NumPy; the engine sums them back.
"""

import operator
import string

import numpy as np

from .. import views
from ..engine import Traced, TracedArray, bind, value_of
from ..traced import carries_derivative, data_of, peek, plain
from ..errors import NotDifferentiableError
from ..primitive import Primitive, Variadic
from .declare import implements, no_out, register


def _mT(a):
    return np.swapaxes(a, -1, -2)


# --- matmul -------------------------------------------------------------------------
def _array(v):
    # a constant operand given as a list (x @ [1.0, 2.0]): the rules below use its shape
    # (only lists: an argument a rule does not read may be the engine's shape placeholder)
    return np.asarray(v, dtype=float) if isinstance(v, (list, tuple)) else v


def _matmul_vjp_a(g, ans, a, b):
    a, b = _array(a), _array(b)
    na, nb = np.ndim(a), np.ndim(b)
    if na == 1 and nb == 1:
        return g * b
    if nb == 1:                       # (..., n, k) @ (k,) -> (..., n)
        return np.expand_dims(g, -1) * b
    if na == 1:                       # (k,) @ (..., k, m) -> (..., m)
        return np.matmul(np.expand_dims(g, -2), _mT(b))[..., 0, :]
    return np.matmul(g, _mT(b))


def _matmul_vjp_b(g, ans, a, b):
    a, b = _array(a), _array(b)
    na, nb = np.ndim(a), np.ndim(b)
    if na == 1 and nb == 1:
        return g * a
    if na == 1:                       # (k,) @ (..., k, m): b̄ = outer(a, ḡ)
        return np.expand_dims(a, -1) * np.expand_dims(g, -2)
    if nb == 1 and na == 2:           # (n, k) @ (k,): b̄ = ḡ A, one matrix-vector product
        return np.matmul(g, a)
    if nb == 1:                       # (..., n, k) @ (k,): b̄ = Aᵀ ḡ, summed over the batch
        return np.matmul(np.expand_dims(g, -2), a)[..., 0, :]
    return np.matmul(_mT(a), g)


matmul = Primitive(
    "matmul", lambda a, b: a @ b,
    vjps=(_matmul_vjp_a, _matmul_vjp_b),
    jvps=(lambda t, ans, a, b: np.matmul(t, _array(b)), lambda t, ans, a, b: np.matmul(_array(a), t)),
    complex_safe=True, explain=("{0} @ {1}", ("·{1}ᵀ", "{0}ᵀ·")), needs=((1,), (0,)))


if isinstance(np.matmul, np.ufunc):   # NumPy 2: matmul is a (generalized) ufunc
    register(np.matmul, matmul)
else:  # pragma: no cover - NumPy 1.x
    implements(np.matmul)(lambda x1, x2, out=None, **kwargs: bind(matmul, (x1, x2), {}))


@implements(np.dot)
def _dot(a, b, out=None):
    no_out("np.dot", out)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    if np.ndim(a) <= 2 and np.ndim(b) <= 2:
        return bind(matmul, (a, b), {})
    # N-d dot: sum over the last axis of a and the second-to-last of b.
    return np.tensordot(a, b, axes=([np.ndim(a) - 1], [max(np.ndim(b) - 2, 0)]))


# --- einsum ---------------------------------------------------------------------------
def _parse_einsum(subscripts, shapes):
    """Explicit 'ab,bc->ac' form with every ellipsis replaced by letters."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
    else:
        ins, out = subscripts, None
    inputs = ins.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: {len(inputs)} operand subscripts for {len(shapes)} operands")
    used = set(subscripts)
    spare = [c for c in string.ascii_letters if c not in used]
    ell_len = max((len(s) - (len(term) - 3) for term, s in zip(inputs, shapes) if "..." in term),
                  default=0)
    ell = "".join(spare[:ell_len])
    resolved = []
    for term, s in zip(inputs, shapes):
        if "..." in term:
            k = len(s) - (len(term) - 3)
            term = term.replace("...", ell[ell_len - k:] if k else "")
        resolved.append(term)
    if out is None:
        letters = "".join(resolved)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return resolved, out


# NumPy's letters for the integer labels: 0-25 are A-Z, 26-51 a-z (so the implicit
# output, sorted by letter, is sorted by label as in NumPy)
_LABELS = string.ascii_uppercase + string.ascii_lowercase


def _interleaved(args):
    """``np.einsum(a, [0, 1], b, [1, 2], [0, 2])`` as ``('ab,bc->ac', [a, b])``: NumPy's
    operand-list form (integer labels, ``...`` as Ellipsis), in the subscripts form."""
    def letters(sublist):
        out = []
        for label in sublist:
            if label is Ellipsis:
                out.append("...")
            elif isinstance(label, (int, np.integer)) and 0 <= label < len(_LABELS):
                out.append(_LABELS[int(label)])
            else:
                raise ValueError(f"einsum: subscript labels must be integers in [0, 52) or "
                                 f"Ellipsis, got {label!r}")
        return "".join(out)

    operands, terms = list(args[0::2]), [letters(s) for s in args[1::2]]
    if len(args) % 2:   # an output sublist at the end
        output = letters(operands.pop())
        return ",".join(terms) + "->" + output, operands
    return ",".join(terms), operands


def _untie(target, shape, spec):
    """Repeated letters of one operand ('ii', a diagonal) as fresh letters tied to the
    first by Kronecker deltas: 'iij' -> ('iaj', ['ia'], [eye(n)]). The adjoint of a
    diagonal then lies on the diagonal: the einsum with eye(n) puts it there, and stays
    linear in the adjoint (so second derivatives are exact)."""
    used = set("".join(spec[0]) + spec[1])
    spare = (c for c in string.ascii_letters if c not in used)
    fresh, deltas, eyes, seen = [], [], [], set()
    for c, n in zip(target, shape):
        if c in seen:
            f = next(spare)
            fresh.append(f)
            deltas.append(c + f)
            eyes.append(np.eye(n))
        else:
            seen.add(c)
            fresh.append(c)
    return "".join(fresh), deltas, eyes


def _rule_optimize(optimize):
    # a path given for the forward equation does not fit the rules' equations
    return "greedy" if optimize is not False and optimize is not None else False


def _einsum_vjp(k):
    def rule(g, ans, *operands, spec, optimize=False):
        inputs, out = spec
        shape = np.shape(operands[k])
        target, deltas, eyes = _untie(inputs[k], shape, spec)
        others = [inputs[j] for j in range(len(inputs)) if j != k]
        present = set(out).union(*others, *deltas)
        kept = "".join(c for c in target if c in present)
        args = [g] + [operands[j] for j in range(len(inputs)) if j != k] + eyes
        sub = ",".join([out] + others + deltas) + "->" + kept
        res = np.einsum(sub, *args, optimize=_rule_optimize(optimize))
        if kept != target:   # letters only in this operand were summed: broadcast back
            res = np.reshape(res, [shape[i] if c in present else 1 for i, c in enumerate(target)])
            res = np.broadcast_to(res, shape)
        return res
    return rule


def _einsum_jvp(k):
    def rule(t, ans, *operands, spec, optimize=False):
        inputs, out = spec
        args = list(operands)
        args[k] = t
        return np.einsum(",".join(inputs) + "->" + out, *args, optimize=_rule_optimize(optimize))
    return rule


einsum = Primitive(
    "einsum", lambda *ops, spec, optimize=False: np.einsum(",".join(spec[0]) + "->" + spec[1],
                                                           *ops, optimize=optimize),
    vjps=Variadic(_einsum_vjp), jvps=Variadic(_einsum_jvp),
    complex_safe=True, explain=("einsum", None))


@implements(np.einsum)
def _einsum(*operands, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    """``np.einsum`` in both forms (subscripts string or operand lists), ellipses, repeated
    letters (traces, diagonals), ``optimize=`` (passed to NumPy; rules use 'greedy' when it
    is on). ``order=`` only lays out memory, so it is accepted; ``dtype=`` must be float64.

    >>> import numpy as np, optad
    >>> optad.grad(lambda a: np.einsum("ii->", a))(np.ones((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    >>> optad.grad(lambda a: np.einsum(a, [0, 1], a, [1, 0], []))(np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    no_out("np.einsum", out)
    if dtype is not None and np.dtype(dtype) != np.float64:
        raise NotDifferentiableError(f"np.einsum(..., dtype={np.dtype(dtype)}): optad "
                                     f"differentiates in float64 only; drop dtype=.")
    if isinstance(operands[0], str):
        subscripts, operands = operands[0], operands[1:]
    else:
        subscripts, operands = _interleaved(operands)
    spec = _parse_einsum(subscripts, [np.shape(o) for o in operands])
    kwargs = {"spec": (tuple(spec[0]), spec[1])}
    if optimize is not False:
        kwargs["optimize"] = tuple(optimize) if isinstance(optimize, list) else optimize
    result = bind(einsum, operands, kwargs)
    if (len(operands) == 1 and isinstance(operands[0], TracedArray)
            and isinstance(result, TracedArray)
            and np.may_share_memory(peek(result), peek(operands[0]))):   # (layout)
        # np.einsum('ij->ji', a) is a view of a: a later write into a reaches it
        return views.make_view(operands[0], result, views.NO_WRITE_BACK,
                               (lambda base: bind(einsum, (base,), kwargs), "np.einsum"))
    return result


@implements(np.einsum_path)
def _einsum_path(*operands, optimize="greedy", einsum_call=False):
    """The contraction order NumPy would use: it depends on shapes only, so it is computed
    from the plain values (nothing to differentiate)."""
    return np.einsum_path(*[peek(o) for o in operands], optimize=optimize,   # (shapes)
                          einsum_call=einsum_call)


_einsum_path.value_only = True


@implements(np.tensordot)
def _tensordot(a, b, axes=2):
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    ax_a = [x % na for x in ax_a]
    ax_b = [x % nb for x in ax_b]
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in ax_a] + [c for j, c in enumerate(sb) if j not in ax_b]
    return np.einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


@implements(np.outer)
def _outer(a, b, out=None):
    no_out("np.outer", out)
    return np.einsum("i,j->ij", np.ravel(a), np.ravel(b))


@implements(np.inner)
def _inner(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    return np.tensordot(a, b, axes=([-1], [-1]))


@implements(np.vdot)
def _vdot(a, b):
    return np.sum(np.ravel(a) * np.ravel(b))


@implements(np.kron)
def _kron(a, b):
    if np.ndim(a) != 2 or np.ndim(b) != 2:
        raise NotDifferentiableError("np.kron on traced values is supported for 2-D arrays only.")
    (m, n), (p, q) = np.shape(a), np.shape(b)
    return np.reshape(np.einsum("ij,kl->ikjl", a, b), (m * p, n * q))


# --- np.linalg -------------------------------------------------------------------------
inv = Primitive(
    "inv", lambda a: np.linalg.inv(a),
    vjps=(lambda g, ans, a: -np.matmul(_mT(ans), np.matmul(g, _mT(ans))),),
    jvps=(lambda t, ans, a: -np.matmul(ans, np.matmul(t, ans)),),
    complex_safe=True, explain=("inv({0})", ("-inv ⊗ inv",)), needs=((-1,),))


def _solve_vjp_a(g, ans, a, b):
    gb = _solve_vjp_b(g, ans, a, b)
    if np.ndim(b) == 1:
        return -np.expand_dims(gb, -1) * np.expand_dims(ans, -2)
    return -np.matmul(gb, _mT(ans))


def _solve_vjp_b(g, ans, a, b):
    return np.linalg.solve(_mT(a), g)


solve = Primitive(
    "solve", lambda a, b: np.linalg.solve(a, b),
    vjps=(_solve_vjp_a, _solve_vjp_b),
    jvps=(lambda t, ans, a, b: -np.linalg.solve(a, np.matmul(t, ans)),
          lambda t, ans, a, b: np.linalg.solve(a, t)),
    complex_safe=True, explain=("solve({0}, {1})", ("-A⁻ᵀḡ xᵀ", "A⁻ᵀ")), needs=((0, -1), (0,)))


def _cofactors(a, ans):
    """∂det(A)/∂A = adj(A)ᵀ, the cofactor matrix: det(A)·A⁻ᵀ where A is invertible, and
    still finite and exact where it is singular (from the SVD A = U S Vᵀ:
    adj(A)ᵀ = det(U)·det(V)·U·diag(∏_{j≠i} s_j)·Vᵀ)."""
    if carries_derivative(a) or carries_derivative(ans):
        # Traced again (second derivatives): the formula must be recorded, so use det·A⁻ᵀ.
        if np.all(data_of(ans) != 0):
            return np.expand_dims(np.expand_dims(ans, -1), -1) * _mT(np.linalg.inv(a))
        raise NotDifferentiableError(
            "Second derivatives of np.linalg.det at a singular matrix are not implemented "
            "in optad (first derivatives are). Perturb the point, or differentiate once.")
    if np.all(ans != 0):
        try:
            return np.expand_dims(np.expand_dims(ans, -1), -1) * _mT(np.linalg.inv(a))
        except np.linalg.LinAlgError:
            pass
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.prod(np.where(np.eye(n, dtype=bool), 1.0, s[..., None, :]), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    # (conj: for complex A, A⁻ᵀ = conj(U)·S⁻¹·conj(Vh); a no-op for real A)
    return np.expand_dims(np.expand_dims(sign, -1), -1) * np.matmul(
        np.conjugate(u) * others[..., None, :], np.conjugate(vh))


det = Primitive(
    "det", lambda a: np.linalg.det(a),
    vjps=(lambda g, ans, a: np.expand_dims(np.expand_dims(g, -1), -1) * _cofactors(a, ans),),
    jvps=(lambda t, ans, a: np.sum(_cofactors(a, ans) * t, axis=(-2, -1)),),
    complex_safe=True, explain=("det({0})", ("det·{0}⁻ᵀ",)), needs=((0, -1),))

logabsdet = Primitive(
    "logabsdet", lambda a: np.linalg.slogdet(a)[1],
    vjps=(lambda g, ans, a: np.expand_dims(np.expand_dims(g, -1), -1) * _mT(np.linalg.inv(a)),),
    jvps=(lambda t, ans, a: np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1),),
    complex_safe=True, explain=("log|det({0})|", ("{0}⁻ᵀ",)), needs=((0,),))

implements(np.linalg.inv)(lambda a: bind(inv, (a,), {}))
implements(np.linalg.solve)(lambda a, b: bind(solve, (a, b), {}))
implements(np.linalg.det)(lambda a: bind(det, (a,), {}))


class SlogdetResult(tuple):
    """``(sign, logabsdet)`` like NumPy's result; ``sign`` is plain (its derivative is 0)."""

    @property
    def sign(self):
        return self[0]

    @property
    def logabsdet(self):
        return self[1]


@implements(np.linalg.slogdet)
def _slogdet(a):
    sign = plain(lambda v: np.linalg.slogdet(v)[0], a)   # (data: recomputed under jit)
    return SlogdetResult((sign, bind(logabsdet, (a,), {})))


def _norm2_vjp(g, ans, x, axis, keepdims):
    # The 2-norm's gradient x/‖x‖, with the subgradient 0 where ‖x‖ = 0 (not nan).
    if not keepdims and axis is not None:
        ans = np.expand_dims(ans, axis)
        g = np.expand_dims(g, axis)
    safe = np.where(data_of(ans) == 0, 1.0, ans)
    return g * x / safe


def _norm2_jvp(t, ans, x, axis, keepdims):
    safe = np.where(data_of(ans) == 0, 1.0, ans)
    return np.sum(x * t, axis=axis, keepdims=keepdims) / safe


norm2 = Primitive(
    "norm", lambda x, axis, keepdims: np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)),
    vjps=(_norm2_vjp,), jvps=(_norm2_jvp,),
    explain=("‖{0}‖", ("{0}/‖{0}‖",)), needs=((0, -1),))


@implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    ndim = np.ndim(x)
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis) % ndim,)
    elif axis is not None:
        axis = tuple(int(a) % ndim for a in axis)
    vector = (axis is not None and len(axis) == 1) or (axis is None and ndim == 1)
    if np.iscomplexobj(peek(x)) and (vector or ord in (None, "fro", 1, -1, np.inf, -np.inf)):
        # These norms depend on |x| alone; d|z| = Re(conj(z)/|z|·dz) carries the complex
        # part (optad.prims.complex). (Spectral norms of complex matrices do not.)
        x = np.abs(x)
    if ord is None or (ord == "fro" and not vector) or (ord == 2 and vector):
        return bind(norm2, (x,), {"axis": axis, "keepdims": keepdims})
    if vector:
        if ord == np.inf:
            return np.max(np.abs(x), axis=axis, keepdims=keepdims)
        if ord == -np.inf:
            return np.min(np.abs(x), axis=axis, keepdims=keepdims)
        if ord == 1:
            return np.sum(np.abs(x), axis=axis, keepdims=keepdims)
        if isinstance(ord, (int, float)) and ord > 0:
            return np.sum(np.abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    if not vector and ord in (1, -1, np.inf, -np.inf):
        a0, a1 = axis if axis is not None else (ndim - 2, ndim - 1)
        if ord in (np.inf, -np.inf):
            a0, a1 = a1, a0
        sums = np.sum(np.abs(x), axis=a0, keepdims=True)
        red = np.max if ord > 0 else np.min
        res = red(sums, axis=a1, keepdims=True)
        return res if keepdims else np.squeeze(res, axis=(a0, a1))
    if not vector and (ord == "nuc" or (not isinstance(ord, str) and ord in (2, -2))):
        return _svd_norm(x, ord, axis, keepdims)
    raise NotDifferentiableError(
        f"np.linalg.norm with ord={ord!r} is not supported on traced values (supported: None, "
        f"'fro', 1, 2, inf, -inf and p > 0 for vectors; 'fro', 'nuc', 1, -1, 2, -2, inf, "
        f"-inf for matrices).")


def _svd_norm(x, ord, axis, keepdims):
    """Matrix norms from the singular values, as NumPy computes them: ord=2 the largest,
    -2 the smallest, 'nuc' their sum (differentiable also where singular values repeat)."""
    ndim = np.ndim(x)
    if axis is None:
        if ndim != 2:
            raise ValueError("Improper number of dimensions to norm.")
        axis = (0, 1)
    y = np.moveaxis(x, axis, (-2, -1))
    s = np.linalg.svd(y, compute_uv=False)
    res = (np.sum if ord == "nuc" else np.max if ord == 2 else np.min)(s, axis=-1)
    if keepdims:
        shape = list(np.shape(peek(x)))
        shape[axis[0]] = shape[axis[1]] = 1
        res = np.reshape(res, shape)
    return res


@implements(np.linalg.matrix_power)
def _matrix_power(a, n):
    """np.linalg.matrix_power on traced values, by NumPy's own sequence of products
    (negative n through inv; n = 0 gives the identity, whose derivative is 0).

    >>> import numpy as np, optad
    >>> optad.grad(lambda a: np.linalg.matrix_power(a, 3)[0, 1])(np.array([[1.0, 2.0], [0.0, 1.0]]))
    array([[6., 3.],
           [4., 6.]])
    """
    shape = np.shape(peek(a))
    if len(shape) < 2:
        raise np.linalg.LinAlgError(
            f"{len(shape)}-dimensional array given. Array must be at least two-dimensional")
    if shape[-1] != shape[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    try:
        n = operator.index(n)
    except TypeError as e:
        raise TypeError("exponent must be an integer") from e
    if n == 0:
        return np.zeros_like(a) + np.eye(shape[-1])
    if n < 0:
        a, n = np.linalg.inv(a), -n
    if n <= 3:
        return a if n == 1 else np.matmul(a, a) if n == 2 else np.matmul(np.matmul(a, a), a)
    z = result = None
    while n > 0:            # binary powering, low bit first, as NumPy does
        z = a if z is None else np.matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else np.matmul(result, z)
    return result


def _chain_order(shapes):
    """The split points of the cheapest parenthesization (NumPy's matrix-chain order)."""
    n = len(shapes)
    p = [s[0] for s in shapes] + [shapes[-1][1]]
    cost = np.zeros((n, n))
    split = np.zeros((n, n), dtype=int)
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i, j] = np.inf
            for k in range(i, j):
                q = cost[i, k] + cost[k + 1, j] + p[i] * p[k + 1] * p[j + 1]
                if q < cost[i, j]:
                    cost[i, j], split[i, j] = q, k
    return split


def _chain(arrays, split, i, j):
    if i == j:
        return arrays[i]
    k = split[i, j]
    return np.dot(_chain(arrays, split, i, k), _chain(arrays, split, k + 1, j))


@implements(np.linalg.multi_dot)
def _multi_dot(arrays, *, out=None):
    """np.linalg.multi_dot on traced values, in NumPy's order of products.

    >>> import numpy as np, optad
    >>> b, c = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0])
    >>> optad.grad(lambda a: np.linalg.multi_dot([a, b, c]))(np.array([1.0, 1.0]))
    array([-1., -1.])
    """
    no_out("np.linalg.multi_dot", out)
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    if len(arrays) == 2:
        return np.dot(arrays[0], arrays[1])
    first, last = np.ndim(arrays[0]), np.ndim(arrays[-1])
    if first == 1:
        arrays[0] = np.atleast_2d(arrays[0])
    if last == 1:
        arrays[-1] = np.atleast_2d(arrays[-1]).T
    shapes = [np.shape(peek(a)) for a in arrays]
    if any(len(s) != 2 for s in shapes):
        raise np.linalg.LinAlgError("multi_dot: every array but a 1-D first or last one "
                                    "must be two-dimensional")
    if len(arrays) == 3:
        (a0, a1b0), (b1c0, c1) = shapes[0], shapes[2]
        if a0 * b1c0 * (a1b0 + c1) < a1b0 * c1 * (a0 + b1c0):
            result = np.dot(np.dot(arrays[0], arrays[1]), arrays[2])
        else:
            result = np.dot(arrays[0], np.dot(arrays[1], arrays[2]))
    else:
        result = _chain(arrays, _chain_order(shapes), 0, len(arrays) - 1)
    if first == 1 and last == 1:
        return result[0, 0]
    if first == 1 or last == 1:
        return np.ravel(result)
    return result
