"""``optad.jit``: record a call once per signature, replay it as straight-line NumPy.

A SciPy optimizer evaluates one objective thousands of times at the same shapes; each
gradient call of the eager engine records a fresh tape (tens of microseconds of Python
per call). ``jit(f)`` traces ``f`` once per *signature* (pytree structure, shapes,
dtypes, the values of non-array arguments: :mod:`optad.jit.cache`) into a straight-line
program of NumPy calls (:mod:`optad.jit.trace`, :mod:`optad.jit.program`) and replays it
on later calls. It composes as in JAX: ``jit(value_and_grad(f))`` records the forward
*and* the backward pass (the derivative transform runs inside the trace), as do
``jit(lambda x: hvp(f, x, v))`` and ``jit(jacobian(f))``.

**What is never stale.** Arrays and floats in the arguments are inputs: every value
computed from them, including masks (``x > 0``), signs, sort permutations and
``argmax`` indices, is recomputed on every replay. Where such a value decided Python
control flow or a shape while tracing (``if x[0] > 0``, ``int(...)``, ``bool(...)``, the
length of ``x[mask]``), the program holds a *guard*: the replay recomputes the value and,
if it differs, ``f`` is traced again (a signature keeps a few such variants).

**What is frozen.** Values ``f`` reads from outside its arguments (globals, closures,
random draws) are constants of the program, as in ``jax.jit``: pass data that changes
as arguments (``minimize(f, x0, args=(X, y), jit=True)``). A function that draws from
``np.random`` while being traced gets a warning naming what it drew from. Python side
effects (``print``, appending to a list) happen when tracing only.

**Inside another transform** (``grad(jit(f))``, or a jitted function called while any
transform records), ``jit(f)`` simply calls ``f``: the outer transform records it.

**When to turn it on.** When one function is called many times at the same shapes
(an optimizer's objective and gradient, a training step): a replay costs the NumPy
calls alone, with no per-operation bookkeeping, so small and medium problems and scalar
loops gain most (several times faster); large arrays gain less (NumPy's arithmetic
dominates). It does not pay for a function called once or twice (the first call
traces, the second compiles the replay), nor for one whose Python branches read values
that change on every call (each change is a new trace: ``jit`` warns when a signature
keeps retracing; write such branches with ``np.where``). What runs without ``jit``: a
derivative of complex values, arguments that are neither arrays, numbers nor hashable
(a warning says so).

**The replay** (:mod:`optad.jit.optimize`) drops steps whose results nothing reads,
reuses repeated subexpressions, adds the adjoints of indexing into one temporary, and
writes elementwise results into temporaries that nothing reads afterwards (``out=``).
Its large elementwise intermediates live in preallocated buffers reused by liveness
(a buffer plan): a steady-state replay allocates none of them. Each thread replays with
buffers of its own (made at its first replay, kept with the program: memory of a few
intermediates per thread and program); outputs are never buffers.

>>> import numpy as np, optad
>>> rosen = lambda x: np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
>>> fast = optad.jit(optad.value_and_grad(rosen))
>>> value, gradient = fast(np.array([1.0, 2.0]))       # traces
>>> value, gradient = fast(np.array([0.5, 1.5]))       # replays
>>> float(value), gradient
(156.5, array([-251.,  250.]))
"""

import functools
import warnings

from ..engine import recording
from ..traced import Traced
from .cache import INSIDE_TRANSFORM, ProgramCache, rebuild, signature
from .program import GuardFailed, Program
from .randomness import RandomWatch
from .trace import JitTrace, Unjittable

__all__ = ["jit", "Jitted", "JitWarning"]

#: A signature traced again this many times because its guards failed gets a warning.
RETRACE_WARNING = 8


class JitWarning(UserWarning):
    """Something about a jitted function the author should know: it keeps retracing, it
    drew random numbers while traced, or it runs without ``jit``."""


def jit(fun=None, *, cache_size=8, variants=4):
    """``fun`` traced once per signature into a program that later calls replay.

    ``cache_size``: how many signatures keep their programs (the least recently used
    goes first); ``variants``: how many programs one signature keeps when guards send
    calls down different branches. The result has ``clear_cache()`` and ``cache_info()``.
    Use as ``jit(f)``, ``@jit`` or ``@jit(cache_size=...)``; see :mod:`optad.jit` for
    what is recomputed and what is frozen.

    >>> import numpy as np, optad
    >>> @optad.jit
    ... def f(x, scale):                # x: traced input; scale (an int): static
    ...     return np.where(x > 0, x, 0.0) * scale
    >>> f(np.array([1.0, -2.0]), 3)
    array([3., 0.])
    >>> f(np.array([-1.0, 2.0]), 3)     # the mask is recomputed, not frozen
    array([0., 6.])
    >>> f.cache_info().traces
    1
    """
    if fun is None:
        return lambda f: jit(f, cache_size=cache_size, variants=variants)
    return Jitted(fun, cache_size, variants)


class CacheInfo(tuple):
    """``(traces, replays, signatures)``: calls traced, calls replayed, signatures kept."""

    __slots__ = ()
    traces = property(lambda self: self[0])
    replays = property(lambda self: self[1])
    signatures = property(lambda self: self[2])

    def __new__(cls, traces, replays, signatures):
        return tuple.__new__(cls, (traces, replays, signatures))

    def __repr__(self):
        return f"CacheInfo(traces={self[0]}, replays={self[1]}, signatures={self[2]})"


class Jitted:
    """A function wrapped by :func:`jit` (call it as the function itself).

    >>> import optad
    >>> g = optad.jit(lambda x: x * 2.0)
    >>> float(g(1.5)), float(g(2.5)), g.cache_info().traces
    (3.0, 5.0, 1)
    """

    def __init__(self, fun, cache_size=8, variants=4):
        if not callable(fun):
            raise TypeError(f"jit needs a function; got {type(fun).__name__}.")
        self.fun = fun
        self.cache = ProgramCache(cache_size, variants)
        self.traces = 0
        self.replays = 0
        self.unjittable = None      # why calls run without jit, once that is known
        self.warn = True            # warn when calls run without jit (callers inside optad
                                    # that only use jit for speed turn it off)
        functools.update_wrapper(self, fun)

    def __repr__(self):
        return f"<jit of {getattr(self.fun, '__name__', self.fun)!r}>"

    def clear_cache(self):
        """Drop every program (the next call traces again).

        >>> import optad
        >>> g = optad.jit(lambda x: x + 1.0)
        >>> _ = g(1.0); g.clear_cache(); _ = g(1.0)
        >>> g.cache_info().traces
        2
        """
        self.cache.clear()

    def cache_info(self):
        """:class:`CacheInfo`: how many calls were traced and replayed, signatures kept."""
        return CacheInfo(self.traces, self.replays, len(self.cache.entries))

    def __call__(self, *args, **kwargs):
        if recording():
            # Inside another transform (or another jit): that one records the call.
            return self.fun(*args, **kwargs)
        try:
            key, inputs = signature(args, kwargs)
        except Unjittable as why:
            return self._unjitted(why, args, kwargs)
        if key is INSIDE_TRANSFORM:
            return self.fun(*args, **kwargs)
        entry = self.cache.get(key)
        failed = False
        if entry is not None:
            if entry.plain:
                return self.fun(*args, **kwargs)
            for program in entry.variants:
                failed = True
                try:
                    out = program(*inputs)
                except GuardFailed:
                    continue
                except Exception:
                    # Raised where tracing did not: the function may catch it and go
                    # another way (another variant, or a new trace, decides; tracing
                    # raises it again if the function does not catch it).
                    continue
                self.replays += 1
                if program is not entry.variants[0]:
                    self.cache.promote(entry, program)
                return out
        return self._trace(key, args, kwargs, inputs, failed)

    def _trace(self, key, args, kwargs, inputs, failed=False):
        name = getattr(self.fun, "__name__", "f")
        trace = JitTrace()
        static = [a for a in (list(args) + list(kwargs.values()))
                  if not isinstance(a, Traced)]
        watch = RandomWatch(self.fun, static)
        try:
            with trace, watch:
                traced_inputs = [trace.new_input(v) for v in inputs]
                t_args, t_kwargs = rebuild(args, kwargs, traced_inputs)
                out = self.fun(*t_args, **t_kwargs)
                raw, template = trace._scan(out)
        except Unjittable as why:
            self.cache.add(key, None).plain = True     # this signature runs without jit
            return self._unjitted(why, args, kwargs)
        self.traces += 1
        drawn = watch.drawn()
        if drawn:
            warnings.warn(JitWarning(
                f"optad.jit: {name} drew random numbers while it was traced "
                f"({', '.join(drawn)}); they are constants of the program, so every "
                f"later call reuses the same numbers. Draw them outside and pass them as "
                f"arguments."), stacklevel=3)
        program = Program(trace, len(inputs), template, name)
        entry = self.cache.add(key, program, failed)
        if entry.retraces >= RETRACE_WARNING and not entry.warned:
            entry.warned = True
            warnings.warn(JitWarning(
                f"optad.jit: {name} was traced {entry.retraces + 1} times at one signature: a "
                f"value read in Python (an if on a comparison, int(), bool(), "
                f"optad.value_of) keeps changing between calls, so the program is traced "
                f"again each time. Express the branch with np.where, or call {name} "
                f"without jit."), stacklevel=3)
        return raw

    def _unjitted(self, why, args, kwargs):
        reason = str(why)
        if self.unjittable != reason:
            self.unjittable = reason
            if not self.warn:
                return self.fun(*args, **kwargs)
            warnings.warn(JitWarning(
                f"optad.jit: {getattr(self.fun, '__name__', 'f')} runs without jit "
                f"({reason})."), stacklevel=3)
        return self.fun(*args, **kwargs)
