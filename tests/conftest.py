"""Test-wide settings, applied before numpy loads.

One OpenBLAS thread, as the app and ``main.py train`` use: classroom-sized matrix products gain
nothing from BLAS threads, and on a loaded 2-core machine they made training 10-40x slower.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

pytest_plugins = ["pytester"]  # the exception guard's own test runs an inner pytest


def pytest_configure(config):
    """The exception guard's marker (``tests.exception_guard``), for every test folder."""
    from tests.exception_guard import MARKER_HELP

    config.addinivalue_line("markers", MARKER_HELP)
