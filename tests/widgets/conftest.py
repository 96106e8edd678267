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


@pytest.fixture(autouse=True)
def _modal_dialogs_never_block(monkeypatch):
    """A modal dialog nobody answers would hang the run (seen: a failed test left its window
    with unsaved changes, and pytest-qt's teardown close asked "Save the changes?" forever).
    Tests that expect a dialog replace the asking method; any other modal answers at once —
    Discard/No/Cancel for questions, OK for messages, Rejected for dialogs — and is recorded
    in ``answered_modals`` for tests that want to look."""
    from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

    SB = QMessageBox.StandardButton
    answered: list[tuple[str, str]] = []

    def question(_parent, title, text, buttons=SB.Yes | SB.No, *_args, **_kwargs):
        answered.append((title, text))
        for choice in (SB.Discard, SB.No, SB.Cancel):
            if buttons & choice:
                return choice
        return SB.NoButton

    def message(_parent, title, text, *_args, **_kwargs):
        answered.append((title, text))
        return SB.Ok

    def dialog_exec(self, *_args):
        answered.append((self.windowTitle(), type(self).__name__))
        return QDialog.DialogCode.Rejected.value

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(message))
    def no_file(_parent=None, caption="", *_args, **_kwargs):
        answered.append((caption, "file dialog"))
        return "", ""

    for name in ("getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(no_file))
    monkeypatch.setattr(QDialog, "exec", dialog_exec)
    monkeypatch.setattr(QMessageBox, "exec", dialog_exec)
    yield answered


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The main window with the spiral example open and its data loaded (a test file may
    define its own ``window`` fixture instead)."""
    from app.examples import example_path
    from tests.widgets.window_helpers import close_test_window, make_test_window

    win = make_test_window(qtbot, tmp_path, monkeypatch)
    assert win.files.open_example(example_path("spiral"))
    win.dataset_panel.ensure_current()
    yield win
    close_test_window(win)
