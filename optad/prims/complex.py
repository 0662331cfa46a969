"""Complex numbers: the convention, and the functions that are not holomorphic.

**The convention inside the engines** (JAX's). A cotangent ``ḡ`` pairs with a tangent
``ż`` through ``Re(Σ ḡ·ż)`` (bilinear, no conjugation), so the reverse rule of an
R-linear map ``L`` is the ``v`` with ``Re(Σ ḡ·L(ż)) = Re(Σ v·ż)`` for every ``ż``:

* a holomorphic function keeps its real rule: ``ḡ·f'(z)`` (sin, exp, ``@``, ``sum``...;
  matrix rules use plain transposes, never conjugate ones);
* a function of complex ``z`` with a real value and ``df = Re(p·dz)`` has the partial
  ``p``: ``|z|`` has ``conj(z)/|z|``, ``Re z`` has 1, ``Im z`` has ``-i``, ``angle(z)``
  has ``-i/z``; its forward rule is ``Re(p·ż)`` (the engines take the real part of a
  real value's tangent, and of a real argument's adjoint: ``Re(ḡ)``);
* ``conj`` sends ``ḡ`` to ``conj(ḡ)`` and ``ż`` to ``conj(ż)``.

**What users see.** ``grad`` of a real-valued ``f`` of complex ``z`` returns
``∂f/∂Re z + i·∂f/∂Im z`` (autograd's and PyTorch's choice, the conjugate of the
engine's cotangent), so ``z - lr * g`` descends; ``vjp`` and ``jvp`` follow JAX's
convention as the engines compute it. Complex computations run on the reference
engine (the fast one hands them over; :mod:`optad.transforms`).

>>> import numpy as np, optad
>>> complex(np.round(optad.grad(lambda z: np.abs(z) ** 2)(3.0 + 4.0j), 12))   # 2 Re z + 2i Im z
(6+8j)
>>> float(optad.grad(lambda x: np.real(np.exp(1j * x)))(0.5))   # d cos(x)/dx
-0.479425538604203
"""

import numpy as np

from ..engine import bind, value_of
from ..traced import data_of, peek
from ..primitive import Primitive
from .declare import elementwise, implements, register

__all__ = ["real", "imag", "conjugate", "angle"]


def _is_complex(x):
    return np.iscomplexobj(peek(x))


def _nonzero(v):
    """``v`` with its zeros replaced by 1 (a divisor that cannot give inf or nan)."""
    return np.where(data_of(v) == 0, 1.0, v)


def _imag_partial(ans, x):
    # Im z = Re(-i·z); of a real x: the constant 0 (a real partial keeps a real
    # computation real, so the fast engine never sees a complex adjoint)
    return -1j if _is_complex(x) else 0.0


def _angle_partial(ans, x):
    # angle z = Im log z, so d angle = Re(-i dz / z); a real x: a constant 0 or pi.
    # At z = 0 the angle jumps: the subgradient 0, as for |z|.
    if not _is_complex(x):
        return 0.0
    return np.where(data_of(x) == 0, 0.0, -1j / _nonzero(x))


def abs_partial(ans, x):
    """∂|x|/∂x: sign(x) for real x; ``conj(z)/|z|`` for complex z (``d|z| = Re(conj(z)/|z|·dz)``),
    with the subgradient 0 at 0 in both cases.

    >>> complex(abs_partial(5.0, 3.0 + 4.0j))
    (0.6-0.8j)
    """
    if not _is_complex(x):
        return np.sign(x)
    magnitude = np.abs(x)      # (from x, not ans: the rule declares it reads x only)
    return np.where(data_of(magnitude) == 0, 0.0, np.conjugate(x) / _nonzero(magnitude))


real = elementwise(np.real, lambda ans, x: 1.0, expr="Re({0})", texts=("1",), reads=(),
                   complex_safe=True)
imag = elementwise(np.imag, _imag_partial, expr="Im({0})", texts=("-i",), reads=(0,),
                   complex_safe=True)
conjugate = register(np.conjugate, Primitive(
    "conjugate", np.conjugate,
    vjps=(lambda g, ans, x: np.conjugate(g),), jvps=(lambda t, ans, x: np.conjugate(t),),
    explain=("conj({0})", ("conj",)), needs=((),), complex_safe=True))
angle = elementwise(np.angle, _angle_partial, impl=np.angle, name="angle", expr="angle({0})",
                    texts=("-i/{0}",), reads=(0,), complex_safe=True)


@implements(np.angle)
def _angle(z, deg=False):
    """np.angle on traced values; ``deg`` scales the radians (a constant factor)."""
    return bind(angle, (z,), {}) * (180.0 / np.pi) if deg else bind(angle, (z,), {})

