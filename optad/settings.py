"""Every knob of the fast engine in one settings object, ``optad.config``.

Each field says what it decides and why its default was chosen; tests (and curious users)
change them through :meth:`Settings.override`, never by patching private names. The
settings are process-wide: every thread reads the same object.

>>> import numpy as np, optad
>>> optad.config.drop_min_size
4096
>>> with optad.config.override(refcounts=False, pool_min_bytes=0):
...     float(optad.grad(lambda x: np.sum(x ** 2))(np.ones(3))[0])
2.0
>>> optad.config.pool_min_bytes
262144
"""

import contextlib
import sys
from dataclasses import dataclass, fields

__all__ = ["Settings", "config"]

# Reference counts tell when an array is a temporary nobody else holds, so it may be
# overwritten in place (as NumPy's own temporary elision does). CPython 3.14 may borrow
# references on the evaluation stack, making counts too low to trust; PyPy has none.
_REFCOUNTS_EXACT = sys.implementation.name == "cpython" and sys.version_info < (3, 14)


@dataclass(slots=True)
class Settings:
    """The fast engine's knobs (see the module docstring for how to change them).

    >>> Settings().dot_row
    8192
    """

    #: Trust ``sys.getrefcount``: write into arrays only this call holds, pool dead ones.
    #: Off on CPython >= 3.14 and PyPy, where counts can be too low; everything stays
    #: correct without it, only slower.
    refcounts: bool = _REFCOUNTS_EXACT
    #: Reverse mode keeps on the tape only the values rules read, for arrays of at least
    #: this many elements (below, the bookkeeping costs more than the memory saved).
    drop_min_size: int = 4096
    #: Forward mode keeps d(x**2) = 2·x·dx and sums of such tangents as a LinearForm
    #: (np.sum of one is a dot per term) for arrays of at least this many elements.
    form_min_size: int = 4096
    #: Arrays of at least this many bytes go to the buffer pool once dead (smaller ones
    #: are left to the allocator: their page faults are cheap).
    pool_min_bytes: int = 256 * 1024
    #: The most bytes each thread's pool keeps.
    pool_max_bytes: int = 256 * 1024 * 1024
    #: The most buffers of one shape each thread's pool keeps.
    pool_per_shape: int = 16
    #: How many of a call's most recent large arrays each pooled operation checks for death.
    reclaim_window: int = 8
    #: Forward-mode sums of products run as dots over rows of this length: OpenBLAS
    #: threads longer dots, and on 2 cores its spinning workers slowed whole jvp calls 1.8x.
    dot_row: int = 8192
    #: ``jacobian`` uses forward mode when outputs outnumber inputs by more than this:
    #: a forward column measured about two reverse rows here.
    forward_pass_cost: float = 2.0

    @contextlib.contextmanager
    def override(self, **changes):
        """Change some settings inside a ``with`` block (process-wide), then restore them.

        >>> import optad
        >>> with optad.config.override(drop_min_size=1):
        ...     optad.config.drop_min_size
        1
        """
        names = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise TypeError(f"optad.config has no setting {', '.join(unknown)}; "
                            f"the settings are: {', '.join(sorted(names))}.")
        before = {name: getattr(self, name) for name in changes}
        for name, value in changes.items():
            setattr(self, name, value)
        try:
            yield self
        finally:
            for name, value in before.items():
                setattr(self, name, value)


config = Settings()
