"""Drop-ins for SciPy's Python-level functions, laid out as SciPy is: differentiable by optad.

SciPy's ufuncs (``scipy.special.erf``, ``expit``, ``gammaln``, ...) work on traced values
as they are (:mod:`optad.prims.special`). SciPy's *Python* functions do not: they
convert their input with ``np.asarray``, which would drop its gradient (optad raises
:class:`~optad.errors.TracerConversionError`, naming the drop-in below). Each drop-in
takes SciPy's arguments, gives SciPy's values on plain arrays and on traced ones, and is
differentiable to any order:

==========================================  ==================================================
``optad.scipy.special``                     ``logsumexp`` (axis, b, keepdims, return_sign),
                                            ``softmax``, ``log_softmax``, ``polygamma``
``optad.scipy.linalg``                      ``solve_triangular``, ``cho_factor``, ``cho_solve``
``optad.scipy.stats``                       ``norm`` (logpdf, pdf, cdf, logcdf, sf, logsf,
                                            ppf, isf; frozen ``norm(loc, scale)``),
                                            ``multivariate_normal`` (logpdf, pdf),
                                            ``t``, ``gamma``, ``chi2``, ``beta``, ``expon``,
                                            ``laplace``, ``logistic``, ``cauchy``,
                                            ``uniform`` (logpdf, pdf, cdf, logcdf, sf,
                                            logsf; frozen forms), ``poisson`` (pmf,
                                            logpmf, cdf, logcdf, sf, logsf),
                                            ``dirichlet`` (logpdf, pdf)
==========================================  ==================================================

The submodules import SciPy; importing ``optad.scipy`` itself does not (each submodule
loads on first use), so the core stays free of SciPy until it is needed.

>>> import numpy as np, optad, optad.scipy
>>> optad.grad(optad.scipy.special.logsumexp)(np.zeros(2))
array([0.5, 0.5])
"""

import importlib

__all__ = ["special", "linalg", "stats", "DROP_INS"]

#: SciPy's function -> its drop-in here (read by optad's conversion error, which then
#: names the drop-in: see :func:`optad.dispatch.conversion_error`). Plain names, so that
#: reading the table imports no SciPy.
DROP_INS = {
    f"scipy.{module}.{name}": f"optad.scipy.{module}.{name}"
    for module, names in [
        ("special", ("logsumexp", "softmax", "log_softmax", "polygamma")),
        ("linalg", ("solve_triangular", "cho_factor", "cho_solve")),
        ("stats", tuple(f"norm.{m}" for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf",
                                               "ppf", "isf"))
         + ("multivariate_normal.logpdf", "multivariate_normal.pdf")
         + tuple(f"{dist}.{m}" for dist in ("t", "gamma", "chi2", "beta", "expon", "laplace",
                                            "logistic", "cauchy", "uniform")
                 for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"))
         + tuple(f"poisson.{m}" for m in ("pmf", "logpmf", "cdf", "logcdf", "sf", "logsf"))
         + ("dirichlet.logpdf", "dirichlet.pdf")),
    ]
    for name in names
}


def __getattr__(name):
    # optad.scipy.special etc. load on first use (they import SciPy)
    if name in ("special", "linalg", "stats"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
