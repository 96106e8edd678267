"""The Lesson panel through the window: a student opens lesson 1 from the gallery, answers,
uses "Show me", watches every check turn green by itself (training included), and finds the
progress again in a new window; a check ticks while a run is still going; broken lesson
files are refused in words."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from app.settings import Settings
from engine.lessons import LESSONS_DIR
from widgets.lessons.lesson_panel import PASSED, WAITING
from widgets.panels.gallery import ExampleGallery
from widgets.window.main_window import MainWindow

OPEN: list[MainWindow] = []


@pytest.fixture(autouse=True)
def _close_windows():
    """Close every window without the unsaved-work question, also after a failure."""
    yield
    while OPEN:
        _close(OPEN.pop())


def _window(qtbot, tmp_path) -> MainWindow:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    win.run.ask_keep_weights = lambda: True
    win.prompts_enabled = False  # qtbot closes it after a failure: no unsaved-work question
    qtbot.addWidget(win)
    win.show()
    OPEN.append(win)
    return win


def _close(win: MainWindow) -> None:
    win.prompts_enabled = False
    win.close()


def _open_from_gallery(win: MainWindow, lesson_id: str) -> ExampleGallery:
    gallery = ExampleGallery(win, lesson_progress=win.settings.lesson_progress)
    assert gallery.select_lesson(lesson_id)
    assert win.files.open_example(gallery.chosen_path)  # what "Open" does with the choice
    return gallery


def _fast(win: MainWindow) -> None:
    """The perceptron example trains at 5 steps/s so students can follow each update."""
    win.session.set_step_rate(1e6)


def _marks(panel) -> list[str]:
    return [row.mark.text()[0] for row in panel.rows]


def test_lesson_one_from_the_gallery_to_the_end_and_remembered(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    gallery = _open_from_gallery(win, "01_perceptron")
    assert "not started" in gallery.lesson_cards[0].progress.text()
    lesson, panel = win.lessons.session, win.lessons.panel
    assert lesson is not None and panel.lesson is lesson
    assert win.doc.project.name == "Perceptron learns AND"  # step 1's setup opened it
    assert panel.where.text().startswith("Step 1 of 4") and _marks(panel) == [WAITING]
    assert "You will learn" in panel.text.text() and not panel.hints.isVisible()

    # step 1: a wrong prediction shows a hint, the right one ticks the check
    row = panel.rows[0]
    row.input.setText("2")
    row.button.click()
    assert panel.hints.isVisible() and "weight" in panel.hints.text()
    assert _marks(panel) == [WAITING]
    row.input.setText("3")
    row.button.click()
    assert _marks(panel) == [PASSED] and not row.input.isEnabled()

    # steps 2 and 3: "Show me" trains; the checks turn green by themselves (signals only)
    for number, checks in ((2, 1), (3, 2)):
        panel.next_button.click()
        assert panel.where.text().startswith(f"Step {number} of 4")
        assert _marks(panel) == [WAITING] * checks
        panel.show_me_button.click()
        _fast(win)
        qtbot.waitUntil(lambda: _marks(panel) == [PASSED] * checks, timeout=30_000)
    assert win.doc.project.dataset["name"] == "xor_gate"
    qtbot.waitUntil(lambda: win.run.state != "running", timeout=10_000)

    # step 4: a multiple-choice answer through the choice box
    panel.next_button.click()
    box = panel.rows[0].input
    box.setCurrentIndex(box.findText("No straight line separates the two classes"))
    panel.rows[0].button.click()
    assert _marks(panel) == [PASSED]
    assert lesson.is_complete() and "complete" in panel.status.text()
    assert not panel.next_button.isEnabled()
    _close(win)

    # a new window with the same user settings: progress is remembered
    again = _window(qtbot, tmp_path)
    gallery = ExampleGallery(again, lesson_progress=again.settings.lesson_progress)
    assert "done ✓" in gallery.lesson_cards[0].progress.text()
    assert again.files.open_path(LESSONS_DIR / "01_perceptron.lesson.json", ask=False)
    panel = again.lessons.panel
    assert panel.where.text().startswith("Step 4 of 4") and _marks(panel) == [PASSED]
    assert again.doc.project.dataset["name"] == "xor_gate"  # earlier steps replayed
    panel.back_button.click()
    assert _marks(panel) == [PASSED, WAITING]  # judged again live: no run yet after 20 epochs
    assert "done before" in panel.rows[1].mark.text()  # but the step stays done
    panel.restart_button.click()
    assert panel.where.text().startswith("Step 1 of 4") and _marks(panel) == [WAITING]
    assert again.doc.project.dataset["name"] == "and"
    assert again.settings.lesson_progress("01_perceptron") == (0, [])
    _close(again)


def test_a_check_ticks_while_the_run_is_still_going(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    _open_from_gallery(win, "03_learning_rate")
    lesson, panel = win.lessons.session, win.lessons.panel
    panel.next_button.click()  # Next is allowed before a step is passed
    states: dict[str, str] = {}
    lesson.checks_changed.connect(
        lambda: states.update({c: win.run.state for c in lesson.passed if c not in states}))
    panel.show_me_button.click()
    win.session.set_step_rate(1e6)
    qtbot.waitUntil(lambda: "lr_spiral_solved" in lesson.passed, timeout=45_000)
    assert "lr_adam" in states  # the settings edit of "Show me"
    assert states["lr_spiral_solved"] == "running"  # ticked live, mid-run (≥ 90 % by ~115/200)
    win.session.stop()
    _close(win)


def test_a_broken_lesson_file_is_refused_in_words(qtbot, tmp_path, monkeypatch):
    win = _window(qtbot, tmp_path)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda _parent, _title, text, *a: shown.append(text) or 0)
    data = json.loads((LESSONS_DIR / "02_xor_hidden_layer.lesson.json").read_text())
    data["steps"][1]["checks"][0]["metric"] = 5
    path = tmp_path / "mine.lesson.json"
    path.write_text(json.dumps(data))
    before = win.doc.project.name
    assert not win.files.open_path(path, ask=False)
    assert win.lessons.session is None and win.doc.project.name == before
    assert shown and "step 2, check 1" in shown[0].lower() and "Traceback" not in shown[0]
    _close(win)


@pytest.mark.parametrize("key", ["xor"])
def test_without_a_lesson_the_panel_shows_the_projects_lesson_text(qtbot, tmp_path, key):
    from app.examples import example_path

    win = _window(qtbot, tmp_path)
    assert win.files.open_example(example_path(key))
    assert "Try seed 1" in win.lessons.panel.text.text()
    assert not win.lessons.panel.show_me_button.isVisible()
    _close(win)


def test_the_students_own_edits_tick_checks_and_a_missed_run_brings_a_hint(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    assert win.files.open_path(LESSONS_DIR / "02_xor_hidden_layer.lesson.json", ask=False)
    panel, doc = win.lessons.panel, win.doc
    assert "hidden" not in doc.graph.nodes  # the setup's variant of the xor example
    # Hint on request, one at a time
    panel.hint_button.click()
    assert panel.hints.isVisible() and "n × m" in panel.hints.text()
    panel.hint_button.click()
    assert "2 × 2 + 2 = 6" in panel.hints.text() and not panel.hint_button.isEnabled()
    # the student builds the hidden layer with ordinary edits (what the canvas does)
    doc.add_layer("Dense", (270.0, 0.0), {"units": 2, "activation": "tanh"}, "hidden")
    doc.disconnect_edge(next(e for e in doc.graph.edges if e.target == "output"))
    assert doc.connect_layers("inputs", "hidden") is None
    assert doc.connect_layers("hidden", "output") is None
    win.canvas.select_layers(["hidden"])  # the student selects it: the Layer tab comes up
    assert panel.visibleRegion().isEmpty()
    qtbot.waitUntil(lambda: _marks(panel) == [PASSED, WAITING], timeout=5_000)
    assert not panel.visibleRegion().isEmpty()  # the tick brings the Lesson tab back
    assert "✓ The network has a hidden Dense layer" in win.statusBar().currentMessage()
    panel.next_button.click()
    panel.back_button.click()  # going back does not redo the setup: the work stays
    assert "hidden" in doc.graph.nodes and _marks(panel) == [PASSED, WAITING]
    assert panel.checks_box.count() == 2  # no rows left over from other steps
    panel.next_button.click()
    # a run that ends without passing (an unlucky seed) is a failed attempt: a hint appears
    doc.set_training({"seed": 1, "epochs": 150})
    assert not panel.hints.isVisible()
    win.run.toggle_play()
    _fast(win)
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=30_000)
    qtbot.waitUntil(panel.hints.isVisible, timeout=5_000)
    assert _marks(panel) == [WAITING, WAITING] and "75 %" in panel.hints.text()
