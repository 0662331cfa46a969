"""The reverse- and forward-mode transforms, all built on two engine calls.

``vjp`` records ``f`` once and returns a pullback that runs the backward pass over that
tape (as many times as asked); ``value_and_grad`` is ``vjp`` seeded with 1;
``grad`` is ``value_and_grad`` without the value. ``jvp`` is one forward pass.
``argnums`` is checked once, here, at the edge.

>>> import numpy as np, optad
>>> f = lambda x1, x2: x1 * x2 + np.sin(x1)
>>> tuple(float(g) for g in optad.grad(f, argnums=(0, 1))(2.0, 3.0))
(2.5838531634528574, 2.0)
"""

import numpy as np

from . import tree
from .engine import NeedsReference, Traced, hand_over, is_complex, value_of
from .traced import data_of, decide, is_jit, peek
from .engines import forward_trace, reference, reverse_trace
from .errors import (ArgnumsError, ComplexValueError, InputTypeError, NonScalarOutputError,
                     ShapeError)

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "stop_gradient"]

_ONE = np.float64(1.0)


# --- the edge: arguments in, results out ---------------------------------------------------
def normalize_argnums(argnums, nargs, fname):
    """``argnums`` as a tuple of valid positions, and whether a single int was given."""
    if type(argnums) is int and 0 <= argnums < nargs:
        return (argnums,), True
    single = isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, (tuple, list)) or not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in nums):
        raise ArgnumsError(f"{fname}: argnums must be an int or a tuple of ints; got {argnums!r}.")
    if not nums:
        raise ArgnumsError(f"{fname}: argnums=() selects no argument to differentiate.")
    out = []
    for a in nums:
        if not -nargs <= a < nargs:
            raise ArgnumsError(
                f"argnums={argnums!r} is out of range: the function was called with {nargs} "
                f"positional argument(s).\nPass the arguments to differentiate positionally, "
                f"or choose argnums among 0..{nargs - 1}."
            )
        out.append(int(a) % nargs)
    if len(set(out)) != len(out):
        raise ArgnumsError(f"{fname}: argnums={argnums!r} repeats an argument.")
    return tuple(out), single


def as_input(x, fname):
    """A differentiable leaf as float64 or complex128 (a traced value from an outer
    transform passes)."""
    if isinstance(x, Traced):
        kind = np.result_type(peek(x)).kind
        if kind in "fc":
            if is_jit(x) and type(peek(x)) is float:
                # a Python float argument of a jitted function: as np.float64(x) would be
                return x._trace.record(np.float64, (x,), None)
            return x
    elif isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            return x if x.dtype == np.float64 else x.astype(np.float64)
        if x.dtype.kind == "c":
            return x if x.dtype == np.complex128 else x.astype(np.complex128)
    elif isinstance(x, (float, np.floating)):
        return np.float64(x)
    elif isinstance(x, (complex, np.complexfloating)):
        return np.complex128(x)
    what = _describe(x)
    hint = ""
    if isinstance(x, (bool, np.bool_)) or isinstance(x, (int, np.integer)):
        hint = f" Pass {float(x)!r} instead."
    elif isinstance(x, np.ndarray) and x.dtype.kind in "iub":
        hint = " Pass np.asarray(x, dtype=float) instead."
    elif isinstance(x, (list, tuple)):
        hint = " Pass np.asarray(x, dtype=float), or a pytree of float arrays."
    raise InputTypeError(
        f"{fname} can only differentiate with respect to float and complex numbers and arrays; it got "
        f"{what}.{hint}"
    )


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"an array of dtype {x.dtype} and shape {x.shape}"
    if isinstance(x, Traced):
        return f"a traced value of dtype {np.result_type(peek(x))}"
    return f"{type(x).__name__} {x!r}"


def _trace_args(trace, args, argnums, fname, tangents=None):
    """Replace the differentiated arguments by traced leaves; return them per argnum."""
    args = list(args)
    inputs = []
    for k, i in enumerate(argnums):
        arg = args[i]
        if type(arg) is np.ndarray and arg.dtype == np.float64:
            # The common case: one float array (with a float array tangent of its shape).
            if tangents is None:
                box = args[i] = trace.new_input(arg)
                inputs.append((tree.LEAF, [box._aux], [arg]))
                continue
            t = tangents[k]
            if type(t) is np.ndarray and t.dtype == np.float64 and t.shape == arg.shape and (
                    arg.ndim):
                box = args[i] = trace.new_input(arg, t)
                inputs.append((tree.LEAF, [box._aux], [arg]))
                continue
        leaves, td = tree.flatten(arg)
        if not leaves:
            raise InputTypeError(f"{fname}: argument {i} has no leaves to differentiate.")
        leaves = [as_input(leaf, fname) for leaf in leaves]
        if hasattr(trace, "handed_over") and any(is_complex(peek(v)) for v in leaves):
            raise hand_over(trace)      # complex inputs: the reference engine's job
        if tangents is None:
            boxes = [trace.new_input(leaf) for leaf in leaves]
        else:
            t_leaves, t_td = tree.flatten(tangents[k])
            if t_td != td:
                raise ShapeError(f"{fname}: the tangent for argument {i} has structure {t_td}, "
                                 f"the primal {td}.")
            boxes = []
            for leaf, t in zip(leaves, t_leaves):
                t = _match(t, leaf, f"{fname}: tangent of argument {i}")
                boxes.append(trace.new_input(leaf, t))
        args[i] = tree.unflatten(td, boxes)
        # Tape positions and values as they are now: the function may write into its
        # argument (x[0] = ...), which rebinds the traced object, never the leaf.
        inputs.append((td, [b._aux for b in boxes], [b._value for b in boxes]))
    return args, inputs


def _match(seed, like, what):
    """``seed`` as float64 (complex128 for a complex ``like``) with the shape of ``like``,
    or a ShapeError saying what differs."""
    complex_like = is_complex(peek(like))
    if not isinstance(seed, Traced):
        if not complex_like and np.iscomplexobj(seed):
            raise ComplexValueError(f"{what} is complex, but the value is real: give a real one.")
        seed = np.asarray(seed, dtype=np.complex128 if complex_like else np.float64)
    if np.shape(seed) != np.shape(like):
        raise ShapeError(f"{what} has shape {np.shape(seed)}, but the value has shape "
                         f"{np.shape(like)}.")
    if type(seed) is np.ndarray and seed.ndim == 0:
        return seed[()]
    return seed


def _as_output(g, like, fresh=True, read_like=True):
    """A gradient leaf as float64 (complex128 for a complex ``like`` or ``g``) with
    ``like``'s shape; zeros where nothing flowed. ``read_like=False``: ``like``'s value is
    never read for its dtype (hvp's deferred primal values must stay uncomputed)."""
    if g is None:
        g = np.zeros(np.shape(peek(like)))
    if isinstance(g, Traced):
        if is_jit(g):   # under optad.jit: the same conversion, as a step of the program
            return g._trace.record(_as_output, (g, data_of(like)), {"fresh": fresh})
        if read_like and is_complex(peek(like)) and not is_complex(peek(g)):
            return g + 0j       # a complex input's cotangent is complex, traced or not
        return g
    dtype = np.complex128 if is_complex(peek(like)) or np.iscomplexobj(g) else np.float64
    if type(g) is np.ndarray:
        if g.ndim == 0:
            return dtype(g)
        if not fresh or g.base is not None or not g.flags.writeable or g.dtype != dtype:
            return np.array(g, dtype=dtype)  # never hand out a view of a tape value
        return g
    return dtype(g)


def _leaf_value(x):
    """A traced output's value as seen by the caller: 0-d arrays as scalars."""
    if is_jit(x):       # under optad.jit: the same conversion, as a step of the program
        return x._trace.record(_leaf_value, (x,), None) if x.ndim == 0 else x
    if type(x) is np.ndarray and x.ndim == 0:
        return x[()] if x.dtype.kind == "c" else np.float64(x)
    return x


# --- reverse mode -------------------------------------------------------------------------
class _Recording:
    """One recorded call of ``f``: its outputs and a pullback over the kept tape."""

    def __init__(self, f, args, kwargs, argnums, fname, output_is_derivative=False):
        self.call = (f, args, kwargs, argnums, fname, output_is_derivative)
        # hvp records a directional derivative: its output is itself a derivative, which
        # the same 0·inf makes NaN, so it says nothing about whether f's value is finite
        self.output_is_derivative = output_is_derivative
        self.fallback = None
        self.trace = reverse_trace()
        try:
            with self.trace:
                traced_args, self.inputs = _trace_args(self.trace, args, argnums, fname)
                out = f(*traced_args, **kwargs)
        except NeedsReference:
            if not getattr(self.trace, "handed_over", False):
                raise       # an outer transform's hand-over: its own recording starts again
            out = None
        if getattr(self.trace, "handed_over", False):
            # A complex value appeared: the fast engine hands the call to the reference
            # engine (optad.prims.complex), which records it again from the start.
            del out
            with reference():
                self.__init__(f, args, kwargs, argnums, fname, output_is_derivative)
            return
        self.out = out
        self.out_leaves, self.out_def = tree.flatten(out)

    def trace_is_complex(self):
        """Whether any differentiated input is complex."""
        return any(is_complex(peek(v)) for _, _, values in self.inputs for v in values)

    def is_mine(self, leaf):
        return isinstance(leaf, Traced) and leaf._trace is self.trace

    def output(self):
        """The output pytree with this trace's values unwrapped."""
        if self.out_def is tree.LEAF:
            leaf = self.out_leaves[0]
            return _leaf_value(leaf._value) if self.is_mine(leaf) else leaf
        return tree.unflatten(self.out_def, [
            _leaf_value(leaf._value) if self.is_mine(leaf) else leaf for leaf in self.out_leaves])

    def pull(self, seeds, free):
        """Cotangents per differentiated argument for per-output-leaf ``seeds`` (None = 0)."""
        if self.fallback is not None:
            return self.fallback.pull(seeds, free)
        pairs = [(leaf, s) for leaf, s in zip(self.out_leaves, seeds)
                 if s is not None and self.is_mine(leaf)]
        adj = self.trace.backward(pairs, free=free) if pairs else []
        results = []
        for td, indices, values in self.inputs:
            leaves = [_as_output(adj[i] if i < len(adj) else None, v)
                      for i, v in zip(indices, values)]
            results.append(tree.unflatten(td, leaves))
        if getattr(self.trace, "singular", False) and _suspect(
                results, None if self.output_is_derivative else self.output()):
            # A rule whose partial is infinite or NaN somewhere ran, and a derivative came
            # out non-finite where the value is finite: it may be 0·inf for a structural
            # zero (the branch np.where did not take), which the reference engine keeps
            # track of (optad.ref.zeros) and the fast one does not: ask the reference.
            with reference():
                self.fallback = _Recording(*self.call)
            return self.fallback.pull(seeds, free)
        return results


def _conj_if_complex(g):
    return np.conjugate(g) if is_complex(peek(g)) else g


def vjp(f, *args, argnums=None):
    """Record ``f(*args)`` once; return its value and a pullback of output cotangents.

    ``pullback(ybar)`` takes a cotangent with the output's structure and returns a tuple
    with one cotangent per argument (or per ``argnums``). The tape is kept and reused, so
    calling the pullback for many ``ybar`` (the rows of a Jacobian) records ``f`` once.

    >>> import numpy as np, optad
    >>> y, pullback = optad.vjp(lambda x: x ** 2, np.array([1.0, 2.0]))
    >>> pullback(np.array([1.0, 0.0]))
    (array([2., 0.]),)
    """
    nums = tuple(range(len(args))) if argnums is None else normalize_argnums(
        argnums, len(args), "vjp")[0]
    rec = _Recording(f, args, {}, nums, "vjp")
    y = rec.output()

    def pullback(ybar):
        bar_leaves, bar_def = tree.flatten(ybar)
        if bar_def != rec.out_def:
            raise ShapeError(f"pullback: the cotangent has structure {bar_def}, the output "
                             f"{rec.out_def}.")
        seeds = [_match(b, peek(o), "pullback: the cotangent")
                 for b, o in zip(bar_leaves, rec.out_leaves)]
        return tuple(rec.pull(seeds, free=False))

    return y, pullback


def value_and_grad(f, argnums=0):
    """A function returning ``(f(*args), ∂f/∂args[argnums])`` from one forward and one backward pass.

    ``f`` must return a scalar. The gradient has the structure of the argument (or a tuple
    of them for a tuple ``argnums``): floats, arrays, or pytrees of them.

    >>> import numpy as np, optad
    >>> rosen = lambda x: np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    >>> value, gradient = optad.value_and_grad(rosen)(np.array([1.0, 1.0]))
    >>> float(value), gradient
    (0.0, array([-0.,  0.]))
    """
    return _value_and_grad(f, argnums, "grad")


def _value_and_grad(f, argnums, caller, output_is_derivative=False):
    """:func:`value_and_grad`, its errors naming ``caller`` (hessian and hvp are built on it)."""
    def value_and_grad_f(*args, **kwargs):
        nums, single = normalize_argnums(argnums, len(args),
                                         "value_and_grad" if caller == "grad" else caller)
        rec = _Recording(f, args, kwargs, nums, caller, output_is_derivative)
        if len(rec.out_leaves) != 1 or rec.out_def.node is not None:
            raise NonScalarOutputError(
                f"{caller} needs a function with a scalar output; this one returned "
                f"{type(rec.out).__name__} {rec.out_def}.\nReturn one number (e.g. np.sum(...)), "
                f"or use optad.jacobian / optad.vjp for several outputs."
            )
        out = rec.out
        shape = getattr(peek(out), "shape", ())
        if shape != ():
            raise NonScalarOutputError(
                f"{caller} needs a function with a scalar output; this one returned shape {shape}.\n"
                f"Reduce it to one number (np.sum, np.mean, a norm), or use optad.jacobian, "
                f"optad.vjp or optad.elementwise_grad for vector outputs."
            )
        if is_complex(peek(out)):
            raise ComplexValueError(
                f"{caller} needs a real-valued function; this one returned a complex value "
                f"({peek(out)!r}).\nDifferentiate a real number made from it "
                f"(np.real(y), np.abs(y) ** 2), or use optad.vjp with a complex cotangent.")
        grads = rec.pull([_ONE], free=True)  # a NumPy 1: x/0 gives inf, not ZeroDivisionError
        if rec.trace_is_complex():
            # The engines' cotangent of complex z is ∂f/∂Re z - i·∂f/∂Im z (JAX's); users
            # get its conjugate, ∂f/∂Re z + i·∂f/∂Im z, so that z - lr·g descends.
            grads = [tree.tree_map(_conj_if_complex, g) for g in grads]
        value = rec.output()
        trace = rec.trace
        del rec, out
        trace.finish()   # the fast engine recycles the forward pass's dead large arrays
        return value, (grads[0] if single else tuple(grads))

    value_and_grad_f.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_grad_f


def grad(f, argnums=0):
    """The gradient of a scalar-valued ``f``, as a function of the same arguments.

    >>> import numpy as np, optad
    >>> f = lambda x1, x2: x1 * x2 + np.sin(x1)
    >>> round(float(optad.grad(f)(2.0, 3.0)), 4)   # 3 + cos 2
    2.5839
    >>> optad.grad(lambda w: np.sum(w["a"] * w["b"]))({"a": np.ones(2), "b": np.arange(2.0)})
    {'a': array([0., 1.]), 'b': array([1., 1.])}
    """
    return _grad(f, argnums, "grad")


def _grad(f, argnums, caller, output_is_derivative=False):
    """:func:`grad`, its errors naming ``caller``."""
    vg = _value_and_grad(f, argnums, caller, output_is_derivative)

    def grad_f(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return grad_f


# --- forward mode -------------------------------------------------------------------------
def jvp(f, primals, tangents):
    """Forward mode: ``(f(*primals), J·tangents)`` from one pass that carries tangents along.

    ``primals`` and ``tangents`` are tuples with one entry per argument of ``f`` (pytrees of
    the same structure and shapes). Seeding one input's tangent with 1 and the others with
    0 gives one column of the Jacobian.

    >>> import numpy as np, optad
    >>> f = lambda x1, x2: x1 * x2 + np.sin(x1)
    >>> y, ydot = optad.jvp(f, (2.0, 3.0), (1.0, 0.0))
    >>> round(float(ydot), 4)
    2.5839
    """
    return _jvp(f, primals, tangents)


def _jvp(f, primals, tangents, tangents_only=False):
    """``jvp``; with ``tangents_only``, returns ``(None, tangents)`` and primal values that
    only lead to the outputs are never computed (for ``hvp``: see ``forward._LazyArray``)."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp(f, primals, tangents) takes tuples: jvp(f, (x,), (v,)).")
    if len(primals) != len(tangents):
        raise ShapeError(f"jvp got {len(primals)} primals and {len(tangents)} tangents.")
    trace = forward_trace(lazy=tangents_only)
    try:
        with trace:
            nums = tuple(range(len(primals)))
            args, _ = _trace_args(trace, primals, nums, "jvp", tangents=tangents)
            out = f(*args)
    except NeedsReference:
        if not getattr(trace, "handed_over", False):
            raise           # an outer transform's hand-over (see _Recording)
        out = None
    if getattr(trace, "handed_over", False):
        del out
        with reference():   # complex values: the reference engine's job (see _Recording)
            return _jvp(f, primals, tangents, tangents_only)
    leaves, td = tree.flatten(out)
    values, dots = [], []
    leaf = dot = None
    for leaf in leaves:
        if isinstance(leaf, Traced) and leaf._trace is trace:
            if not tangents_only:
                values.append(_leaf_value(leaf._value))
            dot, fresh = trace.plain_tangent(leaf._aux)
            dots.append(_as_output(dot, leaf, fresh=fresh, read_like=not tangents_only))
        else:
            values.append(leaf)
            dots.append(_as_output(None, leaf))
    singular = getattr(trace, "singular", False)
    del out, leaves, leaf, args, dot
    trace.finish()   # the fast engine recycles dead large values and tangents
    if singular and _suspect(dots, None if tangents_only else values):
        with reference():   # 0·inf for an exact zero? (see _Recording.pull)
            return _jvp(f, primals, tangents, tangents_only)
    if tangents_only:
        return None, tree.unflatten(td, dots)
    return tree.unflatten(td, values), tree.unflatten(td, dots)


def _suspect(derivatives, values):
    """Whether ``derivatives`` have a non-finite entry while the ``values`` (None: not
    computed) are finite. Traced ones (a transform nested in another, as in ``hessian``)
    are judged by their plain values: the inner call falls back to the reference engine
    too, so the outer one never records an inner 0·inf."""
    # (decisions on the data: under optad.jit, guards on these two truth values only)
    if decide(_all_finite, tree.flatten(derivatives)[0]):
        return False
    if values is None:
        return True
    return decide(_all_finite, [v for v in tree.flatten(values)[0]
                                if np.asarray(peek(v)).dtype.kind in "fc"])


def _all_finite(leaves):
    return all(bool(np.all(np.isfinite(v))) for v in leaves)


def stop_gradient(x):
    """The value of ``x`` with no derivative: it passes through as a constant for every transform.

    >>> import optad
    >>> float(optad.grad(lambda x: x * optad.stop_gradient(x))(3.0))
    3.0
    """
    return tree.tree_map(data_of, x)   # (under optad.jit: still the jit's value, not frozen)
