"""The start-up warm-up: runs engine.warmup in the background, shows its progress line in a
non-modal dialog (the window stays usable), and reports when the engine is ready."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from engine import warmup
from widgets.window.startup import EngineWarmup


def _small_tasks(monkeypatch):
    tasks = tuple(t for t in warmup.TASKS if t.label in ("xor", "Conv1D"))
    monkeypatch.setattr(warmup, "TASKS", tasks)
    return tasks


def test_warmup_shows_each_network_and_reports_ready(qtbot, monkeypatch):
    _small_tasks(monkeypatch)
    parent = QWidget()
    qtbot.addWidget(parent)
    engine_warmup = EngineWarmup(parent)
    seen: list[tuple[str, int, int]] = []
    engine_warmup.signals.warmup_progress.connect(lambda *args: seen.append(args))
    engine_warmup.start()
    engine_warmup.show_dialog()
    dialog = engine_warmup.dialog
    assert dialog is not None
    assert dialog.windowModality() == Qt.WindowModality.NonModal  # the window stays usable
    with qtbot.waitSignal(engine_warmup.warmup_done, timeout=60_000) as blocker:
        pass
    ok, message = blocker.args
    assert ok and message.startswith("Engine ready")
    assert [line for line, _, _ in seen] == ["Preparing the engine: dense 1/1 (xor)…",
                                             "Preparing the engine: conv 1/1 (Conv1D)…"]
    assert engine_warmup.dialog is None  # closed when done


def test_hide_closes_the_dialog_while_the_warm_up_goes_on(qtbot, monkeypatch):
    _small_tasks(monkeypatch)
    parent = QWidget()
    qtbot.addWidget(parent)
    engine_warmup = EngineWarmup(parent)
    engine_warmup.start()
    engine_warmup.show_dialog()
    assert engine_warmup.dialog is not None
    button = engine_warmup.dialog.findChild(QPushButton)
    assert button.text() == "Hide"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert engine_warmup.dialog is None
    with qtbot.waitSignal(engine_warmup.warmup_done, timeout=60_000) as blocker:
        pass
    assert blocker.args[0] is True
