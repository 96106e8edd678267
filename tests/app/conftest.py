"""Qt for the app tests: offscreen, so no display is needed (set before pytest-qt starts Qt)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.exception_guard import guard  # noqa: E402


@pytest.fixture(autouse=True)
def _fail_on_escaped_exceptions(request):
    """A test fails when an exception escapes into a thread or is caught and logged with
    its traceback (Qt slots: pytest-qt's capture); see ``tests.exception_guard``."""
    yield from guard(request)


@pytest.fixture(scope="session", autouse=True)
def _warm_engine_kernels():
    """Compile numba kernels before any test waits on a training thread with a timeout."""
    from tests.warm_engine import warm_engine_kernels

    warm_engine_kernels()
