"""optad: exact gradients of plain NumPy code, by reverse-mode automatic differentiation.

>>> import numpy as np, optad
>>> f = lambda x1, x2: x1 * x2 + np.sin(x1)
>>> [round(float(g), 4) for g in optad.grad(f, argnums=(0, 1))(2.0, 3.0)]
[2.5839, 2.0]
"""

from . import errors, tree
from . import dispatch as _dispatch  # attaches operators and NumPy dispatch to Traced
from . import array_methods as _array_methods  # and the ndarray methods (x.sum(), x.sort())
from .engine import Traced, value_of
from .primitive import Primitive, defjvp, defvjp, primitive
from .transforms import grad, jvp, stop_gradient, value_and_grad, vjp
from .jacobians import elementwise_grad, hessian, hvp, jacfwd, jacobian, jacrev
from .checks import check_grad, numerical_grad
from .explain import Trace, TraceRow, explain, trace
from .registry import supported
from .pool import release_memory
from .settings import config
from .engines import reference
from .jit import jit
from . import fast, ref  # noqa: F401  (optad.fast, optad.ref: the two engines)

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "stop_gradient", "value_of",
    "jacobian", "jacrev", "jacfwd", "hessian", "hvp", "elementwise_grad",
    "check_grad", "numerical_grad", "trace", "explain", "Trace", "TraceRow",
    "supported", "release_memory", "config", "reference", "jit",
    "primitive", "defvjp", "defjvp", "Primitive", "Traced", "errors", "tree",
]
__version__ = "0.1.0"

from .registry import freeze_builtin as _freeze  # noqa: E402

_freeze()
del _dispatch, _array_methods
