"""Primitives: a NumPy function declared once with its derivative rules.

A :class:`Primitive` holds the function (``impl``), one vector–Jacobian rule per
positional argument (reverse mode) and one Jacobian–vector rule per positional
argument (forward mode). Rules are written in NumPy, so they run at NumPy speed on
plain arrays and can be traced again for higher derivatives.

Rule signatures (``ans`` is the primitive's output, ``*args`` its raw inputs)::

    vjp(g, ans, *args, **kwargs) -> contribution to the adjoint of that argument
    jvp(t, ans, *args, **kwargs) -> contribution to the tangent of the output

A contribution may have the broadcast shape of ``ans``; the engine sums it back to
the argument's shape (reverse) or broadcasts it to ``ans``'s shape (forward), in one
place, so no rule repeats that bookkeeping.

Users register their own functions with :func:`primitive`, :func:`defvjp` and
:func:`defjvp`:

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

import sys

from .engine import bind

__all__ = ["Primitive", "Variadic", "primitive", "defvjp", "defjvp", "UFUNC_PRIMITIVES", "FUNCTION_HANDLERS"]

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


class Primitive:
    """A differentiable operation: ``impl`` plus per-argument VJP and JVP rules.

    Calling a primitive records it when any argument is traced and simply runs
    ``impl`` otherwise.

    ``explain`` optionally gives the templates the teaching view prints:
    ``(expression, partials)``, e.g. ``("{0}*{1}", ("{1}", "{0}"))`` for multiply, where
    ``{i}`` is the name of argument ``i``.

    >>> import numpy as np
    >>> twice = Primitive("twice", lambda x: 2.0 * x,
    ...                   vjps=(lambda g, ans, x: 2.0 * g,),
    ...                   jvps=(lambda t, ans, x: 2.0 * t,))
    >>> twice(3.0)
    6.0
    """

    def __init__(self, name, impl, vjps=(), jvps=(), *, explain=None,
                 scatter=None, jvp_joint=None, needs=None, vjps_inplace=None,
                 elementwise=False):
        self.name = name
        self.impl = impl
        self.vjps = vjps if isinstance(vjps, Variadic) else tuple(vjps)
        self.jvps = jvps if isinstance(jvps, Variadic) else tuple(jvps)
        self.explain = explain
        # scatter(buf, g, fresh, *args, **kwargs): add this primitive's contribution into
        # the parent's adjoint buffer in place (indexing uses it to avoid a full-size
        # temporary). With fresh=True, buf is uninitialized: write zeros where g does not go.
        self.scatter = scatter
        # jvp_joint(tangents, ans, *args, **kwargs): one rule for all arguments at once
        # (tangents[i] is None where argument i has none); used by concatenate-like prims.
        self.jvp_joint = jvp_joint
        # needs[i]: which values the reverse rule of argument i reads (argument positions;
        # -1 for the output). Values no rule reads are not kept on the tape, only their
        # shapes, so memory is freed during the forward pass as in plain NumPy. None: keep all.
        self.needs = needs
        # vjps_inplace[i](g, ans, *args): the rule of argument i writing its result into g
        # (used when the engine owns g and nothing else reads it: saves an allocation).
        self.vjps_inplace = vjps_inplace
        # elementwise: the rules broadcast, so a uniform adjoint (a broadcast scalar, as
        # sum() sends back) may be passed as the scalar itself, saving full-size passes.
        self.elementwise = elementwise
        # The NumPy ufunc computing impl, when there is one: the forward pass may then
        # write its result into a pooled buffer (``out=``) instead of a fresh array.
        self.ufunc = None
        self.__doc__ = getattr(impl, "__doc__", None)

    def __call__(self, *args, **kwargs):
        return bind(self, args, kwargs)

    def __repr__(self):
        return f"<primitive {self.name}>"

    def defvjp(self, *rules):
        """Set the vector–Jacobian rules, one per positional argument (None: not differentiable).

        >>> p = Primitive("neg", lambda x: -x)
        >>> p.defvjp(lambda g, ans, x: -g)
        <primitive neg>
        """
        self.vjps = tuple(rules)
        return self

    def defjvp(self, *rules):
        """Set the Jacobian–vector rules, one per positional argument (None: not differentiable).

        >>> p = Primitive("neg", lambda x: -x)
        >>> p.defjvp(lambda t, ans, x: -t)
        <primitive neg>
        """
        self.jvps = tuple(rules)
        return self


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
    if isinstance(fun, Primitive):
        return fun
    return Primitive(name or getattr(fun, "__name__", "primitive"), fun)


def _as_primitive(target):
    """The Primitive for ``target``: itself, or the one registered for a NumPy/SciPy function."""
    if isinstance(target, Primitive):
        return target
    import numpy as np

    if isinstance(target, np.ufunc):
        prim = UFUNC_PRIMITIVES.get(target)
        if prim is None:
            prim = UFUNC_PRIMITIVES[target] = Primitive(target.__name__, target)
        return prim
    existing = FUNCTION_HANDLERS.get(target)
    prim = getattr(existing, "primitive", None)
    if prim is None:
        prim = Primitive(getattr(target, "__name__", "function"), target)

        def handler(*args, **kwargs):
            return bind(prim, args, kwargs)

        handler.primitive = prim
        FUNCTION_HANDLERS[target] = handler
    return prim


def defvjp(target, *rules):
    """Give ``target`` its vector–Jacobian rules ``rule(g, ans, *args, **kwargs)``, one per argument.

    ``target`` is a primitive, a NumPy ufunc (e.g. ``scipy.special.erf``) or a NumPy
    function; ufuncs and functions become primitives that NumPy dispatches to optad.

    >>> import numpy as np, optad, scipy.special as sp
    >>> optad.defvjp(sp.erf, lambda g, ans, x: g * 2 / np.sqrt(np.pi) * np.exp(-x ** 2))
    <primitive erf>
    >>> round(float(optad.grad(lambda x: sp.erf(x))(0.0)), 6)
    1.128379
    """
    return _as_primitive(target).defvjp(*rules)


def defjvp(target, *rules):
    """Give ``target`` its Jacobian–vector rules ``rule(t, ans, *args, **kwargs)``, one per argument.

    >>> import numpy as np, optad, scipy.special as sp
    >>> optad.defjvp(sp.erf, lambda t, ans, x: t * 2 / np.sqrt(np.pi) * np.exp(-x ** 2))
    <primitive erf>
    >>> y, ydot = optad.jvp(sp.erf, (0.0,), (1.0,))
    >>> round(float(ydot), 6)
    1.128379
    """
    return _as_primitive(target).defjvp(*rules)
