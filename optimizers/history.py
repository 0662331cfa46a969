"""The per-iteration record of a run: what convergence plots and tables read.

One row per iteration, row 0 being the start. Columns: ``iteration``, ``f``,
``grad_norm`` (the largest gradient component ‖g‖∞, the quantity ``gtol`` tests),
``nfev``, ``njev`` (evaluations so far) and ``time`` (seconds since the run started).
Runs on at most :data:`KEEP_X_MAX` variables also keep the iterates in an ``x`` column
(for trajectory plots).

>>> h = History()
>>> h.append(0, 5.0, 2.0, 1, 1, 0.0)
>>> h.append(1, 1.0, 0.5, 3, 2, 0.01)
>>> len(h), h.column("f")
(2, array([5., 1.]))
>>> History.from_dict(h.to_dict()).column("nfev")
array([1, 3])
"""

import csv
import io
import json

import numpy as np

__all__ = ["History", "LeastSquaresHistory", "KEEP_X_MAX"]

#: Iterates are kept in the history when the problem has at most this many variables.
KEEP_X_MAX = 10

_INT_COLUMNS = ("iteration", "nfev", "njev")


class History:
    """Iteration records of one run; ``history[i]`` is row ``i`` as a dict.

    >>> h = History()
    >>> h.append(0, 2.0, 4.0, 1, 1, 0.0, x=[1.0, 1.0])
    >>> h[0]["x"], h.columns
    ([1.0, 1.0], ('iteration', 'f', 'grad_norm', 'nfev', 'njev', 'time', 'x'))
    """

    COLUMNS = ("iteration", "f", "grad_norm", "nfev", "njev", "time")

    def __init__(self):
        self._rows = []
        self._xs = None

    @property
    def columns(self):
        """The column names; ``"x"`` is last when iterates are kept."""
        return self.COLUMNS + (("x",) if self._xs is not None else ())

    def append(self, iteration, f, grad_norm, nfev, njev, time, x=None):
        """Add one row (``x`` only for small problems, and then on every row)."""
        self._rows.append((int(iteration), float(f), float(grad_norm), int(nfev), int(njev),
                           float(time)))
        if x is not None:
            if self._xs is None:
                self._xs = []
            self._xs.append([float(v) for v in np.ravel(x)])

    def _add(self, row, x=None):
        """:meth:`append` for a row whose values already have the column types (the hot
        path of a run: no conversions)."""
        self._rows.append(row)
        if x is not None:
            if self._xs is None:
                self._xs = []
            self._xs.append(x.tolist())

    def __len__(self):
        return len(self._rows)

    def __getitem__(self, i):
        row = dict(zip(self.COLUMNS, self._rows[i]))
        if self._xs is not None:
            row["x"] = self._xs[i]
        return row

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        if not self._rows:
            return "History(0 rows)"
        last = self[-1]
        return (f"History({len(self)} rows; last: iteration {last['iteration']}, "
                f"f = {last['f']:.6g}, grad_norm = {last['grad_norm']:.3g})")

    def column(self, name):
        """One column as an ndarray (``"x"`` gives an ``(iterations, n)`` array).

        >>> h = History(); h.append(0, 1.0, 0.1, 1, 1, 0.0)
        >>> h.column("grad_norm")
        array([0.1])
        """
        if name == "x":
            if self._xs is None:
                raise KeyError("This history kept no iterates (the problem has more than "
                               f"{KEEP_X_MAX} variables); use a callback to record x.")
            return np.array(self._xs)
        if name not in self.COLUMNS:
            raise KeyError(f"No column {name!r}; the columns are {', '.join(self.columns)}.")
        k = self.COLUMNS.index(name)
        dtype = int if name in _INT_COLUMNS else float
        return np.array([row[k] for row in self._rows], dtype=dtype)

    def to_dict(self):
        """``{column: list}``, ready for JSON.

        >>> h = History(); h.append(0, 1.0, 0.1, 1, 1, 0.0)
        >>> h.to_dict()["f"]
        [1.0]
        """
        d = {name: [row[k] for row in self._rows] for k, name in enumerate(self.COLUMNS)}
        if self._xs is not None:
            d["x"] = [list(x) for x in self._xs]
        return d

    @classmethod
    def from_dict(cls, d):
        """Rebuild a history from :meth:`to_dict`'s output (e.g. read back from JSON).

        >>> History.from_dict({"iteration": [0], "f": [1.0], "grad_norm": [0.5],
        ...                    "nfev": [1], "njev": [1], "time": [0.0]})
        History(1 rows; last: iteration 0, f = 1, grad_norm = 0.5)
        """
        missing = [c for c in cls.COLUMNS if c not in d]
        if missing:
            raise ValueError(f"History.from_dict: missing column(s) {', '.join(missing)}.")
        h = cls()
        xs = d.get("x")
        for k, values in enumerate(zip(*(d[c] for c in cls.COLUMNS))):
            h.append(*values, x=None if xs is None else xs[k])
        return h

    def to_json(self, path=None):
        """The history as a JSON object of columns; written to ``path`` if given.

        >>> h = History(); h.append(0, 1.0, 0.1, 1, 1, 0.0)
        >>> h.to_json()[:20]
        '{"iteration": [0], "'
        """
        text = json.dumps(self.to_dict())
        if path is not None:
            with open(path, "w") as fh:
                fh.write(text)
        return text

    @classmethod
    def from_json(cls, text):
        """Rebuild a history from :meth:`to_json`'s text.

        >>> h = History(); h.append(0, 1.0, 0.1, 1, 1, 0.0)
        >>> len(History.from_json(h.to_json()))
        1
        """
        return cls.from_dict(json.loads(text))

    def to_csv(self, path=None):
        """The history as CSV text (a header row, then one row per iteration); iterates,
        when kept, become columns ``x0, x1, ...``. Written to ``path`` if given.

        >>> h = History(); h.append(0, 1.5, 0.25, 1, 1, 0.0)
        >>> print(h.to_csv(), end="")
        iteration,f,grad_norm,nfev,njev,time
        0,1.5,0.25,1,1,0.0
        """
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        header = list(self.COLUMNS)
        if self._xs is not None:
            header += [f"x{i}" for i in range(len(self._xs[0]) if self._xs else 0)]
        writer.writerow(header)
        for k, row in enumerate(self._rows):
            writer.writerow(list(row) + (self._xs[k] if self._xs is not None else []))
        text = buf.getvalue()
        if path is not None:
            with open(path, "w", newline="") as fh:
                fh.write(text)
        return text


class LeastSquaresHistory(History):
    """The history of a least-squares run: :class:`History`'s columns plus ``cost``.

    One row per Jacobian evaluation (one iteration of trf, dogbox and lm; row 0 the start).
    ``f`` is F = Σ r_i², as in the MGH papers and the ``problems`` package; ``cost`` is
    SciPy's ``cost``, ½ Σ ρ(r_i²) (= F/2 with the default linear loss); ``grad_norm`` is
    ‖∇F‖∞ = 2 ‖Jᵀ r‖∞; ``nfev`` counts residual evaluations and ``njev`` Jacobian
    evaluations so far.

    >>> h = LeastSquaresHistory()
    >>> h.append(0, 4.0, 2.0, 1, 1, 0.0, 2.0)
    >>> h[0]["cost"], h.columns[-1]
    (2.0, 'cost')
    >>> LeastSquaresHistory.from_dict(h.to_dict()).column("cost")
    array([2.])
    """

    COLUMNS = History.COLUMNS + ("cost",)

    def append(self, iteration, f, grad_norm, nfev, njev, time, cost, x=None):
        """Add one row (``x`` only for small problems, and then on every row)."""
        self._add((int(iteration), float(f), float(grad_norm), int(nfev), int(njev),
                   float(time), float(cost)),
                  None if x is None else np.asarray(x, dtype=float).ravel())
