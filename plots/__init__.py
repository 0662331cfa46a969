"""plots: convergence figures, trajectories on contour maps, performance and data profiles.

Every function takes records (the dicts ``optimizers.compare`` returns and writes, one
per run) and returns a Matplotlib :class:`~matplotlib.figure.Figure` on an Agg canvas:
nothing opens a window. Save one with ``fig.savefig("name.png")``. The ``optad``
command lives in :mod:`plots.cli`.

>>> import plots
>>> records = plots.example_records()            # synthetic, shaped like compare's
>>> fig = plots.convergence(records, x="nfev")
>>> fig.axes[0].get_yscale(), fig.axes[0].get_xlabel()
('log', 'function evaluations')
"""

from .convergence import convergence
from .graph import draw_trace
from .profiles import data_profile, performance_profile
from .records import DEFAULT_TOL, example_records, load_records
from .summary import summarize, summary_table
from .trajectories import trajectories

__all__ = [
    "convergence", "trajectories", "performance_profile", "data_profile", "draw_trace",
    "summary_table", "summarize", "load_records", "example_records", "DEFAULT_TOL",
]
