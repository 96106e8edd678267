"""Test-wide settings, applied before the tests import the engine.

BLAS (numpy's and scipy's OpenBLAS) runs one thread outside training calls, as in the app and
``main.py train``: ``engine.threads.install(1)`` sets it through threadpoolctl; no BLAS
environment variable is pinned process-wide. Classroom-sized products gain nothing from BLAS
threads, and on a loaded 2-core machine they made training 10-40x slower. The thread budget is
fixed at 1 (``LAYERLAB_THREADS`` when set), so every test trains on the same threads whatever
the machine and its load; the threading tests set their own (``tests/engine/test_threads.py``).
"""

import os

import numpy  # noqa: F401 - loaded first, so install(1) reaches BLAS at once

from engine import threads

threads.install(1)
if not os.environ.get(threads.ENV, "").strip():
    threads.set_budget(1)

pytest_plugins = ["pytester"]  # the exception guard's own test runs an inner pytest


def pytest_configure(config):
    """The exception guard's marker (``tests.exception_guard``), for every test folder."""
    from tests.exception_guard import MARKER_HELP

    config.addinivalue_line("markers", MARKER_HELP)
