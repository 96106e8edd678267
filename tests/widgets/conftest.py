"""Widget tests run without a display: Qt's offscreen platform, set before Qt starts."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.exception_guard import guard  # noqa: E402


@pytest.fixture(autouse=True)
def _empty_clipboard_after_test():
    """A Python-created QMimeData left on the clipboard is freed twice at interpreter exit
    (segfault, exit code 139, after every test passed); clear it after each test."""
    yield
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        app.clipboard().clear()


@pytest.fixture
def doc(qtbot):
    """An empty project document (canvas and inspector tests)."""
    from app.document import ProjectDocument

    document = ProjectDocument()
    yield document
    document.undo_stack.blockSignals(True)  # no dirty_changed from a half-deleted document


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
