"""The results file of a study: JSON Lines, one record per finished run, append-only.

Each record is written as one complete line in a single ``write`` on a file opened for
appending, then flushed to disk (``fsync``), so a study killed at any moment leaves at
most a torn *last* line, never a torn record in the middle. Opening the file to resume
drops such a torn tail (that run is simply run again).

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "study.jsonl")
>>> with ResultsFile(path) as rf:
...     rf.append({"method": "adam", "fun": 0.5})
>>> load_results(path)
[{'method': 'adam', 'fun': 0.5}]
"""

import json
import math
import os
import warnings

import numpy as np

__all__ = ["ResultsFile", "load_results", "jsonable"]


def jsonable(value):
    """``value`` with NumPy scalars/arrays as Python numbers/lists and nan/inf as None.

    >>> jsonable({"a": np.float64(1.5), "b": [np.nan, np.int64(2)], "c": np.ones(2)})
    {'a': 1.5, 'b': [None, 2], 'c': [1.0, 1.0]}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if callable(value):
        return getattr(value, "__name__", repr(value))
    return repr(value)


def load_results(path):
    """The records of a results file, in file order (a torn last line is skipped).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "r.jsonl")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write('{"fun": 1.0}\\n{"fun": 2')          # a torn last line
    >>> load_results(path)
    [{'fun': 1.0}]
    """
    records = []
    with open(path, "rb") as fh:
        data = fh.read()
    lines = data.split(b"\n")
    for k, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if k != len(lines) - 1:   # a bad line that is not the torn tail
                warnings.warn(f"{path}: line {k + 1} is not valid JSON; skipped.", stacklevel=2)
    return records


class ResultsFile:
    """An append-only JSON Lines file: ``resume=True`` keeps (and reads) what is there,
    ``resume=False`` starts it afresh.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "r.jsonl")
    >>> with ResultsFile(path) as rf:
    ...     rf.append({"run": 1})
    >>> ResultsFile(path).records
    [{'run': 1}]
    >>> ResultsFile(path, resume=False).records
    []
    """

    def __init__(self, path, resume=True):
        self.path = os.fspath(path)
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if resume and os.path.exists(self.path):
            self._drop_torn_tail()
            self.records = load_results(self.path)
        else:
            self.records = []
            if os.path.exists(self.path):
                os.truncate(self.path, 0)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _drop_torn_tail(self):
        with open(self.path, "rb+") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)

    def append(self, record):
        """Write one record as one line (one ``write``), then ``fsync``."""
        line = (json.dumps(jsonable(record), allow_nan=False) + "\n").encode()
        view = memoryview(line)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self.records.append(record)

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
