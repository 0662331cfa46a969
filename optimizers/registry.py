"""The method table: every name ``minimize`` accepts, with the options each one takes.

First-order methods are update-rule classes (their constructor's keywords are the
options); SciPy methods are rows saying which SciPy options they take, which stopping
options map onto SciPy's own, and whether they use bounds, constraints, ``hessp`` or
``hess``. Lookup is case-insensitive, as in SciPy.

>>> methods()[:3]
['gd', 'adam', 'BFGS']
>>> lookup("l-bfgs-b").name
'L-BFGS-B'
"""

import inspect
from dataclasses import dataclass, field

from .adam import Adam
from .errors import UnknownMethodError, UnknownOptionError
from .gd import GradientDescent

__all__ = ["Method", "METHODS", "methods", "lookup", "check_options"]


@dataclass(frozen=True)
class Method:
    """One row of the method table.

    ``native`` maps our stopping options (gtol, ftol, maxiter, maxfev) to the SciPy option
    names they are also passed as; ``second_order`` is None, "hessp" or "hess".

    >>> METHODS["newton-cg"].second_order
    'hessp'
    """

    name: str
    options: tuple
    rule: type = None                       # the update-rule class of a first-order method
    native: dict = field(default_factory=dict)
    bounds: bool = False
    constraints: bool = False
    second_order: str = None

    @property
    def first_order(self):
        return self.rule is not None


def _rule_options(cls):
    return tuple(p for p in inspect.signature(cls.__init__).parameters if p != "self")


_TR = ("initial_trust_radius", "max_trust_radius", "eta", "disp", "return_all")
_ROWS = [
    Method("gd", _rule_options(GradientDescent), rule=GradientDescent),
    Method("adam", _rule_options(Adam), rule=Adam),
    Method("BFGS", ("norm", "xrtol", "c1", "c2", "hess_inv0", "disp", "return_all"),
           native={"gtol": "gtol", "maxiter": "maxiter"}),
    Method("L-BFGS-B", ("maxcor", "maxls"),
           native={"gtol": "gtol", "ftol": "ftol", "maxiter": "maxiter", "maxfev": "maxfun"},
           bounds=True),
    Method("CG", ("norm", "c1", "c2", "disp", "return_all"),
           native={"gtol": "gtol", "maxiter": "maxiter"}),
    Method("Newton-CG", ("xtol", "c1", "c2", "disp", "return_all"),
           native={"maxiter": "maxiter"}, second_order="hessp"),
    Method("trust-ncg", _TR, native={"gtol": "gtol", "maxiter": "maxiter"},
           second_order="hessp"),
    Method("trust-krylov", _TR + ("inexact",), native={"gtol": "gtol", "maxiter": "maxiter"},
           second_order="hessp"),
    Method("trust-exact", _TR + ("subproblem_maxiter",),
           native={"gtol": "gtol", "maxiter": "maxiter"}, second_order="hess"),
    Method("dogleg", _TR, native={"gtol": "gtol", "maxiter": "maxiter"}, second_order="hess"),
    Method("TNC", ("scale", "offset", "maxCGit", "eta", "stepmx", "accuracy", "minfev", "xtol",
                   "rescale", "disp"),
           native={"gtol": "gtol", "ftol": "ftol", "maxfev": "maxfun"}, bounds=True),
    Method("SLSQP", ("disp", "iprint"), native={"ftol": "ftol", "maxiter": "maxiter"},
           bounds=True, constraints=True),
    Method("trust-constr", ("xtol", "barrier_tol", "sparse_jacobian", "initial_constr_penalty",
                            "initial_tr_radius", "initial_barrier_parameter",
                            "initial_barrier_tolerance", "factorization_method", "verbose",
                            "disp"),
           native={"gtol": "gtol", "maxiter": "maxiter"}, bounds=True, constraints=True,
           second_order="hessp"),
]

#: lower-cased name -> :class:`Method`
METHODS = {m.name.lower(): m for m in _ROWS}


def methods():
    """Every method name :func:`optimizers.minimize` accepts.

    >>> "trust-krylov" in methods()
    True
    """
    return [m.name for m in _ROWS]


def lookup(name):
    """The :class:`Method` row for a name (any case), or an error listing the valid names.

    >>> lookup("bfgs").native["gtol"]
    'gtol'
    """
    if isinstance(name, str) and name.lower() in METHODS:
        return METHODS[name.lower()]
    hint = ""
    if isinstance(name, str) and name.lower() in ("nelder-mead", "powell", "cobyla", "cobyqa"):
        hint = (f"\n{name} is derivative-free; optad's methods all use its gradients "
                "(use scipy.optimize.minimize directly for it).")
    raise UnknownMethodError(f"Unknown method {name!r}.{hint}\nValid methods: "
                             f"{', '.join(methods())}.")


_SCIPY_HABITS = {
    "jac": "optad computes the gradient (exactly, from your NumPy code).",
    "hess": "optad computes the Hessian for the methods that use one.",
    "hessp": "optad computes Hessian-vector products for the methods that use them.",
    "tol": "use gtol (on the largest gradient component) or ftol (relative decrease of f).",
    "options": "pass the method's options as keywords, e.g. minimize(f, x0, 'L-BFGS-B', "
               "maxcor=20).",
    "maxfun": "use maxfev, which every method takes.",
}


def check_options(method, options):
    """Reject options ``method`` does not take, naming the ones it does.

    >>> try:
    ...     check_options(lookup("adam"), {"momentum": 0.9})
    ... except UnknownOptionError as e:
    ...     print(str(e).splitlines()[0])
    Method 'adam' has no option 'momentum'.
    """
    refuse_unknown_options(
        options, method.options, _SCIPY_HABITS, caller="minimize", owner=f"Method {method.name!r}",
        also="and for every method: args, bounds, constraints, gtol, ftol, maxiter, maxfev, "
             "max_time, callback.")


def refuse_unknown_options(options, valid, habits, caller, owner, also):
    """Raise :class:`UnknownOptionError` for the names in ``options`` not in ``valid``: a
    known habit from another library gets its own hint (``habits[name]``), otherwise every
    unknown name is listed with the valid ones and ``also`` (what every call takes).

    >>> try:
    ...     refuse_unknown_options({"tol": 1}, ("gtol",), {}, "f", "f", "and args.")
    ... except UnknownOptionError as e:
    ...     print(e)
    f has no option 'tol'.
    Its options: gtol; and args.
    """
    unknown = [k for k in options if k not in valid]
    for k in unknown:
        if k in habits:
            raise UnknownOptionError(f"{caller} takes no {k!r}: {habits[k]}")
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise UnknownOptionError(f"{owner} has no option{plural} {names}.\nIts options: "
                                 f"{', '.join(valid) or '(none)'}; {also}")
