"""Test-session settings shared by the suite and the doctests.

One BLAS thread: on a loaded 2-core machine OpenBLAS threads contend and make SciPy's
optimizers an order of magnitude slower (seen here: 0.23 s vs 3.5-5.3 s on mgh24).
The Agg backend: figures render to files, no window ever opens.
"""

import os

import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_addoption(parser):
    parser.addoption(
        "--no-refcounts", action="store_true",
        help="run with optad.config.refcounts off: the engine's path on CPython >= 3.14 and "
             "PyPy, where reference counts cannot be trusted")


def pytest_collection_modifyitems(config, items):
    # OPTAD_REFERENCE=1 runs the whole suite on the reference engine (what a user who
    # suspects an AD bug would do); the tests of the fast engine's own tricks say nothing
    # there.
    from optad.engines import DEFAULT_REFERENCE

    if DEFAULT_REFERENCE:
        skip = pytest.mark.skip(reason="a test of the fast engine; OPTAD_REFERENCE=1 runs "
                                       "the reference engine")
        for item in items:
            if "fast_engine" in item.keywords:
                item.add_marker(skip)


def pytest_configure(config):
    if config.getoption("--no-refcounts"):
        import optad

        optad.config.refcounts = False
