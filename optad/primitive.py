"""Primitives: a NumPy function declared once, whole, with its derivative rules.

A :class:`Primitive` is a frozen declaration. Its *meaning* is what the reference
engine runs: the function (``impl``), one vector–Jacobian rule per positional argument
(reverse mode) and one Jacobian–vector rule per argument (forward mode), or for an
elementwise function its partial derivatives, from which both are made. Its optional
*speed extras* (:class:`Speed`) are what the fast engine may use instead; each must give
what the meaning gives.

Rule signatures (``ans`` is the primitive's output, ``*args`` its raw inputs)::

    vjp(g, ans, *args, **kwargs) -> contribution to the adjoint of that argument
    jvp(t, ans, *args, **kwargs) -> contribution to the tangent of the output
    partial(ans, *args)          -> ∂ans/∂arg, elementwise (vjp = g·partial, jvp = t·partial)

A contribution may have the broadcast shape of ``ans``; the engine sums it back to the
argument's shape (reverse) or broadcasts it to ``ans``'s shape (forward), in one place.
Rules are NumPy code, so they run at NumPy speed and can be traced again (Hessians).

Users register their own functions with :func:`primitive`, :func:`defvjp` and
:func:`defjvp`; each call registers a new declaration in place of the old one:

>>> import numpy as np, optad
>>> @optad.primitive
... def softplus(x):
...     return np.logaddexp(0.0, x)
>>> optad.defvjp(softplus, lambda g, ans, x: g / (1.0 + np.exp(-x)))
<primitive softplus>
>>> optad.defjvp(softplus, lambda t, ans, x: t / (1.0 + np.exp(-x)))
<primitive softplus>
>>> float(optad.grad(softplus)(0.0))
0.5
"""

import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .engine import bind

__all__ = ["Primitive", "Speed", "Variadic", "PrimitiveFunction", "primitive", "defvjp",
           "defjvp", "UFUNC_PRIMITIVES", "FUNCTION_HANDLERS"]

#: ufunc -> Primitive, consulted by ``Traced.__array_ufunc__``.
UFUNC_PRIMITIVES = {}
#: NumPy/SciPy function -> handler(*args, **kwargs), consulted by ``__array_function__``.
FUNCTION_HANDLERS = {}


class Variadic:
    """Rules of a primitive that takes any number of arguments: rule k is ``factory(k)``.

    >>> rules = Variadic(lambda k: (lambda g, ans, *args: g))
    >>> rules[5](1.0, None)
    1.0
    """

    __slots__ = ("factory",)

    def __init__(self, factory):
        self.factory = factory

    def __getitem__(self, k):
        return self.factory(k)

    def __len__(self):
        return sys.maxsize


@dataclass(frozen=True, eq=False)
class Speed:
    """A primitive's speed extras, used only by the fast engine (:mod:`optad.fast`).

    Every field is optional; each must compute what the primitive's meaning computes.

    >>> Speed().ufunc is None
    True
    """

    #: ``ufunc(*args, out=buffer)``: the implementation writing into a pooled buffer.
    ufunc: object = None
    #: Reverse rules that may write into pooled buffers, or return a uniform adjoint (a
    #: float standing for its broadcast) where the meaning returns the broadcast array.
    vjps: object = None
    #: ``vjps_inplace[i](g, ans, *args)``: rule i writing its result into ``g`` (used when
    #: the backward pass owns ``g`` and nothing else reads it).
    vjps_inplace: tuple = None
    #: ``scatter(buffer, g, fresh, *args, **kwargs)``: add the contribution into the
    #: argument's adjoint buffer in place (indexing: no full-size temporary). With
    #: ``fresh``, the buffer is uninitialized: write zeros where ``g`` does not go.
    scatter: Callable = None
    #: Forward rules that take and return deferred tangents (:mod:`optad.fast.tangents`).
    jvps: object = None
    #: One forward rule for all arguments at once (``tangents[i]`` None where argument i
    #: has none), faster than the meaning's rules.
    jvp_joint: Callable = None
    #: Whether ``jvp_joint`` takes deferred tangents as they are (add and subtract combine
    #: their factors); otherwise the engine multiplies them out first.
    joint_takes_deferred: bool = False
    #: Per argument: whether its forward rule takes a LinearForm tangent as it is: True,
    #: or a test of the raw arguments (x * c: when c is a number).
    takes_forms: tuple = None
    #: Per argument: which argument positions its forward rule reads (None: it reads the
    #: result). Under ``hvp`` a result no rule reads is then never computed.
    jvp_reads: tuple = None
    #: Its reverse rules broadcast like an elementwise function: a uniform adjoint (what
    #: ``sum`` sends back) may reach them as a scalar, saving full-size passes.
    uniform: bool = False


@dataclass(frozen=True, eq=False)
class Primitive:
    """A differentiable operation, declared whole: its meaning and optional speed extras.

    Calling a primitive records it when any argument is traced and simply runs ``impl``
    otherwise. ``explain`` gives the templates the teaching view prints:
    ``(expression, partials)``, e.g. ``("{0}*{1}", ("{1}", "{0}"))`` for multiply, where
    ``{i}`` is the name of argument ``i``. ``needs[i]`` lists the values argument i's
    reverse rule reads (argument positions, -1 for the output); the fast engine keeps
    only those on the tape. ``singular``: its partials can be infinite or NaN at finite
    inputs (sqrt at 0), so a non-finite derivative may be 0·inf for a structural zero
    (:mod:`optad.ref.zeros`); True, False, or a test of the raw arguments.
    ``structural_zeros[i]`` (elementwise): the zeros of partial i are zero near the point
    too (a comparison mask, a constant coefficient) when the arguments it names are
    constants; None where its zeros may be isolated. ``entry_map``: its reverse rules
    only move, copy or add up entries of the adjoint with positive weights (indexing,
    reshapes, concatenation, sum), so an adjoint's structural zeros map through them:
    applied to the indicator of the nonzeros, a rule's zeros are where only zeros land. ``complex_safe``: its rules hold for
    complex values too, under the convention of :mod:`optad.complex_rules` (holomorphic
    functions: ``g·f'(z)``; others, e.g. ``abs``, ``conj``, with rules written for it);
    other primitives refuse complex values with ``ComplexValueError``.

    >>> twice = Primitive("twice", lambda x: 2.0 * x,
    ...                   vjps=(lambda g, ans, x: 2.0 * g,),
    ...                   jvps=(lambda t, ans, x: 2.0 * t,))
    >>> twice(3.0)
    6.0
    """

    name: str
    impl: Callable
    vjps: object = ()
    jvps: object = ()
    partials: tuple = None
    jvp_joint: Callable = None
    needs: tuple = None
    explain: tuple = None
    singular: object = False
    structural_zeros: tuple = None
    entry_map: bool = False
    complex_safe: bool = False
    speed: Speed = field(default_factory=Speed)

    def __post_init__(self):
        set_ = object.__setattr__
        if self.partials is not None:
            if not self.vjps:
                set_(self, "vjps", tuple(_vjp_of(p) for p in self.partials))
            if not self.jvps:
                set_(self, "jvps", tuple(_jvp_of(p) for p in self.partials))
        for name in ("vjps", "jvps"):
            rules = getattr(self, name)
            if not isinstance(rules, Variadic):
                set_(self, name, tuple(rules))
        # What the fast engine runs: the speed extras, the meaning where there are none.
        s = self.speed
        set_(self, "fast", dataclasses.replace(
            s, vjps=s.vjps if s.vjps is not None else self.vjps,
            jvps=s.jvps if s.jvps is not None else self.jvps,
            jvp_joint=s.jvp_joint if s.jvp_joint is not None else self.jvp_joint))
        set_(self, "__doc__", getattr(self.impl, "__doc__", None))

    def __call__(self, *args, **kwargs):
        return bind(self, args, kwargs)

    def __repr__(self):
        return f"<primitive {self.name}>"

    def vjp(self, argnum):
        """The reverse rule of argument ``argnum``, or None if it is not differentiable.

        >>> Primitive("neg", lambda x: -x, vjps=(lambda g, ans, x: -g,)).vjp(1) is None
        True
        """
        rules = self.vjps
        return rules[argnum] if argnum < len(rules) else None

    def jvp(self, argnum):
        """The forward rule of argument ``argnum``, or None if it is not differentiable.

        >>> Primitive("neg", lambda x: -x, jvps=(lambda t, ans, x: -t,)).jvp(0)(1.0, None, 2.0)
        -1.0
        """
        rules = self.jvps
        return rules[argnum] if argnum < len(rules) else None

    def defvjp(self, *rules):
        """A new declaration with these reverse rules (one per positional argument; None:
        not differentiable); the speed extras that replaced the old rules are dropped.

        >>> p = Primitive("neg", lambda x: -x).defvjp(lambda g, ans, x: -g)
        >>> p.vjp(0)(1.0, None, 2.0)
        -1.0
        """
        return dataclasses.replace(
            self, vjps=tuple(rules), partials=None, singular=True,
            speed=dataclasses.replace(self.speed, vjps=None, vjps_inplace=None, scatter=None,
                                      uniform=False))

    def defjvp(self, *rules):
        """A new declaration with these forward rules (one per positional argument).

        >>> p = Primitive("neg", lambda x: -x).defjvp(lambda t, ans, x: -t)
        >>> p.jvp(0)(1.0, None, 2.0)
        -1.0
        """
        return dataclasses.replace(
            self, vjps=self.vjps, jvps=tuple(rules), partials=None, jvp_joint=None, singular=True,
            speed=dataclasses.replace(self.speed, jvps=None, jvp_joint=None, takes_forms=None,
                                      jvp_reads=None))


# --- elementwise rules from partial derivatives ---------------------------------------------
def _vjp_of(partial):
    if partial is None:
        return None
    return lambda g, ans, *args: g * partial(ans, *args)


def _jvp_of(partial):
    if partial is None:
        return None
    return lambda t, ans, *args: t * partial(ans, *args)


# --- the public registration functions ------------------------------------------------------
class PrimitiveFunction:
    """A function registered with :func:`primitive`: calling it records its current
    declaration (``.declaration``), which :func:`defvjp` / :func:`defjvp` replace.

    >>> import optad
    >>> cube = optad.primitive(lambda x: x ** 3, name="cube")
    >>> cube.declaration.name, cube(2.0)
    ('cube', 8.0)
    """

    def __init__(self, declaration):
        self.declaration = declaration
        self.__doc__ = declaration.__doc__
        self.__name__ = declaration.name

    def __call__(self, *args, **kwargs):
        return bind(self.declaration, args, kwargs)

    def __repr__(self):
        return f"<primitive {self.declaration.name}>"


def primitive(fun=None, *, name=None):
    """Turn a NumPy function into a primitive: optad will not trace inside it.

    Give its rules with :func:`defvjp` / :func:`defjvp`; until then, calling it on a
    traced value raises an error that says so.

    >>> import numpy as np, optad
    >>> cube = optad.primitive(lambda x: x ** 3, name="cube")
    >>> optad.defvjp(cube, lambda g, ans, x: 3 * x ** 2 * g)
    <primitive cube>
    >>> float(optad.grad(cube)(2.0))
    12.0
    """
    if fun is None:
        return lambda f: primitive(f, name=name)
    if isinstance(fun, (Primitive, PrimitiveFunction)):
        return fun
    # A user's rules are unknown to optad: treat them as possibly singular (see Primitive).
    return PrimitiveFunction(Primitive(name or getattr(fun, "__name__", "primitive"), fun,
                                       singular=True))


def _register(target, change):
    """Replace ``target``'s declaration by ``change(declaration)``; return what to show."""
    if isinstance(target, PrimitiveFunction):
        target.declaration = change(target.declaration)
        return target
    if isinstance(target, Primitive):
        return change(target)       # a bare declaration has no registry slot: the new one
    if isinstance(target, np.ufunc):
        if target not in UFUNC_PRIMITIVES:     # optad's own rule first (SciPy's load late)
            from .registry import load_scipy_families
            load_scipy_families()
        old = UFUNC_PRIMITIVES.get(target) or Primitive(target.__name__, target, singular=True)
        new = UFUNC_PRIMITIVES[target] = change(old)
        return new
    existing = FUNCTION_HANDLERS.get(target)
    old = getattr(existing, "primitive", None) or Primitive(
        getattr(target, "__name__", "function"), target, singular=True)
    new = change(old)

    def handler(*args, **kwargs):
        return bind(new, args, kwargs)

    handler.primitive = new
    FUNCTION_HANDLERS[target] = handler
    return new


def defvjp(target, *rules):
    """Give ``target`` its vector–Jacobian rules ``rule(g, ans, *args, **kwargs)``, one per argument.

    ``target`` is a function made by :func:`primitive`, a NumPy ufunc (e.g.
    ``scipy.special.erf``) or a NumPy function; ufuncs and functions become primitives
    that NumPy dispatches to optad. A new declaration replaces the old one.

    >>> import numpy as np, optad, scipy.special as sp
    >>> optad.defvjp(sp.erf, lambda g, ans, x: g * 2 / np.sqrt(np.pi) * np.exp(-x ** 2))
    <primitive erf>
    >>> round(float(optad.grad(lambda x: sp.erf(x))(0.0)), 6)
    1.128379
    """
    return _register(target, lambda p: p.defvjp(*rules))


def defjvp(target, *rules):
    """Give ``target`` its Jacobian–vector rules ``rule(t, ans, *args, **kwargs)``, one per argument.

    >>> import numpy as np, optad, scipy.special as sp
    >>> optad.defjvp(sp.erf, lambda t, ans, x: t * 2 / np.sqrt(np.pi) * np.exp(-x ** 2))
    <primitive erf>
    >>> y, ydot = optad.jvp(sp.erf, (0.0,), (1.0,))
    >>> round(float(ydot), 6)
    1.128379
    """
    return _register(target, lambda p: p.defjvp(*rules))
