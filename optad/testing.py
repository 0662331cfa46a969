"""Checking derivatives two independent ways, for tests of primitives and user functions.

``check_derivatives(f, *args)`` compares, in random directions ``v`` (inputs) and ``u``
(outputs):

* reverse mode against central finite differences: ⟨u, J v⟩ ≈ (⟨u, f(x+hv)⟩ − ⟨u, f(x−hv)⟩)/2h;
* reverse mode against forward mode (the dot-product test): ⟨Jᵀu, v⟩ = ⟨u, J v⟩, which
  holds to rounding whatever ``f`` is, so it catches a wrong rule in either mode.

>>> import numpy as np
>>> check_derivatives(lambda x, y: np.sin(x) * y, np.array([0.3, 0.5]), 2.0)
"""

import numpy as np

from . import tree
from .checks import numerical_grad
from .engine import value_of as optad_value
from .jacobians import hvp
from .transforms import grad, jvp, vjp

__all__ = ["check_derivatives", "check_second_derivatives", "random_like"]


def random_like(x, rng):
    """A random pytree with the structure and shapes of ``x`` (standard normal entries).

    >>> random_like({"a": np.zeros(2)}, np.random.default_rng(0))["a"].shape
    (2,)
    """
    leaves, td = tree.flatten(x)
    out = []
    for leaf in leaves:
        shape = np.shape(leaf)
        v = rng.standard_normal(shape) if shape else float(rng.standard_normal())
        if np.iscomplexobj(optad_value(leaf)):     # complex leaves get complex entries
            v = v + 1j * (rng.standard_normal(shape) if shape else float(rng.standard_normal()))
        out.append(v)
    return tree.unflatten(td, out)


def _inner(a, b):
    """Re Σ a·b: how a cotangent pairs with a tangent (bilinear, JAX's convention;
    :mod:`optad.prims.complex`)."""
    la, _ = tree.flatten(a)
    lb, _ = tree.flatten(b)
    return float(sum(np.real(np.sum(np.asarray(x) * np.asarray(y))) for x, y in zip(la, lb)))


def _inner_grad(g, v):
    """Re Σ conj(g)·v: how a gradient from ``grad`` (∂f/∂Re z + i·∂f/∂Im z for complex z)
    gives the directional derivative along ``v``."""
    return _inner(tree.tree_map(np.conjugate, g), v)


def _axpy(alpha, v, x):
    return tree.tree_map(lambda vi, xi: xi + alpha * vi, v, x)


def _along(f, args, v, step):
    """The derivative of the scalar ``t -> f(args + t v)`` at 0 by central differences
    (:func:`~optad.checks.numerical_grad`, optad's one finite-difference helper)."""
    return float(numerical_grad(lambda t: f(*(_axpy(t, vi, a) for vi, a in zip(v, args))),
                                0.0, step=step))


def _compare_fd(f, args, v, reverse, step, rtol, what):
    numeric = _along(f, args, v, step)
    if abs(numeric - reverse) > rtol * max(1.0, abs(reverse), abs(numeric)):
        raise AssertionError(f"finite differences disagree with {what}: {numeric!r} (central, "
                             f"h={step}) vs {reverse!r} (reverse mode)")


def check_derivatives(f, *args, seed=0, step=1e-6, fd_rtol=1e-5, dot_rtol=1e-10, modes=("fd", "fwd")):
    """Raise AssertionError if ``f``'s reverse-mode derivative disagrees with ``modes``.

    ``"fd"``: central finite differences (relative tolerance ``fd_rtol``);
    ``"fwd"``: forward mode through the dot-product test (``dot_rtol``).
    """
    rng = np.random.default_rng(seed)
    y, pullback = vjp(f, *args)
    u = random_like(y, rng)
    v = tuple(random_like(a, rng) for a in args)
    cot = pullback(u)
    reverse = sum(_inner(c, vi) for c, vi in zip(cot, v))
    scale = max(1.0, abs(reverse))
    if "fwd" in modes:
        _, ydot = jvp(f, tuple(args), v)
        forward = _inner(u, ydot)
        if abs(forward - reverse) > dot_rtol * max(scale, abs(forward)):
            raise AssertionError(
                f"dot-product test failed: <u, J v> = {forward!r} (forward) but "
                f"<J^T u, v> = {reverse!r} (reverse)")
    if "fd" in modes:
        # The uniform cotangent (the gradient of sum(f)): the engine passes such adjoints
        # to elementwise rules as scalars, a path of its own worth checking.
        summed = lambda *a: sum(np.real(np.sum(leaf)) for leaf in tree.flatten(f(*a))[0])  # noqa: E731
        g_sum = grad(summed, argnums=tuple(range(len(args))))(*args)
        _compare_fd(summed, args, v, sum(_inner_grad(gi, vi) for gi, vi in zip(g_sum, v)), step,
                    fd_rtol, "the gradient of sum(f)")
        numeric = _along(lambda *a: _inner(u, f(*a)), args, v, step)
        if abs(numeric - reverse) > fd_rtol * max(scale, abs(numeric)):
            raise AssertionError(
                f"finite differences disagree: {numeric!r} (central, h={step}) vs "
                f"{reverse!r} (reverse mode)")


def check_second_derivatives(f, *args, seed=0, step=1e-5, fd_rtol=1e-5, dot_rtol=1e-9):
    """Raise AssertionError if second derivatives of ``f`` disagree two independent ways.

    For the scalar ``s(x) = ⟨u, f(x)⟩`` (``u`` random, all arguments together as one
    pytree ``x``) and a random direction ``v``, ``hvp`` (reverse over forward) is compared
    with central differences of ``grad s`` along ``v`` and with forward over reverse
    (``jvp`` of ``grad s``).

    >>> import numpy as np
    >>> check_second_derivatives(lambda x, y: np.sin(x) * y ** 2, np.array([0.3, 0.5]), 2.0)
    """
    rng = np.random.default_rng(seed)
    u = random_like(f(*args), rng)
    w = random_like(args, rng)
    v = random_like(args, rng)
    scalar = lambda a: sum(np.real(np.sum(ui * fi)) for ui, fi in zip(  # noqa: E731
        tree.flatten(u)[0], tree.flatten(f(*a))[0]))
    hv = hvp(scalar, tuple(args), v)
    reverse = _inner_grad(w, hv)
    gradient = grad(scalar)
    _, forward_over_reverse = jvp(gradient, (tuple(args),), (v,))
    forward = _inner_grad(w, forward_over_reverse)
    scale = max(1.0, abs(reverse))
    if abs(forward - reverse) > dot_rtol * max(scale, abs(forward)):
        raise AssertionError(f"second derivatives: hvp gives {reverse!r}, forward over "
                             f"reverse {forward!r}")
    numeric = (_inner_grad(w, gradient(_axpy(step, v, tuple(args))))
               - _inner_grad(w, gradient(_axpy(-step, v, tuple(args))))) / (2 * step)
    if abs(numeric - reverse) > fd_rtol * max(scale, abs(numeric)):
        raise AssertionError(f"second derivatives: central differences of the gradient give "
                             f"{numeric!r} (h={step}), hvp {reverse!r}")
